/**
 * Turns a checked config into feature arrays: the rows planned (plan-rows.ts: split, target), each input read
 * (read-inputs.ts: files decoded concurrently, cells parsed or tokenised, through the feature cache), state
 * fitted on the training split only (vocabularies, statistics, category lists, normalisation: normalise.ts),
 * then encoded and assembled (assemble.ts) in memory or as streams from the cache. Unreadable files and bad
 * values are a DataError naming the row and column — or, with `data.on_error: skip`, a counted warning. Empty
 * cells follow each input's missing-value policy, counted and reported.
 *
 * Everything learned from training is one JSON-serialisable `PreprocessingState` (preprocessing-state.ts, the
 * run's `preprocessing.json`); `featuresFromState` applies it to new rows at prediction time through the same
 * loaders, giving exactly the training-time features.
 */
import { formatBytes } from '../io/regular-file.js';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../config/issues.js';
import { resolveConfigPath } from '../experiment/load.js';
import type { CheckedConfig } from '../experiment/semantic.js';
import { encoderRegistry } from '../model/encoders/index.js';
import { findEncoder, type InputMeta } from '../model/encoders/registry.js';
import type { RunEvent } from '../core/run-events.js';
import { maxFileBytes, type MediaReader } from './files/media-file.js';
import { streamWithoutCache } from './cache/options.js';
import type { FeatureCache } from './cache/store.js';
import { DataError } from './errors.js';
import type { Manifest } from './manifest.js';
import { findModality } from './modalities/index.js';
import { assemble, sizeOf, streamSplit, type EncodedInput } from './assemble.js';
import { fitNormalization, type RowFeatures } from './normalise.js';
import { planRows } from './plan-rows.js';
import type { InputState, PreprocessingState } from './preprocessing-state.js';
import type { CacheReport, DataOptions, MissingReport, PreparedData, SplitData, StreamedData } from './prepared.js';
import { encodeRows, entryRows, manifestName, readInputs, reportMissing, type InputSpec, type ReadResult } from './read-inputs.js';
import type { SplitIndices } from './split.js';
import { targetEncoder } from './target.js';

export type {
  CacheReport,
  DataOptions,
  MissingReport,
  PreparedData,
  SplitData,
  SplitLabels,
  SplitStream,
  StreamedData,
  StreamedSplit,
} from './prepared.js';
export { isStreamed } from './prepared.js';
export type { InputState, Normalization, PreprocessingState, TargetState } from './preprocessing-state.js';
export { planRows, type RowPlan } from './plan-rows.js';
export { sortClasses, splitLabelList, targetEncoder, type TargetEncoder } from './target.js';

type Emit = (e: RunEvent) => void;

/** The model's inputs, in state order, with their encoders' build-time meta: what `buildModel` takes. */
export function modelInputs(
  data: Pick<PreparedData, 'state' | 'meta'>,
): { name: string; modality: string; shape: number[]; meta: InputMeta }[] {
  return data.state.inputs.map((s) => ({ name: s.name, modality: s.modality, shape: s.shape, meta: data.meta[s.name] ?? {} }));
}

/** The input entry a modality's loader is created from, rebuilt from a saved state. */
function entryFromState(s: InputState): Record<string, unknown> {
  const columns = s.columns ?? [s.column];
  return { column: columns[0], ...(columns.length > 1 ? { columns: columns.slice(1) } : {}), preprocessing: s.preprocessing };
}

function specsOf(checked: CheckedConfig): InputSpec[] {
  return Object.entries(checked.config.inputs).map(([name, input]) => {
    const entry = input as unknown as Record<string, unknown>;
    const modality = findModality(input.type);
    const columns = modality.columns?.(entry) ?? [input.column];
    const files = modality.files;
    return {
      name,
      modality: input.type,
      columns,
      preprocessing: input.preprocessing,
      entry,
      ...(files ? { maxFileBytes: maxFileBytes(checked.config.data, files) } : {}),
    };
  });
}

/**
 * Prepares the data in memory (what evaluation, ablation and the bench use). With `options.cache`, decoded
 * features come from (and go to) the feature cache.
 */
export async function prepareData(
  checked: CheckedConfig,
  emit: Emit = () => {},
  signal?: AbortSignal,
  options: { cache?: FeatureCache } = {},
): Promise<PreparedData> {
  const data = await prepare(checked, emit, signal, { ...options, stream: 'never' });
  if ('streamed' in data) throw new Error('unreachable: stream: never gave streamed data');
  return data;
}

/**
 * Prepares the data for training: in memory, or — `stream: always`, or `auto` with more features than the
 * memory budget — streamed from the feature cache (needs the cache).
 */
export async function prepareTrainingData(
  checked: CheckedConfig,
  options: DataOptions,
  emit: Emit = () => {},
  signal?: AbortSignal,
): Promise<PreparedData | StreamedData> {
  return prepare(checked, emit, signal, options);
}

async function prepare(
  checked: CheckedConfig,
  emit: Emit,
  signal: AbortSignal | undefined,
  options: DataOptions,
): Promise<PreparedData | StreamedData> {
  const { config, manifest } = checked;
  const { splits, target, targetEnc, used } = planRows(checked, emit);
  const read = await readInputs(manifest, used, specsOf(checked), config.data.on_error, emit, signal, options.cache);
  // without a usable cache folder the data is prepared as with --no-cache
  if (read.cacheProblem) options = { ...options, cache: undefined };
  const closeEntries = (): void => {
    for (const r of read.inputs) r.entry?.close();
  };
  try {
    const { train: trainRows, validation: valRows, test: testRows } = usableRows(read, splits, manifestName(manifest));
    const missing = reportMissing(read, new Set([...trainRows, ...valRows, ...testRows]), emit);
    if (read.dropped.size) {
      emit({
        type: 'log',
        level: 'warn',
        message: `left out ${read.dropped.size.toLocaleString('en-US')} row(s) with missing values (missing: drop_row)`,
      });
    }
    const allRows = [...trainRows, ...valRows, ...testRows];
    const { states, encoded, meta } = await fitInputs(checked, read, trainRows, allRows, emit);
    const split = config.data.split;
    const common = {
      state: {
        version: 1 as const,
        target,
        inputs: states,
        split:
          split.column !== undefined
            ? { column: split.column, values: { train: split.train, validation: split.validation, test: split.test } }
            : {},
      },
      meta,
      dataHash: createHash('sha256').update(readFileSync(manifest.file)).digest('hex'),
      skipped: read.skipped,
      missing,
      droppedRows: read.dropped.size,
      unassignedRows: splits.unassigned,
      ...(options.cache ? { cache: cacheReport(options.cache, read) } : {}),
    };
    const featureBytes = allRows.length * states.reduce((a, s) => a + sizeOf(s.shape), 0) * 4;
    if (shouldStream(options, featureBytes, checked, emit)) {
      return {
        ...common,
        streamed: true,
        train: streamSplit(trainRows, states, encoded, targetEnc),
        validation: streamSplit(valRows, states, encoded, targetEnc),
        test: streamSplit(testRows, states, encoded, targetEnc),
        close: closeEntries,
      };
    }
    const data: PreparedData = {
      ...common,
      train: assemble(trainRows, states, encoded, targetEnc),
      validation: assemble(valRows, states, encoded, targetEnc),
      test: assemble(testRows, states, encoded, targetEnc),
    };
    closeEntries();
    return data;
  } catch (err) {
    closeEntries();
    throw err;
  }
}

/** Each split's rows without the ones left out (unreadable, or missing: drop_row); a split left empty is a DataError. */
function usableRows(read: ReadResult, splits: SplitIndices, file: string): Record<'train' | 'validation' | 'test', number[]> {
  const keep = (rows: number[]) => rows.filter((i) => !read.bad.has(i) && !read.dropped.has(i));
  const out = { train: keep(splits.train), validation: keep(splits.validation), test: keep(splits.test) };
  for (const name of ['train', 'validation', 'test'] as const) {
    if (out[name].length === 0)
      throw new DataError(
        `the ${name} split has no usable rows left`,
        { file },
        read.dropped.size ? 'rows with missing values were left out (missing: drop_row)' : undefined,
      );
  }
  return out;
}

interface FittedInputs {
  states: InputState[];
  encoded: Map<string, EncodedInput>;
  meta: Record<string, InputMeta>;
}

/**
 * Per input, what is learned from the training rows (the loader's fitted state, the shape, the normalisation),
 * its encoded features (in memory, or in its cache entry) and its encoder's build-time meta.
 */
async function fitInputs(
  checked: CheckedConfig,
  read: ReadResult,
  trainRows: number[],
  allRows: number[],
  emit: Emit,
): Promise<FittedInputs> {
  const states: InputState[] = [];
  const encoded = new Map<string, EncodedInput>();
  const meta: Record<string, InputMeta> = {};
  for (const r of read.inputs) {
    const present = trainRows.filter((i) => r.values[i] !== undefined);
    const fitted = r.entry ? undefined : r.loader.fit?.(present.map((i) => r.values[i]));
    const shape = r.loader.shape(fitted);
    let rowFeatures: RowFeatures;
    if (r.entry) {
      encoded.set(r.spec.name, { kind: 'entry', read: r });
      rowFeatures = entryRows(r, sizeOf(shape));
    } else {
      const byRow = encodeRows(r, allRows, fitted, sizeOf(shape));
      encoded.set(r.spec.name, { kind: 'memory', byRow });
      rowFeatures = (i) => byRow.get(i);
    }
    states.push({
      name: r.spec.name,
      modality: r.spec.modality,
      column: r.spec.columns[0]!,
      ...(r.spec.columns.length > 1 ? { columns: r.spec.columns } : {}),
      shape,
      preprocessing: r.spec.preprocessing,
      normalization: fitNormalization(r.loader.normalization, rowFeatures, trainRows, shape),
      ...(fitted !== undefined ? { fitted } : {}),
    });
    meta[r.spec.name] = await encoderMeta(checked, r.spec.name, r.loader.meta?.(fitted) ?? {}, shape, emit);
  }
  return { states, encoded, meta };
}

/** The loader's build-time meta, with what the input's encoder prepares (pretrained weights, ...). */
async function encoderMeta(checked: CheckedConfig, name: string, m: InputMeta, shape: number[], emit: Emit): Promise<InputMeta> {
  const { config } = checked;
  const input = config.inputs[name]!;
  const encoder = findEncoder(encoderRegistry, input.type, input.encoder.type);
  if (encoder.prepare) {
    Object.assign(
      m,
      await encoder.prepare({
        options: input.encoder as never,
        meta: m,
        featureShape: shape,
        resolvePath: (keyPath, value) => resolveConfigPath(checked, ['inputs', name, 'encoder', ...keyPath], value),
        log: (message) => emit({ type: 'log', level: 'info', message: `input '${name}': ${message}` }),
        seed: config.seed,
      }),
    );
  }
  return m;
}

/** Where each input's features came from in this run. */
function cacheReport(cache: FeatureCache, read: ReadResult): CacheReport {
  return {
    dir: cache.dir,
    inputs: read.inputs.map((r) => ({
      input: r.spec.name,
      status: r.cache,
      ...(r.entry ? { key: r.entry.info.key, bytes: r.cacheBytes ?? 0 } : {}),
    })),
  };
}

/** runtime.stream: always; auto when the features exceed the memory budget. Streaming reads from the cache. */
function shouldStream(options: DataOptions, featureBytes: number, checked: CheckedConfig, emit: Emit): boolean {
  const mode = options.stream ?? 'never';
  const budget = options.memoryBudgetBytes ?? 2048 * 2 ** 20;
  // held in memory past the budget: said once, with why and what to change
  const overBudget = (why: string): false => {
    if (featureBytes > budget && options.memoryBudgetBytes !== undefined) {
      emit({
        type: 'log',
        level: 'warn',
        message: `the features take ${formatBytes(featureBytes)}, more than runtime.memory_budget_mb allows (${formatBytes(Math.round(budget))}), and are held in memory: ${why}`,
      });
    }
    return false;
  };
  if (mode === 'never') return overBudget('runtime.stream is never (set it to auto to stream them from the feature cache)');
  if (!options.cache) {
    // checkSemantics reports this for a config; here it guards callers that pass options of their own
    const problem = streamWithoutCache(mode, false);
    if (problem) {
      const where = checked.sources.locate(['runtime', 'stream']) ?? { file: checked.file };
      throw new ConfigError([{ ...where, path: 'runtime.stream', ...problem }]);
    }
    return overBudget(
      'without the feature cache (--no-cache, runtime.cache: false, or a cache folder it cannot write) they cannot be streamed; run with the cache, or raise the budget',
    );
  }
  return mode === 'always' || featureBytes > budget;
}

/**
 * Features for new rows with a saved preprocessing state (same loaders, same fitted state, same normalisation).
 * Labels are read when the manifest has the target column (-1 where a cell is empty); a label the model never
 * saw is an error naming the row. Rows left out for a missing value (`missing: drop_row`) are listed in
 * `skipped` with that reason.
 */
export async function featuresFromState(
  manifest: Manifest,
  state: PreprocessingState,
  options: { rows?: number[]; onError?: 'error' | 'skip'; emit?: Emit; signal?: AbortSignal; readMedia?: MediaReader } = {},
): Promise<{ data: SplitData; hasLabels: boolean; skipped: PreparedData['skipped']; missing: MissingReport[] }> {
  const file = manifestName(manifest);
  const needed = state.inputs.flatMap((s) => s.columns ?? [s.column]);
  for (const s of state.inputs) {
    for (const c of s.columns ?? [s.column]) {
      if (!manifest.columns.includes(c)) {
        throw new DataError(
          `column '${c}' (input '${s.name}') is not in the manifest`,
          { file },
          `the model reads the columns: ${[...new Set(needed)].join(', ')}`,
        );
      }
    }
  }
  const emit = options.emit ?? (() => {});
  const rows = options.rows ?? manifest.rows.map((_, i) => i);
  const specs: InputSpec[] = state.inputs.map((s) => ({
    name: s.name,
    modality: s.modality,
    columns: s.columns ?? [s.column],
    preprocessing: s.preprocessing,
    entry: entryFromState(s),
    ...(options.readMedia ? { readMedia: options.readMedia } : {}),
  }));
  const read = await readInputs(manifest, rows, specs, options.onError ?? 'error', emit, options.signal);
  const kept = rows.filter((i) => !read.bad.has(i) && !read.dropped.has(i));
  const missing = reportMissing(read, new Set(kept), emit);
  const skipped = [...read.skipped];
  for (const r of read.inputs)
    for (const i of r.dropped) skipped.push({ row: i + 1, column: r.spec.columns.join(', '), reason: 'missing value (missing: drop_row)' });
  const encoded = new Map<string, EncodedInput>();
  for (const [k, r] of read.inputs.entries()) {
    const s = state.inputs[k]!;
    encoded.set(s.name, { kind: 'memory', byRow: encodeRows(r, kept, s.fitted, sizeOf(s.shape)) });
  }
  const target = state.target.column;
  const hasLabels = manifest.columns.includes(target);
  const where = (i: number, column: string) => ({ file, line: manifest.lines[i]!, row: i + 1, column });
  const targetEnc = targetEncoder(state.target, (i) => (hasLabels ? (manifest.rows[i]![target] ?? '').trim() : ''), where, true);
  return { data: assemble(kept, state.inputs, encoded, targetEnc), hasLabels, skipped, missing };
}

/**
 * `mmx runs`: a comparison table of an experiment's runs from either store — status, start, duration, the
 * params that differ between the runs, and chosen metrics — filtered and sorted with MLflow's search syntax.
 */
import { didYouMean } from '../../config/did-you-mean.js';
import { UsageError } from '../../errors.js';
import { resolveTracker } from '../../tracking/resolve.js';
import { filterKeys } from '../../tracking/search-filter.js';
import { liveness } from '../../tracking/liveness.js';
import { formatMeanSd } from '../../evaluate/repeat-stats.js';
import { asReader, type RunData, type TrackerReader } from '../../tracking/tracker.js';
import { formatDuration, formatMetric, formatTable, type TableColumn } from '../../ui/format.js';

export interface RunsOptions {
  experiment?: string;
  uri?: string;
  filter?: string;
  sort?: string;
  columns?: string;
  limit?: string;
  json?: boolean;
  csv?: boolean;
  /** `--mark-dead`: runs left RUNNING by a process that is gone are set FAILED */
  markDead?: boolean;
}

type IO = { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };

const DEFAULT_METRICS = ['test_accuracy', 'test_macro_f1', 'val_accuracy', 'val_loss'];
/** params that say what a run is, shown first when they differ */
const KEY_PARAMS = ['fusion.type', 'training.optimizer.learning_rate', 'training.epochs', 'training.batch_size', 'seed'];

/** `-metrics.x` → `metrics.x DESC`; `metrics.x` → `metrics.x ASC` (MLflow's order_by form passes through). */
export function toOrderBy(sort: string): string[] {
  return sort
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => (/\s(asc|desc)$/i.test(s) ? s : s.startsWith('-') ? `${s.slice(1)} DESC` : `${s.replace(/^\+/, '')} ASC`));
}

function cell(run: RunData, column: string): string {
  const [kind, ...rest] = column.split('.');
  const key = rest.join('.');
  switch (kind) {
    case 'metrics': {
      const v = run.metrics[key];
      // a repeats parent (training.repeats) has the mean under the name and the sd beside it
      const sd = run.metrics[`${key}_sd`];
      return v === undefined ? '' : sd !== undefined ? formatMeanSd(v, sd) : formatMetric(v);
    }
    case 'params':
      return run.params[key] ?? '';
    case 'tags':
      return run.tags[key] ?? '';
    default:
      throw new UsageError(`column '${column}' must start with metrics., params. or tags.`);
  }
}

function rawCell(run: RunData, column: string): string | number | null {
  const [kind, ...rest] = column.split('.');
  const key = rest.join('.');
  if (kind === 'metrics') return run.metrics[key] ?? null;
  if (kind === 'params') return run.params[key] ?? null;
  return run.tags[key] ?? null;
}

/** Params whose values are not the same in every run (key params first), at most `max`. */
export function differingParams(runs: RunData[], max = 6): string[] {
  const keys = new Set(runs.flatMap((r) => Object.keys(r.params)));
  const differ = [...keys].filter((k) => new Set(runs.map((r) => r.params[k] ?? '')).size > 1);
  differ.sort((a, b) => {
    const ia = KEY_PARAMS.indexOf(a);
    const ib = KEY_PARAMS.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
  });
  return differ.slice(0, max);
}

type KeyKind = 'metrics' | 'params' | 'tags';
const KIND = { metric: 'metrics', param: 'params', tag: 'tags' } as const;

/** Every metric, param and tag key some run has. */
function knownKeys(runs: readonly RunData[]): Record<KeyKind, Set<string>> {
  const out: Record<KeyKind, Set<string>> = { metrics: new Set(), params: new Set(), tags: new Set() };
  for (const r of runs) {
    for (const k of Object.keys(r.metrics)) out.metrics.add(k);
    for (const k of Object.keys(r.params)) out.params.add(k);
    for (const k of Object.keys(r.tags)) out.tags.add(k);
  }
  return out;
}

/** `metrics.test_acc` → ` (did you mean metrics.test_accuracy?)`, from the keys runs have; shortest names first. */
function guess(kind: KeyKind, key: string, known: Record<KeyKind, Set<string>>): string {
  const candidates = [...known[kind]].sort((a, b) => a.length - b.length || a.localeCompare(b));
  const g = didYouMean(key, candidates);
  return g === undefined ? '' : ` (did you mean ${kind}.${g}?)`;
}

/** The experiments to search: the one named (a typo gets a did-you-mean), else every active one. */
async function experimentIdsFor(tracker: TrackerReader, name: string | undefined): Promise<string[]> {
  if (name === undefined) return (await tracker.listExperiments()).map((e) => e.experimentId);
  const exp = await tracker.getExperimentByName(name);
  if (exp) return [exp.experimentId];
  const names = (await tracker.listExperiments()).map((e) => e.name);
  const g = didYouMean(name, names);
  const hint = g !== undefined ? ` (did you mean '${g}'?)` : names.length ? ` (experiments: ${names.map((n) => `'${n}'`).join(', ')})` : '';
  throw new UsageError(`--experiment: no experiment named '${name}' in ${tracker.uri}${hint}`);
}

export async function runsCommand(o: RunsOptions, io: IO): Promise<number> {
  const store = resolveTracker({ ...(o.uri ? { uri: o.uri } : {}), cwd: process.cwd() });
  const tracker = asReader(store);
  const experimentIds = await experimentIdsFor(tracker, o.experiment);
  const limit = o.limit !== undefined ? Number(o.limit) : 50;
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive whole number, got '${o.limit}'`);
  const runs = await tracker.searchRuns(experimentIds, {
    ...(o.filter ? { filter: o.filter } : {}),
    orderBy: toOrderBy(o.sort ?? '-attributes.start_time'),
    maxResults: limit,
  });
  // MLflow leaves a run RUNNING for ever when its process dies: the heartbeat tells (src/tracking/liveness.ts)
  const dead = new Map<string, string>();
  for (const r of runs) {
    const l = liveness(r.info.status, r.tags);
    if (l.dead) dead.set(r.info.runId, l.reason ?? 'no heartbeat');
  }
  if (o.markDead) {
    for (const r of runs) {
      const reason = dead.get(r.info.runId);
      if (reason === undefined) continue;
      await store.setTags(r.info.runId, { 'mmx.error': `its process died (${reason}); marked FAILED by mmx runs --mark-dead` });
      await store.endRun(r.info.runId, 'FAILED');
      r.info = { ...r.info, status: 'FAILED' };
      io.stderr.write(
        `run ${r.info.runId} (${r.info.runName}): RUNNING, ${reason}: marked FAILED (mmx run CONFIG --resume ${r.info.runId} continues it)\n`,
      );
    }
    dead.clear();
  }
  // the keys every run of these experiments has, read once and only when a name needs checking
  let all: Record<KeyKind, Set<string>> | undefined;
  const complete = !o.filter && runs.length < limit;
  const known = async (): Promise<Record<KeyKind, Set<string>>> =>
    (all ??= knownKeys(complete ? runs : await tracker.searchRuns(experimentIds, { maxResults: 1000 })));
  if (runs.length === 0 && o.filter) {
    // a comparison on a key no run has matches nothing: name it rather than answer "no runs match"
    const keys = await known();
    const missing = filterKeys(o.filter)
      .map((k) => ({ kind: KIND[k.type], key: k.key }))
      .filter((k) => !keys[k.kind].has(k.key));
    if (missing.length > 0) {
      throw new UsageError(`--filter: ${missing.map((k) => `no run has ${k.kind}.${k.key}${guess(k.kind, k.key, keys)}`).join('; ')}`);
    }
  }
  const columns = o.columns
    ? o.columns
        .split(',')
        .map((c) => c.trim())
        .filter(Boolean)
    : [
        ...differingParams(runs).map((p) => `params.${p}`),
        ...DEFAULT_METRICS.filter((m) => runs.some((r) => m in r.metrics)).map((m) => `metrics.${m}`),
      ];
  if (o.columns) {
    for (const c of columns) {
      const [kind, ...rest] = c.split('.');
      const key = rest.join('.');
      if ((kind !== 'metrics' && kind !== 'params' && kind !== 'tags') || key === '') {
        throw new UsageError(`--columns: '${c}' must be metrics.NAME, params.NAME or tags.NAME`);
      }
      if (runs.some((r) => key in r[kind])) continue;
      const keys = await known();
      const none = keys.metrics.size + keys.params.size + keys.tags.size === 0;
      if (!none && !keys[kind].has(key)) throw new UsageError(`--columns: no run has ${c}${guess(kind, key, keys)}`);
    }
  }
  if (o.json || o.csv) {
    const records = runs.map((r) => ({
      run_id: r.info.runId,
      run_name: r.info.runName,
      experiment_id: r.info.experimentId,
      status: r.info.status,
      start_time: r.info.startTime,
      end_time: r.info.endTime ?? null,
      ...(dead.has(r.info.runId) ? { dead: dead.get(r.info.runId) } : {}),
      ...Object.fromEntries(columns.map((c) => [c, rawCell(r, c)])),
    }));
    if (o.json) {
      io.stdout.write(JSON.stringify(records, null, 2) + '\n');
    } else {
      const quote = (v: unknown): string => {
        const s = v === null || v === undefined ? '' : String(v);
        return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
      };
      const header = Object.keys(records[0] ?? { run_id: '', run_name: '', experiment_id: '', status: '', start_time: '', end_time: '' });
      io.stdout.write(
        [header.join(','), ...records.map((r) => header.map((h) => quote((r as Record<string, unknown>)[h])).join(','))].join('\n') + '\n',
      );
    }
    return 0;
  }
  if (runs.length === 0) {
    io.stdout.write(`no runs${o.filter ? ` match ${o.filter}` : ''} in ${tracker.uri}\n`);
    return 0;
  }
  const tableColumns: TableColumn[] = [
    { header: 'run' },
    { header: 'name', maxWidth: 28 },
    { header: 'status' },
    { header: 'start' },
    { header: 'duration', align: 'right' },
    ...columns.map(
      (c): TableColumn => ({
        header: c.replace(/^(params|metrics|tags)\./, ''),
        align: c.startsWith('metrics.') ? 'right' : 'left',
        maxWidth: 24,
      }),
    ),
  ];
  const rows = runs.map((r) => [
    r.info.runId.slice(0, 8),
    r.info.runName,
    dead.has(r.info.runId) ? 'RUNNING (dead)' : r.info.status,
    new Date(r.info.startTime).toISOString().slice(0, 16).replace('T', ' '),
    r.info.endTime ? formatDuration((r.info.endTime - r.info.startTime) / 1000) : '',
    ...columns.map((c) => cell(r, c)),
  ]);
  io.stdout.write(formatTable(tableColumns, rows).join('\n') + '\n');
  if (dead.size > 0)
    io.stdout.write(
      `${dead.size === 1 ? '1 run is' : `${dead.size} runs are`} RUNNING (dead): ${[...dead.values()][0]}${dead.size > 1 ? ', …' : ''}. ` +
        '`mmx runs --mark-dead` sets them FAILED; `mmx run CONFIG --resume RUN_ID` continues one\n',
    );
  return 0;
}

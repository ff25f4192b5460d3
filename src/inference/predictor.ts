/**
 * A trained model ready to predict from raw rows: loaded once (a run id or a model folder), each call's rows turned
 * into features by the run's own preprocessing state and loaders (`featuresFromState`, as `mmx predict` does), then
 * run through the model. `prepare` and `infer` are apart so that a server can prepare each request on its own (a
 * bad row fails only its request) and run the model once for many requests' rows.
 */
import path from 'node:path';
import * as tf from '../tf.js';
import { initBackend, type BackendInfo } from '../backend/select.js';
import { featuresFromState, type PreprocessingState, type SplitData } from '../data/dataset.js';
import { DataError } from '../data/errors.js';
import type { MediaReader } from '../data/files/media-file.js';
import type { Manifest } from '../data/manifest.js';
import { rawColumns, type RawColumn } from '../data/raw-columns.js';
import { predictSplit } from '../evaluate/predict.js';
import type { ModelInput } from '../model/build.js';
import { loadRunModel } from '../runner/load-run-model.js';
import { mediaReader, type MediaAccess } from './media-reader.js';
import { toPredictions, type Prediction } from './predictions.js';
import { rowsToCells, type RawRow } from './raw-rows.js';
import { RowError } from './row-error.js';
import type { LoadPredictorOptions, PredictorApi } from './types.js';

export type { LoadPredictorOptions } from './types.js';

/** Rows turned into model features, ready for `infer`. */
export interface PreparedRows {
  data: SplitData;
}

const cellShown = (cell: string): boolean => cell.length <= 200 && !/^data:/i.test(cell);

export class Predictor implements PredictorApi {
  /** the raw input columns, in the model's input order */
  readonly columns: RawColumn[];
  private readonly inputs: ModelInput[];
  private readonly media: { reader: MediaReader; baseDir: string };

  private constructor(
    readonly model: tf.LayersModel,
    readonly state: PreprocessingState,
    /** where the model came from (a folder, or a run on a tracking server) */
    readonly from: string,
    readonly runId: string | undefined,
    readonly backend: BackendInfo,
    access: MediaAccess,
  ) {
    this.columns = rawColumns(state);
    this.inputs = state.inputs.map((s) => ({ name: s.name, modality: s.modality, shape: s.shape }));
    this.media = { reader: mediaReader(access), baseDir: access.root ?? path.parse(process.cwd()).root };
  }

  static async load(source: string, options: LoadPredictorOptions): Promise<Predictor> {
    const backend = await initBackend(options.backend ?? 'auto');
    const loaded = await loadRunModel(source, { cwd: options.cwd, ...(options.trackingUri ? { trackingUri: options.trackingUri } : {}) });
    const files = options.files === undefined ? undefined : path.resolve(options.cwd, options.files);
    return new Predictor(loaded.model, loaded.state, loaded.from, loaded.runId, backend, files ? { root: files } : {});
  }

  get task(): string {
    return this.state.target.task;
  }

  get classes(): readonly string[] {
    return this.state.target.classes;
  }

  /**
   * Features for raw rows, exactly as at training time. @throws RowError naming the row and column of the first
   * problem (an unknown column, a wrong type, a file that cannot be decoded, a missing value the model cannot take).
   */
  async prepare(rows: readonly RawRow[]): Promise<PreparedRows> {
    const cells = rowsToCells(rows, this.columns, [this.state.target.column]);
    const manifest: Manifest = {
      file: path.join(this.media.baseDir, 'request'),
      format: 'jsonl',
      columns: this.columns.map((c) => c.name),
      rows: cells,
      lines: cells.map((_, i) => i + 1),
    };
    let prepared;
    try {
      prepared = await featuresFromState(manifest, this.state, { readMedia: this.media.reader });
    } catch (err) {
      if (!(err instanceof DataError) || err.where.row === undefined) throw err;
      const index = err.where.row - 1;
      const column = err.where.column;
      const cell = column !== undefined ? (cells[index]?.[column] ?? '') : '';
      // the message names the cell; an inline file is not worth repeating
      const message = cell && !cellShown(cell) && err.message.endsWith(`: ${cell}`) ? err.message.slice(0, -cell.length - 2) : err.message;
      throw new RowError(index, column, message, err.hint?.startsWith('paths are relative') ? undefined : err.hint);
    }
    const dropped = prepared.skipped[0];
    if (dropped) {
      throw new RowError(
        dropped.row - 1,
        dropped.column.split(', ')[0],
        `${dropped.reason}: the model was trained to leave such rows out, so it has no prediction for it`,
      );
    }
    return { data: prepared.data };
  }

  /** Runs the model once over several prepared batches of rows; one list of predictions per batch. */
  async infer(batches: readonly PreparedRows[]): Promise<Prediction[][]> {
    const data = concatSplits(
      batches.map((b) => b.data),
      this.inputs,
    );
    const preds = await predictSplit(this.model, data, this.inputs, this.state.target);
    const all = toPredictions(this.state.target, preds.probabilities, preds.predicted);
    const out: Prediction[][] = [];
    let at = 0;
    for (const b of batches) {
      out.push(all.slice(at, at + b.data.rows.length));
      at += b.data.rows.length;
    }
    return out;
  }

  /** `prepare` then `infer`, for one list of rows. */
  async predict(rows: readonly RawRow[]): Promise<Prediction[]> {
    return (await this.infer([await this.prepare(rows)]))[0]!;
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** Several splits' examples one after another (features per input, labels, targets). */
function concatSplits(splits: readonly SplitData[], inputs: readonly ModelInput[]): SplitData {
  if (splits.length === 1) return splits[0]!;
  const n = splits.reduce((k, s) => k + s.rows.length, 0);
  const join = (pick: (s: SplitData) => Float32Array): Float32Array => {
    const out = new Float32Array(splits.reduce((k, s) => k + pick(s).length, 0));
    let at = 0;
    for (const s of splits) {
      out.set(pick(s), at);
      at += pick(s).length;
    }
    return out;
  };
  const features: Record<string, Float32Array> = {};
  for (const input of inputs) features[input.name] = join((s) => s.features[input.name]!);
  return { rows: Array.from({ length: n }, (_, i) => i), labels: new Int32Array(n).fill(-1), targets: join((s) => s.targets), features };
}

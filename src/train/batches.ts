/**
 * Gathers examples into batch tensors: from the per-input feature arrays of a split in memory, or read from a
 * streamed split (see `StreamBatcher`).
 */
import * as tf from '../tf.js';
import type { SplitData, SplitLabels, StreamedSplit } from '../data/dataset.js';
import { shuffleInPlace } from '../core/random.js';
import type { ModelInput } from '../model/build.js';

const sizeOf = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/** Changes a training batch in place (augmentation); called with the input's name and the batch size. */
export type BatchAugment = (inputName: string, batch: Float32Array, n: number) => void;

/** Input tensors for examples `order[start..end)` of a split, in the model's input order. */
export function gatherInputs(
  split: SplitData,
  inputs: ModelInput[],
  order: ArrayLike<number>,
  start: number,
  end: number,
  augment?: BatchAugment,
): tf.Tensor[] {
  const n = end - start;
  return inputs.map((input) => {
    const size = sizeOf(input.shape);
    const src = split.features[input.name]!;
    const buf = new Float32Array(n * size);
    for (let k = 0; k < n; k++) {
      const i = order[start + k]!;
      buf.set(src.subarray(i * size, (i + 1) * size), k * size);
    }
    augment?.(input.name, buf, n);
    return tf.tensor(buf, [n, ...input.shape], 'float32');
  });
}

/** One-hot label tensor for examples `order[start..end)`. */
export function gatherLabels(
  split: Pick<SplitLabels, 'labels'>,
  order: ArrayLike<number>,
  start: number,
  end: number,
  numClasses: number,
): tf.Tensor {
  const n = end - start;
  const buf = new Float32Array(n * numClasses);
  for (let k = 0; k < n; k++) buf[k * numClasses + split.labels[order[start + k]!]!] = 1;
  return tf.tensor2d(buf, [n, numClasses]);
}

/**
 * The training targets of examples `order[start..end)` [n, width]: one-hot (classification, made from the class
 * indices), 0/1 (binary), multi-hot (multilabel), standardised value (regression) — `split.targets` rows.
 */
export function gatherTargets(
  split: Pick<SplitLabels, 'labels' | 'targets'>,
  order: ArrayLike<number>,
  start: number,
  end: number,
  numClasses = 1,
): tf.Tensor {
  // class indices only (classification keeps no target rows): one-hot rows made here
  const targets = (split as Partial<SplitLabels>).targets;
  if (!targets || (targets.length === 0 && split.labels.length > 0)) return gatherLabels(split, order, start, end, numClasses);
  const n = end - start;
  const width = split.labels.length ? split.targets.length / split.labels.length : 1;
  const buf = new Float32Array(n * width);
  for (let k = 0; k < n; k++) {
    const i = order[start + k]!;
    buf.set(split.targets.subarray(i * width, (i + 1) * width), k * width);
  }
  return tf.tensor2d(buf, [n, width]);
}

/** 0..n-1 */
export const identityOrder = (n: number): Int32Array => Int32Array.from({ length: n }, (_, i) => i);

/** Input tensors for examples `positions` of a streamed split, read from the cache (in the model's input order). */
export function readInputs(split: StreamedSplit, inputs: ModelInput[], positions: ArrayLike<number>, augment?: BatchAugment): tf.Tensor[] {
  const n = positions.length;
  return inputs.map((input) => {
    const buf = new Float32Array(n * sizeOf(input.shape));
    split.stream.read(input.name, positions, buf);
    augment?.(input.name, buf, n);
    return tf.tensor(buf, [n, ...input.shape], 'float32');
  });
}

/** How a streamed split is shuffled: in chunks of contiguous examples, a few chunks in memory at a time. */
export interface StreamShuffle {
  /** examples per chunk (contiguous in the split) */
  chunkRows: number;
  /** chunks read into memory together; their examples are shuffled among each other */
  bufferChunks: number;
}

export const DEFAULT_STREAM_SHUFFLE: StreamShuffle = { chunkRows: 512, bufferChunks: 4 };

/** One training batch of a streamed split: inputs (model order) and the examples' positions in the split. */
export interface StreamBatch {
  features: Record<string, Float32Array>;
  positions: Int32Array;
}

/**
 * Training batches of a streamed split with bounded memory. Each epoch the chunk order is shuffled; chunks are
 * read `bufferChunks` at a time and the examples of those chunks shuffled among each other; an incomplete last
 * batch of a buffer is carried (copied) into the next one, so every batch but the epoch's last is full and every
 * example is visited exactly once per epoch. At most `bufferChunks × chunkRows + batchSize − 1` examples' features
 * are held at any time; `maxResidentRows` records the most there were.
 */
export class StreamBatcher {
  /** the most examples whose features were in memory at once */
  maxResidentRows = 0;
  private resident = 0;

  constructor(
    private readonly split: StreamedSplit,
    private readonly inputs: readonly string[],
    private readonly batchSize: number,
    private readonly shuffle: StreamShuffle = DEFAULT_STREAM_SHUFFLE,
  ) {}

  /** The most examples ever held: the bound `maxResidentRows` stays within. */
  get bufferRows(): number {
    return this.shuffle.chunkRows * this.shuffle.bufferChunks + this.batchSize - 1;
  }

  private hold(rows: number): void {
    this.resident += rows;
    this.maxResidentRows = Math.max(this.maxResidentRows, this.resident);
  }

  /** One epoch's batches; `random` undefined: no shuffling (chunks and examples in split order). */
  *epoch(random?: () => number): Generator<StreamBatch> {
    const n = this.split.labels.length;
    const { chunkRows, bufferChunks } = this.shuffle;
    const chunks = Array.from({ length: Math.ceil(n / chunkRows) }, (_, c) => c);
    if (random) shuffleInPlace(chunks, random);
    const size = Object.fromEntries(this.inputs.map((name) => [name, this.split.stream.rowSize(name)]));
    // carried examples of the previous buffer: positions and a copy of their features
    let carry: StreamBatch = {
      positions: new Int32Array(0),
      features: Object.fromEntries(this.inputs.map((name) => [name, new Float32Array(0)])),
    };
    for (let g = 0; g < chunks.length; g += bufferChunks) {
      const group: number[] = [];
      for (const c of chunks.slice(g, g + bufferChunks))
        for (let k = c * chunkRows; k < Math.min(n, (c + 1) * chunkRows); k++) group.push(k);
      const positions = Int32Array.from(group);
      const features: Record<string, Float32Array> = {};
      for (const name of this.inputs) {
        const buf = new Float32Array(positions.length * size[name]!);
        this.split.stream.read(name, positions, buf);
        features[name] = buf;
      }
      this.hold(positions.length);
      // slots: carried examples first (index < carry length), then this buffer's
      const slots = Array.from({ length: carry.positions.length + positions.length }, (_, s) => s);
      const carried = carry.positions.length;
      if (random) shuffleInPlace(slots.slice(carried), random).forEach((v, j) => (slots[carried + j] = v));
      const last = g + bufferChunks >= chunks.length;
      const full = last ? slots.length : slots.length - (slots.length % this.batchSize);
      const from = (slot: number): [StreamBatch, number] => (slot < carried ? [carry, slot] : [{ positions, features }, slot - carried]);
      const take = (list: number[]): StreamBatch => {
        const out: StreamBatch = { positions: new Int32Array(list.length), features: {} };
        for (const name of this.inputs) out.features[name] = new Float32Array(list.length * size[name]!);
        list.forEach((slot, k) => {
          const [src, j] = from(slot);
          out.positions[k] = src.positions[j]!;
          for (const name of this.inputs) {
            const w = size[name]!;
            out.features[name]!.set(src.features[name]!.subarray(j * w, (j + 1) * w), k * w);
          }
        });
        return out;
      };
      for (let s = 0; s < full; s += this.batchSize) yield take(slots.slice(s, Math.min(full, s + this.batchSize)));
      const rest = take(slots.slice(full));
      this.resident -= carried + positions.length;
      this.hold(rest.positions.length);
      carry = rest;
    }
    this.resident -= carry.positions.length;
  }
}

/** A streamed split's batch as tensors (augmented) and its targets. */
export function streamBatchTensors(
  split: StreamedSplit,
  inputs: ModelInput[],
  batch: StreamBatch,
  numClasses: number,
  augment?: BatchAugment,
): { xs: tf.Tensor[]; ys: tf.Tensor } {
  const n = batch.positions.length;
  const xs = inputs.map((input) => {
    const buf = batch.features[input.name]!;
    augment?.(input.name, buf, n);
    return tf.tensor(buf, [n, ...input.shape], 'float32');
  });
  return { xs, ys: gatherTargets(split, batch.positions, 0, n, numClasses) };
}

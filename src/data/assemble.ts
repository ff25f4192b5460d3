/**
 * Assembling a split from its encoded inputs: contiguous, normalised feature arrays in the split's row order
 * (rows without features — `missing: zeros` — are zeros), or a stream that reads them on demand from the
 * feature cache (runtime.stream); and the split's labels and targets.
 */
import { STORED } from './cache/input-cache.js';
import { normalizeInPlace } from './normalise.js';
import type { InputState } from './preprocessing-state.js';
import type { SplitData, SplitLabels, SplitStream, StreamedSplit } from './prepared.js';
import type { ReadInput } from './read-inputs.js';
import type { TargetEncoder } from './target.js';

export const sizeOf = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * Where an input's encoded features are: in memory by manifest row, or in a cache entry (rows whose `values`
 * are STORED; read straight into the destination).
 */
export type EncodedInput = { kind: 'memory'; byRow: Map<number, Float32Array> } | { kind: 'entry'; read: ReadInput };

/** Writes row `i`'s normalised features into `view`; leaves it alone (zeros) for rows without features. */
function fillRow(e: EncodedInput, s: InputState, i: number, view: Float32Array): void {
  if (e.kind === 'memory') {
    const x = e.byRow.get(i);
    if (!x) return;
    view.set(x);
  } else {
    if (e.read.values[i] !== STORED) return;
    e.read.entry!.read(i, view);
  }
  normalizeInPlace(view, s.normalization);
}

/**
 * Fills `out` with the normalised features of rows `rowAt(0 .. n-1)`; rows without features stay as they are
 * (zeros). Rows of a cache entry that follow each other in the file are read in one go.
 */
function fillRows(e: EncodedInput, s: InputState, rowAt: (k: number) => number, n: number, out: Float32Array): void {
  const size = sizeOf(s.shape);
  if (e.kind === 'memory') {
    for (let k = 0; k < n; k++) fillRow(e, s, rowAt(k), out.subarray(k * size, (k + 1) * size));
    return;
  }
  const values = e.read.values;
  for (let k = 0; k < n; ) {
    const i = rowAt(k);
    if (values[i] !== STORED) {
      k += 1;
      continue;
    }
    let len = 1;
    while (k + len < n && rowAt(k + len) === i + len && values[i + len] === STORED) len += 1;
    e.read.entry!.readRun(i, len, out.subarray(k * size, (k + len) * size));
    for (let j = k; j < k + len; j++) normalizeInPlace(out.subarray(j * size, (j + 1) * size), s.normalization);
    k += len;
  }
}

/** Rows, labels and targets of a split (no features). */
function splitLabels(rows: number[], target: TargetEncoder): SplitLabels {
  const targets = new Float32Array(rows.length * target.width);
  const labels = Int32Array.from(rows, (i, k) => target.encode(i, targets.subarray(k * target.width, (k + 1) * target.width)));
  return { rows, labels, targets };
}

/** Contiguous, normalised feature arrays for `rows`, in that order; rows without features (missing: zeros) are 0. */
export function assemble(rows: number[], states: InputState[], encoded: Map<string, EncodedInput>, target: TargetEncoder): SplitData {
  const features: Record<string, Float32Array> = {};
  for (const s of states) {
    const size = sizeOf(s.shape);
    const out = new Float32Array(rows.length * size);
    fillRows(encoded.get(s.name)!, s, (k) => rows[k]!, rows.length, out);
    features[s.name] = out;
  }
  return { ...splitLabels(rows, target), features };
}

/**
 * A split read on demand: inputs in a cache entry are read row by row from the file, the others (not cached:
 * text, numeric, categorical — small) are assembled in memory once.
 */
export function streamSplit(
  rows: number[],
  states: InputState[],
  encoded: Map<string, EncodedInput>,
  target: TargetEncoder,
): StreamedSplit {
  const inMemory = states.filter((s) => encoded.get(s.name)!.kind === 'memory');
  const held = inMemory.length ? assemble(rows, inMemory, encoded, target).features : {};
  const byName = new Map(states.map((s) => [s.name, s]));
  const stream: SplitStream = {
    rowSize: (input) => sizeOf(byName.get(input)!.shape),
    read(input, positions, out) {
      const s = byName.get(input)!;
      const size = sizeOf(s.shape);
      const src = held[input];
      if (src) {
        for (let k = 0; k < positions.length; k++) out.set(src.subarray(positions[k]! * size, (positions[k]! + 1) * size), k * size);
        return;
      }
      out.fill(0, 0, positions.length * size);
      fillRows(encoded.get(input)!, s, (k) => rows[positions[k]!]!, positions.length, out);
    },
  };
  return { ...splitLabels(rows, target), stream };
}

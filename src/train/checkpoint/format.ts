/**
 * A training checkpoint as files (kept as run artifacts by the runner):
 *  - `state.json`   format version, epoch, the resolved config's hash, the data hash, the trainer's state
 *                   (../trainer-state.ts), and for each binary file its tensors (name, shape, dtype) and SHA-256;
 *  - `weights.bin`  every weight of the model (model.weights order), float32 little-endian, one after another;
 *  - `optimizer.bin` the optimiser's state (its step count, then its slots), tensors named by the weight's
 *                   position (`w12/m`) rather than by tfjs variable names, which depend on what else the process built;
 *  - `preprocessing.json` the data's preprocessing state (vocabularies, statistics).
 * `decodeCheckpoint` checks every hash: a file half-written when the process died is refused, never half-used.
 */
import { createHash } from 'node:crypto';
import type { TrainerState } from '../trainer-state.js';

export const CHECKPOINT_FORMAT = 1;

export interface NamedArray {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}

export interface Checkpoint {
  epoch: number;
  /** the resolved config's hash (mmx.config_hash) */
  configHash: string;
  /** the data's hash (mmx.data_hash) */
  dataHash: string;
  trainer: TrainerState;
  weights: NamedArray[];
  /** absent in a best-epoch checkpoint (weights only) */
  optimizer?: NamedArray[];
  /** the preprocessing state, as JSON text */
  preprocessing?: string;
}

interface Spec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
}

interface StateFile {
  format: number;
  epoch: number;
  configHash: string;
  dataHash: string;
  trainer: TrainerState;
  files: Record<string, { sha256: string; bytes: number; tensors?: Spec[] }>;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

function pack(arrays: readonly NamedArray[]): { bytes: Uint8Array; tensors: Spec[] } {
  const total = arrays.reduce((s, a) => s + a.data.length * 4, 0);
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const a of arrays) {
    bytes.set(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.length * 4), at);
    at += a.data.length * 4;
  }
  return { bytes, tensors: arrays.map(({ name, shape, dtype }) => ({ name, shape, dtype })) };
}

function unpack(bytes: Uint8Array, tensors: readonly Spec[], file: string): NamedArray[] {
  let at = 0;
  const out = tensors.map((t) => {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (at + size * 4 > bytes.length) throw new CheckpointError(`${file} is shorter than its tensors`);
    const copy = bytes.slice(at, at + size * 4);
    at += size * 4;
    const data = t.dtype === 'int32' ? new Int32Array(copy.buffer) : new Float32Array(copy.buffer);
    return { ...t, data };
  });
  if (at !== bytes.length) throw new CheckpointError(`${file} is longer than its tensors`);
  return out;
}

/** The checkpoint's files, `state.json` among them (write it last: it names the others' hashes). */
export function encodeCheckpoint(c: Checkpoint): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  const meta: StateFile['files'] = {};
  const add = (name: string, bytes: Uint8Array, tensors?: Spec[]): void => {
    files[name] = bytes;
    meta[name] = { sha256: sha256(bytes), bytes: bytes.length, ...(tensors ? { tensors } : {}) };
  };
  const w = pack(c.weights);
  add('weights.bin', w.bytes, w.tensors);
  if (c.optimizer) {
    const o = pack(c.optimizer);
    add('optimizer.bin', o.bytes, o.tensors);
  }
  if (c.preprocessing !== undefined) add('preprocessing.json', new TextEncoder().encode(c.preprocessing));
  const state: StateFile = {
    format: CHECKPOINT_FORMAT,
    epoch: c.epoch,
    configHash: c.configHash,
    dataHash: c.dataHash,
    trainer: c.trainer,
    files: meta,
  };
  files['state.json'] = new TextEncoder().encode(JSON.stringify(state));
  return files;
}

/** Reads `state.json` and the files it names (from `read`), checking each one's size and hash. */
export async function decodeCheckpoint(read: (name: string) => Promise<Uint8Array>, where: string): Promise<Checkpoint> {
  let state: StateFile;
  try {
    state = JSON.parse(new TextDecoder().decode(await read('state.json'))) as StateFile;
  } catch (err) {
    throw new CheckpointError(`${where}/state.json cannot be read: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (state.format !== CHECKPOINT_FORMAT)
    throw new CheckpointError(`${where}: checkpoint format ${state.format}, this mmx reads format ${CHECKPOINT_FORMAT}`);
  const files: Record<string, Uint8Array> = {};
  for (const [name, m] of Object.entries(state.files)) {
    const bytes = await read(name);
    if (bytes.length !== m.bytes || sha256(bytes) !== m.sha256)
      throw new CheckpointError(`${where}/${name} does not match its hash in state.json (written when the process died?)`);
    files[name] = bytes;
  }
  const tensors = (name: string): NamedArray[] | undefined =>
    files[name] ? unpack(files[name], state.files[name]!.tensors ?? [], `${where}/${name}`) : undefined;
  const weights = tensors('weights.bin');
  if (!weights) throw new CheckpointError(`${where} has no weights.bin`);
  const optimizer = tensors('optimizer.bin');
  const preprocessing = files['preprocessing.json'];
  return {
    epoch: state.epoch,
    configHash: state.configHash,
    dataHash: state.dataHash,
    trainer: state.trainer,
    weights,
    ...(optimizer ? { optimizer } : {}),
    ...(preprocessing ? { preprocessing: new TextDecoder().decode(preprocessing) } : {}),
  };
}

export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

/**
 * Reads a tfjs LayersModel saved as `model.json` + weight files (a run's `model/` folder, a pretrained encoder)
 * and says so when the files are damaged, instead of letting tfjs fail on a tensor shape:
 * - `model.json` must be a regular file of at most 64 MB holding JSON with `modelTopology` and `weightsManifest`;
 * - every weights file it names must be a regular file inside the model's folder tree, and together they must
 *   hold exactly the bytes its weight specs need (a file cut short by a full disk or an interrupted copy,
 *   or one with bytes to spare, is damaged);
 * - a topology tfjs cannot rebuild is reported with tfjs's first line, as damaged or from another version.
 * Every problem is a `DamagedModelError` (exit 2) naming the file and what to do.
 */
import path from 'node:path';
import * as tf from '../tf.js';
import { UsageError } from '../errors.js';
import { FileReadError, formatBytes, readRegularFileSync } from '../io/regular-file.js';

/** model.json files larger than this are not read (a real one is kilobytes to a few megabytes) */
export const MAX_MODEL_JSON_BYTES = 64 * 1024 * 1024;

export class DamagedModelError extends UsageError {
  constructor(
    readonly file: string,
    problem: string,
    hint = "copy the model's folder again from where it was saved, or train it again",
  ) {
    super(`${file}: the saved model is damaged: ${problem} (${hint})`);
    this.name = 'DamagedModelError';
  }
}

interface ModelJson {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

const BYTES_PER_ELEMENT: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  complex64: 8,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

/** The bytes the weight specs need, or undefined when they cannot say (string weights have no fixed size). */
export function weightBytes(specs: tf.io.WeightsManifestEntry[]): number | undefined {
  let total = 0;
  for (const s of specs) {
    const dtype = s.quantization?.dtype ?? s.dtype;
    const size = BYTES_PER_ELEMENT[dtype];
    if (size === undefined) return undefined;
    total += s.shape.reduce((a, b) => a * b, 1) * size;
  }
  return total;
}

/**
 * Reads a file of the model (only a regular file, at most `maxBytes`), or says what is wrong with it;
 * `tooLarge` words a file over the limit.
 */
function readModelFile(file: string, what: string, maxBytes: number, tooLarge?: () => string): Buffer {
  try {
    return readRegularFileSync(file, maxBytes);
  } catch (e) {
    if (!(e instanceof FileReadError)) throw e;
    if (e.code === 'too-large' && tooLarge) throw new DamagedModelError(file, tooLarge());
    throw new DamagedModelError(file, e.code === 'missing' ? `${what} is missing` : `${what} ${e.reason}`);
  }
}

function parseModelJson(file: string): ModelJson {
  const text = readModelFile(file, 'model.json', MAX_MODEL_JSON_BYTES).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new DamagedModelError(file, `model.json is not valid JSON (${(e as Error).message})`);
  }
  const j = json as Partial<ModelJson> | null;
  if (typeof j !== 'object' || j === null || typeof j.modelTopology !== 'object' || j.modelTopology === null)
    throw new DamagedModelError(file, 'model.json has no modelTopology (is it a tfjs LayersModel?)');
  const manifest = j.weightsManifest ?? [];
  const ok =
    Array.isArray(manifest) &&
    manifest.every(
      (g) =>
        typeof g === 'object' &&
        g !== null &&
        Array.isArray(g.paths) &&
        g.paths.every((p) => typeof p === 'string' && p !== '') &&
        Array.isArray(g.weights) &&
        g.weights.every(
          (w) =>
            typeof w === 'object' &&
            w !== null &&
            typeof w.name === 'string' &&
            typeof w.dtype === 'string' &&
            Array.isArray(w.shape) &&
            w.shape.every((d) => Number.isInteger(d) && d >= 0),
        ),
    );
  if (!ok) throw new DamagedModelError(file, "model.json's weightsManifest is not a list of {paths, weights} groups");
  return { modelTopology: j.modelTopology, weightsManifest: manifest };
}

/** The model saved at `modelJsonFile` (its weights beside it), checked as above. */
export async function loadSavedModel(modelJsonFile: string): Promise<tf.LayersModel> {
  const json = parseModelJson(modelJsonFile);
  const dir = path.dirname(modelJsonFile);
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const files = json.weightsManifest.flatMap((g) => g.paths).map((p) => ({ name: p, file: path.resolve(dir, p) }));
  for (const f of files) {
    const rel = path.relative(dir, f.file);
    if (rel.startsWith('..') || path.isAbsolute(rel))
      throw new DamagedModelError(modelJsonFile, `model.json names a weights file outside its folder ('${f.name}')`);
  }
  // read at most the bytes the specs need (+1 to see a file with bytes to spare); string weights: up to 2 GB
  const need = weightBytes(specs);
  const buffers: Buffer[] = [];
  let have = 0;
  for (const f of files) {
    const left = (need ?? 2 ** 31 - 1) - have;
    const bytes = readModelFile(f.file, `the weights file '${f.name}'`, Math.max(0, left), () =>
      need === undefined
        ? `'${f.name}' is over 2 GB`
        : `the weights files hold more than the ${need} bytes the ${specs.length} weights in model.json need`,
    );
    buffers.push(bytes);
    have += bytes.byteLength;
  }
  if (need !== undefined && have !== need) {
    const last = files.at(-1);
    throw new DamagedModelError(
      last?.file ?? modelJsonFile,
      `${files.length === 1 ? `'${last!.name}' holds` : 'the weights files hold'} ${formatBytes(have)} (${have} bytes) but the ` +
        `${specs.length} weights in model.json need ${need} bytes: it was cut short`,
    );
  }
  const joined = Buffer.concat(buffers);
  const weightData = joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength) as ArrayBuffer;
  try {
    return await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData }));
  } catch (e) {
    throw new DamagedModelError(
      modelJsonFile,
      `tfjs cannot rebuild it: ${(e as Error).message.split('\n')[0]}`,
      'copy it again, or train it again if it was saved by another mmx version',
    );
  }
}

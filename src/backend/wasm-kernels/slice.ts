/**
 * `Slice`, `SplitV` and `Unpack` for the tfjs wasm backend — *replacements*: tfjs-backend-wasm 4.22's slice reads
 * its input with `readSync`, which copies the WHOLE input tensor out of the wasm heap into a new JavaScript buffer
 * before copying the slice back in; SplitV and Unpack call that slice once per output (a split into 4 copies the
 * input 4 times). `model.predict` slices every input to its batch, so inference paid a full copy of each input
 * (an AV-MNIST audio batch of 256: 4 MB, ~10 % of the pass). mmx's read the input where it lies on the heap:
 * - the whole tensor: shared, not copied (one more reference, as Identity and Reshape do);
 * - a contiguous range: one `copyWithin` on the heap;
 * - otherwise: one `copyWithin` per contiguous run (the innermost axes that are taken whole are one run).
 * Strings keep the original path.
 */
import * as tf from '../../tf.js';
// Loaded first on purpose: the original kernels must be registered before they are captured below.
import '../../tf-wasm.js';
import { asWasmBackend, type WasmBackendLike } from './heap.js';
import { sharedIdentity } from './identity.js';

export const SLICE = 'Slice';
export const SPLIT_V = 'SplitV';
export const UNPACK = 'Unpack';

const originals = {
  [SLICE]: tf.getKernel(SLICE, 'wasm'),
  [SPLIT_V]: tf.getKernel(SPLIT_V, 'wasm'),
  [UNPACK]: tf.getKernel(UNPACK, 'wasm'),
};

type KernelFuncArgs = Parameters<tf.KernelFunc>[0];

let strategy: 'auto' | 'original' = 'auto';
/** For tests and benchmarks: 'original' runs tfjs-backend-wasm's own kernels (a copy of the input per slice). */
export function setSliceStrategy(s: 'auto' | 'original'): void {
  strategy = s;
}

function original(name: keyof typeof originals, args: KernelFuncArgs): tf.TensorInfo | tf.TensorInfo[] {
  const config = originals[name];
  if (config === undefined) throw new Error(`${name} on wasm (mmx kernel): tfjs-backend-wasm has no kernel to fall back to`);
  return config.kernelFunc(args);
}

/**
 * The runs of a slice of a row-major tensor: `count` runs of `length` elements; run r starts at input element
 * `inputStart(r)` and lands at output element r·length. Exported for the unit test.
 */
export function sliceRuns(
  shape: readonly number[],
  begin: readonly number[],
  size: readonly number[],
): { length: number; count: number; outer: number } {
  // the innermost axes taken whole, plus the first one from the end that is not, form one contiguous run
  let outer = shape.length - 1;
  let length = 1;
  while (outer >= 0 && begin[outer] === 0 && size[outer] === shape[outer]) length *= shape[outer--]!;
  if (outer >= 0) length *= size[outer--]!;
  let count = 1;
  for (let a = 0; a <= outer; a++) count *= size[a]!;
  // `outer`: the last axis (inclusive) whose index changes from run to run; −1 when there is one run
  return { length, count, outer };
}

/** The slice of `x` ([begin, begin + size)) into a new tensor of shape `outShape` (size itself unless given). */
function sliceOnHeap(
  backend: WasmBackendLike,
  x: tf.TensorInfo,
  begin: readonly number[],
  size: readonly number[],
  outShape: readonly number[] = size,
): tf.TensorInfo {
  const whole = x.shape.every((d, a) => begin[a] === 0 && size[a] === d);
  if (whole) {
    const shared = sharedIdentity(backend, x);
    if (shared !== undefined) return { ...shared, shape: [...outShape] };
  }
  const out = backend.makeOutput([...outShape], x.dtype);
  const n = tf.util.sizeFromShape(size as number[]);
  if (n === 0) return out;
  // views after makeOutput: an allocation may grow the heap and detach earlier views
  const xv = backend.typedArrayFromHeap(x);
  const ov = backend.typedArrayFromHeap(out);
  const bpe = xv.BYTES_PER_ELEMENT;
  const heap = new Uint8Array(xv.buffer);
  const strides = tf.util.computeStrides(x.shape);
  const { length, count, outer } = sliceRuns(x.shape, begin, size);
  // the first run's element offset, then an odometer over the axes 0..outer
  let start = 0;
  for (let a = 0; a < x.shape.length; a++) start += begin[a]! * (a < x.shape.length - 1 ? strides[a]! : 1);
  const index = new Array<number>(outer + 1).fill(0);
  const runBytes = length * bpe;
  let dst = ov.byteOffset;
  let src = xv.byteOffset + start * bpe;
  for (let r = 0; r < count; r++) {
    heap.copyWithin(dst, src, src + runBytes);
    dst += runBytes;
    // next run: advance the odometer from axis `outer` down
    for (let a = outer; a >= 0; a--) {
      const step = a < x.shape.length - 1 ? strides[a]! : 1;
      if (++index[a]! < size[a]!) {
        src += step * bpe;
        break;
      }
      src -= (size[a]! - 1) * step * bpe;
      index[a] = 0;
    }
  }
  return out;
}

function sliceWasm(args: KernelFuncArgs): tf.TensorInfo | tf.TensorInfo[] {
  const x = args.inputs['x'];
  if (x === undefined) throw new Error(`${SLICE}: input 'x' is required`);
  if (x.dtype === 'string' || strategy === 'original') return original(SLICE, args);
  const attrs = (args.attrs ?? {}) as { begin: number | number[]; size?: number | number[] };
  const [begin, size] = tf.slice_util.parseSliceParams(x, attrs.begin, attrs.size);
  if (begin === undefined || size === undefined) return original(SLICE, args);
  return sliceOnHeap(asWasmBackend(args.backend, SLICE), x, begin, size);
}

function splitVWasm(args: KernelFuncArgs): tf.TensorInfo | tf.TensorInfo[] {
  const x = args.inputs['x'];
  if (x === undefined) throw new Error(`${SPLIT_V}: input 'x' is required`);
  if (x.dtype === 'string' || strategy === 'original') return original(SPLIT_V, args);
  const attrs = (args.attrs ?? {}) as { numOrSizeSplits: number | number[]; axis: number | number[] };
  const axis = tf.util.parseAxisParam(attrs.axis, x.shape)[0]!;
  const sizes = tf.backend_util.prepareSplitSize(x, attrs.numOrSizeSplits, axis);
  const backend = asWasmBackend(args.backend, SPLIT_V);
  const begin = new Array<number>(x.shape.length).fill(0);
  return sizes.map((s) => {
    const size = [...x.shape];
    size[axis] = s;
    const out = sliceOnHeap(backend, x, begin, size);
    begin[axis]! += s;
    return out;
  });
}

function unpackWasm(args: KernelFuncArgs): tf.TensorInfo | tf.TensorInfo[] {
  const x = args.inputs['value'];
  if (x === undefined) throw new Error(`${UNPACK}: input 'value' is required`);
  if (x.dtype === 'string' || strategy === 'original') return original(UNPACK, args);
  const attrs = (args.attrs ?? {}) as { axis?: number };
  const axis = (attrs.axis ?? 0) < 0 ? (attrs.axis ?? 0) + x.shape.length : (attrs.axis ?? 0);
  const outShape = x.shape.filter((_, a) => a !== axis);
  const backend = asWasmBackend(args.backend, UNPACK);
  const begin = new Array<number>(x.shape.length).fill(0);
  const size = [...x.shape];
  size[axis] = 1;
  return Array.from({ length: x.shape[axis]! }, (_, i) => {
    begin[axis] = i;
    return sliceOnHeap(backend, x, begin, size, outShape);
  });
}

export const sliceConfig: tf.KernelConfig = { kernelName: SLICE, backendName: 'wasm', kernelFunc: sliceWasm };
export const splitVConfig: tf.KernelConfig = { kernelName: SPLIT_V, backendName: 'wasm', kernelFunc: splitVWasm };
export const unpackConfig: tf.KernelConfig = { kernelName: UNPACK, backendName: 'wasm', kernelFunc: unpackWasm };

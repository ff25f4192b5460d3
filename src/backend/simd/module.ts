/**
 * mmx's own SIMD kernels (C compiled to WebAssembly SIMD128, sources in ./c, built by scripts/build-wasm.mjs into
 * ./mmx-simd.wasm, committed so that installing mmx needs no compiler), instantiated on the tfjs wasm backend's
 * memory: the module imports that memory and works on tensors where they lie, with scratch buffers from the
 * backend's own allocator.
 *
 * One instance per backend (and per memory: the threaded build's memory is shared, and needs the module built
 * for shared memory, ./mmx-simd-shared.wasm). `simdFor(backend)` returns undefined where the module cannot be used
 * (no WebAssembly SIMD, a backend without the parts this needs, or the kernels switched off with
 * `setSimdKernels(false)` / MMX_SIMD_KERNELS=0); callers then take their portable path.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The exported functions (pointers are byte offsets into the backend's memory; see c/*.c). */
export interface SimdExports {
  gemm(
    m: number,
    n: number,
    k: number,
    a: number,
    aRs: number,
    aCs: number,
    b: number,
    ldb: number,
    c: number,
    ldc: number,
    bias: number,
    flags: number,
  ): void;
  gemm_nt(
    m: number,
    n: number,
    k: number,
    a: number,
    lda: number,
    b: number,
    ldb: number,
    c: number,
    ldc: number,
    bias: number,
    flags: number,
  ): void;
  transpose(src: number, rows: number, cols: number, dst: number): void;
  conv2d_scratch(geometry: number): number;
  conv2d(geometry: number, x: number, w: number, bias: number, y: number, scratch: number, flags: number): void;
  conv2d_backprop_filter(geometry: number, x: number, dy: number, dw: number, scratch: number): void;
  flip_filter(w: number, fh: number, fw: number, inC: number, outC: number, flipped: number): void;
  conv2d_backprop_input_scratch(geometry: number): number;
  conv2d_backprop_input(geometry: number, dy: number, w: number, dx: number, scratch: number): void;
  max_pool_grad(geometry: number, x: number, y: number, dy: number, dx: number): void;
  max_pool(geometry: number, x: number, y: number): void;
  max_pool_inside(geometry: number, x: number, y: number): void;
  add_rows(rows: number, n: number, x: number, b: number, out: number): void;
  relu_grad(n: number, dy: number, x: number, dx: number): void;
  dropout(n: number, x: number, y: number, key: number, threshold: number, scale: number): void;
  roofline_peak(a: number, b: number, c: number, reps: number): void;
  sum_middle(outer: number, mid: number, inner: number, x: number, out: number, acc: number): void;
  adam_update(
    n: number,
    p: number,
    g: number,
    m: number,
    v: number,
    po: number,
    mo: number,
    vo: number,
    b1: number,
    omb1: number,
    b2: number,
    omb2: number,
    omab1: number,
    omab2: number,
    eps: number,
    negLr: number,
  ): void;
  adamw_update(
    n: number,
    p: number,
    g: number,
    m: number,
    v: number,
    po: number,
    mo: number,
    vo: number,
    b1: number,
    omb1: number,
    b2: number,
    omb2: number,
    omab1: number,
    omab2: number,
    eps: number,
    negLr: number,
    decay: number,
    l2: number,
  ): void;
  sgd_update(n: number, p: number, g: number, po: number, negLr: number, l2: number): void;
  sgd_momentum_update(
    n: number,
    p: number,
    g: number,
    b: number,
    po: number,
    bo: number,
    negLr: number,
    l2: number,
    mu: number,
    nesterov: number,
  ): void;
  rmsprop_update(
    n: number,
    p: number,
    g: number,
    s: number,
    po: number,
    so: number,
    rho: number,
    omRho: number,
    eps: number,
    negLr: number,
    l2: number,
  ): void;
  rmsprop_momentum_update(
    n: number,
    p: number,
    g: number,
    s: number,
    b: number,
    po: number,
    so: number,
    bo: number,
    rho: number,
    omRho: number,
    eps: number,
    negLr: number,
    l2: number,
    mu: number,
  ): void;
  adagrad_update(n: number, p: number, g: number, s: number, po: number, so: number, eps: number, negLr: number, l2: number): void;
}

/** Every export SimdExports declares (the compiler checks the list is complete), checked at instantiation. */
const EXPORT_NAMES = [
  'gemm',
  'gemm_nt',
  'transpose',
  'conv2d_scratch',
  'conv2d',
  'conv2d_backprop_filter',
  'flip_filter',
  'conv2d_backprop_input_scratch',
  'conv2d_backprop_input',
  'max_pool_grad',
  'max_pool',
  'max_pool_inside',
  'add_rows',
  'relu_grad',
  'dropout',
  'roofline_peak',
  'sum_middle',
  'adam_update',
  'adamw_update',
  'sgd_update',
  'sgd_momentum_update',
  'rmsprop_update',
  'rmsprop_momentum_update',
  'adagrad_update',
] as const satisfies readonly (keyof SimdExports)[];
type Missing = Exclude<keyof SimdExports, (typeof EXPORT_NAMES)[number]>;
const complete: Missing extends never ? true : never = true;
void complete;

function isSimdExports(exports: Record<string, unknown>): exports is Record<string, unknown> & SimdExports {
  return EXPORT_NAMES.every((name) => typeof exports[name] === 'function');
}

export const GEMM_ACCUMULATE = 1;
export const GEMM_RELU = 2;

/** What the kernels need from tfjs-backend-wasm's Emscripten module. */
interface EmscriptenLike {
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  HEAPU8: Uint8Array;
  asm?: { memory?: WebAssembly.Memory };
  wasmMemory?: WebAssembly.Memory;
}

export interface SimdKernels {
  readonly fn: SimdExports;
  /** Allocates `floats` float32 values (4 bytes each; a float64 buffer of n takes 2·n) on the backend's heap; returns a byte offset (free it with `free`). */
  alloc(floats: number): number;
  free(ptr: number): void;
  /** A Float32Array over the whole memory, current after any growth (take it again after every allocation). */
  heap(): Float32Array;
}

let enabled = process.env['MMX_SIMD_KERNELS'] !== '0';
/** Switches mmx's SIMD kernels on or off (for A/B measurements and tests); off: every kernel takes its old path. */
export function setSimdKernels(on: boolean): void {
  enabled = on;
}
export function simdKernelsEnabled(): boolean {
  return enabled;
}

const compiled = new Map<'plain' | 'shared', WebAssembly.Module | null>();
function compile(kind: 'plain' | 'shared'): WebAssembly.Module | null {
  if (!compiled.has(kind)) {
    const file = fileURLToPath(new URL(kind === 'plain' ? './mmx-simd.wasm' : './mmx-simd-shared.wasm', import.meta.url));
    try {
      compiled.set(kind, new WebAssembly.Module(readFileSync(file)));
    } catch {
      compiled.set(kind, null); // no SIMD in this engine, or the binary is missing: the portable paths run
    }
  }
  return compiled.get(kind) ?? null;
}

const instances = new WeakMap<object, SimdKernels | null>();

function emscriptenOf(backend: unknown): EmscriptenLike | undefined {
  const wasm = (backend as { wasm?: Partial<EmscriptenLike> } | null)?.wasm;
  if (wasm == null || typeof wasm._malloc !== 'function' || typeof wasm._free !== 'function' || !(wasm.HEAPU8 instanceof Uint8Array))
    return undefined;
  return wasm as EmscriptenLike;
}

function instantiate(wasm: EmscriptenLike): SimdKernels | null {
  const memory = wasm.asm?.memory ?? wasm.wasmMemory;
  if (!(memory instanceof WebAssembly.Memory)) return null;
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const module = compile(shared ? 'shared' : 'plain');
  if (module === null) return null;
  let instance: WebAssembly.Instance;
  try {
    instance = new WebAssembly.Instance(module, { env: { memory } });
  } catch {
    return null;
  }
  const fn = instance.exports;
  if (!isSimdExports(fn)) return null; // a binary from another version of the sources
  let view = new Float32Array(memory.buffer);
  return {
    fn,
    alloc: (floats) => {
      const ptr = wasm._malloc(Math.max(16, floats * 4)) >>> 0;
      if (ptr === 0) throw new Error(`mmx SIMD kernels: out of wasm memory allocating ${floats * 4} bytes`);
      return ptr;
    },
    free: (ptr) => wasm._free(ptr),
    heap: () => {
      if (view.buffer !== memory.buffer || view.length * 4 !== memory.buffer.byteLength) view = new Float32Array(memory.buffer);
      return view;
    },
  };
}

/**
 * The module on a memory of its own (no tfjs backend): for probes such as bench/roofline.ts. Undefined where the
 * module cannot load.
 */
export function standaloneSimd(pages = 16): { fn: SimdExports; memory: WebAssembly.Memory } | undefined {
  const module = compile('plain');
  if (module === null) return undefined;
  const memory = new WebAssembly.Memory({ initial: pages });
  const fn = new WebAssembly.Instance(module, { env: { memory } }).exports;
  return isSimdExports(fn) ? { fn, memory } : undefined;
}

/** The SIMD kernels on `backend`'s memory, or undefined (switched off, or not usable here). */
export function simdFor(backend: unknown): SimdKernels | undefined {
  if (!enabled || backend == null || typeof backend !== 'object') return undefined;
  let k = instances.get(backend);
  if (k === undefined) {
    const wasm = emscriptenOf(backend);
    k = wasm ? instantiate(wasm) : null;
    instances.set(backend, k);
  }
  return k ?? undefined;
}

/**
 * Picks and initialises the TensorFlow.js backend for a run (`runtime.backend` in the config).
 *
 *   auto            → @tensorflow/tfjs-node-gpu, then @tensorflow/tfjs-node, then wasm, then cpu
 *   tensorflow-gpu  → @tensorflow/tfjs-node-gpu (backend 'tensorflow'), or BackendUnavailableError
 *   tensorflow      → @tensorflow/tfjs-node (backend 'tensorflow'), or BackendUnavailableError
 *   wasm            → @tensorflow/tfjs-backend-wasm, binaries from its own dist/, plus mmx's extra kernels
 *   cpu             → tfjs's pure-JS backend
 *
 * Everything shares the single `@tensorflow/tfjs` engine; tfjs-node registers its 'tensorflow' backend into
 * it when imported. Call `initBackend` before creating any tensor or model, and await it.
 *
 * wasm threads (`runtime.threads`, option `threads`): with more than one, wasm runs tfjs-backend-wasm's threaded
 * SIMD build, which tfjs itself never starts under Node (see threads/threaded-wasm.ts); 1 is the ordinary
 * single-threaded build. Decided when wasm first starts in a process; if the threaded build cannot start,
 * one warning line and the single-threaded build.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '../tf.js';
import { registerCpuKernels } from './cpu-kernels.js';
import { registerReluGradient } from '../ops/relu-grad.js';
import { registerDropoutGradient } from '../ops/dropout.js';
import { registerWasmKernels } from './wasm-kernels/index.js';
import { simdKernelsEnabled } from './simd/module.js';
import { resolveThreads, threadsFromEnv, THREADS_ENV, type ThreadsRequest } from './threads/option.js';
import { startThreadedWasmBackend } from './threads/threaded-wasm.js';

export type BackendRequest = 'auto' | 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

export const BACKEND_REQUESTS: readonly BackendRequest[] = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

export interface BackendOptions {
  /**
   * Threads for the wasm backend (`runtime.threads`): a count, 1 by default (the single-threaded build, which
   * data-parallel workers that each run their own backend want), or 'auto' (1 while mmx's SIMD kernels are on,
   * else the cores this process may use, or MMX_SWEEP_THREADS in a sweep trial). Not given: $MMX_WASM_THREADS if set, else 1. Ignored by the
   * other backends.
   */
  threads?: ThreadsRequest;
}

export interface BackendInfo {
  /** The tfjs backend name in use: 'tensorflow' | 'wasm' | 'cpu'. */
  name: string;
  /** One human line, e.g. "wasm (tfjs-backend-wasm 4.22.0, SIMD, 1 thread)". */
  description: string;
}

/** An explicitly requested backend cannot be used here. The message says what to install or choose instead. */
export class BackendUnavailableError extends Error {
  override readonly name = 'BackendUnavailableError';
  constructor(
    readonly requested: BackendRequest,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const require = createRequire(import.meta.url);

type NodePackage = '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node';

type Attempt = { ok: true; info: BackendInfo } | { ok: false; notInstalled: boolean; reason: string; cause?: unknown };

function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0] ?? err.message;
  if (typeof err === 'object' && err !== null && 'message' in err) return String((err as { message: unknown }).message);
  return String(err);
}

function packageVersion(pkg: string): string | undefined {
  try {
    const json = require(`${pkg}/package.json`) as { version?: unknown };
    return typeof json.version === 'string' ? json.version : undefined;
  } catch {
    return undefined;
  }
}

function isInstalled(pkg: string): boolean {
  try {
    require.resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
}

/** Loads tfjs-node(-gpu) and switches to its 'tensorflow' backend. */
async function tryTfjsNode(pkg: NodePackage): Promise<Attempt> {
  if (!isInstalled(pkg)) return { ok: false, notInstalled: true, reason: `${pkg} is not installed` };
  try {
    // A variable specifier: these optional packages have no types here and may be absent.
    const specifier: string = pkg;
    await import(specifier);
  } catch (err) {
    return { ok: false, notInstalled: false, reason: `${pkg} is installed but failed to load: ${errorMessage(err)}`, cause: err };
  }
  if (tf.findBackendFactory('tensorflow') == null) {
    return {
      ok: false,
      notInstalled: false,
      reason:
        `${pkg} loaded but did not register a 'tensorflow' backend with mmx's @tensorflow/tfjs ` +
        `(${tf.version_core}); its @tensorflow/tfjs version must match`,
    };
  }
  let switched = false;
  try {
    switched = await tf.setBackend('tensorflow');
  } catch (err) {
    return { ok: false, notInstalled: false, reason: `${pkg}: backend 'tensorflow' failed to start: ${errorMessage(err)}`, cause: err };
  }
  if (!switched) return { ok: false, notInstalled: false, reason: `${pkg}: backend 'tensorflow' failed to start` };
  const version = packageVersion(pkg) ?? 'unknown version';
  const gpu = (tf.backend() as { isUsingGpuDevice?: unknown }).isUsingGpuDevice;
  const device = gpu === true ? 'GPU' : gpu === false ? 'CPU' : 'libtensorflow';
  const note = pkg === '@tensorflow/tfjs-node-gpu' && gpu === false ? ', no usable GPU found' : '';
  return {
    ok: true,
    info: { name: 'tensorflow', description: `tensorflow (${pkg.replace('@tensorflow/', '')} ${version}, ${device}${note})` },
  };
}

type WasmModule = typeof import('../tf-wasm.js');

let wasmPathsSet = false;

/** The folder holding tfjs-backend-wasm's .wasm binaries, with a trailing separator (setWasmPaths's prefix form). */
export function wasmBinaryDir(): string {
  return path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
}

/**
 * Emscripten's Node glue adds process 'uncaughtException'/'unhandledRejection' listeners that rethrow — so any
 * later crash prints a screenful of minified wasm glue and bypasses the application's own handlers. Remove those
 * two listeners (only them: new and shaped like Emscripten's) once the wasm module is instantiated.
 */
/** Emscripten's listeners: `function(ex){if(!(ex instanceof ExitStatus)){throw ex}}` and `function(reason){throw reason}`. */
function isEmscriptenRethrow(listener: (...args: unknown[]) => void): boolean {
  const src = Function.prototype.toString.call(listener);
  return /instanceof\s+ExitStatus/.test(src) || /^function\s*\(\s*(\w+)\s*\)\s*\{\s*throw\s+\1\s*;?\s*\}$/.test(src.trim());
}

async function withoutNewProcessListeners<T>(fn: () => Promise<T>): Promise<T> {
  // Typed loosely on purpose: @types/node overloads `listeners` per event name.
  const proc = process as unknown as {
    listeners(event: string): Array<(...args: unknown[]) => void>;
    removeListener(event: string, listener: (...args: unknown[]) => void): unknown;
  };
  const events = ['uncaughtException', 'unhandledRejection'];
  const before = new Map(events.map((e) => [e, new Set(proc.listeners(e))]));
  try {
    return await fn();
  } finally {
    for (const e of events) {
      const old = before.get(e);
      for (const listener of proc.listeners(e)) {
        if (!old?.has(listener) && isEmscriptenRethrow(listener)) proc.removeListener(e, listener);
      }
    }
  }
}

/** How this process's wasm backend was set up: the thread count asked for, once (later requests cannot change it). */
let wasmThreadsSetUp: number | undefined;

/**
 * With `threads` > 1, puts the threaded build behind the 'wasm' name before tfjs first starts it. Returns a
 * warning line when that is not possible (the single-threaded build then starts as usual).
 */
async function setUpWasmThreads(threads: number): Promise<string | undefined> {
  if (wasmThreadsSetUp !== undefined) {
    return wasmThreadsSetUp === threads
      ? undefined
      : `runtime.threads ${threads} ignored: the wasm backend of this process was already started for ${wasmThreadsSetUp}`;
  }
  wasmThreadsSetUp = threads;
  if (threads <= 1) return undefined;
  if (tf.engine().registry['wasm'] !== undefined)
    return `runtime.threads ${threads} ignored: the wasm backend was started before mmx could set up its threads; using what it has`;
  if ((await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) !== true)
    return `runtime.threads ${threads}: the threaded wasm build needs WebAssembly SIMD, which this Node.js lacks; using 1 thread`;
  try {
    const backend = await withoutNewProcessListeners(() => startThreadedWasmBackend(threads));
    tf.removeBackend('wasm');
    tf.registerBackend('wasm', () => backend, WASM_PRIORITY);
    return undefined;
  } catch (err) {
    return `runtime.threads ${threads}: the threaded wasm backend could not start (${errorMessage(err)}); using 1 thread`;
  }
}

/** tfjs-backend-wasm's registration priority for 'wasm' (kept when mmx registers the threaded build). */
const WASM_PRIORITY = 2;

async function tryWasm(threads: number, warn: (msg: string) => void): Promise<Attempt> {
  let wasm: WasmModule;
  try {
    wasm = await import('../tf-wasm.js');
  } catch (err) {
    return { ok: false, notInstalled: true, reason: `@tensorflow/tfjs-backend-wasm failed to load: ${errorMessage(err)}`, cause: err };
  }
  let switched = false;
  try {
    if (!wasmPathsSet) {
      wasm.setWasmPaths(wasmBinaryDir());
      wasmPathsSet = true;
    }
    const warning = await setUpWasmThreads(threads);
    if (warning !== undefined) warn(warning);
    switched = await withoutNewProcessListeners(() => tf.setBackend('wasm'));
  } catch (err) {
    return { ok: false, notInstalled: false, reason: `the wasm backend failed to start: ${errorMessage(err)}`, cause: err };
  }
  if (!switched) return { ok: false, notInstalled: false, reason: 'the wasm backend failed to start' };
  registerWasmKernels();
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const actual = wasm.getThreadsCount();
  return {
    ok: true,
    info: {
      name: 'wasm',
      description: `wasm (tfjs-backend-wasm ${wasm.version_wasm}, ${simd ? 'SIMD' : 'no SIMD'}, ${actual} thread${actual === 1 ? '' : 's'})`,
    },
  };
}

/**
 * tfjs's cpu backend prints "Hi, looks like you are running TensorFlow.js in Node.js. To speed things up
 * dramatically, install our node backend..." (console.warn, i.e. stderr) the first time it stores a tensor.
 * mmx already says which backend it uses and how to get a faster one, so mark the banner as shown.
 * (`tf.enableProdMode()` would also hide it, but it hides every other tfjs warning too.)
 */
function silenceCpuBanner(): void {
  const cpu = tf.findBackend('cpu') as { firstUse?: unknown } | null;
  if (cpu != null && typeof cpu.firstUse === 'boolean') cpu.firstUse = false;
}

async function tryCpu(): Promise<Attempt> {
  silenceCpuBanner();
  const switched = await tf.setBackend('cpu');
  if (!switched) return { ok: false, notInstalled: false, reason: "tfjs's cpu backend failed to start" };
  return { ok: true, info: { name: 'cpu', description: `cpu (tfjs ${tf.version_core} pure JavaScript, slow)` } };
}

function unavailable(requested: BackendRequest, attempt: Attempt & { ok: false }): BackendUnavailableError {
  const options = attempt.cause === undefined ? undefined : { cause: attempt.cause };
  switch (requested) {
    case 'tensorflow-gpu':
    case 'tensorflow': {
      const pkg = requested === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
      const what = attempt.notInstalled
        ? `needs ${pkg}, which is not installed (it downloads libtensorflow at install time${requested === 'tensorflow-gpu' ? ' and needs CUDA' : ''}; \`npm install ${pkg}\` where that is possible)`
        : `cannot be used: ${attempt.reason}`;
      return new BackendUnavailableError(requested, `runtime.backend '${requested}' ${what}. Use backend: auto or wasm.`, options);
    }
    case 'wasm':
      return new BackendUnavailableError(requested, `runtime.backend 'wasm' cannot be used: ${attempt.reason}. Use backend: cpu.`, options);
    default:
      return new BackendUnavailableError(requested, `runtime.backend '${requested}' cannot be used: ${attempt.reason}.`, options);
  }
}

/**
 * Initialises the requested backend and makes it tfjs's current one. Idempotent: calling it again (with the
 * same or another request) just switches; wasm paths, threads and extra kernels are set up once (the first
 * wasm start decides its thread count; a later, different `threads` is reported through `log` and ignored).
 *
 * `auto` never throws for a missing optional package: it falls through to the next candidate and, when `log`
 * is given, logs one line naming what it skipped and why. An explicit request that cannot be met throws BackendUnavailableError.
 */
export async function initBackend(
  requested: BackendRequest,
  log?: (msg: string) => void,
  options: BackendOptions = {},
): Promise<BackendInfo> {
  if (!BACKEND_REQUESTS.includes(requested)) {
    throw new BackendUnavailableError(
      requested,
      `runtime.backend '${String(requested)}' is not a backend; use one of ${BACKEND_REQUESTS.join(', ')}.`,
    );
  }
  silenceCpuBanner();
  // mmx's gradients: a kernel where the backend has mmx's, tfjs's own ops on any other backend
  registerReluGradient();
  registerDropoutGradient();
  registerCpuKernels();
  // A warning is never dropped: without a log it goes to stderr.
  const warn = log ?? ((msg: string) => console.warn(`mmx: ${msg}`));
  let request = options.threads;
  if (request === undefined) {
    const fromEnv = threadsFromEnv();
    if (fromEnv.invalid !== undefined) warn(`${THREADS_ENV}=${fromEnv.invalid} ignored: use auto or a whole number ≥ 1`);
    request = fromEnv.request;
  }
  const threads = resolveThreads(request, process.env, simdKernelsEnabled());
  const autoOne = request === 'auto' && threads === 1 && simdKernelsEnabled();
  const tryers: Record<Exclude<BackendRequest, 'auto'>, () => Promise<Attempt>> = {
    'tensorflow-gpu': () => tryTfjsNode('@tensorflow/tfjs-node-gpu'),
    tensorflow: () => tryTfjsNode('@tensorflow/tfjs-node'),
    wasm: async () => {
      const attempt = await tryWasm(threads, warn);
      if (attempt.ok && autoOne)
        log?.(
          `runtime.threads auto: 1 thread (mmx's SIMD kernels, which compute most of a step, run on one thread; runtime.workers uses more cores)`,
        );
      return attempt;
    },
    cpu: tryCpu,
  };
  if (requested !== 'auto') {
    const attempt = await tryers[requested]();
    if (!attempt.ok) throw unavailable(requested, attempt);
    return attempt.info;
  }
  const skipped: string[] = [];
  for (const candidate of ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const) {
    const attempt = await tryers[candidate]();
    if (attempt.ok) {
      // One line at most, and only when something better than what we got was skipped.
      if (log !== undefined && skipped.length > 0) log(`backend auto: using ${attempt.info.name}; skipped ${skipped.join('; ')}`);
      return attempt.info;
    }
    skipped.push(`${candidate} (${attempt.reason})`);
  }
  throw new BackendUnavailableError('auto', `no TensorFlow.js backend could be started: ${skipped.join('; ')}`);
}

/**
 * Which of `kernelNames` have no kernel registered for `backend` (default: the current backend). For a preflight
 * before training, e.g. `missingKernels(['Conv2DBackpropFilter', 'UnsortedSegmentSum'], 'wasm')`.
 */
export function missingKernels(kernelNames: string[], backend: string = tf.getBackend()): string[] {
  return kernelNames.filter((name) => tf.getKernel(name, backend) === undefined);
}

/**
 * tfjs-backend-wasm's threaded SIMD build, started under Node.
 *
 * tfjs itself never uses it in Node: its WASM_HAS_MULTITHREAD_SUPPORT flag is false there (tfjs issue #3830),
 * and its init() loads the pthread worker from a `blob:` URL. Here the Emscripten factory is called directly
 * with the worker and glue as real files (glue-files.ts), and the resulting module goes into the package's own
 * `BackendWasm`, so every wasm kernel (tfjs's and mmx's) runs unchanged; XNNPACK ops use the thread pool.
 *
 * What differs from the single-threaded build, and is handled here:
 *  - the wasm memory is a SharedArrayBuffer: growing it does not detach old views but leaves them short, and
 *    the glue refreshes `Module.HEAPU8` only on its own paths. tfjs reads `wasm.HEAPU8` directly (every
 *    `typedArrayFromHeap`, `readSync`, `move`), so HEAPU8 becomes a getter that re-views grown memory.
 *  - the pool's workers are ref'd while they run a pthread, which is forever (XNNPACK keeps them parked),
 *    so they would keep the process alive at exit: they are unref'd once the backend exists.
 *  - the glue sets `globalThis.Worker` (here: the pool's Worker class); restored afterwards.
 *  - the pool's workers start without the parent's execArgv, and one failing to start rejects the start.
 */
import { createRequire } from 'node:module';
import { Worker as NodeWorker, type WorkerOptions } from 'node:worker_threads';
import * as wasmPackage from '../../tf-wasm.js';
import { writeGlueFiles, type GlueFiles } from './glue-files.js';
import { formatDuration } from '../../format/duration.js';

const require = createRequire(import.meta.url);

/** How long the module may take to start (compile the binary, load it into every worker) before giving up. */
const START_TIMEOUT_MS = 60_000;

type BackendWasm = wasmPackage.BackendWasm;
type WasmModule = BackendWasm['wasm'];

interface NodeWorkerLike {
  unref(): void;
}

/** The parts of the Emscripten module this file touches beyond what tfjs types. */
interface ThreadedModule {
  cwrap(name: string, returnType: string | null, argTypes: string[]): (...args: number[]) => unknown;
  HEAPU8: Uint8Array;
  wasmMemory?: { readonly buffer: ArrayBufferLike };
  PThread?: { runningWorkers?: NodeWorkerLike[]; unusedWorkers?: NodeWorkerLike[]; terminateAllThreads(): void };
  tfjs?: unknown;
}

interface FactoryConfig {
  locateFile(file: string, prefix: string): string;
  mainScriptUrlOrBlob: string;
  mmxPthreadPoolSize: number;
  mmxLogicalCores: number;
  mmxWorker: typeof NodeWorker;
  onAbort(what: unknown): void;
}

type Factory = (config: FactoryConfig) => Promise<ThreadedModule>;

/** The `tfjs` namespace tfjs's own init() adds to the module (backend_wasm.js); BackendWasm calls these. */
function addTfjsNamespace(module: ThreadedModule): void {
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
}

/** `module.HEAPU8` always spans the whole (shared, possibly grown) memory. */
function growableHeapU8(module: ThreadedModule): void {
  const memory = module.wasmMemory;
  if (memory === undefined) throw new Error('the threaded wasm module does not expose its memory');
  let view = module.HEAPU8;
  Object.defineProperty(module, 'HEAPU8', {
    configurable: true,
    enumerable: true,
    get(): Uint8Array {
      const buffer = memory.buffer;
      if (view.byteLength !== buffer.byteLength) view = new Uint8Array(buffer);
      return view;
    },
    set(value: Uint8Array) {
      view = value;
    },
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${formatDuration(ms / 1000)}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The pool's Worker class: started without the parent's execArgv (a pool thread runs plain CommonJS; it needs
 * no `--import tsx`, and flags such as `--input-type` would stop it loading), and with the glue's 'error'
 * listeners, which rethrow, routed to `onError` (which rejects a start still in progress).
 */
function poolWorkerClass(onError: (err: unknown) => void, created: NodeWorker[]): typeof NodeWorker {
  return class PoolWorker extends NodeWorker {
    constructor(file: string | URL, options?: WorkerOptions) {
      super(file, { ...options, execArgv: [] });
      created.push(this);
    }

    override on(event: string | symbol, listener: (...args: any[]) => void): this {
      if (event !== 'error') return super.on(event, listener);
      return super.on(event, (...args: unknown[]) => {
        try {
          listener(...args);
        } catch (err) {
          onError(err);
        }
      });
    }
  };
}

async function startModule(files: GlueFiles, threads: number): Promise<ThreadedModule> {
  const factory = require(files.glue) as Factory;
  let aborted: unknown;
  let starting = true;
  const created: NodeWorker[] = [];
  let rejectStart: (err: unknown) => void = () => {};
  const workerFailed = new Promise<never>((_, reject) => {
    rejectStart = reject;
  });
  const onWorkerError = (err: unknown): void => {
    if (!starting) throw err; // after start, as the glue does: a lost pool thread cannot be recovered
    rejectStart(new Error(`a wasm pool thread failed to start: ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
  };
  const started = factory({
    locateFile: (file, prefix) => (file.endsWith('.worker.js') ? files.worker : file.endsWith('.wasm') ? files.wasm : prefix + file),
    mainScriptUrlOrBlob: files.glue,
    mmxPthreadPoolSize: threads - 1,
    // tfjs caps the pool at logical cores / 2.
    mmxLogicalCores: 2 * threads,
    mmxWorker: poolWorkerClass(onWorkerError, created),
    onAbort: (what) => {
      aborted = what;
    },
  });
  try {
    return await withTimeout(Promise.race([started, workerFailed]), START_TIMEOUT_MS, 'starting the threaded wasm module');
  } catch (err) {
    // Nothing may keep running (or keep the process alive) after a failed start.
    for (const worker of created) void worker.terminate();
    throw aborted === undefined ? err : new Error(`the threaded wasm module aborted: ${String(aborted)}`, { cause: err });
  } finally {
    starting = false;
  }
}

/**
 * A `BackendWasm` running XNNPACK on `threads` threads (≥ 2), from tfjs-backend-wasm's threaded SIMD build.
 * Rejects (never hangs, never leaves workers running) when that build cannot start here.
 */
export async function startThreadedWasmBackend(threads: number): Promise<BackendWasm> {
  if (!Number.isInteger(threads) || threads < 2) throw new RangeError(`the threaded wasm backend needs ≥ 2 threads, got ${threads}`);
  if (typeof SharedArrayBuffer !== 'function') throw new Error('this Node.js has no SharedArrayBuffer');
  const hadWorker = Object.prototype.hasOwnProperty.call(globalThis, 'Worker');
  const previousWorker = (globalThis as { Worker?: unknown }).Worker;
  const files = writeGlueFiles();
  let module: ThreadedModule | undefined;
  try {
    module = await startModule(files, threads);
    addTfjsNamespace(module);
    growableHeapU8(module);
    wasmPackage.setThreadsCount(threads);
    const backend = new wasmPackage.BackendWasm(module as unknown as WasmModule);
    for (const worker of module.PThread?.runningWorkers ?? []) worker.unref();
    for (const worker of module.PThread?.unusedWorkers ?? []) worker.unref();
    return backend;
  } catch (err) {
    try {
      module?.PThread?.terminateAllThreads();
    } catch {
      /* already failing: the original error says why */
    }
    throw err;
  } finally {
    files.remove();
    if (hadWorker) (globalThis as { Worker?: unknown }).Worker = previousWorker;
    else delete (globalThis as { Worker?: unknown }).Worker;
  }
}

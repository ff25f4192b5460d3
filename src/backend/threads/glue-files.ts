/**
 * The files tfjs-backend-wasm's threaded SIMD build needs under Node, written to a private temporary folder.
 *
 * tfjs-backend-wasm 4.22 ships the Emscripten glue of its threaded build (`wasm-out/...-threaded-simd.js`) and
 * the pthread worker's source as a string (`wasm-out/...-threaded-simd.worker.js` exports `wasmWorkerContents`).
 * In a browser tfjs hands the worker a `blob:` URL, which Node's worker_threads cannot load; here the worker
 * source goes into a real `.cjs` file instead, so Emscripten's own Node path (`new Worker(file)`) works.
 *
 * The glue is patched in three places, each checked to match exactly once (else: an error, and the caller falls
 * back to one thread):
 *  - `pthreadPoolSize=8`: the workers started up front. Made `Module.mmxPthreadPoolSize`, so only as many start
 *    as the pool uses (threads − 1; the calling thread is the last one). They must exist before XNNPACK's pool
 *    is created: a pthread started later needs the main thread's event loop, which is blocked in that call.
 *  - `_emscripten_num_logical_cores`: tfjs caps the pool at logical cores / 2 (1 on a 2-core machine, so
 *    setThreadsCount(2) gave 1). Made `Module.mmxLogicalCores` when set, so the caller's count is used.
 *  - `global.Worker=nodeWorkerThreads.Worker`: the Worker class the pool is made of. Made `Module.mmxWorker`
 *    when set, so the caller can start workers without the parent's execArgv (no `--import tsx` per pool
 *    thread) and catch a worker's startup error instead of letting the glue throw it as uncaught.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);

export const GLUE_NAME = 'tfjs-backend-wasm-threaded-simd';

export interface GlueFiles {
  /** the folder, private to this process (mkdtemp, mode 0700) */
  dir: string;
  /** patched Emscripten glue, loaded by the main thread (require) and by every worker (importScripts) */
  glue: string;
  /** the pthread worker script */
  worker: string;
  /** the threaded SIMD .wasm binary in the package */
  wasm: string;
  /** removes the folder; safe once the workers have started (they read both files while starting) */
  remove(): void;
}

interface Patch {
  what: string;
  from: string;
  to: string;
}

const PATCHES: readonly Patch[] = [
  { what: 'pthread pool size', from: 'var pthreadPoolSize=8;', to: 'var pthreadPoolSize=Module["mmxPthreadPoolSize"]??8;' },
  {
    what: 'logical core count',
    from: 'function _emscripten_num_logical_cores(){',
    to: 'function _emscripten_num_logical_cores(){if(Module["mmxLogicalCores"])return Module["mmxLogicalCores"];',
  },
  {
    what: 'worker class',
    from: 'global.Worker=nodeWorkerThreads.Worker',
    to: 'global.Worker=Module["mmxWorker"]||nodeWorkerThreads.Worker',
  },
];

export function wasmPackageDir(): string {
  return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
}

/** The glue source with PATCHES applied; throws naming the patch that does not match this tfjs version. */
export function patchGlue(source: string): string {
  let out = source;
  for (const patch of PATCHES) {
    const at = out.indexOf(patch.from);
    if (at < 0 || out.indexOf(patch.from, at + 1) >= 0) {
      throw new Error(
        `the threaded wasm glue does not have exactly one '${patch.from}' (${patch.what}); this tfjs-backend-wasm version is not supported for threads`,
      );
    }
    out = out.slice(0, at) + patch.to + out.slice(at + patch.from.length);
  }
  return out;
}

/** The worker source: the package exports it as a string whose `\n` escapes were turned into newlines. */
export function workerSource(packageDir: string): string {
  const mod = require(path.join(packageDir, 'wasm-out', `${GLUE_NAME}.worker.js`)) as { wasmWorkerContents?: unknown };
  if (typeof mod.wasmWorkerContents !== 'string') throw new Error(`wasm-out/${GLUE_NAME}.worker.js does not export wasmWorkerContents`);
  // tfjs does the same before making its blob: the escapes sit inside the worker's string literals.
  return mod.wasmWorkerContents.replace(/\n/g, '\\n');
}

export function writeGlueFiles(packageDir: string = wasmPackageDir()): GlueFiles {
  const glueSource = patchGlue(readFileSync(path.join(packageDir, 'wasm-out', `${GLUE_NAME}.js`), 'utf8'));
  const worker = workerSource(packageDir);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mmx-wasm-threads-'));
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    // .cjs: both are CommonJS (require, __filename) whatever package.json sits above the temp folder.
    const files = { glue: path.join(dir, 'glue.cjs'), worker: path.join(dir, 'worker.cjs') };
    writeFileSync(files.glue, glueSource);
    writeFileSync(files.worker, worker);
    return { dir, ...files, wasm: path.join(packageDir, 'dist', `${GLUE_NAME}.wasm`), remove };
  } catch (err) {
    remove();
    throw err;
  }
}

/**
 * Starting trial processes: `child_process.fork` of the worker entry through the same runtime as this
 * process (from source: `node --import tsx src/sweep/worker.ts`; built: `node dist/sweep/worker.js`), pinned
 * to its share of the cores.
 *
 * Pinning: on Linux, when `taskset` (util-linux) is on the PATH, the worker is started as
 * `taskset -c <cpus> node ...` (taskset execs node, so the IPC channel is inherited), and every thread it
 * makes stays on those cores. Elsewhere (macOS, Windows, no taskset) trials are not pinned; the thread
 * limits below still keep them from oversubscribing. Each worker is also told to use as many threads as it has
 * cores: tfjs-backend-wasm's thread count (1 in Node), TF_NUM_INTRAOP_THREADS / TF_NUM_INTEROP_THREADS for
 * @tensorflow/tfjs-node(-gpu), VIPS_CONCURRENCY for sharp's image decoding, OMP_NUM_THREADS.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The worker entry beside this file and the node flags it needs (tsx when running from TypeScript source). */
export function workerEntry(): { script: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  const fromSource = here.endsWith('.ts');
  const script = path.join(path.dirname(here), fromSource ? 'worker.ts' : 'worker.js');
  if (!fromSource) return { script, execArgv: [] };
  // keep the loader this process was started with (`--import tsx`, `--loader ...`), else add tsx
  // a relative module path (`--import ./setup.ts`) is resolved here: the worker runs in another directory.
  // Node resolved it against this process's working directory when it started, so that is the folder to use.
  const absolute = (flag: string, spec: string): string => {
    if (!spec.startsWith('./') && !spec.startsWith('../')) return spec;
    const abs = path.resolve(process.cwd(), spec);
    return flag === '--require' || flag === '-r' ? abs : pathToFileURL(abs).href;
  };
  const loaderFlags: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if ((a === '--import' || a === '--loader' || a === '--experimental-loader' || a === '--require' || a === '-r') && argv[i + 1]) {
      loaderFlags.push(a, absolute(a, argv[i + 1]!));
      i++;
    } else if (/^--(import|loader|experimental-loader|require)=/.test(a)) {
      const eq = a.indexOf('=');
      loaderFlags.push(`${a.slice(0, eq)}=${absolute(a.slice(0, eq), a.slice(eq + 1))}`);
    }
  }
  // tsx by its resolved URL (a bare `tsx` would resolve from the worker's working directory), where it was: a
  // module loaded before it cannot be TypeScript; tsx first when the process was started without it
  const tsx = import.meta.resolve('tsx');
  const kept: string[] = [];
  let sawTsx = false;
  for (let i = 0; i < loaderFlags.length; i++) {
    const f = loaderFlags[i]!;
    if (f.includes('=')) {
      if (f.includes('tsx')) {
        if (!sawTsx) kept.push('--import', tsx);
        sawTsx = true;
      } else kept.push(f);
      continue;
    }
    const value = loaderFlags[i + 1]!;
    i++;
    if (value.includes('tsx')) {
      if (!sawTsx) kept.push('--import', tsx);
      sawTsx = true;
    } else kept.push(f, value);
  }
  return { script, execArgv: sawTsx ? kept : ['--import', tsx, ...kept] };
}

/** The CPUs this process may run on (Linux: its affinity mask), else 0..n-1. */
export function allowedCpus(): number[] {
  if (process.platform === 'linux') {
    try {
      const status = readFileSync('/proc/self/status', 'utf8');
      const list = /^Cpus_allowed_list:\s*(.+)$/m.exec(status)?.[1];
      if (list) {
        const cpus: number[] = [];
        for (const part of list.trim().split(',')) {
          const [a, b] = part.split('-').map(Number);
          if (a === undefined || Number.isNaN(a)) continue;
          for (let c = a; c <= (b ?? a); c++) cpus.push(c);
        }
        if (cpus.length) return cpus;
      }
    } catch {
      /* fall through */
    }
  }
  return Array.from({ length: os.availableParallelism() }, (_, i) => i);
}

/** Splits the CPUs into `slots` contiguous shares (fewer CPUs than slots: slots share CPUs round-robin). */
export function cpuShares(cpus: readonly number[], slots: number): number[][] {
  if (cpus.length === 0) return Array.from({ length: slots }, () => []);
  if (slots >= cpus.length) return Array.from({ length: slots }, (_, i) => [cpus[i % cpus.length]!]);
  const out: number[][] = [];
  let start = 0;
  for (let i = 0; i < slots; i++) {
    const n = Math.floor(cpus.length / slots) + (i < cpus.length % slots ? 1 : 0);
    out.push(cpus.slice(start, start + n));
    start += n;
  }
  return out;
}

let tasksetPath: string | null | undefined;

/** `taskset`'s path on Linux, when installed. */
export function findTaskset(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (tasksetPath !== undefined) return tasksetPath ?? undefined;
  tasksetPath = null;
  if (process.platform === 'linux' && env.MMX_SWEEP_NO_PIN !== '1') {
    for (const dir of (env.PATH ?? '/usr/bin:/bin').split(path.delimiter)) {
      const p = path.join(dir, 'taskset');
      try {
        accessSync(p, constants.X_OK);
        tasksetPath = p;
        break;
      } catch {
        /* next */
      }
    }
  }
  return tasksetPath ?? undefined;
}

export interface LaunchOptions {
  cpus: number[];
  env?: NodeJS.ProcessEnv;
  cwd: string;
  /** another worker entry (tests); default: this module's worker */
  script?: string;
  execArgv?: string[];
  /** where the worker's own stdout/stderr go (default: ignored; the coordinator reports for it) */
  stdio?: 'ignore' | 'inherit' | 'pipe';
}

export interface Launched {
  child: ChildProcess;
  /** how it was started, for the log: `taskset -c 0 node ...` or `node ...` */
  pinned: boolean;
}

export function launchWorker(options: LaunchOptions): Launched {
  const entry = workerEntry();
  const script = options.script ?? entry.script;
  const execArgv =
    options.execArgv ??
    (script.endsWith('.ts') ? (entry.execArgv.length ? entry.execArgv : ['--import', import.meta.resolve('tsx')]) : entry.execArgv);
  const threads = String(Math.max(1, options.cpus.length));
  const env: NodeJS.ProcessEnv = {
    ...(options.env ?? process.env),
    MMX_SWEEP_THREADS: threads,
    TF_NUM_INTRAOP_THREADS: threads,
    TF_NUM_INTEROP_THREADS: '1',
    OMP_NUM_THREADS: threads,
    VIPS_CONCURRENCY: threads,
    UV_THREADPOOL_SIZE: String(Math.max(2, options.cpus.length)),
  };
  const taskset = options.cpus.length ? findTaskset(env) : undefined;
  const stdio = options.stdio ?? 'ignore';
  const child = fork(script, [], {
    cwd: options.cwd,
    env,
    stdio: [stdio === 'inherit' ? 'inherit' : 'ignore', stdio, stdio, 'ipc'],
    ...(taskset ? { execPath: taskset, execArgv: ['-c', options.cpus.join(','), process.execPath, ...execArgv] } : { execArgv }),
    serialization: 'json',
  });
  return { child, pinned: taskset !== undefined };
}

/**
 * What the coordinator needs of a trial's process: a forked worker (`launchWorker`), or a stand-in for a trial
 * that runs elsewhere (`src/sweep/queue/remote.ts`: a job on a Redis queue, taken by `mmx worker`).
 */
export interface TrialProcess {
  readonly connected: boolean;
  readonly stdout?: { resume(): unknown } | null;
  readonly stderr?: { setEncoding(e: BufferEncoding): { on(event: 'data', l: (c: string) => void): unknown } } | null;
  send(message: import('./protocol.js').ToWorker, callback?: (error: Error | null) => void): boolean;
  kill(signal?: NodeJS.Signals | number): boolean;
  on(event: 'message', listener: (message: unknown) => void): this;
  on(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
}

/** Starts a trial's process some other way than `launchWorker` (a queue). */
export type TrialLauncher = (o: { trial: number; cpus: number[]; slot: number }) => TrialProcess;

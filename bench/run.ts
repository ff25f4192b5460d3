/**
 * `npm run bench`: for each variant (bench/variants.ts), mmx on the wasm backend (bench/mmx-bench.ts, its own
 * process), then — where a Python with torch is found — the PyTorch twin (bench/torch_reference.py) on the very
 * features mmx decoded, one after the other; prints absolute figures and mmx/PyTorch ratios.
 *
 * Environment: MMX_DATA_HOME (default ../shared/data), MMX_BENCH_PYTHON (default: /usr/bin/python3, then
 * python3 — the first that imports torch), MMX_BENCH_VARIANTS (comma list, default reference,lstm,cache),
 * MMX_BENCH_ALLOW_REFERENCE_BLAS=1 (print ratios against a PyTorch on Debian's reference BLAS, labelled as such;
 * without it they are refused: nobody trains PyTorch on netlib BLAS).
 *
 * The anchor: PyTorch on an optimised BLAS (Debian: apt-get install -y python3-torch libopenblas0-pthread). The
 * twin reports the BLAS torch really calls (named, and timed: a 512³ sgemm), its threads and its convolution
 * engine; every engine's line says the load average before and after it ran (the machine may be shared).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EpochFig } from './epoch-figures.js';
import { VARIANTS, type VariantName } from './variants.js';

interface Blas {
  kind: 'optimised' | 'reference';
  name: string;
  version: string | null;
  threads: number | null;
  detail: string;
  sgemmGflops: number;
}

interface Result {
  engine: string;
  variant: string;
  backend: string;
  parameters: number;
  data: { train: number; trainFull?: number; validation: number; test: number };
  decodeSeconds?: number;
  epochs: EpochFig[];
  inference: { samplesPerSec: number; batchSize: number; samples?: number; cpuSeconds?: number };
  testAccuracy: number;
  peakRssMb: number;
  /** mmx: the model's conv and matmul FLOPs per sample (bench/flops.ts) */
  flops?: { forward: number; train: number; skipped: string[] };
  /** PyTorch: the BLAS it calls */
  blas?: Blas;
  /** 1-minute load average before and after the run */
  load?: [number, number];
}

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

const load = (): number => os.loadavg()[0]!;

function runChild(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Result | string {
  const before = load();
  const r = spawnSync(cmd, args, { cwd: root, env, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('BENCH_RESULT '));
  if (r.status !== 0 || !line)
    return `${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal}): ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`;
  const result = JSON.parse(line.slice('BENCH_RESULT '.length)) as Result;
  result.load = [before, load()];
  return result;
}

function findTorchPython(): string | undefined {
  const candidates = [process.env.MMX_BENCH_PYTHON, '/usr/bin/python3', 'python3'].filter((c): c is string => !!c);
  for (const py of candidates) {
    const r = spawnSync(py, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return undefined;
}

/** steady state: the epochs after the first (warm-up), or the only one */
function steady(epochs: EpochFig[]): EpochFig {
  const use = epochs.length > 1 ? epochs.slice(1) : epochs;
  const mean = (f: (e: EpochFig) => number) => use.reduce((a, e) => a + f(e), 0) / use.length;
  const trainSeconds = mean((e) => e.trainSeconds);
  const cpu = use.every((e) => e.trainCpuSeconds !== undefined) ? mean((e) => e.trainCpuSeconds ?? 0) : undefined;
  return {
    ...(cpu !== undefined ? { trainCpuSeconds: cpu } : {}),
    epoch: use.length,
    seconds: mean((e) => e.seconds),
    trainSeconds,
    samples: use[0]!.samples,
    data: mean((e) => e.data),
    step: mean((e) => e.step),
    overhead: mean((e) => e.overhead),
    validation: mean((e) => e.validation),
    samplesPerSec: use[0]!.samples / trainSeconds,
  };
}

const f = (x: number, d = 1) => x.toFixed(d);
const pct = (part: number, whole: number) => `${f((100 * part) / whole)}%`;

function describe(r: Result): string[] {
  const s = steady(r.epochs);
  const first = r.epochs[0]!;
  return [
    `  ${r.engine}: ${r.backend}; ${r.parameters.toLocaleString('en-US')} parameters; train ${r.data.train}${r.data.trainFull && r.data.trainFull !== r.data.train ? ` (of ${r.data.trainFull})` : ''}, val ${r.data.validation}, test ${r.data.test}`,
    ...(r.decodeSeconds !== undefined ? [`    decode + preprocess (once, before training): ${f(r.decodeSeconds)} s`] : []),
    `    training: ${f(s.samplesPerSec)} samples/s steady (mean of epochs 2..${r.epochs.length}); epoch 1 (warm-up): ${f(first.samplesPerSec)} samples/s` +
      (s.trainCpuSeconds ? `; ${f(s.samples / s.trainCpuSeconds)} samples per CPU-second` : ''),
    `    epoch time ${f(s.seconds, 2)} s = data ${f(s.data, 2)} s (${pct(s.data, s.seconds)}) + model step ${f(s.step, 2)} s (${pct(s.step, s.seconds)}) + overhead ${f(s.overhead, 3)} s (${pct(s.overhead, s.seconds)}) + validation ${f(s.validation, 2)} s (${pct(s.validation, s.seconds)})`,
    `    inference: ${f(r.inference.samplesPerSec)} samples/s (test split, batch ${r.inference.batchSize})` +
      (r.inference.cpuSeconds && r.inference.samples ? `; ${f(r.inference.samples / r.inference.cpuSeconds)} samples per CPU-second` : '') +
      `; test accuracy ${f(r.testAccuracy, 3)}`,
    `    peak RSS: ${f(r.peakRssMb, 0)} MB${r.load ? `; load average (1 min) ${f(r.load[0], 2)} before, ${f(r.load[1], 2)} after` : ''}`,
  ];
}

/** `, inference r×` per CPU-second of inference, where both runs measured it */
function inferCpu(a: Result, b: Result): string {
  const rate = (r: Result) => (r.inference.cpuSeconds && r.inference.samples ? r.inference.samples / r.inference.cpuSeconds : undefined);
  const ra = rate(a);
  const rb = rate(b);
  return ra && rb ? `, inference ${f(ra / rb, 2)}×` : '';
}

/** The roofline probe (bench/roofline.ts) in its own process: wasm SIMD128's peak GFLOP/s on one core, or a reason. */
function wasmPeak(): number | string {
  const r = runJson(['--import', 'tsx', 'bench/roofline.ts'], process.env);
  return typeof r === 'string' ? r : Number(r['peakGflops']);
}

/**
 * The roofline lines of a variant: its conv/matmul FLOPs per step, and the rate mmx and PyTorch reach as a share
 * of wasm's peak (and, for PyTorch, of its own BLAS's sgemm).
 */
function roofline(name: string, peak: number | string, mmx: Result | undefined, torch: Result | undefined, batch: number): string[] {
  const fl = mmx?.flops;
  if (!fl || !mmx) return [];
  const lines = [
    '',
    `roofline (${name}, one core): conv + matmul FLOPs (bench/flops.ts; element-wise work not counted): ` +
      `${f((fl.train * batch) / 1e9, 3)} GFLOP per training step of ${batch}, ${f(fl.forward / 1e6, 2)} MFLOP per sample inferred` +
      (fl.skipped.length ? ` (not counted: ${fl.skipped.join(', ')})` : ''),
  ];
  if (typeof peak === 'string') lines.push(`  wasm peak: ${peak}`);
  else
    lines.push(`  wasm SIMD128 peak, one core (mmx's gemm micro-kernel on L1-resident operands, fastest of 60 runs): ${f(peak)} GFLOP/s`);
  const row = (label: string, r: Result, extra = ''): string => {
    const train = (fl.train * steady(r.epochs).samplesPerSec) / 1e9;
    const infer = (fl.forward * r.inference.samplesPerSec) / 1e9;
    const share = (x: number) => (typeof peak === 'number' ? ` (${f((100 * x) / peak, 0)}% of the wasm peak)` : '');
    return `  ${label.padEnd(18)} training ${f(train)} GFLOP/s${share(train)}, inference ${f(infer)} GFLOP/s${share(infer)}${extra}`;
  };
  lines.push(row('mmx, 1 core:', mmx));
  if (torch) {
    const sgemm = torch.blas?.sgemmGflops;
    const native = sgemm ? `; its BLAS's own sgemm (512³) runs at ${f(sgemm)} GFLOP/s` : '';
    lines.push(row('PyTorch, 1 thread:', torch, native));
  }
  return lines;
}

/** the last JSON line a child printed on stdout */
function runJson(args: string[], env: NodeJS.ProcessEnv): Record<string, unknown> | string {
  const r = spawnSync(process.execPath, args, { cwd: root, env, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  const line = (r.stdout ?? '')
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (r.status !== 0 || !line)
    return `${args.join(' ')} failed (exit ${r.status ?? r.signal}): ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`;
  return JSON.parse(line) as Record<string, unknown>;
}

/**
 * The feature cache and streaming (issue 7, items 4-5), in a private cache folder:
 *  - a cached re-run's time from process start to its first training batch (the built CLI, configs/avmnist.yaml);
 *  - AV-MNIST's rows repeated ×10 (30,000 rows, the same files): a first run decoding into the cache while
 *    streaming, a cached streamed run, and a cached in-memory run — RSS against the decoded training tensors.
 */
function cacheStage(dataHome: string, tmp: string): string[] {
  const cacheDir = path.join(tmp, 'cache');
  const env = { ...process.env, MMX_DATA_HOME: dataHome, MMX_CACHE_DIR: cacheDir };
  const lines = ['', 'cache: feature cache and streaming (private cache folder)'];
  process.stderr.write('[bench] cache: building the CLI (npm run build)...\n');
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) return [...lines, `  npm run build failed: ${(build.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`];
  process.stderr.write('[bench] cache: first batch of a cached re-run (built CLI, configs/avmnist.yaml)...\n');
  // the light probe gives the figure (no module hook); the marked run shows where the time goes (its hook adds ~150 ms)
  for (const args of [
    ['--light', '--rounds', '5'],
    ['--rounds', '3'],
  ]) {
    const startup = spawnSync(process.execPath, ['bench/measure-startup.mjs', ...args], { cwd: root, env, encoding: 'utf8' });
    lines.push(
      `  cached re-run of configs/avmnist.yaml (\`mmx run\`, built CLI; the first run fills the cache)${args[0] === '--light' ? '' : ', with marks'}:`,
    );
    lines.push(
      ...(startup.status === 0
        ? startup.stdout
            .trim()
            .split('\n')
            .map((l) => `    ${l}`)
        : [`    failed: ${(startup.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`]),
    );
  }
  const manifest = path.join(dataHome, 'avmnist', 'manifest.csv');
  const big = (label: string, sets: string[], batches: number): void => {
    process.stderr.write(`[bench] cache: ${label}...\n`);
    const r = runJson(
      ['--import', 'tsx', 'bench/cache-measure.ts', 'big', manifest, '10', String(batches), ...sets.flatMap((x) => ['--set', x])],
      env,
    );
    if (typeof r === 'string') {
      lines.push(`  ${label}: ${r}`);
      return;
    }
    const range = (x: unknown): string => {
      const v = x as { min: number; max: number } | undefined;
      return v && Number.isFinite(v.min) ? `${v.min}–${v.max} MB` : '–';
    };
    const decoded = Number(r['decodedTrainMb']);
    const peak = Number(r['peakRssMb']);
    lines.push(
      `  ${label}: ${String(r['rows'])} rows (decoded training tensors ${decoded} MB); RSS while preparing ${range(r['rssLoadingMb'])}, while training ${range(r['rssTrainingMb'])}; peak ${peak} MB = ${f(peak / decoded, 2)}× the decoded training tensors`,
      `    ${String(r['cache'])}`,
    );
  };
  big('AV-MNIST ×10, first run (decode into the cache, streamed: runtime.stream auto, memory_budget_mb 256)', [], 40);
  big('AV-MNIST ×10, cached, streamed', [], 150);
  big('AV-MNIST ×10, cached, in memory (runtime.stream never)', ['runtime.stream=never'], 150);
  return lines;
}

/**
 * mmx configurations the bench runs: one core, every core (data-parallel workers unless MMX_BENCH_PARALLEL=threads),
 * and `runtime.workers: auto` (which measures on the first batches and keeps the faster).
 */
function mmxModes(cores: number): { label: string; args: string[] }[] {
  const modes = [{ label: 'mmx, 1 core', args: ['--workers', '1', '--threads', '1'] }];
  if (cores > 1) {
    const threads = process.env.MMX_BENCH_PARALLEL === 'threads';
    modes.push({
      label: `mmx, ${cores} cores`,
      args: threads ? ['--workers', '1', '--threads', String(cores)] : ['--workers', String(cores), '--threads', '1'],
    });
    modes.push({ label: 'mmx, workers auto', args: ['--workers', 'auto', '--threads', '1'] });
  }
  return modes;
}

function main(): void {
  const requested = (process.env.MMX_BENCH_VARIANTS ?? 'reference,lstm,cache').split(',').map((s) => s.trim());
  const names = requested.filter((n) => n !== 'cache') as VariantName[];
  const dataHome = path.resolve(process.env.MMX_DATA_HOME ?? path.join(root, '..', 'shared', 'data'));
  const python = findTorchPython();
  const cores = Math.max(1, Number(process.env.MMX_BENCH_CORES ?? os.availableParallelism()));
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'mmx-bench-'));
  const lines: string[] = [
    `mmx bench — ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores (using ${cores}), Node ${process.version}; ` +
      `load average ${os
        .loadavg()
        .map((x) => f(x, 2))
        .join(', ')} (1, 5, 15 min) at the start`,
  ];
  lines.push(
    python
      ? `PyTorch: ${python}; 1 thread: torch.set_num_threads(1), OMP_NUM_THREADS=OPENBLAS_NUM_THREADS=MKL_NUM_THREADS=1; ` +
          `${cores} threads: all of them ${cores} and OMP_WAIT_POLICY=PASSIVE (OpenMP's threads sleep while OpenBLAS's run)`
      : 'PyTorch: not found (no python3 that imports torch; Debian: apt-get install -y python3-torch libopenblas0-pthread) — mmx figures only',
  );
  process.stderr.write('[bench] roofline probe (wasm SIMD128 peak)...\n');
  const peak = wasmPeak();
  const ratios: string[] = [];
  const rooflines: string[] = [];
  let referenceBlas: Blas | undefined;
  try {
    for (const name of names) {
      const spec = VARIANTS[name];
      if (!spec) throw new Error(`unknown variant ${name}`);
      const dir = path.join(tmp, name);
      lines.push('', `${name}: ${spec.title}`);
      const mmx: Result[] = [];
      for (const [i, mode] of mmxModes(cores).entries()) {
        process.stderr.write(`[bench] ${name}: ${mode.label} (${spec.epochs} epochs)...\n`);
        // the first mode exports the decoded features the PyTorch twin trains on
        const exportArgs = i === 0 ? ['--export', dir] : [];
        const r = runChild(process.execPath, [
          '--import',
          'tsx',
          'bench/mmx-bench.ts',
          '--variant',
          name,
          ...mode.args,
          ...exportArgs,
          '--work',
          path.join(tmp, 'work'),
        ]);
        if (typeof r === 'string') {
          lines.push(`  ${mode.label}: ${r}`);
          continue;
        }
        r.engine = mode.label;
        lines.push(...describe(r));
        mmx.push(r);
      }
      const torch: Result[] = [];
      const withTorch = python !== undefined && mmx[0]?.engine.includes('1 core') === true;
      for (const threads of !withTorch ? [] : cores > 1 ? [1, cores] : [1]) {
        process.stderr.write(`[bench] ${name}: PyTorch, ${threads} thread(s) (${spec.epochs} epochs)...\n`);
        const t = String(threads);
        const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: t, OMP_NUM_THREADS: t, MKL_NUM_THREADS: t };
        if (threads > 1) env['OMP_WAIT_POLICY'] = 'PASSIVE';
        else delete env['OMP_WAIT_POLICY'];
        const r = runChild(python!, ['bench/torch_reference.py', dir, '--epochs', String(spec.epochs), '--threads', t], env);
        if (typeof r === 'string') {
          lines.push(`  torch: ${r}`);
          continue;
        }
        r.engine = `PyTorch, ${threads} thread${threads > 1 ? 's' : ''}`;
        lines.push(...describe(r));
        if (r.blas?.kind !== 'optimised')
          referenceBlas = r.blas ?? { kind: 'reference', name: 'unknown', version: null, threads: null, detail: '', sgemmGflops: NaN };
        torch.push(r);
      }
      const pair = (a: Result, b: Result): string => {
        const sa = steady(a.epochs);
        const sb = steady(b.epochs);
        const cpu =
          sa.trainCpuSeconds && sb.trainCpuSeconds && a.engine.includes('1 ') && b.engine.includes('1 ')
            ? `   (per CPU-second: train ${f(sb.trainCpuSeconds / sa.trainCpuSeconds, 2)}×${inferCpu(a, b)})`
            : '';
        return `  ${name.padEnd(10)} ${`${a.engine} ÷ ${b.engine}`.padEnd(36)} train ${f(sa.samplesPerSec / sb.samplesPerSec, 2)}×   inference ${f(a.inference.samplesPerSec / b.inference.samplesPerSec, 2)}×   model step time ${f(sa.step / sb.step, 2)}×   peak RSS ${f(a.peakRssMb / b.peakRssMb, 2)}×${cpu}`;
      };
      // like for like (1 core each), the issue's measure (mmx on every core vs PyTorch on one BLAS thread), and every core each
      if (torch[0]) for (const m of mmx) ratios.push(pair(m, torch[0]));
      if (torch[1] && mmx[1]) ratios.push(pair(mmx[1], torch[1]));
      // what the second core buys mmx: forced data-parallel, and auto (which should never be slower than one core)
      for (const m of mmx.slice(1)) if (mmx[0]) ratios.push(pair(m, mmx[0]));
      if (name === 'reference') rooflines.push(...roofline(name, peak, mmx[0], torch[0], 64));
    }
    if (requested.includes('cache')) lines.push(...cacheStage(dataHome, tmp));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  lines.push(...rooflines);
  if (ratios.length && referenceBlas !== undefined && process.env['MMX_BENCH_ALLOW_REFERENCE_BLAS'] !== '1') {
    lines.push(
      '',
      `mmx / PyTorch ratios REFUSED: PyTorch ran on ${referenceBlas.name} BLAS (sgemm ${f(referenceBlas.sgemmGflops)} GFLOP/s), ` +
        'an unoptimised build no one trains with. Install an optimised one (Debian: apt-get install -y libopenblas0-pthread) ' +
        'and run again, or set MMX_BENCH_ALLOW_REFERENCE_BLAS=1 to print them labelled.',
    );
  } else if (ratios.length) {
    const against = referenceBlas
      ? `!!! AGAINST PyTorch ON ${referenceBlas.name.toUpperCase()} BLAS — NOT AN HONEST ANCHOR (PyTorch on an optimised BLAS is ~3x faster) !!!`
      : '';
    lines.push(
      '',
      `mmx / PyTorch (samples/s ratios: > 1 means mmx is faster; step time and RSS: > 1 means mmx uses more; "per CPU-second": ` +
        `the ratio of training samples per second of the process's CPU time, which time other processes take on a shared machine does not skew)` +
        `${against ? `\n${against}` : ''}:`,
      ...ratios.map((r) => (against ? `${r}   [reference BLAS]` : r)),
    );
  }
  process.stdout.write(lines.join('\n') + '\n');
}

main();

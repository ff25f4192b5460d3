/**
 * wasm on 1 vs N threads (runtime.threads), measured back to back in fresh processes, alternating so that a
 * change in machine load hits both alike:
 *  - kernels: GFLOP/s of large and small matmuls and convolutions;
 *  - end to end: bench/mmx-bench.ts (the bench's reference CNN and LSTM variants: training and inference
 *    samples/s, peak RSS), with --threads (runtime.threads) choosing the thread count.
 *
 *   node --import tsx bench/measure-threads.ts [--threads 1,2] [--rounds 2] [--variants reference,lstm] [--no-kernels]
 *
 * Figures depend on free cores: a thread pool synchronises every op, so on a machine shared with other busy
 * processes more threads can be slower. Say what else was running when quoting them.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Child mode: GFLOP/s of a few ops on this process's wasm backend (thread count from MMX_WASM_THREADS). */
async function kernels(): Promise<void> {
  const tf = await import('@tensorflow/tfjs');
  const { initBackend } = await import('../src/backend/select.js');
  const info = await initBackend('wasm');
  const rate = async (flops: number, fn: () => import('@tensorflow/tfjs').Tensor, minMs = 1500): Promise<number> => {
    for (let i = 0; i < 2; i++) {
      const t = fn();
      await t.data();
      t.dispose();
    }
    let reps = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < minMs) {
      const t = fn();
      await t.data();
      t.dispose();
      reps++;
    }
    return (flops * reps) / ((performance.now() - t0) / 1000) / 1e9;
  };
  const A = tf.randomNormal([1024, 1024]);
  const B = tf.randomNormal([1024, 1024]);
  const a = tf.randomNormal([64, 512]);
  const b = tf.randomNormal([512, 256]);
  const X = tf.randomNormal([64, 28, 28, 32]) as import('@tensorflow/tfjs').Tensor4D;
  const W = tf.randomNormal([3, 3, 32, 64]) as import('@tensorflow/tfjs').Tensor4D;
  const x1 = tf.randomNormal([64, 100, 40]) as import('@tensorflow/tfjs').Tensor3D;
  const w1 = tf.randomNormal([5, 40, 64]) as import('@tensorflow/tfjs').Tensor3D;
  const gflops: Record<string, number> = {
    'matmul 1024³': await rate(2 * 1024 ** 3, () => tf.matMul(A, B)),
    'matmul 1024³ (Bᵀ)': await rate(2 * 1024 ** 3, () => tf.matMul(A, B, false, true)),
    'matmul 64×512×256': await rate(2 * 64 * 512 * 256, () => tf.matMul(a, b)),
    'conv2d 64×28×28×32→64 3×3': await rate(2 * 64 * 28 * 28 * 64 * 9 * 32, () => tf.conv2d(X, W, 1, 'same')),
    'conv1d 64×100×40→64 k5': await rate(2 * 64 * 100 * 64 * 5 * 40, () => tf.conv1d(x1, w1, 1, 'same')),
  };
  process.stdout.write(`KERNELS ${JSON.stringify({ backend: info.description, gflops })}\n`);
}

interface BenchLine {
  backend: string;
  epochs: { samplesPerSec: number }[];
  inference: { samplesPerSec: number };
  peakRssMb: number;
}

function run(args: string[], threads: number, marker: string): unknown {
  const r = spawnSync(process.execPath, ['--import', 'tsx', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, MMX_WASM_THREADS: String(threads) },
    maxBuffer: 64 * 2 ** 20,
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith(`${marker} `));
  if (r.status !== 0 || line === undefined) throw new Error(`${args.join(' ')} (threads ${threads}) failed:\n${r.stderr.slice(-2000)}`);
  return JSON.parse(line.slice(marker.length + 1));
}

const fmt = (v: number): string => (v >= 100 ? v.toFixed(0) : v.toFixed(1));

async function main(): Promise<void> {
  if (process.argv.includes('--child-kernels')) return kernels();
  const threadCounts = (arg('threads') ?? '1,2').split(',').map(Number);
  const rounds = Number(arg('rounds') ?? '2');
  const variants = (arg('variants') ?? 'reference,lstm').split(',').filter(Boolean);
  const withKernels = !process.argv.includes('--no-kernels');
  const script = path.relative(root, fileURLToPath(import.meta.url));
  console.log(
    `measure-threads: ${os.cpus()[0]?.model ?? 'cpu'}, ${os.availableParallelism()} cores, load ${os.loadavg()[0]!.toFixed(2)}; threads ${threadCounts.join(' vs ')}, ${rounds} round(s)`,
  );
  for (let round = 1; round <= rounds; round++) {
    for (const threads of threadCounts) {
      if (withKernels) {
        const k = run([script, '--child-kernels'], threads, 'KERNELS') as { backend: string; gflops: Record<string, number> };
        console.log(
          `round ${round} threads ${threads} kernels GFLOP/s: ${Object.entries(k.gflops)
            .map(([n, v]) => `${n} ${fmt(v)}`)
            .join(', ')}`,
        );
      }
      for (const variant of variants) {
        const b = run(['bench/mmx-bench.ts', '--variant', variant, '--threads', String(threads)], threads, 'BENCH_RESULT') as BenchLine;
        const perEpoch = b.epochs.map((e) => fmt(e.samplesPerSec)).join(' ');
        console.log(
          `round ${round} threads ${threads} ${variant}: train samples/s per epoch ${perEpoch}; inference ${fmt(b.inference.samplesPerSec)}/s; peak RSS ${fmt(b.peakRssMb)} MB  [${b.backend}]`,
        );
      }
    }
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

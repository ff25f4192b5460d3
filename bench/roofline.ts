/**
 * The roofline probe (issue 16, item 2): the peak GFLOP/s WebAssembly SIMD128 reaches on one core of this machine:
 * mmx's gemm micro-kernel on L1-resident operands (src/backend/simd/c/roofline.c). The fastest of many short
 * runs (a shared, loaded machine preempts long ones). Prints one JSON line: {"peakGflops", "runs", "load"}.
 *
 *   node --import tsx bench/roofline.ts [--runs 60]
 */
import os from 'node:os';
import { standaloneSimd } from '../src/backend/simd/module.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Fastest of `runs` timed calls of the probe, as GFLOP/s (16,384 FLOP per rep). */
export function measurePeak(runs: number, reps = 4000): number {
  const simd = standaloneSimd(1);
  if (simd === undefined) throw new Error('the mmx SIMD module does not load here (no WebAssembly SIMD?)');
  const f = new Float32Array(simd.memory.buffer);
  for (let i = 0; i < 5120; i++) f[i] = 1e-3 * ((i % 13) - 6); // a: bytes 0..2 KB, b: 2..18 KB, c: from 20 KB
  let best = Infinity;
  for (let r = 0; r < runs + 3; r++) {
    const t = performance.now();
    simd.fn.roofline_peak(0, 2048, 20480, reps);
    const ms = performance.now() - t;
    if (r >= 3) best = Math.min(best, ms); // the first calls run before V8 tiers the module up
  }
  return (16384 * reps) / best / 1e6;
}

if (process.argv[1]?.endsWith('roofline.ts')) {
  const runs = Number(arg('runs') ?? 60);
  const peakGflops = measurePeak(runs);
  process.stdout.write(`${JSON.stringify({ peakGflops, runs, load: os.loadavg()[0] })}\n`);
}

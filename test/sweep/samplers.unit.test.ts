/**
 * The samplers: each distribution's bounds, spacing and quantisation (statistical checks with fixed seeds),
 * grid enumeration, random search's reproducibility, and TPE against random search on a known 2-D function.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SourceMap } from '../../src/config/source-map.js';
import { seededRandom, normalCdf, normalQuantile } from '../../src/search/random.js';
import type { TrialRecord } from '../../src/sweep/records.js';
import { proposeTrial } from '../../src/sweep/sampler.js';
import type { ParameterSpec } from '../../src/search/schema.js';
import { gridPoint, gridSize, parseSpace, sampleParam, type ParamDef } from '../../src/search/space.js';

function defOf(spec: Record<string, unknown>): ParamDef {
  const { defs, issues } = parseSpace({ x: spec as ParameterSpec }, new SourceMap());
  assert.deepEqual(issues, []);
  return defs[0]!;
}

function draws(spec: Record<string, unknown>, n = 20000, seed = 1): number[] {
  const d = defOf(spec);
  const r = seededRandom(seed);
  return Array.from({ length: n }, () => Number(sampleParam(d, r)));
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));

describe('distributions', () => {
  it('uniform: inside [min, max], mean and spread of U(min, max)', () => {
    const xs = draws({ distribution: 'uniform', min: -2, max: 6 });
    assert.ok(xs.every((x) => x >= -2 && x <= 6));
    assert.ok(Math.abs(mean(xs) - 2) < 0.06, `mean ${mean(xs)}`);
    assert.ok(Math.abs(sd(xs) - 8 / Math.sqrt(12)) < 0.05, `sd ${sd(xs)}`);
    // each eighth of the range gets about 1/8 of the draws (chi-square, 7 dof, p < 0.001 cut-off 24.3)
    const bins = new Array<number>(8).fill(0);
    for (const x of xs) bins[Math.min(7, Math.floor(x + 2))]!++;
    const chi = bins.reduce((s, b) => s + (b - xs.length / 8) ** 2 / (xs.length / 8), 0);
    assert.ok(chi < 24.3, `chi-square ${chi}`);
  });

  it('log_uniform: inside the bounds and evenly spread over the decades', () => {
    const xs = draws({ distribution: 'log_uniform', min: 1e-5, max: 1e-1 });
    assert.ok(xs.every((x) => x >= 1e-5 && x <= 1e-1));
    const decades = [0, 0, 0, 0];
    for (const x of xs) decades[Math.min(3, Math.floor(Math.log10(x) + 5))]!++;
    for (const d of decades) assert.ok(Math.abs(d / xs.length - 0.25) < 0.015, `decade shares ${decades}`);
    assert.ok(Math.abs(mean(xs.map(Math.log10)) + 3) < 0.03);
  });

  it('int_uniform: every integer in [min, max], about equally often', () => {
    const xs = draws({ distribution: 'int_uniform', min: 3, max: 7 }, 10000);
    assert.ok(xs.every((x) => Number.isInteger(x) && x >= 3 && x <= 7));
    for (let v = 3; v <= 7; v++) {
      const share = xs.filter((x) => x === v).length / xs.length;
      assert.ok(Math.abs(share - 0.2) < 0.02, `${v}: ${share}`);
    }
  });

  it('q_uniform: multiples of q from min, never outside the bounds, every grid point reached', () => {
    const xs = draws({ distribution: 'q_uniform', min: 0.1, max: 0.5, q: 0.1 }, 10000);
    const allowed = [0.1, 0.2, 0.3, 0.4, 0.5];
    assert.ok(
      xs.every((x) => allowed.includes(x)),
      `values ${[...new Set(xs)]}`,
    );
    for (const v of allowed) assert.ok(Math.abs(xs.filter((x) => x === v).length / xs.length - 0.2) < 0.02);
    const ints = draws({ distribution: 'q_uniform', min: 16, max: 128, q: 16 }, 2000);
    assert.deepEqual(
      [...new Set(ints)].sort((a, b) => a - b),
      [16, 32, 48, 64, 80, 96, 112, 128],
    );
  });

  it('normal: mean mu and sd sigma; truncated to min/max when given', () => {
    const xs = draws({ distribution: 'normal', mu: 0.3, sigma: 0.1 });
    assert.ok(Math.abs(mean(xs) - 0.3) < 0.005);
    assert.ok(Math.abs(sd(xs) - 0.1) < 0.005);
    const cut = draws({ distribution: 'normal', mu: 0, sigma: 1, min: 0, max: 1 });
    assert.ok(cut.every((x) => x >= 0 && x <= 1));
    // the half-normal on [0, 1]: mean = (φ(0) - φ(1)) / (Φ(1) - Φ(0)) ≈ 0.4599
    assert.ok(Math.abs(mean(cut) - 0.4599) < 0.01, `truncated mean ${mean(cut)}`);
  });

  it('log_normal: the log has mean mu and sd sigma', () => {
    const xs = draws({ distribution: 'log_normal', mu: Math.log(1e-3), sigma: 0.5 });
    assert.ok(xs.every((x) => x > 0));
    const logs = xs.map(Math.log);
    assert.ok(Math.abs(mean(logs) - Math.log(1e-3)) < 0.02);
    assert.ok(Math.abs(sd(logs) - 0.5) < 0.02);
  });

  it('Φ and Φ⁻¹ agree', () => {
    for (const p of [1e-6, 0.01, 0.3, 0.5, 0.9, 0.999]) assert.ok(Math.abs(normalCdf(normalQuantile(p)) - p) < 1e-6 * Math.max(1, p * 10));
  });

  it('malformed parameters are issues, not exceptions', () => {
    const { issues } = parseSpace(
      {
        a: { distribution: 'log_uniform', min: 0, max: 1 } as ParameterSpec,
        b: { distribution: 'uniform', min: 2, max: 1 } as ParameterSpec,
        c: { values: [1], value: 2 } as ParameterSpec,
        d: { distribution: 'normal', mu: 0 } as ParameterSpec,
        e: { distribution: 'uniform', min: 0, max: 1, sigma: 2 } as ParameterSpec,
      },
      new SourceMap(),
    );
    assert.deepEqual(
      issues.map((i) => `${i.path}: ${i.message}`),
      [
        'sweep.parameters.a.min: log_uniform needs positive bounds',
        'sweep.parameters.b.max: max (1) must be greater than min (2)',
        'sweep.parameters.c: give only one of values, value',
        "sweep.parameters.d: distribution normal needs 'sigma'",
        "sweep.parameters.e.sigma: 'sigma' does not go with distribution uniform",
      ],
    );
  });
});

describe('grid and random search', () => {
  const { defs } = parseSpace(
    {
      'fusion.type': { values: ['concat', 'gated', 'attention'] } as ParameterSpec,
      'training.batch_size': { value: 64 } as ParameterSpec,
      'training.optimizer.learning_rate': { values: [1e-3, 1e-2] } as ParameterSpec,
    },
    new SourceMap(),
  );

  it('enumerates every combination once, the last parameter fastest, constants in every point', () => {
    assert.equal(gridSize(defs), 6);
    const points = Array.from({ length: 6 }, (_, i) => gridPoint(defs, i));
    assert.deepEqual(points[0], { 'fusion.type': 'concat', 'training.batch_size': 64, 'training.optimizer.learning_rate': 1e-3 });
    assert.deepEqual(points[1], { 'fusion.type': 'concat', 'training.batch_size': 64, 'training.optimizer.learning_rate': 1e-2 });
    assert.deepEqual(points[5], { 'fusion.type': 'attention', 'training.batch_size': 64, 'training.optimizer.learning_rate': 1e-2 });
    assert.equal(new Set(points.map((p) => JSON.stringify(p))).size, 6);
  });

  it('random search: trial n gets the same values for the same seed, others for another seed', () => {
    const s = { method: 'random' as const, defs, seed: 5, nStartupTrials: 10, goal: 'minimize' as const };
    assert.deepEqual(proposeTrial(s, [], 3), proposeTrial(s, [], 3));
    const a = Array.from({ length: 8 }, (_, i) => JSON.stringify(proposeTrial(s, [], i + 1)));
    const b = Array.from({ length: 8 }, (_, i) => JSON.stringify(proposeTrial({ ...s, seed: 6 }, [], i + 1)));
    assert.notDeepEqual(a, b);
  });
});

describe('TPE', () => {
  // Branin on [-5, 10] x [0, 15]: minimum 0.397887 at three points
  const branin = (x: number, y: number) => {
    const b = 5.1 / (4 * Math.PI ** 2);
    const c = 5 / Math.PI;
    return (y - b * x * x + c * x - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x) + 10;
  };
  const { defs } = parseSpace(
    { x: { distribution: 'uniform', min: -5, max: 10 } as ParameterSpec, y: { distribution: 'uniform', min: 0, max: 15 } as ParameterSpec },
    new SourceMap(),
  );

  function search(method: 'random' | 'bayes', seed: number, budget: number): number {
    const records: TrialRecord[] = [];
    for (let n = 1; n <= budget; n++) {
      const params = proposeTrial({ method, defs, seed, nStartupTrials: 10, goal: 'minimize' }, records, n);
      const value = branin(Number(params.x), Number(params.y));
      records.push({ number: n, params, status: 'FINISHED', value, history: [value], epochs: 1 });
    }
    return Math.min(...records.map((r) => r.value!));
  }

  it('finds better points than random search with the same budget (Branin, 40 trials, 8 seeds)', () => {
    const seeds = [1, 2, 3, 4, 5, 6, 7, 8];
    const tpe = seeds.map((s) => search('bayes', s, 40));
    const rnd = seeds.map((s) => search('random', s, 40));
    const wins = seeds.filter((_, i) => tpe[i]! < rnd[i]!).length;
    // the first 10 trials are the same random ones for both: only TPE's 30 proposals differ
    assert.ok(mean(tpe) < mean(rnd), `mean best: tpe ${mean(tpe).toFixed(3)} vs random ${mean(rnd).toFixed(3)}`);
    assert.ok(wins >= 5, `TPE better on ${wins}/8 seeds (tpe ${tpe.map((v) => v.toFixed(2))}, random ${rnd.map((v) => v.toFixed(2))})`);
  });

  it('learns a categorical: the good value gets proposed more and more', () => {
    const cat = parseSpace({ c: { values: ['a', 'b', 'c', 'd'] } as ParameterSpec }, new SourceMap()).defs;
    const records: TrialRecord[] = [];
    for (let n = 1; n <= 60; n++) {
      const params = proposeTrial({ method: 'bayes', defs: cat, seed: 3, nStartupTrials: 10, goal: 'maximize' }, records, n);
      const value = params.c === 'c' ? 1 : 0;
      records.push({ number: n, params, status: 'FINISHED', value, history: [value], epochs: 1 });
    }
    const late = records.slice(30).filter((r) => r.params.c === 'c').length / 30;
    assert.ok(late > 0.6, `share of 'c' in trials 31-60: ${late}`);
  });
});

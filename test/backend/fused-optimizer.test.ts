import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { MmxAdam } from '../../src/model/optimizers/adam.js';
import { SlotOptimizer, setFusedUpdates } from '../../src/model/optimizers/slot-optimizer.js';
import { ADAM_UPDATE } from '../../src/ops/adam-update.js';
import { setSimdKernels } from '../../src/backend/simd/module.js';
import { randomArray, use } from './helpers.js';

const SHAPES = [[7], [3, 5], [2, 3, 4, 5], [1]];

/** Runs `steps` updates of `make()` over variables of SHAPES from fixed gradients; returns the values and state. */
async function train(make: () => tf.Optimizer, steps: number, seed = 1): Promise<{ values: Float32Array[]; state: Float32Array[] }> {
  const vars = SHAPES.map((s, i) =>
    tf.variable(
      tf.tensor(
        randomArray(
          s.reduce((a, b) => a * b, 1),
          seed + i,
        ),
        s,
      ),
      true,
      `v${seed}_${i}_${Math.random()}`,
    ),
  );
  const opt = make();
  for (let t = 0; t < steps; t++) {
    const grads: tf.NamedTensorMap = {};
    vars.forEach((v, i) => {
      // gradients of varied magnitudes, zeros and negative values included
      const g = randomArray(v.size, 100 * t + i + seed).map((x, j) => (j % 5 === 0 ? 0 : x * 10 ** ((j % 7) - 3)));
      grads[v.name] = tf.tensor(g, v.shape);
    });
    opt.applyGradients(grads);
    tf.dispose(Object.values(grads));
  }
  const values = vars.map((v) => v.dataSync().slice() as Float32Array);
  const weights = await opt.getWeights();
  const state = weights.slice(1).map((w) => w.tensor.dataSync().slice() as Float32Array);
  opt.dispose();
  tf.dispose(vars);
  return { values, state };
}

function assertSame(a: Float32Array[], b: Float32Array[], what: string): void {
  assert.equal(a.length, b.length, `${what}: count`);
  a.forEach((x, i) => assert.deepEqual(x, b[i], `${what} ${i} differs`));
}

describe('MmxAdam (fused update)', () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    it(`runs the fused kernel on ${backend} and matches tfjs's Adam bit for bit (values and moments, 6 steps)`, async () => {
      await use(backend);
      assert.ok(SlotOptimizer.usesFusedKernel(ADAM_UPDATE), `${ADAM_UPDATE} is registered for ${backend}`);
      const ref = await train(() => tf.train.adam(0.01), 6);
      const fused = await train(() => new MmxAdam({ learningRate: 0.01 }), 6);
      assertSame(fused.values, ref.values, 'value');
      assertSame(fused.state, ref.state, 'moment');
    });

    it(`takes the plain-ops path where the kernel is off, with the same numbers (${backend})`, async () => {
      await use(backend);
      setFusedUpdates(false);
      try {
        const ref = await train(() => tf.train.adam(0.003, 0.8, 0.99, 1e-6), 4, 7);
        const ops = await train(() => new MmxAdam({ learningRate: 0.003, beta1: 0.8, beta2: 0.99, epsilon: 1e-6 }), 4, 7);
        assertSame(ops.values, ref.values, 'value');
        assertSame(ops.state, ref.state, 'moment');
      } finally {
        setFusedUpdates(true);
      }
    });
  }

  it("the wasm kernel's TypeScript fallback (no SIMD module) gives the same numbers", async () => {
    await use('wasm');
    const simd = await train(() => new MmxAdam({ learningRate: 0.01 }), 3, 3);
    setSimdKernels(false);
    try {
      const plain = await train(() => new MmxAdam({ learningRate: 0.01 }), 3, 3);
      assertSame(plain.values, simd.values, 'value');
    } finally {
      setSimdKernels(true);
    }
  });

  it('saves its state as tfjs Adam does (iterations, then m of every variable, then v) and resumes from it', async () => {
    await use('wasm');
    const v = tf.variable(tf.tensor([1, 2, 3]), true, `resume_${Math.random()}`);
    const g = tf.tensor([0.5, -1, 2]);
    const a = new MmxAdam({ learningRate: 0.1 });
    const ref = tf.train.adam(0.1);
    const vr = tf.variable(tf.tensor([1, 2, 3]), true, `resume_ref_${Math.random()}`);
    for (let i = 0; i < 2; i++) {
      a.applyGradients([{ name: v.name, tensor: g }]);
      ref.applyGradients([{ name: vr.name, tensor: g }]);
    }
    const saved = await a.getWeights();
    assert.deepEqual(
      saved.map((w) => w.name),
      ['iter', `${v.name}/m`, `${v.name}/v`],
    );
    const refSaved = await ref.getWeights();
    assert.deepEqual(saved[1]!.tensor.dataSync(), refSaved[1]!.tensor.dataSync());
    // a new optimiser resumed from that state continues like the uninterrupted reference (the bias correction is
    // recomputed as β^(t+1), as tfjs's setWeights does, not accumulated step by step: float rounding apart)
    const b = new MmxAdam({ learningRate: 0.1 });
    await b.setWeights(saved.map((w) => ({ name: w.name, tensor: w.tensor.clone() })));
    assert.equal(b.iterations, 2);
    b.applyGradients([{ name: v.name, tensor: g }]);
    ref.applyGradients([{ name: vr.name, tensor: g }]);
    const got = v.dataSync();
    const want = vr.dataSync();
    for (let i = 0; i < 3; i++) assert.ok(Math.abs(got[i]! - want[i]!) <= 1e-5 * Math.abs(want[i]!), `${got[i]} vs ${want[i]}`);
    tf.dispose([v, vr, g]);
    a.dispose();
    b.dispose();
    ref.dispose();
  });
});

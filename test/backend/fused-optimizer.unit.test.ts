import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { MmxAdam } from '../../src/model/optimizers/adam.js';
import { SlotOptimizer, setFusedUpdates, type GradientTransform } from '../../src/model/optimizers/slot-optimizer.js';
import { ADAM_UPDATE } from '../../src/ops/adam-update.js';
import { defineFusedUpdate, fusedUpdateCpuConfig } from '../../src/ops/fused-update.js';
import { fusedUpdateWasmConfig } from '../../src/backend/wasm-kernels/fused-update.js';
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

/**
 * An optimiser added the way slot-optimizer.ts says (a fused update, a subclass), here SGD with momentum as
 * tfjs's MomentumOptimizer computes it: v' = v·μ + g; p' = p − lr·v'.
 */
type MomentumAttrs = { momentum: number; negLearningRate: number };
const momentumUpdate = defineFusedUpdate<MomentumAttrs>({
  kernel: 'TestMomentumUpdate',
  slots: ['velocity'],
  attrs: ['momentum', 'negLearningRate'],
  arrays(a, [p, g, v], [po, vo]) {
    const f = Math.fround;
    for (let i = 0; i < p!.length; i++) {
      const nv = f(f(v![i]! * a.momentum) + g![i]!);
      vo![i] = nv;
      po![i] = f(f(nv * a.negLearningRate) + p![i]!);
    }
  },
  ops(a, value, gradient, [v]) {
    return tf.tidy(() => {
      const nv = tf.add(tf.mul(v!, a.momentum), gradient);
      return [tf.add(tf.mul(nv, a.negLearningRate), value), nv];
    });
  },
});

class TestMomentum extends SlotOptimizer<MomentumAttrs> {
  constructor(
    learningRate: number,
    private readonly momentum: number,
    private readonly frozen: readonly string[] = [],
    gradientTransform?: GradientTransform,
  ) {
    super(momentumUpdate, { learningRate, ...(gradientTransform ? { gradientTransform } : {}) });
  }
  protected stepAttrs(): MomentumAttrs {
    return { momentum: Math.fround(this.momentum), negLearningRate: Math.fround(-this.learningRate) };
  }
  protected override variableAttrs(variable: tf.Variable, step: MomentumAttrs): MomentumAttrs {
    return this.frozen.includes(variable.name) ? { ...step, negLearningRate: 0 } : step;
  }
  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, momentum: this.momentum };
  }
}

describe('SlotOptimizer: the extension point', () => {
  it('a new optimiser from a fused update and a subclass runs its plain ops where no kernel is registered, then its kernels once listed, matching tfjs', async () => {
    for (const backend of ['cpu', 'wasm'] as const) {
      await use(backend);
      const ref = await train(() => tf.train.momentum(0.05, 0.9), 5, 11);
      assert.equal(SlotOptimizer.usesFusedKernel(momentumUpdate.kernel), false);
      const ops = await train(() => new TestMomentum(0.05, 0.9), 5, 11);
      assertSame(ops.values, ref.values, `${backend} ops: value`);
      assertSame(ops.state, ref.state, `${backend} ops: velocity`);
      tf.registerKernel(backend === 'cpu' ? fusedUpdateCpuConfig(momentumUpdate) : fusedUpdateWasmConfig(momentumUpdate));
      try {
        assert.equal(SlotOptimizer.usesFusedKernel(momentumUpdate.kernel), true);
        const fused = await train(() => new TestMomentum(0.05, 0.9), 5, 11);
        assertSame(fused.values, ref.values, `${backend} kernel: value`);
        assertSame(fused.state, ref.state, `${backend} kernel: velocity`);
      } finally {
        tf.unregisterKernel(momentumUpdate.kernel, backend);
      }
    }
  });

  it('the learning rate set between steps is the next step’s (fused and plain paths alike); 0 leaves the variable as it is', async () => {
    await use('wasm');
    const run = async (fused: boolean): Promise<number[][]> => {
      setFusedUpdates(fused);
      try {
        const v = tf.variable(tf.tensor([1, -2, 3, 0.5]), true, `lr_${fused}_${Math.random()}`);
        const g = tf.tensor([0.3, -0.1, 2, 0]);
        const opt = new MmxAdam({ learningRate: 0.1 });
        const seen: number[][] = [];
        for (const lr of [0.1, 0.02, 0, 0.5]) {
          opt.setLearningRate(lr);
          opt.applyGradients({ [v.name]: g });
          seen.push([...v.dataSync()]);
        }
        assert.equal(opt.learningRate, 0.5);
        opt.dispose();
        tf.dispose([v, g]);
        return seen;
      } finally {
        setFusedUpdates(true);
      }
    };
    const fused = await run(true);
    assert.deepEqual(fused, await run(false));
    assert.deepEqual(fused[2], fused[1], 'a step at learning rate 0 changes nothing');
    assert.notDeepEqual(fused[3], fused[2]);
    assert.throws(() => new MmxAdam({ learningRate: 0.1 }).setLearningRate(-1), /learning rate must be a finite number ≥ 0/);
  });

  it('per-variable attributes: a variable given learning rate 0 keeps its value while the others move', async () => {
    await use('cpu');
    const a = tf.variable(tf.tensor([1, 2]), true, `frozen_a_${Math.random()}`);
    const b = tf.variable(tf.tensor([1, 2]), true, `frozen_b_${Math.random()}`);
    const opt = new TestMomentum(0.1, 0.9, [a.name]);
    const g = tf.tensor([1, 1]);
    opt.applyGradients({ [a.name]: g, [b.name]: g });
    assert.deepEqual([...a.dataSync()], [1, 2]);
    assert.deepEqual([...b.dataSync()], [Math.fround(1 - 0.1), Math.fround(2 - 0.1)]);
    opt.dispose();
    tf.dispose([a, b, g]);
  });

  it('a gradient transform sees every gradient of the step before any update (clipping by value here)', async () => {
    await use('wasm');
    const clip: GradientTransform = (grads) =>
      grads.map(({ name, gradient }) => ({ name, gradient: gradient && tf.clipByValue(gradient, -0.5, 0.5) }));
    const leak = async (make: () => tf.Optimizer): Promise<number> => {
      const before = tf.memory().numTensors;
      await train(make, 3, 5);
      return tf.memory().numTensors - before;
    };
    assert.equal(
      await leak(() => new TestMomentum(0.05, 0.9, [], clip)),
      await leak(() => new TestMomentum(0.05, 0.9)),
      'the transform’s tensors are disposed',
    );
    const clipped = await train(() => new TestMomentum(0.05, 0.9, [], clip), 3, 5);
    // the reference: tfjs's momentum on gradients clipped beforehand
    const vars = SHAPES.map((s, i) =>
      tf.variable(
        tf.tensor(
          randomArray(
            s.reduce((x, y) => x * y, 1),
            5 + i,
          ),
          s,
        ),
        true,
        `clip_${i}_${Math.random()}`,
      ),
    );
    const ref: tf.Optimizer = tf.train.momentum(0.05, 0.9);
    for (let t = 0; t < 3; t++) {
      const grads: tf.NamedTensorMap = {};
      vars.forEach((v, i) => {
        const g = randomArray(v.size, 100 * t + i + 5).map((x, j) => (j % 5 === 0 ? 0 : x * 10 ** ((j % 7) - 3)));
        grads[v.name] = tf.clipByValue(tf.tensor(g, v.shape), -0.5, 0.5);
      });
      ref.applyGradients(grads);
      tf.dispose(Object.values(grads));
    }
    assertSame(
      clipped.values,
      vars.map((v) => v.dataSync().slice() as Float32Array),
      'value',
    );
    ref.dispose();
    tf.dispose(vars);
  });

  it('keeps state per variable name: gradients in another order update the right slots; a restored state names its slots', async () => {
    await use('cpu');
    const a = tf.variable(tf.tensor([1, 2, 3]), true, `order_a_${Math.random()}`);
    const b = tf.variable(tf.tensor([[4, 5]]), true, `order_b_${Math.random()}`);
    const ra = tf.variable(tf.tensor([1, 2, 3]), true, `order_ra_${Math.random()}`);
    const rb = tf.variable(tf.tensor([[4, 5]]), true, `order_rb_${Math.random()}`);
    const ga = tf.tensor([0.1, -0.2, 0.3]);
    const gb = tf.tensor([[1, -1]]);
    const opt = new MmxAdam({ learningRate: 0.1 });
    const ref: tf.Optimizer = tf.train.adam(0.1);
    opt.applyGradients({ [a.name]: ga, [b.name]: gb });
    opt.applyGradients({ [b.name]: gb, [a.name]: ga });
    ref.applyGradients({ [ra.name]: ga, [rb.name]: gb });
    ref.applyGradients({ [ra.name]: ga, [rb.name]: gb });
    assert.deepEqual(a.dataSync(), ra.dataSync());
    assert.deepEqual(b.dataSync(), rb.dataSync());
    const saved = await opt.getWeights();
    const swapped = [saved[0]!, saved[2]!, saved[1]!, saved[3]!, saved[4]!];
    await assert.rejects(
      new MmxAdam({ learningRate: 0.1 }).setWeights(swapped),
      /optimizer state: expected order_b_.*\/v at 2, got order_a_.*\/v/,
    );
    opt.dispose();
    ref.dispose();
    tf.dispose([a, b, ra, rb, ga, gb]);
  });
});

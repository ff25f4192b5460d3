/**
 * FastLSTM: the LSTM of `tf.layers.lstm` (default activations: tanh, hard-sigmoid gates; gate order i, f, c, o;
 * the same weights `kernel` [D, 4H], `recurrent_kernel` [H, 4H], `bias` [4H] under the same names) computed
 * with far fewer kernel calls, as one custom-gradient op.
 *
 * tfjs runs an LSTM as ~15 small ops per time step forward and ~2,500 tape entries per batch backward. Here:
 *  - forward: the input projection of every time step is one [B·T, D] × [D, 4H] product; per step only the
 *    recurrent product h·U runs as a tfjs op (U stays packed by the backend across steps), the gates and states
 *    are computed in JS on the product's values;
 *  - backward (back-propagation through time, in JS): per step only dz·Uᵀ runs as a tfjs op; the gradients of
 *    the kernel, recurrent kernel, bias and input are four products over all steps at once.
 * Masking as tf.layers.lstm: where the mask is 0 (PAD) the step keeps the previous output and state, so with post
 * padding the output is the state at the last real token. goBackwards as tfjs (so tf.layers.bidirectional can wrap
 * it). No dropout, stateful or returnState.
 *
 * Numerics: the same formulas as tfjs's LSTMCell, gradients of clipByValue with inclusive bounds as tfjs. The
 * elementwise math runs in float64 and is rounded to float32 once per value, so results match tf.layers.lstm to
 * float32 rounding (tests: ~1e-6 relative).
 */
import * as tf from '../../tf.js';
import { batchMajorRows, FastRecurrent, recurrentOutput, type FastRecurrentArgs } from './fast-recurrent.js';

/** The op: (x [B,T,D], W [D,4H], U [H,4H], b [4H], mask [B,T] 0/1) → h [B,H] or [B,T,H]. */
function lstmOp(units: number, returnSequences: boolean) {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, W, U, b, m] = args as tf.Tensor[];
    const save = args[5] as tf.GradSaveFunc;
    // kept alive by the engine for the backward pass (the caller's mask and reshapes may be disposed by then)
    save([x!, W!, U!, m!]);
    const [B, T, D] = x!.shape as [number, number, number];
    const H = units;
    const G = 4 * H;
    const xw = tf.tidy(() => tf.add(tf.matMul(tf.reshape(x!, [B * T, D]), W!), b!));
    const xwv = xw.dataSync();
    xw.dispose();
    const mv = m!.dataSync();
    // Saved for the backward pass: gate activations i, f, g, o [T][B][G] and their derivatives (w.r.t. the
    // pre-activations), states h and c after each step [T+1][B][H] (index 0: the zero initial state), tanh of the
    // new cell state [T][B][H]. PAD steps keep the previous states and leave the rest unset (unused backward).
    const acts = new Float32Array(T * B * G);
    const dacts = new Float32Array(T * B * G);
    const hs = new Float32Array((T + 1) * B * H);
    const cs = new Float32Array((T + 1) * B * H);
    const tcs = new Float32Array(T * B * H);
    let h = tf.zeros([B, H]);
    for (let t = 0; t < T; t++) {
      const hu = tf.matMul(h, U!);
      const huv = hu.dataSync();
      hu.dispose();
      h.dispose();
      const prev = t * B * H;
      const next = prev + B * H;
      for (let bi = 0; bi < B; bi++) {
        const rowPrev = prev + bi * H;
        const rowNext = next + bi * H;
        if (mv[bi * T + t]! === 0) {
          cs.copyWithin(rowNext, rowPrev, rowPrev + H);
          hs.copyWithin(rowNext, rowPrev, rowPrev + H);
          continue;
        }
        const xwRow = (bi * T + t) * G;
        const zRow = (t * B + bi) * G;
        const huRow = bi * G;
        for (let j = 0; j < H; j++) {
          // tfjs: z = x·W + b + h·U (float32), hard sigmoid y = clip(0.2·z + 0.5, 0, 1) with its gradient 0.2 on
          // 0 ≤ 0.2·z + 0.5 ≤ 1 (clipByValue's, bounds included)
          const yi = Math.fround(0.5 + Math.fround(0.2 * Math.fround(xwv[xwRow + j]! + huv[huRow + j]!)));
          const yf = Math.fround(0.5 + Math.fround(0.2 * Math.fround(xwv[xwRow + H + j]! + huv[huRow + H + j]!)));
          const g = Math.tanh(Math.fround(xwv[xwRow + 2 * H + j]! + huv[huRow + 2 * H + j]!));
          const yo = Math.fround(0.5 + Math.fround(0.2 * Math.fround(xwv[xwRow + 3 * H + j]! + huv[huRow + 3 * H + j]!)));
          const i = yi < 0 ? 0 : yi > 1 ? 1 : yi;
          const f = yf < 0 ? 0 : yf > 1 ? 1 : yf;
          const o = yo < 0 ? 0 : yo > 1 ? 1 : yo;
          acts[zRow + j] = i;
          acts[zRow + H + j] = f;
          acts[zRow + 2 * H + j] = g;
          acts[zRow + 3 * H + j] = o;
          dacts[zRow + j] = yi >= 0 && yi <= 1 ? 0.2 : 0;
          dacts[zRow + H + j] = yf >= 0 && yf <= 1 ? 0.2 : 0;
          dacts[zRow + 2 * H + j] = 1 - g * g;
          dacts[zRow + 3 * H + j] = yo >= 0 && yo <= 1 ? 0.2 : 0;
          const c = Math.fround(f * cs[rowPrev + j]! + i * g);
          const tc = Math.tanh(c);
          tcs[rowPrev + j] = tc;
          cs[rowNext + j] = c;
          hs[rowNext + j] = o * tc;
        }
      }
      h = tf.tensor2d(hs.subarray(next, next + B * H), [B, H]);
    }
    const value = recurrentOutput(h, hs, B, T, H, returnSequences);

    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [x, W, U, m] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      const dyv = dy.dataSync();
      const dz = new Float32Array(B * T * G); // rows b·T + t, as x reshaped to [B·T, D]
      const dzStep = new Float32Array(B * G);
      const dh = new Float64Array(B * H);
      const dc = new Float64Array(B * H);
      if (!returnSequences) for (let s = 0; s < B * H; s++) dh[s] = dyv[s]!;
      const Ut = tf.transpose(U!); // [4H, H], packed once by the backend for all steps
      try {
        for (let t = T - 1; t >= 0; t--) {
          const prev = t * B * H;
          for (let bi = 0; bi < B; bi++) {
            const keep = mv[bi * T + t]! !== 0;
            const zRow = (t * B + bi) * G;
            const dzRow = bi * G;
            for (let j = 0; j < H; j++) {
              const s = bi * H + j;
              if (returnSequences) dh[s]! += dyv[(bi * T + t) * H + j]!;
              if (!keep) {
                // The step passed the previous state through: its gradient goes straight to it.
                dzStep[dzRow + j] = dzStep[dzRow + H + j] = dzStep[dzRow + 2 * H + j] = dzStep[dzRow + 3 * H + j] = 0;
                continue;
              }
              const i = acts[zRow + j]!;
              const f = acts[zRow + H + j]!;
              const g = acts[zRow + 2 * H + j]!;
              const o = acts[zRow + 3 * H + j]!;
              const tc = tcs[prev + s]!;
              const dhs = dh[s]!;
              const dcTot = dc[s]! + dhs * o * (1 - tc * tc);
              dzStep[dzRow + j] = dcTot * g * dacts[zRow + j]!;
              dzStep[dzRow + H + j] = dcTot * cs[prev + s]! * dacts[zRow + H + j]!;
              dzStep[dzRow + 2 * H + j] = dcTot * i * dacts[zRow + 2 * H + j]!;
              dzStep[dzRow + 3 * H + j] = dhs * tc * dacts[zRow + 3 * H + j]!;
              dc[s] = dcTot * f;
              dh[s] = 0; // replaced by dz·Uᵀ below
            }
            dz.set(dzStep.subarray(dzRow, dzRow + G), (bi * T + t) * G);
          }
          if (t > 0) {
            const back = tf.tidy(() => tf.matMul(tf.tensor2d(dzStep, [B, G]), Ut));
            const bv = back.dataSync();
            back.dispose();
            for (let s = 0; s < B * H; s++) dh[s]! += bv[s]!;
          }
        }
      } finally {
        Ut.dispose();
      }
      // h_{t−1} for every (b, t), rows b·T + t: the left factor of dU.
      const hPrev = batchMajorRows(hs, B, T, H, 0);
      return tf.tidy(() => {
        const DZ = tf.tensor2d(dz, [B * T, G]);
        const dx = tf.reshape(tf.matMul(DZ, W!, false, true), [B, T, D]);
        const dW = tf.matMul(tf.reshape(x!, [B * T, D]), DZ, true, false);
        const dU = tf.matMul(tf.tensor2d(hPrev, [B * T, H]), DZ, true, false);
        const db = tf.sum(DZ, 0);
        return [dx, dW, dU, db, tf.zerosLike(m!)];
      });
    };
    return { value, gradFunc };
  });
}

export type FastLstmArgs = FastRecurrentArgs;

export class FastLSTM extends FastRecurrent {
  static className = 'MmxLSTM';

  constructor(args: FastLstmArgs) {
    super(args, { what: 'FastLSTM', gates: 4, makeOp: lstmOp, defaultKernelInitializer: () => tf.initializers.glorotUniform({}) });
  }
}
tf.serialization.registerClass(FastLSTM);

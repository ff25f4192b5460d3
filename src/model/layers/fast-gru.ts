/**
 * FastGRU: the GRU of `tf.layers.gru` (tanh, hard-sigmoid gates, gate order z, r, h; reset gate applied before
 * the recurrent product, as tfjs does: hh = tanh(x·W_h + b_h + (r ⊙ h)·U_h); h' = z ⊙ h + (1 − z) ⊙ hh) with the
 * same weights (`kernel` [D, 3H], `recurrent_kernel` [H, 3H], `bias` [3H]) and masking, as one custom-gradient op
 * — the approach of FastLSTM (fast-lstm.ts): the input projection of all steps and the weight gradients are
 * single products; per step only h·U_zr and (r ⊙ h)·U_h forward, and their two transposed products backward,
 * run as tfjs ops; the gates are computed in JS (float64, rounded to float32 once per value).
 */
import * as tf from '../../tf.js';
import { batchMajorRows, FastRecurrent, hardSigmoid, hardSigmoidGrad, recurrentOutput, type FastRecurrentArgs } from './fast-recurrent.js';

/** The op: (x [B,T,D], W [D,3H], U [H,3H], b [3H], mask [B,T] 0/1) → h [B,H] or [B,T,H]. */
function gruOp(units: number, returnSequences: boolean) {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, W, U, b, m] = args as tf.Tensor[];
    const save = args[5] as tf.GradSaveFunc;
    save([x!, W!, U!, m!]);
    const [B, T, D] = x!.shape as [number, number, number];
    const H = units;
    const G = 3 * H;
    const [Uzr, Uh] = tf.split(U!, [2 * H, H], 1) as [tf.Tensor, tf.Tensor];
    const xw = tf.tidy(() => tf.add(tf.matMul(tf.reshape(x!, [B * T, D]), W!), b!));
    const xwv = xw.dataSync();
    xw.dispose();
    const mv = m!.dataSync();
    // Saved for the backward pass: pre-activations of z, r, hh [T][B][3H]; states after each step [T+1][B][H]
    // (index 0: the zero initial state); r ⊙ h_prev [T][B][H] (the left factor of dU_h).
    const pre = new Float32Array(T * B * G);
    const hs = new Float32Array((T + 1) * B * H);
    const rhs = new Float32Array(T * B * H);
    let h = tf.zeros([B, H]);
    try {
      for (let t = 0; t < T; t++) {
        const prev = t * B * H;
        const next = prev + B * H;
        const inner = tf.matMul(h, Uzr);
        const iv = inner.dataSync();
        inner.dispose();
        h.dispose();
        for (let bi = 0; bi < B; bi++) {
          // a PAD step keeps the previous state: no gate maths (its r ⊙ h row stays 0, its dU_h share is 0 anyway)
          if (mv[bi * T + t]! === 0) continue;
          const xwRow = (bi * T + t) * G;
          const pRow = (t * B + bi) * G;
          for (let j = 0; j < H; j++) {
            const az = Math.fround(xwv[xwRow + j]! + iv[bi * 2 * H + j]!);
            const ar = Math.fround(xwv[xwRow + H + j]! + iv[bi * 2 * H + H + j]!);
            pre[pRow + j] = az;
            pre[pRow + H + j] = ar;
            rhs[prev + bi * H + j] = hardSigmoid(ar) * hs[prev + bi * H + j]!;
          }
        }
        const rh = tf.tensor2d(rhs.subarray(prev, next), [B, H]);
        const rec = tf.matMul(rh, Uh);
        rh.dispose();
        const rv = rec.dataSync();
        rec.dispose();
        for (let bi = 0; bi < B; bi++) {
          if (mv[bi * T + t]! === 0) {
            hs.copyWithin(next + bi * H, prev + bi * H, prev + (bi + 1) * H);
            continue;
          }
          const xwRow = (bi * T + t) * G;
          const pRow = (t * B + bi) * G;
          for (let j = 0; j < H; j++) {
            const s = bi * H + j;
            const ah = Math.fround(xwv[xwRow + 2 * H + j]! + rv[s]!);
            pre[pRow + 2 * H + j] = ah;
            const z = hardSigmoid(pre[pRow + j]!);
            hs[next + s] = z * hs[prev + s]! + (1 - z) * Math.tanh(ah);
          }
        }
        h = tf.tensor2d(hs.subarray(next, next + B * H), [B, H]);
      }
    } finally {
      tf.dispose([Uzr, Uh]);
    }
    const value = recurrentOutput(h, hs, B, T, H, returnSequences);

    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [x, W, U, m] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      const dyv = dy.dataSync();
      const dzx = new Float32Array(B * T * G); // d(pre-activations) per (b, t) row b·T + t: [dz, dr, dhh]
      const dAh = new Float32Array(B * H); // per step
      const dZR = new Float32Array(B * 2 * H); // per step
      const dh = new Float64Array(B * H);
      if (!returnSequences) for (let s = 0; s < B * H; s++) dh[s] = dyv[s]!;
      const [UzrT, UhT] = tf.tidy(() => tf.split(U, [2 * H, H], 1).map((u) => tf.transpose(u))) as [tf.Tensor, tf.Tensor];
      try {
        for (let t = T - 1; t >= 0; t--) {
          const prev = t * B * H;
          if (returnSequences) for (let bi = 0; bi < B; bi++) for (let j = 0; j < H; j++) dh[bi * H + j]! += dyv[(bi * T + t) * H + j]!;
          // 1. through h' = z ⊙ h + (1 − z) ⊙ hh: d(hh pre-activation), dz, and the direct part of dh_prev
          const dz = new Float64Array(B * H);
          for (let bi = 0; bi < B; bi++) {
            const keep = mv[bi * T + t]! !== 0;
            const pRow = (t * B + bi) * G;
            for (let j = 0; j < H; j++) {
              const s = bi * H + j;
              if (!keep) {
                dAh[s] = 0;
                dz[s] = 0;
                continue; // dh passes to the previous state unchanged
              }
              const z = hardSigmoid(pre[pRow + j]!);
              const hh = Math.tanh(pre[pRow + 2 * H + j]!);
              const d = dh[s]!;
              dAh[s] = d * (1 - z) * (1 - hh * hh);
              dz[s] = d * (hs[prev + s]! - hh);
              dh[s] = d * z;
            }
          }
          // 2. d(r ⊙ h_prev) = dAh · U_hᵀ, then dr and its share of dh_prev
          const dRh = tf.tidy(() => tf.matMul(tf.tensor2d(dAh, [B, H]), UhT));
          const drh = dRh.dataSync();
          dRh.dispose();
          for (let bi = 0; bi < B; bi++) {
            const keep = mv[bi * T + t]! !== 0;
            const pRow = (t * B + bi) * G;
            const rowOut = (bi * T + t) * G;
            for (let j = 0; j < H; j++) {
              const s = bi * H + j;
              if (!keep) {
                dZR[bi * 2 * H + j] = dZR[bi * 2 * H + H + j] = 0;
                dzx[rowOut + j] = dzx[rowOut + H + j] = dzx[rowOut + 2 * H + j] = 0;
                continue;
              }
              const az = pre[pRow + j]!;
              const ar = pre[pRow + H + j]!;
              const r = hardSigmoid(ar);
              const daz = dz[s]! * hardSigmoidGrad(az);
              const dar = drh[s]! * hs[prev + s]! * hardSigmoidGrad(ar);
              dh[s]! += drh[s]! * r;
              dZR[bi * 2 * H + j] = daz;
              dZR[bi * 2 * H + H + j] = dar;
              dzx[rowOut + j] = daz;
              dzx[rowOut + H + j] = dar;
              dzx[rowOut + 2 * H + j] = dAh[s]!;
            }
          }
          // 3. the gates' share of dh_prev: [dz, dr] · U_zrᵀ
          if (t > 0) {
            const back = tf.tidy(() => tf.matMul(tf.tensor2d(dZR, [B, 2 * H]), UzrT));
            const bv = back.dataSync();
            back.dispose();
            for (let s = 0; s < B * H; s++) dh[s]! += bv[s]!;
          }
        }
      } finally {
        tf.dispose([UzrT, UhT]);
      }
      // Left factors of dU, rows b·T + t: h_{t−1} (for U_zr) and r ⊙ h_{t−1} (for U_h).
      const hPrev = batchMajorRows(hs, B, T, H, 0);
      const rhRows = batchMajorRows(rhs, B, T, H, 0);
      return tf.tidy(() => {
        const DZ = tf.tensor2d(dzx, [B * T, G]);
        const [dzr, dah] = tf.split(DZ, [2 * H, H], 1) as [tf.Tensor, tf.Tensor];
        const dx = tf.reshape(tf.matMul(DZ, W, false, true), [B, T, D]);
        const dW = tf.matMul(tf.reshape(x, [B * T, D]), DZ, true, false);
        const dUzr = tf.matMul(tf.tensor2d(hPrev, [B * T, H]), dzr, true, false);
        const dUh = tf.matMul(tf.tensor2d(rhRows, [B * T, H]), dah, true, false);
        const dU = tf.concat([dUzr, dUh], 1);
        const db = tf.sum(DZ, 0);
        return [dx, dW, dU, db, tf.zerosLike(m)];
      });
    };
    return { value, gradFunc };
  });
}

export type FastGruArgs = FastRecurrentArgs;

export class FastGRU extends FastRecurrent {
  static className = 'MmxGRU';

  constructor(args: FastGruArgs) {
    super(args, { what: 'FastGRU', gates: 3, makeOp: gruOp, defaultKernelInitializer: () => tf.initializers.glorotNormal({}) });
  }
}
tf.serialization.registerClass(FastGRU);

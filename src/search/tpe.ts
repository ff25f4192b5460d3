/**
 * Tree-structured Parzen Estimator (Bergstra, Bardenet, Bengio & Kégl, "Algorithms for Hyper-Parameter
 * Optimization", NeurIPS 2011), following the choices of Optuna's `TPESampler` (v3, univariate) with its
 * defaults:
 *
 * - the finished trials are split into the best `gamma(n) = min(ceil(0.1 n), 25)` ("below", l(x)) and the
 *   rest ("above", g(x)); pruned trials always count as "above"; failed trials are ignored;
 * - each parameter is modelled independently (no joint model): a mixture of one truncated-normal kernel per
 *   observation plus the prior (weight `prior_weight = 1`), observation weights flat below 25 trials and
 *   ramped for older trials above that (`default_weights`);
 * - kernel widths: the larger distance to the neighbouring observation (the bounds count as neighbours,
 *   `consider_endpoints = false` for the outermost ones), clipped to [(high - low) / min(100, 1 + n), high - low]
 *   ("magic clip"); log distributions are modelled in log space; quantised and integer ones by the mass of
 *   the bin around each value;
 * - categorical parameters: per observation a one-hot vector smoothed by the prior (weight 1 spread over the
 *   choices);
 * - `n_ei_candidates = 24` draws from l(x); the one maximising log l(x) - log g(x) wins.
 *
 * Unbounded normals use their own N(mu, sigma) as the prior kernel and sigma as the widest kernel.
 */
import { logSumExp, truncatedNormal, truncatedNormalLogMass, truncatedNormalLogPdf, type Random } from './random.js';
import { sampleParam, toInternal, toValue, type Assignment, type NumericParam, type ParamDef } from './space.js';

export interface TpeObservation {
  params: Assignment;
  /** the objective, already oriented so that lower is better */
  loss: number;
  /** pruned trials are always put in the "above" group */
  pruned?: boolean;
}

export interface TpeOptions {
  nEiCandidates?: number;
  priorWeight?: number;
  /** fraction / count of trials in the "below" group */
  gamma?: (n: number) => number;
}

export const defaultGamma = (n: number): number => Math.min(Math.ceil(0.1 * n), 25);

export function defaultWeights(n: number): number[] {
  if (n === 0) return [];
  if (n < 25) return new Array<number>(n).fill(1);
  const ramp = Array.from({ length: n - 25 }, (_, i) => (n - 25 === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (n - 25 - 1)));
  return [...ramp, ...new Array<number>(25).fill(1)];
}

/** Splits observations (in trial order) into below / above. */
export function splitObservations(
  obs: readonly TpeObservation[],
  gamma: (n: number) => number = defaultGamma,
): { below: TpeObservation[]; above: TpeObservation[] } {
  const complete = obs.filter((o) => !o.pruned && Number.isFinite(o.loss));
  const nBelow = Math.min(gamma(obs.length), complete.length);
  const ranked = [...complete].sort((a, b) => a.loss - b.loss);
  const belowSet = new Set(ranked.slice(0, nBelow));
  return { below: obs.filter((o) => belowSet.has(o)), above: obs.filter((o) => !belowSet.has(o)) };
}

interface NumericMixture {
  mus: number[];
  sigmas: number[];
  logWeights: number[];
}

function numericMixture(def: NumericParam, xs: readonly number[], obsWeights: readonly number[], priorWeight: number): NumericMixture {
  const bounded = Number.isFinite(def.low) && Number.isFinite(def.high);
  const low = bounded ? def.low : def.mu - 4 * def.sigma;
  const high = bounded ? def.high : def.mu + 4 * def.sigma;
  const span = Math.max(high - low, 1e-12);
  const n = xs.length;
  const sigmas: number[] = new Array<number>(n).fill(span);
  if (n > 0) {
    const order = xs.map((_, i) => i).sort((a, b) => xs[a]! - xs[b]!);
    const sorted = order.map((i) => xs[i]!);
    const withEnds = [low, ...sorted, high];
    const s: number[] = sorted.map((_, k) => Math.max(withEnds[k + 1]! - withEnds[k]!, withEnds[k + 2]! - withEnds[k + 1]!));
    if (n >= 2) {
      // consider_endpoints = false: the outermost observations look only inwards
      s[0] = withEnds[2]! - withEnds[1]!;
      s[n - 1] = withEnds[n]! - withEnds[n - 1]!;
    }
    order.forEach((i, k) => (sigmas[i] = s[k]!));
  }
  const minSigma = span / Math.min(100, 1 + n + 1);
  const mus = [...xs, def.mu];
  const allSigmas = [...sigmas, def.sigma].map((s) => Math.min(span, Math.max(minSigma, s)));
  const w = [...obsWeights, priorWeight];
  const total = w.reduce((a, b) => a + b, 0);
  return { mus, sigmas: allSigmas, logWeights: w.map((x) => Math.log(x / total)) };
}

function binOf(def: NumericParam, value: number): [number, number] | undefined {
  if (def.q === undefined) return undefined;
  const lo = value - def.q / 2;
  const hi = value + def.q / 2;
  return def.log ? [Math.log(Math.max(lo, 1e-300)), Math.log(hi)] : [lo, hi];
}

function numericLogDensity(def: NumericParam, m: NumericMixture, value: number): number {
  const x = toInternal(def, value);
  const bin = binOf(def, value);
  const terms = m.mus.map((mu, i) => {
    const s = m.sigmas[i]!;
    const lp = bin ? truncatedNormalLogMass(bin[0], bin[1], mu, s, def.low, def.high) : truncatedNormalLogPdf(x, mu, s, def.low, def.high);
    return m.logWeights[i]! + lp;
  });
  return logSumExp(terms);
}

function sampleNumeric(def: NumericParam, m: NumericMixture, random: Random): number {
  const u = random();
  let acc = 0;
  let k = m.mus.length - 1;
  for (let i = 0; i < m.mus.length; i++) {
    acc += Math.exp(m.logWeights[i]!);
    if (u < acc) {
      k = i;
      break;
    }
  }
  return toValue(def, truncatedNormal(random, m.mus[k]!, m.sigmas[k]!, def.low, def.high));
}

const keyOf = (v: unknown): string => JSON.stringify(v) ?? 'null';

function categoricalProbs(
  values: readonly unknown[],
  observed: readonly unknown[],
  obsWeights: readonly number[],
  priorWeight: number,
): number[] {
  const index = new Map(values.map((v, i) => [keyOf(v), i]));
  const k = values.length;
  const p = new Array<number>(k).fill(priorWeight / k);
  observed.forEach((v, i) => {
    const j = index.get(keyOf(v));
    if (j !== undefined) p[j]! += obsWeights[i]!;
  });
  const total = p.reduce((a, b) => a + b, 0);
  return p.map((x) => x / total);
}

/** Proposes one assignment from the finished trials (caller decides when TPE takes over from random). */
export function tpePropose(
  defs: readonly ParamDef[],
  observations: readonly TpeObservation[],
  random: Random,
  options: TpeOptions = {},
): Assignment {
  const nCand = options.nEiCandidates ?? 24;
  const priorWeight = options.priorWeight ?? 1;
  const { below, above } = splitObservations(observations, options.gamma);
  const out: Assignment = {};
  for (const def of defs) {
    if (def.kind === 'constant') {
      out[def.path] = structuredClone(def.value);
      continue;
    }
    const has = (o: TpeObservation) => Object.prototype.hasOwnProperty.call(o.params, def.path);
    const b = below.filter(has);
    const a = above.filter(has);
    if (b.length === 0 || a.length === 0) {
      out[def.path] = sampleParam(def, random);
      continue;
    }
    const wb = defaultWeights(b.length);
    const wa = defaultWeights(a.length);
    if (def.kind === 'categorical') {
      const pl = categoricalProbs(
        def.values,
        b.map((o) => o.params[def.path]),
        wb,
        priorWeight,
      );
      const pg = categoricalProbs(
        def.values,
        a.map((o) => o.params[def.path]),
        wa,
        priorWeight,
      );
      let best = -1;
      let bestScore = -Infinity;
      for (let c = 0; c < nCand; c++) {
        const u = random();
        let acc = 0;
        let j = pl.length - 1;
        for (let i = 0; i < pl.length; i++) {
          acc += pl[i]!;
          if (u < acc) {
            j = i;
            break;
          }
        }
        const score = Math.log(pl[j]!) - Math.log(pg[j]!);
        if (score > bestScore) {
          bestScore = score;
          best = j;
        }
      }
      out[def.path] = structuredClone(def.values[best]);
      continue;
    }
    const xb = b.map((o) => toInternal(def, Number(o.params[def.path])));
    const xa = a.map((o) => toInternal(def, Number(o.params[def.path])));
    const ml = numericMixture(def, xb, wb, priorWeight);
    const mg = numericMixture(def, xa, wa, priorWeight);
    let bestValue = Number.NaN;
    let bestScore = -Infinity;
    for (let c = 0; c < nCand; c++) {
      const v = sampleNumeric(def, ml, random);
      const score = numericLogDensity(def, ml, v) - numericLogDensity(def, mg, v);
      if (score > bestScore || Number.isNaN(bestValue)) {
        bestScore = score;
        bestValue = v;
      }
    }
    out[def.path] = bestValue;
  }
  return out;
}

/**
 * Seeded random numbers and the normal-distribution helpers the samplers need: a 32-bit mixing PRNG
 * (splitmix32 seeding → mulberry32 stream), standard normal draws, Φ, Φ⁻¹ and truncated-normal sampling
 * and log densities.
 */
import { rng } from '../core/random.js';

export type Random = () => number;

/** Mixes a seed and a stream number into one well-spread 32-bit state (splitmix32). */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    h = (h + (Math.floor(p) >>> 0) + 0x9e3779b9) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
  }
  return h;
}

/** A uniform [0, 1) stream (mulberry32, as for splits and shuffling) from a seed and optional stream numbers. */
export function seededRandom(seed: number, ...stream: number[]): Random {
  return rng(mixSeed(seed, ...stream));
}

/** A standard normal draw (Box–Muller). */
export function standardNormal(random: Random): number {
  let u = random();
  while (u <= Number.MIN_VALUE) u = random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** erf, |error| < 1.2e-7 (Numerical Recipes' erfc with Chebyshev coefficients). */
export function erf(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - r : r - 1;
}

/** Standard normal CDF Φ. */
export function normalCdf(x: number): number {
  return 0.5 * (1 + erf(x / Math.SQRT2));
}

/** Standard normal quantile Φ⁻¹ (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
    );
  }
  if (p > 1 - lo) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return (
      -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
    );
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

/** A draw from N(mu, sigma²) truncated to [low, high] (inverse CDF; rejection in the far tails). */
export function truncatedNormal(random: Random, mu: number, sigma: number, low: number, high: number): number {
  const a = normalCdf((low - mu) / sigma);
  const b = normalCdf((high - mu) / sigma);
  if (b - a > 1e-12) {
    const x = mu + sigma * normalQuantile(a + random() * (b - a));
    if (Number.isFinite(x)) return Math.min(high, Math.max(low, x));
  }
  // the interval is far out in a tail: fall back to uniform on it (the density is nearly flat there)
  if (Number.isFinite(low) && Number.isFinite(high)) return low + random() * (high - low);
  return Math.min(high, Math.max(low, mu));
}

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** log density of N(mu, sigma²) truncated to [low, high] at x. */
export function truncatedNormalLogPdf(x: number, mu: number, sigma: number, low: number, high: number): number {
  if (x < low || x > high) return -Infinity;
  const z = (x - mu) / sigma;
  const mass = normalCdf((high - mu) / sigma) - normalCdf((low - mu) / sigma);
  return -0.5 * z * z - LOG_SQRT_2PI - Math.log(sigma) - Math.log(Math.max(mass, 1e-300));
}

/** log of the mass N(mu, sigma²) truncated to [low, high] puts on [a, b] (quantised values). */
export function truncatedNormalLogMass(a: number, b: number, mu: number, sigma: number, low: number, high: number): number {
  const lo = Math.max(a, low);
  const hi = Math.min(b, high);
  if (hi <= lo) return -Infinity;
  const num = normalCdf((hi - mu) / sigma) - normalCdf((lo - mu) / sigma);
  const den = normalCdf((high - mu) / sigma) - normalCdf((low - mu) / sigma);
  return Math.log(Math.max(num, 1e-300)) - Math.log(Math.max(den, 1e-300));
}

/** log(Σ exp(xs)) without overflow. */
export function logSumExp(xs: readonly number[]): number {
  let m = -Infinity;
  for (const x of xs) if (x > m) m = x;
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (const x of xs) s += Math.exp(x - m);
  return m + Math.log(s);
}

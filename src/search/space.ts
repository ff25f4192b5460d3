/**
 * The search space: each `sweep.parameters` entry turned into a typed definition, with the checks a JSON
 * Schema cannot make (exactly one of values / value / distribution, the fields each distribution needs,
 * min < max, positive bounds for log distributions). Sampling from a definition and the values a definition
 * can reach at its extremes (what `plan.ts` validates before the first trial) are here too.
 */
import type { ConfigIssue } from '../config/issues.js';
import type { SourceMap } from '../config/source-map.js';
import { seededRandom, standardNormal, truncatedNormal, type Random } from './random.js';
import type { DistributionName, ParameterSpec } from './schema.js';

export type ParamDef =
  | { path: string; kind: 'categorical'; values: unknown[] }
  | { path: string; kind: 'constant'; value: unknown }
  | NumericParam;

/**
 * A numeric parameter. `low`/`high` (and `mu`/`sigma`) are in the *internal* space the samplers work in:
 * the log of the value for log_uniform / log_normal, the value itself otherwise. Bounds may be infinite
 * (normal without min/max).
 */
export interface NumericParam {
  path: string;
  kind: 'numeric';
  distribution: DistributionName;
  log: boolean;
  /** integer values (int_uniform, or a whole-number q) */
  int: boolean;
  /** quantisation step, in value space (not for log distributions' internal space) */
  q?: number;
  /** value-space origin of the quantisation grid (min when given, else 0) */
  qOrigin: number;
  low: number;
  high: number;
  /** the prior's centre and spread in internal space (normal: mu/sigma; bounded: mid-point / width) */
  mu: number;
  sigma: number;
  /** the spec's bounds in value space, when given */
  min?: number;
  max?: number;
}

export type Assignment = Record<string, unknown>;

/** Parses the parameters, collecting located issues for anything malformed. */
export function parseSpace(parameters: Record<string, ParameterSpec>, sources: SourceMap): { defs: ParamDef[]; issues: ConfigIssue[] } {
  const defs: ParamDef[] = [];
  const issues: ConfigIssue[] = [];
  for (const [path, spec] of Object.entries(parameters)) {
    const base = ['sweep', 'parameters', path];
    const at = (field: string | undefined, message: string, hint?: string): void => {
      const p = field ? [...base, field] : base;
      issues.push({
        ...(sources.locate(p, !field) ?? { file: '?' }),
        path: `sweep.parameters.${path}${field ? `.${field}` : ''}`,
        message,
        ...(hint ? { hint } : {}),
      });
    };
    const forms = (['values', 'value', 'distribution'] as const).filter((k) => k in spec);
    if (forms.length !== 1) {
      at(
        undefined,
        forms.length === 0 ? 'give one of values, value or distribution' : `give only one of ${forms.join(', ')}`,
        'e.g. {values: [a, b]}, {value: x} or {distribution: log_uniform, min: 1.0e-4, max: 1.0e-2}',
      );
      continue;
    }
    const extra = (allowed: string[]): boolean => {
      const bad = Object.keys(spec).filter((k) => !allowed.includes(k));
      for (const k of bad)
        at(k, `'${k}' does not go with ${forms[0] === 'distribution' ? `distribution ${String(spec.distribution)}` : forms[0]}`);
      return bad.length > 0;
    };
    if (forms[0] === 'values') {
      if (extra(['values'])) continue;
      defs.push({ path, kind: 'categorical', values: spec.values! });
      continue;
    }
    if (forms[0] === 'value') {
      if (extra(['value'])) continue;
      defs.push({ path, kind: 'constant', value: spec.value });
      continue;
    }
    const dist = spec.distribution!;
    const { min, max, q, mu, sigma } = spec;
    const gaussian = dist === 'normal' || dist === 'log_normal';
    const log = dist === 'log_uniform' || dist === 'log_normal';
    if (extra(gaussian ? ['distribution', 'mu', 'sigma', 'min', 'max', 'q'] : ['distribution', 'min', 'max', 'q'])) continue;
    let ok = true;
    const need = (field: 'min' | 'max' | 'mu' | 'sigma' | 'q', v: number | undefined): void => {
      if (v === undefined) {
        at(undefined, `distribution ${dist} needs '${field}'`);
        ok = false;
      }
    };
    if (gaussian) {
      need('mu', mu);
      need('sigma', sigma);
    } else {
      need('min', min);
      need('max', max);
    }
    if (dist === 'q_uniform') need('q', q);
    if (!ok) continue;
    if (min !== undefined && max !== undefined && !(min < max)) {
      at('max', `max (${max}) must be greater than min (${min})`);
      continue;
    }
    if (log && ((min !== undefined && min <= 0) || (max !== undefined && max <= 0))) {
      at(min !== undefined && min <= 0 ? 'min' : 'max', `${dist} needs positive bounds`, 'the log of the value is what is sampled');
      continue;
    }
    if (dist === 'int_uniform' && (!Number.isInteger(min) || !Number.isInteger(max))) {
      at(!Number.isInteger(min) ? 'min' : 'max', 'int_uniform needs whole-number bounds');
      continue;
    }
    if (q !== undefined && log) {
      // quantised log spaces are allowed: the value is rounded to a multiple of q after exp()
    }
    if (q !== undefined && min !== undefined && max !== undefined && q > max - min && dist === 'q_uniform') {
      at('q', `q (${q}) is larger than max - min (${max - min}): only one value is possible`);
      continue;
    }
    const qStep = dist === 'int_uniform' ? (q ?? 1) : q;
    const int = dist === 'int_uniform' || (qStep !== undefined && Number.isInteger(qStep) && (min === undefined || Number.isInteger(min)));
    const tr = (v: number): number => (log ? Math.log(v) : v);
    const low = min !== undefined ? tr(min) : -Infinity;
    const high = max !== undefined ? tr(max) : Infinity;
    const def: NumericParam = {
      path,
      kind: 'numeric',
      distribution: dist,
      log,
      int,
      ...(qStep !== undefined ? { q: qStep } : {}),
      qOrigin: min ?? 0,
      low,
      high,
      mu: gaussian ? mu! : 0.5 * (low + high),
      sigma: gaussian ? sigma! : high - low,
      ...(min !== undefined ? { min } : {}),
      ...(max !== undefined ? { max } : {}),
    };
    defs.push(def);
  }
  return { defs, issues };
}

/** Rounds away floating-point noise (0.30000000000000004 → 0.3). */
export function tidy(v: number): number {
  return Number.isFinite(v) ? Number.parseFloat(v.toPrecision(12)) : v;
}

/** Internal-space value → the value a config gets (exp for log spaces, quantised, clipped, integer). */
export function toValue(def: NumericParam, internal: number): number {
  let v = def.log ? Math.exp(internal) : internal;
  if (def.q !== undefined) {
    v = def.qOrigin + Math.round((v - def.qOrigin) / def.q) * def.q;
    // stay inside the bounds: the largest grid point at or below max, the smallest at or above min
    if (def.max !== undefined && v > def.max + 1e-12) v -= def.q;
    if (def.min !== undefined && v < def.min - 1e-12) v += def.q;
  }
  if (def.min !== undefined) v = Math.max(def.min, v);
  if (def.max !== undefined) v = Math.min(def.max, v);
  if (def.int) v = Math.round(v);
  return tidy(v);
}

/** A value → internal space (for TPE's kernels). */
export function toInternal(def: NumericParam, value: number): number {
  return def.log ? Math.log(value) : value;
}

/** One draw from the parameter's own distribution (the prior). */
export function sampleParam(def: ParamDef, random: Random): unknown {
  switch (def.kind) {
    case 'constant':
      return structuredClone(def.value);
    case 'categorical':
      return structuredClone(def.values[Math.floor(random() * def.values.length)]);
    case 'numeric': {
      const d = def.distribution;
      if (d === 'normal' || d === 'log_normal') {
        const x =
          Number.isFinite(def.low) || Number.isFinite(def.high)
            ? truncatedNormal(random, def.mu, def.sigma, def.low, def.high)
            : def.mu + def.sigma * standardNormal(random);
        return toValue(def, x);
      }
      if (def.q !== undefined && !def.log) {
        // every grid point in [min, max] equally likely
        const n = Math.floor((def.max! - def.min! + 1e-9 * def.q) / def.q) + 1;
        return toValue(def, def.min! + Math.floor(random() * n) * def.q);
      }
      if (d === 'int_uniform') return toValue(def, def.min! + Math.floor(random() * (def.max! - def.min! + 1)));
      return toValue(def, def.low + random() * (def.high - def.low));
    }
  }
}

/** A whole assignment drawn from the priors: the random sampler's trial `n` (the same on every resume). */
export function sampleAssignment(defs: readonly ParamDef[], seed: number, trial: number): Assignment {
  const random = seededRandom(seed, trial, 0x5eed);
  const out: Assignment = {};
  for (const d of defs) out[d.path] = sampleParam(d, random);
  return out;
}

/**
 * The values a definition can take at its edges, each with the spec field it comes from: every value of a
 * categorical, the constant, a numeric's min and max (the largest grid point for quantised ones; mu ± 4σ
 * for an unbounded normal, where the tails are a 1-in-15,000 chance).
 */
export function extremes(def: ParamDef): { value: unknown; field: (string | number)[] }[] {
  switch (def.kind) {
    case 'constant':
      return [{ value: def.value, field: ['value'] }];
    case 'categorical':
      return def.values.map((value, i) => ({ value, field: ['values', i] }));
    case 'numeric': {
      const out: { value: unknown; field: (string | number)[] }[] = [];
      const lowI = Number.isFinite(def.low) ? def.low : def.mu - 4 * def.sigma;
      const highI = Number.isFinite(def.high) ? def.high : def.mu + 4 * def.sigma;
      out.push({ value: toValue(def, lowI), field: [Number.isFinite(def.low) ? 'min' : 'mu'] });
      out.push({ value: toValue(def, highI), field: [Number.isFinite(def.high) ? 'max' : 'mu'] });
      if (def.distribution === 'normal' || def.distribution === 'log_normal') out.push({ value: toValue(def, def.mu), field: ['mu'] });
      return out;
    }
  }
}

/** Every combination of a grid, in order (the last parameter varies fastest). Numeric parameters are not allowed. */
export function gridSize(defs: readonly ParamDef[]): number {
  return defs.reduce((n, d) => n * (d.kind === 'categorical' ? d.values.length : 1), 1);
}

export function gridPoint(defs: readonly ParamDef[], index: number): Assignment {
  const out: Assignment = {};
  let rest = index;
  for (let i = defs.length - 1; i >= 0; i--) {
    const d = defs[i]!;
    if (d.kind === 'categorical') {
      out[d.path] = structuredClone(d.values[rest % d.values.length]);
      rest = Math.floor(rest / d.values.length);
    } else if (d.kind === 'constant') {
      out[d.path] = structuredClone(d.value);
    }
  }
  // keep the parameters' written order
  return Object.fromEntries(defs.map((d) => [d.path, out[d.path]]));
}

/** `--set` strings for an assignment (values as JSON, which is YAML). */
export function toOverrides(assignment: Assignment): string[] {
  return Object.entries(assignment).map(([p, v]) => `${p}=${JSON.stringify(v)}`);
}

/** A value as a short string for tables and MLflow params. */
export function showValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(tidy(v));
  return JSON.stringify(v) ?? 'null';
}

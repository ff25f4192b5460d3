/**
 * Loading a sweep: the config (with the `sweep:` section) is loaded and checked like any other, then the
 * search space is checked as a whole *before the first trial*: every parameter path exists in the schema (and
 * in the config, for named entries like `inputs.<name>`), the metric is one the run logs, and every value a
 * trial can get validates — for a grid every combination, for random / bayes every categorical value and each
 * numeric parameter's extremes — by loading the config through the normal loader with `--set`-style
 * overrides. Problems point at the line of `sweep.parameters.<path>` that causes them.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import nodePath from 'node:path';
import { ConfigError, type ConfigIssue } from '../config/issues.js';
import { suggestion } from '../config/did-you-mean.js';
import { forbiddenKeyMessage, isForbiddenKey } from '../config/safe-keys.js';
import { loadConfig, type LoadedConfig } from '../experiment/load.js';
import { trialBase, type TrialBase } from './trial-config.js';
import { experimentJsonSchema } from '../experiment/schema.js';
import { checkSemantics, epochMetricNames, type CheckedConfig } from '../experiment/semantic.js';
import { modelSizeIssues } from '../model/size/estimate.js';
import { extremes, gridPoint, gridSize, parseSpace, showValue, toOverrides, type Assignment, type ParamDef } from '../search/space.js';
import type { SweepConfig } from '../search/schema.js';
import { knownMetricDirection } from '../metrics/registry.js';

export interface SweepMetric {
  name: string;
  goal: 'minimize' | 'maximize';
  /** logged every epoch (so it can drive early termination), or only at the end (test_*) */
  perEpoch: boolean;
  /** the per-epoch metric early termination watches (the metric itself, or val_X for test_X) */
  pruneOn?: string;
}

export interface SweepPlan {
  /** absolute path of the config */
  file: string;
  /** the config's base directory (`LoadedConfig.baseDir`): every trial loads its config against it */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** the user's own `--set` overrides, applied before every trial's */
  overrides: string[];
  base: CheckedConfig;
  sweep: SweepConfig;
  defs: ParamDef[];
  method: SweepConfig['method'];
  metric: SweepMetric;
  /** the number of trials to run */
  trials: number;
  parallel: number;
  seed: number;
  /** grid: number of combinations */
  gridSize?: number;
  /** the most epochs a trial can run (for ASHA's rungs) */
  maxEpochs: number;
  warnings: string[];
  /** identifies the search (method, metric, space, seed): a resumed sweep must have the same */
  spaceHash: string;
  /** what every trial shares besides its swept values: a resumed sweep must have the same */
  trialBase: TrialBase;
}

export interface PlanOptions {
  overrides?: string[];
  /** see `LoadOptions.baseDir` (the CLI passes its working directory) */
  baseDir?: string;
  env?: NodeJS.ProcessEnv;
  /** validate at most this many grid combinations (default 2,000); beyond that, every value of every parameter */
  maxGridChecks?: number;
}

type JsonSchema = {
  type?: string;
  properties?: Record<string, JsonSchema>;
  patternProperties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  items?: JsonSchema;
};

const FORBIDDEN_ROOTS = new Set(['sweep', 'extends', '$schema']);

/** Checks a dotted path against the schema and the config; returns a message and a hint when it does not exist. */
export function checkPath(dotted: string, config: unknown): { message: string; hint?: string } | undefined {
  const segs = dotted.split('.');
  if (FORBIDDEN_ROOTS.has(segs[0]!)) return { message: `'${segs[0]}' cannot be swept` };
  const internal = segs.find(isForbiddenKey);
  if (internal !== undefined) return forbiddenKeyMessage(internal);
  let schemas: JsonSchema[] = [experimentJsonSchema() as JsonSchema];
  let node: unknown = config;
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]!;
    const next: JsonSchema[] = [];
    const keys = new Set<string>();
    const expand = (s: JsonSchema): JsonSchema[] => [s, ...(s.oneOf ?? []).flatMap(expand), ...(s.anyOf ?? []).flatMap(expand)];
    let named = false;
    for (const s of schemas.flatMap(expand)) {
      if (s.properties) {
        for (const k of Object.keys(s.properties)) keys.add(k);
        if (s.properties[seg]) next.push(s.properties[seg]);
      }
      if (s.patternProperties) {
        for (const [re, sub] of Object.entries(s.patternProperties)) {
          if (new RegExp(re, 'u').test(seg)) {
            next.push(sub);
            named = true;
          }
        }
      }
      if (s.additionalProperties && typeof s.additionalProperties === 'object') {
        next.push(s.additionalProperties);
        named = true;
      }
      if (s.items && /^\d+$/.test(seg)) next.push(s.items);
    }
    const here = segs.slice(0, i + 1).join('.');
    if (next.length === 0) {
      const where = i === 0 ? 'the config' : `'${segs.slice(0, i).join('.')}'`;
      return { message: `'${here}' is not a config key: ${where} has no '${seg}'`, hint: suggestion(seg, [...keys], 'one of the keys') };
    }
    // a named entry (inputs.<name>, tracking.tags.<name>) must be one the config has
    const obj = node !== null && typeof node === 'object' ? (node as Record<string, unknown>) : undefined;
    if (
      named &&
      next.every((n) => !n.properties || !n.properties[seg]) &&
      !keys.has(seg) &&
      obj &&
      !(seg in obj) &&
      segs[i - 1] !== 'tags'
    ) {
      return { message: `'${here}': the config has no entry '${seg}'`, hint: suggestion(seg, Object.keys(obj), 'one of') };
    }
    node = obj?.[seg];
    schemas = next;
  }
  return undefined;
}

/** Metric names a run logs: per epoch, and at the end. */
export function loggedMetrics(config: CheckedConfig['config']): { perEpoch: string[]; final: string[] } {
  const perEpoch = [...epochMetricNames(config), 'samples_per_sec', 'epoch_seconds'];
  const final = [
    'test_loss',
    ...config.evaluation.metrics.map((m) => `test_${m}`),
    'best_epoch',
    'evaluated_epoch',
    'test_inference_samples_per_sec',
  ];
  return { perEpoch, final };
}

const show = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : showValue(v));

export function hashSpace(sweep: SweepConfig, seed: number): string {
  const { method, metric, parameters, n_startup_trials } = sweep;
  return createHash('sha256').update(JSON.stringify({ method, metric, parameters, seed, n_startup_trials })).digest('hex').slice(0, 16);
}

/** Loads, checks and plans a sweep; throws ConfigError with every problem found. */
export function planSweep(file: string, options: PlanOptions = {}): SweepPlan {
  const env = options.env ?? process.env;
  const overrides = options.overrides ?? [];
  const loaded: LoadedConfig = loadConfig(file, { overrides, env, ...(options.baseDir !== undefined ? { baseDir: options.baseDir } : {}) });
  const cwd = loaded.baseDir;
  const display = loaded.sources.locate([])?.file ?? file;
  const sweep = loaded.config.sweep;
  if (!sweep) {
    throw new ConfigError([
      {
        file: display,
        line: 1,
        column: 1,
        path: 'sweep',
        message: "no 'sweep:' section",
        hint: 'add sweep: {method, metric, parameters} (see configs/avmnist-sweep.yaml)',
      },
    ]);
  }
  const base = checkSemantics(loaded, env);
  const sources = loaded.sources;
  const at = (p: (string | number)[], message: string, hint?: string): ConfigIssue => ({
    ...(sources.locate(p) ?? { file: display }),
    path: p.map((s, i) => (typeof s === 'number' ? `[${s}]` : i ? `.${s}` : s)).join(''),
    message,
    ...(hint ? { hint } : {}),
  });
  const warnings: string[] = [];
  const { defs, issues } = parseSpace(sweep.parameters, sources);
  // repeats make a trial a parent of N runs: the trial runners do not do that (yet)
  if ((base.config.training.repeats ?? 1) > 1 || 'training.repeats' in sweep.parameters)
    issues.push(
      at(
        ['training', 'repeats'],
        'mmx sweep does not run repeats per trial yet',
        'remove training.repeats; rerun the best trial with mmx run --repeat N',
      ),
    );

  for (const path of Object.keys(sweep.parameters)) {
    const bad = checkPath(path, loaded.config);
    if (bad)
      issues.push({
        ...(sources.locate(['sweep', 'parameters', path], true) ?? { file: display }),
        path: `sweep.parameters.${path}`,
        message: bad.message,
        ...(bad.hint ? { hint: bad.hint } : {}),
      });
  }
  const paths = Object.keys(sweep.parameters);
  for (const p of paths) {
    const parent = paths.find((q) => q !== p && p.startsWith(q + '.'));
    if (parent) issues.push(at(['sweep', 'parameters', p], `'${p}' is inside '${parent}', which is swept too`, 'sweep one or the other'));
  }

  // the metric
  const logged = loggedMetrics(base.config);
  const mName = sweep.metric.name;
  let metric: SweepMetric;
  if (logged.perEpoch.includes(mName)) {
    metric = { name: mName, goal: sweep.metric.goal, perEpoch: true, pruneOn: mName };
  } else if (logged.final.includes(mName)) {
    const val = mName.startsWith('test_') ? `val_${mName.slice(5)}` : undefined;
    metric = { name: mName, goal: sweep.metric.goal, perEpoch: false, ...(val && logged.perEpoch.includes(val) ? { pruneOn: val } : {}) };
    warnings.push(
      `sweep.metric.name: '${mName}' is measured on the test split: choosing hyperparameters by it leaks the test set into the choice (prefer ${val ?? 'a val_ metric'})`,
    );
  } else {
    issues.push(
      at(['sweep', 'metric', 'name'], `'${mName}' is not a metric this run logs`, suggestion(mName, [...logged.perEpoch, ...logged.final])),
    );
    metric = { name: mName, goal: sweep.metric.goal, perEpoch: false };
  }
  // the metric registry's direction for the metrics mmx defines; a name's words for the others
  const usual =
    knownMetricDirection(mName) ?? (/loss|seconds/.test(mName) ? 'min' : /accuracy|f1|samples_per_sec/.test(mName) ? 'max' : undefined);
  if (usual && usual !== (sweep.metric.goal === 'minimize' ? 'min' : 'max')) {
    warnings.push(`sweep.metric: ${sweep.metric.goal} ${mName}? (usually ${usual === 'min' ? 'minimize' : 'maximize'})`);
  }

  // method and budget
  let trials = sweep.trials;
  let size: number | undefined;
  if (sweep.method === 'grid') {
    for (const d of defs) {
      if (d.kind === 'numeric')
        issues.push(
          at(
            ['sweep', 'parameters', d.path, 'distribution'],
            'a grid needs {values: [...]} (or {value: x})',
            'list the values, or use method: random / bayes',
          ),
        );
    }
    size = gridSize(defs);
    if (trials === undefined) trials = size;
    else if (trials > size) {
      warnings.push(`sweep.trials: ${trials} > ${size} grid combinations; running ${size}`);
      trials = size;
    }
  } else if (trials === undefined) {
    issues.push(at(['sweep', 'method'], `method ${sweep.method} needs 'trials' (the budget)`, 'e.g. trials: 20'));
  }
  if (sweep.early_terminate && !metric.pruneOn && issues.length === 0) {
    issues.push(at(['sweep', 'early_terminate'], `early termination needs a metric logged every epoch; '${mName}' is not`));
  }
  if (issues.length) throw new ConfigError(issues);

  // the most epochs a trial can run
  const epochsDef = defs.find((d) => d.path === 'training.epochs');
  const maxEpochs = epochsDef
    ? Math.max(
        base.config.training.epochs,
        ...extremes(epochsDef)
          .map((e) => Number(e.value))
          .filter(Number.isFinite),
      )
    : base.config.training.epochs;
  if (sweep.early_terminate && sweep.early_terminate.min_epochs >= maxEpochs) {
    warnings.push(
      `sweep.early_terminate.min_epochs (${sweep.early_terminate.min_epochs}) is not below the ${maxEpochs} epochs a trial runs: nothing will be stopped early`,
    );
  }

  // every value a trial can get, validated through the normal loader
  const valueIssues = validateValues(loaded.file, {
    cwd,
    env,
    overrides,
    defs,
    sources,
    display,
    grid: sweep.method === 'grid',
    maxGridChecks: options.maxGridChecks ?? 2000,
    base,
  });
  if (valueIssues.length) throw new ConfigError(valueIssues);

  const seed = sweep.seed ?? base.config.seed;
  const parallel = Math.min(sweep.parallel, trials!);
  return {
    file: loaded.file,
    cwd,
    env,
    overrides,
    base,
    sweep,
    defs,
    method: sweep.method,
    metric,
    trials: trials!,
    parallel,
    seed,
    ...(size !== undefined ? { gridSize: size } : {}),
    maxEpochs,
    warnings,
    spaceHash: hashSpace(sweep, seed),
    trialBase: trialBase(
      base.config,
      defs.map((d) => d.path),
    ),
  };
}

interface ValidateOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  overrides: string[];
  defs: ParamDef[];
  sources: LoadedConfig['sources'];
  display: string;
  grid: boolean;
  maxGridChecks: number;
  base: CheckedConfig;
}

/** A candidate assignment and, per parameter, the spec field its value comes from. */
interface Candidate {
  assignment: Assignment;
  fields: Record<string, (string | number)[]>;
}

function candidates(defs: ParamDef[], grid: boolean, maxGridChecks: number): Candidate[] {
  const out: Candidate[] = [];
  const options = defs.map((d) => extremes(d));
  const size = grid ? gridSize(defs) : Infinity;
  if (grid && size <= maxGridChecks) {
    for (let i = 0; i < size; i++) {
      const assignment = gridPoint(defs, i);
      const fields: Record<string, (string | number)[]> = {};
      let rest = i;
      for (let k = defs.length - 1; k >= 0; k--) {
        const d = defs[k]!;
        if (d.kind === 'categorical') {
          fields[d.path] = ['values', rest % d.values.length];
          rest = Math.floor(rest / d.values.length);
        } else fields[d.path] = ['value'];
      }
      out.push({ assignment, fields });
    }
    return out;
  }
  // one parameter at a time at each of its edges, the others at their first
  const first: Candidate = { assignment: {}, fields: {} };
  defs.forEach((d, k) => {
    first.assignment[d.path] = options[k]![0]!.value;
    first.fields[d.path] = options[k]![0]!.field;
  });
  out.push(first);
  defs.forEach((d, k) => {
    options[k]!.slice(1).forEach((o) => {
      out.push({ assignment: { ...first.assignment, [d.path]: o.value }, fields: { ...first.fields, [d.path]: o.field } });
    });
  });
  return out;
}

const DATA_KEYS = ['data', 'data.path', 'data.format', 'data.limit'];

function validateValues(file: string, o: ValidateOptions): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  const byPath = [...o.defs].sort((a, b) => b.path.length - a.path.length);
  // The semantic checks read the manifest; parsing a large one for every candidate would take seconds. Unless
  // the sweep changes which manifest is read, they run against a one-row copy with the same columns.
  const sameManifest = !o.defs.some((d) => DATA_KEYS.includes(d.path)) && o.base.manifest.rows.length > 0;
  let tmpDir: string | undefined;
  let head: string | undefined;
  if (sameManifest) {
    tmpDir = mkdtempSync(nodePath.join(os.tmpdir(), 'mmx-sweep-check-'));
    head = nodePath.join(tmpDir, 'head.jsonl');
    const row = Object.fromEntries(o.base.manifest.columns.map((c) => [c, o.base.manifest.rows[0]![c] ?? '']));
    writeFileSync(head, JSON.stringify(row) + '\n');
  }
  try {
    for (const c of candidates(o.defs, o.grid, o.maxGridChecks)) checkCandidate(file, o, c, head, byPath, seen, issues);
  } finally {
    if (tmpDir) rmSync(tmpDir, { recursive: true, force: true });
  }
  return issues;
}

function checkCandidate(
  file: string,
  o: ValidateOptions,
  c: Candidate,
  head: string | undefined,
  byPath: ParamDef[],
  seen: Set<string>,
  issues: ConfigIssue[],
): void {
  let found: ConfigIssue[] = [];
  try {
    const loaded = loadConfig(file, { overrides: [...o.overrides, ...toOverrides(c.assignment)], baseDir: o.cwd, env: o.env });
    if (head) {
      const data = loaded.config.data as { path?: string; dataset?: string; format?: string; limit?: number };
      const written = data.path ?? `data set '${data.dataset}'`;
      // the one-row copy stands in for the manifest, whether it was named by path or by data set
      delete data.dataset;
      data.path = head;
      data.format = 'jsonl';
      delete data.limit;
      try {
        checkSemantics(loaded, o.env);
      } catch (err) {
        if (err instanceof ConfigError)
          throw new ConfigError(err.issues.map((i) => ({ ...i, message: i.message.split(head!).join(written) })));
        throw err;
      }
    } else {
      checkSemantics(loaded, o.env);
    }
    // a value that makes the model too large (fusion.hidden: [65536, 65536], ...)
    found = modelSizeIssues(loaded.config, (p) => loaded.sources.locate(p));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    found = err.issues;
  }
  for (const issue of found) {
    let mapped: ConfigIssue = issue;
    const text = issue.file.startsWith('--set ') ? issue.file.slice(6) : undefined;
    const def = text !== undefined ? byPath.find((d) => text.startsWith(`${d.path}=`)) : undefined;
    if (def) {
      const field = c.fields[def.path]!;
      const where = o.sources.locate(['sweep', 'parameters', def.path, ...field]) ?? { file: o.display };
      const fieldText = field.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('');
      const value = c.assignment[def.path];
      const inner = issue.path && issue.path !== def.path ? `${issue.path}: ` : '';
      mapped = {
        ...where,
        path: `sweep.parameters.${def.path}${fieldText}`,
        message: `${inner}${issue.message}${field[0] === 'values' || field[0] === 'value' ? '' : ` (at ${show(value)})`}`,
        ...(issue.hint ? { hint: issue.hint } : {}),
      };
    } else if (!issue.file.startsWith('--set')) {
      const combo = Object.entries(c.assignment)
        .filter(([p]) => o.defs.find((d) => d.path === p)?.kind !== 'constant')
        .map(([p, v]) => `${p}=${show(v)}`)
        .join(', ');
      mapped = { ...issue, hint: [issue.hint, `in the trial with ${combo}`].filter(Boolean).join('; ') };
    }
    // the same problem in several trials (a model size with other figures in each) is reported once
    const key = `${mapped.file}:${mapped.line}:${mapped.column}|${mapped.path}|${mapped.message.replace(/[\d.,]+/g, '#')}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(mapped);
  }
}

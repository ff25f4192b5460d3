/**
 * `training.repeats: N` (`mmx run --repeat N`): the experiment N times with seeds seed, seed+1, ..., seed+N-1 as
 * child runs (`mlflow.parentRunId`) of one parent run. A split by ratios keeps the first seed's split, so the
 * repeats differ in initialisation, shuffling, dropout and augmentation only. The parent echoes the config's
 * params and logs, for every test metric, the mean (under the metric's own name), `_sd` and `_ci95` (half the
 * width of the 95 % interval of the mean), with `repeats.json` (every seed's value) as an artifact.
 */
import path from 'node:path';
import type { CheckedConfig } from '../experiment/semantic.js';
import type { ExperimentConfig } from '../experiment/schema.js';
import { repeatStats, type RepeatStats } from '../evaluate/repeat-stats.js';
import { resolveTracker } from '../tracking/resolve.js';
import { flattenParams, gitCommit, systemTags } from '../tracking/run-context.js';
import type { RunInfo, Tracker } from '../tracking/tracker.js';
import { MMX_VERSION } from '../version.js';
import { startHeartbeat, type Heartbeat } from './heartbeat.js';
import { configHash, type RunResult } from './run-experiment.js';
import { overridesTag, runName as runNameFor } from './run-name.js';

export const REPEATS_TAG = 'mmx.repeats';

/** The config of repeat `i` (0-based): seed + i, the split of the original seed, no repeats of its own. */
export function repeatConfig(config: ExperimentConfig, i: number): ExperimentConfig {
  const { repeats: _repeats, ...training } = config.training;
  const split = config.data.split;
  return {
    ...config,
    seed: config.seed + i,
    training,
    data: { ...config.data, ...(split?.ratios ? { split: { ...split, seed: split.seed ?? config.seed } } : {}) },
  };
}

/** A CheckedConfig for repeat `i` (the original's lazily read manifest kept as it is). */
export function repeatChecked(checked: CheckedConfig, i: number): CheckedConfig {
  return Object.defineProperties(
    {},
    { ...Object.getOwnPropertyDescriptors(checked), config: { value: repeatConfig(checked.config, i), enumerable: true } },
  ) as CheckedConfig;
}

export interface RepeatsSummary {
  parentRunId: string;
  seeds: number[];
  runIds: string[];
  /** per test metric (`test_accuracy`) */
  stats: Record<string, RepeatStats & { values: number[] }>;
}

export class RepeatsParent {
  private heartbeat: Heartbeat | undefined;

  private constructor(
    readonly tracker: Tracker,
    readonly run: RunInfo,
    readonly n: number,
    private readonly config: ExperimentConfig,
  ) {}

  /** Creates the parent run (params echoed, `mmx.repeats`), with a heartbeat. */
  static async open(checked: CheckedConfig, n: number, env: NodeJS.ProcessEnv = process.env): Promise<RepeatsParent> {
    const { config } = checked;
    const tracker = resolveTracker({
      ...(config.tracking.uri !== undefined ? { uri: config.tracking.uri } : {}),
      env,
      cwd: checked.baseDir,
    });
    const experimentId = await tracker.getOrCreateExperiment(config.tracking.experiment);
    const runName = `${runNameFor(config.name, checked.overrides)} ×${n}`;
    const commit = gitCommit(path.dirname(checked.file));
    const run = await tracker.createRun(experimentId, {
      runName,
      tags: {
        ...systemTags({
          runName,
          sourceName: path.relative(checked.baseDir, checked.file) || checked.file,
          ...(commit ? { gitCommit: commit } : {}),
        }),
        'mmx.version': MMX_VERSION,
        'mmx.config_hash': configHash(config),
        [REPEATS_TAG]: String(n),
        'mmx.task': config.target.task,
        ...overridesTag(checked.overrides),
        ...config.tracking.tags,
      },
    });
    const parent = new RepeatsParent(tracker, run, n, config);
    parent.heartbeat = await startHeartbeat(tracker, run.runId, env).catch(() => undefined);
    await tracker.logParams(run.runId, flattenParams(config));
    return parent;
  }

  /** The tags that make repeat `i` a child of this run. */
  childTags(i: number): Record<string, string> {
    return { 'mlflow.parentRunId': this.run.runId, 'mmx.repeat': `${i + 1}/${this.n}`, 'mmx.repeat.seed': String(this.config.seed + i) };
  }

  childName(i: number, checked: CheckedConfig): string {
    return `${runNameFor(this.config.name, checked.overrides)} seed ${this.config.seed + i}`;
  }

  /** Logs the statistics of the repeats' test metrics and ends the parent FINISHED. */
  async finish(results: readonly RunResult[]): Promise<RepeatsSummary> {
    const keys = [...new Set(results.flatMap((r) => Object.keys(r.test.metrics)))];
    const stats: RepeatsSummary['stats'] = {};
    for (const k of keys) {
      const values = results.map((r) => r.test.metrics[k]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
      if (values.length) stats[`test_${k}`] = { ...repeatStats(values), values };
    }
    const timestamp = Date.now();
    const points = Object.entries(stats).flatMap(([key, s]) => [
      { key, value: s.mean, timestamp, step: 0 },
      { key: `${key}_sd`, value: s.sd, timestamp, step: 0 },
      ...(Number.isFinite(s.ci95) ? [{ key: `${key}_ci95`, value: s.ci95, timestamp, step: 0 }] : []),
    ]);
    if (points.length) await this.tracker.logMetrics(this.run.runId, points);
    const summary: RepeatsSummary = {
      parentRunId: this.run.runId,
      seeds: results.map((_, i) => this.config.seed + i),
      runIds: results.map((r) => r.runId),
      stats,
    };
    await this.tracker.logArtifact(this.run.runId, 'repeats.json', JSON.stringify(summary, null, 2));
    await this.end('FINISHED');
    return summary;
  }

  async end(status: 'FINISHED' | 'FAILED' | 'KILLED'): Promise<void> {
    await this.heartbeat?.stop();
    await this.tracker.endRun(this.run.runId, status);
  }

  endSync(status: 'FAILED' | 'KILLED'): void {
    this.tracker.endRunSync?.(this.run.runId, status);
  }
}

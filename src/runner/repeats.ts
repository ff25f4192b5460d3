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
import { flattenParams } from '../tracking/run-context.js';
import type { RunInfo } from '../tracking/tracker.js';
import { RunRecorder } from './recorder/run-recorder.js';
import { startTags } from './recorder/start-tags.js';
import type { RunResult } from './run-result.js';
import { runName as runNameFor } from './run-name.js';

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
  private constructor(
    private readonly recorder: RunRecorder,
    readonly n: number,
    private readonly config: ExperimentConfig,
  ) {}

  get run(): RunInfo {
    return this.recorder.run;
  }

  /** Creates the parent run (params echoed, `mmx.repeats`), with a heartbeat. */
  static async open(checked: CheckedConfig, n: number, env: NodeJS.ProcessEnv = process.env): Promise<RepeatsParent> {
    const { config } = checked;
    const tracker = resolveTracker({
      ...(config.tracking.uri !== undefined ? { uri: config.tracking.uri } : {}),
      env,
      cwd: checked.baseDir,
    });
    const runName = `${runNameFor(config.name, checked.overrides)} ×${n}`;
    const recorder = await RunRecorder.start(tracker, config.tracking.experiment, {
      runName,
      tags: startTags({
        runName,
        commitFrom: path.dirname(checked.file),
        sourceName: path.relative(checked.baseDir, checked.file) || checked.file,
        config,
        kind: { [REPEATS_TAG]: String(n), 'mmx.task': config.target.task },
        overrides: checked.overrides,
        user: config.tracking.tags,
      }),
    });
    const parent = new RepeatsParent(recorder, n, config);
    await recorder.startHeartbeat(env);
    await recorder.logParams(flattenParams(config));
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
    this.recorder.logMetrics(
      Object.entries(stats).flatMap(([key, s]) => [
        { key, value: s.mean, timestamp, step: 0 },
        { key: `${key}_sd`, value: s.sd, timestamp, step: 0 },
        ...(Number.isFinite(s.ci95) ? [{ key: `${key}_ci95`, value: s.ci95, timestamp, step: 0 }] : []),
      ]),
    );
    await this.recorder.flushMetrics();
    const summary: RepeatsSummary = {
      parentRunId: this.run.runId,
      seeds: results.map((_, i) => this.config.seed + i),
      runIds: results.map((r) => r.runId),
      stats,
    };
    await this.recorder.logArtifact('repeats.json', JSON.stringify(summary, null, 2));
    await this.end('FINISHED');
    return summary;
  }

  async end(status: 'FINISHED' | 'FAILED' | 'KILLED'): Promise<void> {
    await this.recorder.stopHeartbeat();
    await this.recorder.end(status);
  }

  endSync(status: 'FAILED' | 'KILLED'): void {
    this.recorder.endNow(status);
  }
}

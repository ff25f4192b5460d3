/**
 * The end of a sweep: the trials table, plots and the best trial's config on the parent run and in the output
 * folder, the sweep's summary tags, and the parent run ended FINISHED (a best trial exists), KILLED (stopped) or
 * FAILED. What cannot be written is a warning; the parent run is ended whatever happens.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { scrubSecrets } from '../config/secrets.js';
import type { RunRecorder } from '../runner/recorder/run-recorder.js';
import { showValue } from '../search/space.js';
import type { SweepResult } from './events.js';
import { sweepOutDir } from './out-dir.js';
import type { SweepPlan } from './plan.js';
import { renderSweepPlots } from './plots.js';
import { bestConfigYaml, bestTrial, trialsCsv, type TrialRecord } from './records.js';
import type { ScheduleEnd } from './scheduler.js';

export interface FinaliseOptions {
  /** folder for best.yaml and trials.csv (default: `.mmx/sweeps/<first 8 of the parent run id>/`) */
  outDir?: string;
  log: (level: 'info' | 'warn', message: string) => void;
}

/** What the sweep produced, without the timing and the store's facts that runSweep adds. */
export type Finalised = Pick<SweepResult, 'status' | 'trials' | 'best' | 'bestYaml' | 'trialsCsv'>;

export async function finaliseSweep(
  plan: SweepPlan,
  parent: RunRecorder,
  records: readonly TrialRecord[],
  end: ScheduleEnd,
  options: FinaliseOptions,
): Promise<Finalised> {
  const interrupted = end.stopping !== undefined && end.failure === undefined;
  const best = bestTrial(records, plan.metric.goal);
  const status: SweepResult['status'] = end.failure !== undefined ? 'FAILED' : interrupted ? 'KILLED' : best ? 'FINISHED' : 'FAILED';
  const sorted = [...records].sort((a, b) => a.number - b.number);
  const swept = plan.defs.filter((d) => d.kind !== 'constant').map((d) => d.path);
  const csv = trialsCsv(sorted, swept, plan.metric.name);
  let bestYaml: string | undefined;
  let csvPath: string | undefined;
  try {
    await parent.logArtifact('sweep/trials.csv', csv);
    await logPlots(plan, parent, sorted, options.log);
    const outDir = options.outDir !== undefined ? path.resolve(plan.cwd, options.outDir) : sweepOutDir(plan.cwd, parent.runId);
    mkdirSync(outDir, { recursive: true });
    csvPath = path.join(outDir, 'trials.csv');
    writeFileSync(csvPath, scrubSecrets(csv));
    if (best) bestYaml = await logBest(plan, parent, best, outDir);
    const counts = (s: string) => sorted.filter((t) => (s === 'pruned' ? t.pruned : t.status === s && !t.pruned)).length;
    await parent.setTags({
      'mmx.sweep.state': interrupted ? 'interrupted' : 'done',
      'mmx.sweep.trials_finished': String(counts('FINISHED')),
      'mmx.sweep.trials_pruned': String(counts('pruned')),
      'mmx.sweep.trials_failed': String(counts('FAILED')),
      ...(interrupted ? { 'mmx.killed_reason': end.stopping! } : {}),
      ...(end.failure !== undefined ? { 'mmx.error': String((end.failure as Error).message ?? end.failure).slice(0, 5000) } : {}),
    });
  } catch (err) {
    options.log('warn', `could not write the sweep's results: ${(err as Error).message}`);
  } finally {
    await parent.end(status);
  }
  return {
    status,
    trials: sorted,
    ...(best ? { best } : {}),
    ...(bestYaml ? { bestYaml } : {}),
    ...(csvPath ? { trialsCsv: csvPath } : {}),
  };
}

async function logPlots(plan: SweepPlan, parent: RunRecorder, sorted: TrialRecord[], log: FinaliseOptions['log']): Promise<void> {
  const plots = await renderSweepPlots(plan, sorted, (m) => log('warn', m));
  if (plots.metricVsTrial) {
    await parent.logArtifact('plots/metric_vs_trial.svg', plots.metricVsTrial.svg);
    await parent.logArtifact('plots/metric_vs_trial.png', plots.metricVsTrial.png);
  }
  if (plots.parameters) {
    await parent.logArtifact('plots/parameters.svg', plots.parameters.svg);
    await parent.logArtifact('plots/parameters.png', plots.parameters.png);
  }
}

/** best.yaml in the output folder and on the run, best.json, and the best trial's tags; returns best.yaml's path. */
async function logBest(plan: SweepPlan, parent: RunRecorder, best: TrialRecord, outDir: string): Promise<string> {
  const yaml = bestConfigYaml(plan, best, parent.runId);
  const file = path.join(outDir, 'best.yaml');
  writeFileSync(file, yaml);
  await parent.logArtifact('sweep/best.yaml', yaml);
  await parent.logArtifact(
    'sweep/best.json',
    JSON.stringify({ trial: best.number, run_id: best.runId, metric: plan.metric.name, value: best.value, params: best.params }, null, 2),
  );
  const tags: Record<string, string> = {
    'mmx.sweep.best_trial': String(best.number),
    'mmx.sweep.best_run_id': best.runId ?? '',
    'mmx.sweep.best_value': String(best.value),
  };
  for (const [p, v] of Object.entries(best.params)) tags[`mmx.sweep.best.${p}`] = showValue(v).slice(0, 5000);
  await parent.setTags(tags);
  return file;
}

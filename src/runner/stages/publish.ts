/**
 * Publish: the test metrics (with the ablation's and the inference speed) as the run's last metric step, every
 * queued write awaited, how training ended as tags, `metrics.json`, the artifacts the run can do without, and the
 * run ended FINISHED.
 */
import type { TrainResult } from '../../train/trainer.js';
import type { MetricPoint } from '../../tracking/tracker.js';
import { metricsJson } from '../artifacts/metrics-json.js';
import { outcomeTags } from '../artifacts/outcome.js';
import { testArtifacts } from '../artifacts/test-artifacts.js';
import type { CheckpointWriter } from '../checkpoints.js';
import { logOptionalArtifacts } from '../optional-artifacts.js';
import type { RunResult } from '../run-result.js';
import type { BuiltRun } from './build.js';
import type { RunContext } from './context.js';
import type { Evaluated } from './evaluate.js';
import type { RunData } from './prepare-data.js';

export async function publishStage(
  ctx: RunContext,
  data: RunData,
  model: BuiltRun,
  trained: TrainResult,
  evaluated: Evaluated,
  checkpoints: CheckpointWriter,
): Promise<RunResult> {
  const { recorder, config } = ctx;
  const { test } = evaluated;
  const outcome = trained.outcome;
  ctx.emit({ type: 'phase', phase: 'logging' });
  recorder.logMetrics(finalMetrics(evaluated, trained, data.test.labels.length));
  await recorder.flushMetrics();
  // the results are in: a checkpoint that could not be written costs nothing any more
  await flushCheckpoints(ctx, checkpoints);
  await recorder.setTags(outcomeTags(outcome));
  const target = data.state.target;
  await recorder.logArtifact('metrics.json', JSON.stringify(metricsJson(target.task, test, outcome, trained.history), null, 2));
  // model and metrics are in: what follows is a warning when it fails, never a lost run
  await logOptionalArtifacts(
    recorder.tracker,
    recorder.runId,
    testArtifacts({
      config,
      runId: recorder.runId,
      test,
      split: data.test,
      preds: evaluated.preds,
      target,
      history: trained.history,
      outcome,
      summary: model.summary,
      seconds: () => (performance.now() - ctx.t0) / 1000,
    }),
    ctx.warn,
  );
  model.built.model.dispose();

  await recorder.end('FINISHED');
  const seconds = (performance.now() - ctx.t0) / 1000;
  const info = await recorder.info();
  ctx.emit({
    type: 'end',
    status: 'FINISHED',
    runId: recorder.runId,
    experimentId: ctx.experimentId,
    artifactDir: info.artifactDir ?? info.artifactUri,
    trackingUri: recorder.tracker.uri,
    seconds,
  });
  return {
    runId: recorder.runId,
    experimentId: ctx.experimentId,
    status: 'FINISHED',
    trackingUri: recorder.tracker.uri,
    artifactDir: info.artifactDir,
    test,
    training: outcome,
    summary: model.summary,
    seconds,
  };
}

/** The test metrics, the ablation's, the best and evaluated epochs and the inference speed, at the step after the last epoch. */
function finalMetrics(evaluated: Evaluated, trained: TrainResult, testRows: number): MetricPoint[] {
  const { test, inferSeconds } = evaluated;
  const { outcome } = trained;
  const timestamp = Date.now();
  const step = trained.history.length;
  return [
    ...Object.entries(test.metrics).map(([k, value]) => ({ key: `test_${k}`, value, timestamp, step })),
    ...(outcome.bestEpoch !== undefined ? [{ key: 'best_epoch', value: outcome.bestEpoch, timestamp, step }] : []),
    { key: 'evaluated_epoch', value: outcome.evaluatedEpoch, timestamp, step },
    ...(test.ablation ?? []).flatMap((a) =>
      Object.entries(a.metrics).flatMap(([k, value]) => [
        { key: `test_${k}_without_${a.modality}`, value, timestamp, step },
        { key: `test_${k}_drop_without_${a.modality}`, value: a.drop[k] ?? NaN, timestamp, step },
      ]),
    ),
    { key: 'test_inference_samples_per_sec', value: testRows / inferSeconds, timestamp, step },
  ];
}

/** Waits for the queued checkpoints; one that could not be written is a warning. */
export async function flushCheckpoints(ctx: RunContext, checkpoints: CheckpointWriter): Promise<void> {
  await checkpoints
    .flush()
    .catch((e: unknown) => ctx.warn(`a checkpoint could not be written: ${e instanceof Error ? e.message : String(e)}`));
}

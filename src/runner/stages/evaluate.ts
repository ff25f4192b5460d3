/**
 * Evaluate: the trained model saved first (whatever fails or stops the run after this, it is kept), then the
 * test split predicted and scored with the config's metrics, and the modality ablation when asked for.
 */
import * as tf from '../../tf.js';
import { rawColumns } from '../../data/raw-columns.js';
import { isStreamed } from '../../data/dataset.js';
import { modalityAblation } from '../../evaluate/ablation.js';
import { predictSplit, type Predictions } from '../../evaluate/predict.js';
import { evaluateTask } from '../../evaluate/task-metrics.js';
import type { EvaluationResult } from '../../core/run-events.js';
import { TrainingAborted } from '../../train/trainer.js';
import { MMX_VERSION } from '../../version.js';
import { inputExample } from '../input-example.js';
import { logModel, probeExamples } from '../log-model.js';
import type { BuiltRun } from './build.js';
import type { RunContext } from './context.js';
import type { RunData } from './prepare-data.js';

export interface Evaluated {
  test: EvaluationResult;
  /** the test split's class probabilities and predicted labels */
  preds: Predictions;
  /** seconds the test split's prediction took */
  inferSeconds: number;
}

export async function evaluateStage(ctx: RunContext, data: RunData, model: BuiltRun): Promise<Evaluated> {
  const { config } = ctx;
  const { built } = model;
  const signal = ctx.options.signal;
  const target = data.state.target;
  ctx.emit({ type: 'phase', phase: 'evaluating' });
  await saveModel(ctx, data, model);
  if (signal?.aborted) throw new TrainingAborted();
  const inferStart = performance.now();
  const preds = await predictSplit(built.predictor, data.test, built.inputs, target);
  const inferSeconds = (performance.now() - inferStart) / 1000;
  const test = evaluateTask('test', target, data.test, preds.probabilities, config.evaluation.metrics).result;
  if (config.evaluation.ablation) {
    if (isStreamed(data.test))
      ctx.warn(
        'evaluation.ablation is skipped: the test split is streamed from the cache (runtime.stream), and the ablation needs it in memory',
      );
    else test.ablation = await modalityAblation(built, data.test, target, config.evaluation.metrics, test);
  }
  ctx.emit({ type: 'evaluation', result: test });
  if (signal?.aborted) throw new TrainingAborted();
  return { test, preds, inferSeconds };
}

/** The model with its preprocessing state, an input example and a probe of test rows (src/runner/log-model.ts). */
async function saveModel(ctx: RunContext, data: RunData, model: BuiltRun): Promise<void> {
  const { built } = model;
  const probe = probeExamples(data.test, built.inputs);
  try {
    const example = await inputExample(ctx.checked.manifest, rawColumns(data.state), data.test.rows);
    await logModel({
      tracker: ctx.recorder.tracker,
      runId: ctx.recorder.runId,
      model: built.model,
      state: data.state,
      ...(probe ? { probe } : {}),
      ...(example ? { example } : {}),
      versions: { mmx: MMX_VERSION, tfjs: tf.version.tfjs, node: process.versions.node },
      warn: ctx.warn,
    });
  } finally {
    tf.dispose(probe ?? []);
  }
}

/**
 * `mmx run` without the CLI: takes a checked config and does the whole run — backend, tracking run,
 * data, model, training, evaluation, artifacts — emitting RunEvents as it goes. The run is always ended
 * in the store: FINISHED, FAILED (error as a tag) or KILLED (aborted through the signal).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import * as tf from '../tf.js';
import { stringify as toYaml } from 'yaml';
import { initBackend } from '../backend/select.js';
import { createTrainStep, startWorkerPool } from '../train/parallel/index.js';
import { checkDataColumns, type CheckedConfig } from '../experiment/semantic.js';
import { datasetTags, ensureDataset } from '../datasets/index.js';
import { isStreamed, modelInputs, prepareTrainingData } from '../data/dataset.js';
import { cacheLogLine, cacheTags, dataOptions } from '../data/cache/run-options.js';
import { evaluateTask } from '../evaluate/task-metrics.js';
import { predictSplit } from '../evaluate/predict.js';
import { predictionsCsv } from '../evaluate/predictions-csv.js';
import { confusionCsv, confusionJson } from '../evaluate/confusion-artifacts.js';
import { ablationCsv, modalityAblation } from '../evaluate/ablation.js';
import { buildModel, compileModel } from '../model/build.js';
import { trainingOptimizer } from '../train/optim/training-optimizer.js';
import { resolveTracker } from '../tracking/resolve.js';
import { flattenParams, gitCommit, systemTags, TRUNCATION_MARKER } from '../tracking/run-context.js';
import { MAX_PARAM_VALUE_LENGTH } from '../tracking/validation.js';
import type { MetricPoint, RunInfo, Tracker } from '../tracking/tracker.js';
import type { EvaluationResult, RunEvent, RunSummary, TrainingOutcome } from '../core/run-events.js';
import { preflightTraining } from '../train/preflight.js';
import { train, TrainingAborted } from '../train/trainer.js';
import { MMX_VERSION } from '../version.js';
import { rawColumns } from '../data/raw-columns.js';
import { inputExample, type InputExample } from './input-example.js';
import { logModel, probeExamples } from './log-model.js';
import type { RunResult } from './run-result.js';

export type { RunResult } from './run-result.js';
import { overridesTag, runName as runNameFor } from './run-name.js';
import { logOptionalArtifacts } from './optional-artifacts.js';
import type { PreprocessingState } from '../data/dataset.js';
import { CheckpointWriter } from './checkpoints.js';
import { startHeartbeat, type Heartbeat } from './heartbeat.js';
import { planResume, reopenForResume, resumedDataCheck, type ResumePlan } from './resume.js';
import { checkpointHook, restoreCheckpoint, unlogged } from './run-checkpoints.js';

export interface RunOptions {
  emit: (e: RunEvent) => void;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** called as soon as the tracking run exists (so a second Ctrl-C can end it synchronously) */
  onRunCreated?: (tracker: Tracker, run: RunInfo) => void;
  /** extra tags on the run, set last (sweep trials: `mlflow.parentRunId`, `sweep.trial`, ...) */
  extraTags?: Record<string, string>;
  /** the run's name instead of the config's `name` (sweep trials) */
  runName?: string;
  /** `mmx run --resume RUN_ID`: continue this run from its last checkpoint (src/runner/resume.ts) */
  resume?: string;
}

/** The run's tags for how training ended: `mmx.best_epoch` (the monitored best), `mmx.evaluated_epoch` (whose weights were evaluated). */
export function outcomeTags(o: TrainingOutcome): Record<string, string> {
  return {
    ...(o.bestEpoch !== undefined ? { 'mmx.best_epoch': String(o.bestEpoch) } : {}),
    'mmx.evaluated_epoch': String(o.evaluatedEpoch),
    'mmx.monitor': o.monitor,
    'mmx.stopped_early': String(o.stoppedEarly),
  };
}

/** The same facts in metrics.json. */
export function outcomeJson(o: TrainingOutcome): Record<string, unknown> {
  return {
    best_epoch: o.bestEpoch ?? null,
    monitor: o.monitor,
    best_value: o.best ?? null,
    evaluated_epoch: o.evaluatedEpoch,
    restored_best: o.restoredBest,
    stopped_early: o.stoppedEarly,
  };
}

const withExample = (example: InputExample | undefined): { example?: InputExample } => (example ? { example } : {});

export const configHash = (config: unknown): string => createHash('sha256').update(JSON.stringify(config)).digest('hex');

export async function runExperiment(checked: CheckedConfig, options: RunOptions): Promise<RunResult> {
  // the tracking store and the names in tags and messages are relative to the config's base directory
  const cwd = checked.baseDir;
  const { config } = checked;
  const emit = options.emit;
  const t0 = performance.now();
  const configDisplay = path.relative(cwd, checked.file) || checked.file;

  const tracker = resolveTracker({
    ...(config.tracking.uri !== undefined ? { uri: config.tracking.uri } : {}),
    env: options.env ?? process.env,
    cwd,
    onWarning: (message) => emit({ type: 'log', level: 'warn', message }),
  });
  const backend = await initBackend(config.runtime.backend, (message) => emit({ type: 'log', level: 'info', message }), {
    threads: config.runtime.threads,
  });
  const experimentId = await tracker.getOrCreateExperiment(config.tracking.experiment);
  const commit = gitCommit(path.dirname(checked.file));
  const runName = options.runName ?? runNameFor(config.name, checked.overrides);
  const hash = configHash(config);
  const restoreBest = config.training.early_stopping?.restore_best ?? false;
  // a resume is checked (status, liveness, config hash, checkpoint) before anything about the run changes
  const plan: ResumePlan | undefined = options.resume
    ? await planResume(tracker, options.resume, config, hash, { restoreBest })
    : undefined;
  const run = plan
    ? await reopenForResume(tracker, plan)
    : await tracker.createRun(experimentId, {
        runName,
        tags: {
          ...systemTags({ runName, sourceName: configDisplay, ...(commit ? { gitCommit: commit } : {}) }),
          'mmx.version': MMX_VERSION,
          'mmx.config_hash': hash,
          'mmx.backend': backend.name,
          'mmx.backend.description': backend.description,
          'mmx.task': config.target.task,
          ...overridesTag(checked.overrides),
          ...config.tracking.tags,
          ...options.extraTags,
        },
      });
  options.onRunCreated?.(tracker, run);
  // `mmx runs` tells a run whose process died from one still working by this (src/tracking/liveness.ts); started
  // once the params are written, so that they are the run's first write
  let heartbeat: Heartbeat | undefined;
  const checkpoints = new CheckpointWriter(tracker, run.runId, {
    ...(plan?.last ? { last: plan.last.pointer.folder } : {}),
    ...(plan?.bestPointer ? { best: plan.bestPointer.folder } : {}),
  });
  // Metric writes go out one after another, never overlapping: epoch 2's lines must not land before epoch 1's.
  // Training does not wait for them; a failed write surfaces when the chain is awaited.
  let metricChain: Promise<void> = Promise.resolve();
  let metricError: unknown;
  // a metric write that fails (a full disk, a store that refuses it) stops training: the run cannot be recorded
  const writeFailed = new AbortController();
  const trainSignal = options.signal ? AbortSignal.any([options.signal, writeFailed.signal]) : writeFailed.signal;
  const logMetrics = (all: MetricPoint[]): void => {
    // a resumed run logs each (metric, step) once: what the first attempt logged stays
    const points = unlogged(all, plan?.logged);
    if (points.length === 0) return;
    metricChain = metricChain
      .then(() => tracker.logMetrics(run.runId, points))
      .catch((err: unknown) => {
        metricError ??= err;
        writeFailed.abort(err);
      });
  };
  const flushMetrics = async (): Promise<void> => {
    await metricChain;
    if (metricError !== undefined) throw metricError;
  };

  // runtime.workers > 1: the worker threads load (a second or more) while the data is prepared
  const pool = startWorkerPool(config.runtime.workers);
  // a streamed data set holds its cache files open until the run ends, however it ends
  let closeData: (() => void) | undefined;
  try {
    const params = flattenParams(config, undefined, (key, length) =>
      emit({
        type: 'log',
        level: 'warn',
        message:
          `param '${key}' is ${length} characters long; MLflow keeps at most ${MAX_PARAM_VALUE_LENGTH}: it is logged cut, ` +
          `ending in '${TRUNCATION_MARKER}' (the artifact config/config.resolved.yaml has the whole value)`,
      }),
    );
    // a resumed run has them already (the same: its config hash is this config's)
    if (!plan) {
      await tracker.logParams(run.runId, params);
      await tracker.logArtifact(run.runId, 'config/config.yaml', checked.written);
      await tracker.logArtifact(run.runId, 'config/config.resolved.yaml', toYaml(config));
    }
    heartbeat = await startHeartbeat(tracker, run.runId, options.env ?? process.env).catch(() => undefined);

    if (checked.dataset) {
      const ds = checked.dataset;
      if (!ds.prepared) {
        emit({ type: 'phase', phase: 'loading', detail: `data set ${ds.name} (first use: downloading into ${ds.dataHome})` });
        await ensureDataset(ds.name, {
          dataHome: ds.dataHome,
          ...(options.signal ? { signal: options.signal } : {}),
          onProgress: (e) => {
            if (e.type === 'download' && e.total)
              emit({ type: 'data_progress', done: e.bytes, total: e.total, detail: `downloading ${e.file ?? ds.name}` });
          },
        });
        checkDataColumns(checked);
      }
      await tracker.setTags(run.runId, datasetTags(ds.name));
    }
    emit({ type: 'phase', phase: 'loading', detail: path.relative(cwd, checked.dataPath) || checked.dataPath });
    const data = await prepareTrainingData(checked, dataOptions(config.runtime, options.env ?? process.env), emit, options.signal);
    if ('streamed' in data) closeData = () => data.close();
    emit({ type: 'log', level: 'info', message: cacheLogLine(data.cache, 'streamed' in data) });
    await tracker.setTags(run.runId, cacheTags(data.cache, 'streamed' in data));
    if (options.signal?.aborted) throw new TrainingAborted();
    if (plan) resumedDataCheck(plan, data.dataHash, data.state);
    await tracker.setTags(run.runId, {
      'mmx.data_hash': data.dataHash,
      'mmx.data.path': checked.dataPath,
      'mmx.data.train': String(data.train.labels.length),
      'mmx.data.validation': String(data.validation.labels.length),
      'mmx.data.test': String(data.test.labels.length),
      ...(data.skipped.length ? { 'mmx.data.skipped_rows': String(new Set(data.skipped.map((s) => s.row)).size) } : {}),
    });
    await tracker.logArtifact(run.runId, 'preprocessing.json', JSON.stringify(data.state, null, 2));
    if (data.skipped.length) await tracker.logArtifact(run.runId, 'skipped_rows.json', JSON.stringify(data.skipped, null, 2));

    emit({ type: 'phase', phase: 'building' });
    const target = data.state.target;
    const classes = target.classes;
    const built = buildModel(config, modelInputs(data), target);
    const optimization = trainingOptimizer(config.training, built.model);
    compileModel(built, optimization.optimizer);
    if (optimization.decaySummary) emit({ type: 'log', level: 'info', message: optimization.decaySummary });
    preflightTraining(built, backend.name);
    const parameters = built.model.countParams();
    if (!plan) await tracker.logParams(run.runId, { 'model.parameters': String(parameters) });
    const restored = plan ? await restoreCheckpoint(plan, built, optimization.optimizer, restoreBest) : {};
    if (restored.warning) emit({ type: 'log', level: 'warn', message: restored.warning });
    if (plan) {
      const from = plan.last?.checkpoint.epoch ?? 0;
      emit({
        type: 'log',
        level: 'info',
        message:
          from > 0
            ? `resuming run ${run.runId} after epoch ${from} (its last checkpoint)`
            : `resuming run ${run.runId} from the start (it has no checkpoint yet)`,
      });
      // the epochs the checkpoint holds whose metrics the first attempt had not written yet
      logMetrics(
        (restored.resume?.state.history ?? []).flatMap((r) => [
          ...Object.entries(r.metrics).map(([key, value]) => ({ key, value, timestamp: Date.now(), step: r.epoch })),
          { key: 'samples_per_sec', value: r.samplesPerSec, timestamp: Date.now(), step: r.epoch },
          { key: 'epoch_seconds', value: r.seconds, timestamp: Date.now(), step: r.epoch },
        ]),
      );
    }

    const summary: RunSummary = {
      name: config.name,
      experiment: config.tracking.experiment,
      configPath: configDisplay,
      task: config.target.task,
      classes,
      modalities: data.state.inputs.map((s) => ({
        name: s.name,
        modality: s.modality,
        encoder: config.inputs[s.name]!.encoder.type,
        featureShape: s.shape,
        embeddingDim: built.embeddingDims[s.name] ?? 0,
        sequenceLength: built.sequenceLengths[s.name] ?? 1,
      })),
      fusion: config.fusion.type,
      backend: backend.description,
      data: { train: data.train.labels.length, validation: data.validation.labels.length, test: data.test.labels.length },
      parameters,
      epochs: config.training.epochs,
      batchSize: config.training.batch_size,
      trackingUri: tracker.uri,
      runId: run.runId,
    };
    emit({ type: 'start', summary });
    emit({ type: 'phase', phase: 'training', detail: `${config.training.epochs} epochs` });

    // runtime.workers > 1: a data-parallel step over worker threads; stopped however training ends
    const stepper = await createTrainStep(built, config.runtime.workers, {
      signal: trainSignal,
      log: (message) => emit({ type: 'log', level: 'info', message }),
      warn: (message) => emit({ type: 'log', level: 'warn', message }),
      ...(pool ? { pool } : {}),
    });
    const trained = await train(
      config,
      data,
      built,
      (e) => {
        emit(e);
        if (e.type === 'epoch_end') {
          const timestamp = Date.now();
          const points: MetricPoint[] = Object.entries(e.metrics).map(([key, value]) => ({ key, value, timestamp, step: e.epoch }));
          points.push({ key: 'samples_per_sec', value: e.samplesPerSec, timestamp, step: e.epoch });
          points.push({ key: 'epoch_seconds', value: e.seconds, timestamp, step: e.epoch });
          logMetrics(points);
        }
      },
      trainSignal,
      stepper,
      undefined,
      {
        ...(restored.resume ? { resume: restored.resume } : {}),
        onEpochEnd: checkpointHook(checkpoints, built, optimization.optimizer, {
          configHash: hash,
          dataHash: data.dataHash,
          preprocessing: JSON.stringify(data.state),
        }),
      },
    ).finally(() => stepper.dispose());

    emit({ type: 'phase', phase: 'evaluating' });
    // the trained model first: whatever fails or stops the run after this, it is saved
    const probe = probeExamples(data.test, built.inputs);
    try {
      await logModel({
        tracker,
        runId: run.runId,
        model: built.model,
        state: data.state,
        ...(probe ? { probe } : {}),
        ...withExample(await inputExample(checked.manifest, rawColumns(data.state), data.test.rows)),
        versions: { mmx: MMX_VERSION, tfjs: tf.version.tfjs, node: process.versions.node },
        warn: (message) => emit({ type: 'log', level: 'warn', message }),
      });
    } finally {
      tf.dispose(probe ?? []);
    }
    if (options.signal?.aborted) throw new TrainingAborted();
    const inferStart = performance.now();
    const preds = await predictSplit(built.predictor, data.test, built.inputs, target);
    const inferSeconds = (performance.now() - inferStart) / 1000;
    const test = evaluateTask('test', target, data.test, preds.probabilities, config.evaluation.metrics).result;
    if (config.evaluation.ablation) {
      if (isStreamed(data.test))
        emit({
          type: 'log',
          level: 'warn',
          message:
            'evaluation.ablation is skipped: the test split is streamed from the cache (runtime.stream), and the ablation needs it in memory',
        });
      else test.ablation = await modalityAblation(built, data.test, target, config.evaluation.metrics, test);
    }
    emit({ type: 'evaluation', result: test });
    if (options.signal?.aborted) throw new TrainingAborted();

    emit({ type: 'phase', phase: 'logging' });
    const timestamp = Date.now();
    const finalStep = trained.history.length;
    const outcome = trained.outcome;
    logMetrics([
      ...Object.entries(test.metrics).map(([k, value]) => ({ key: `test_${k}`, value, timestamp, step: finalStep })),
      ...(outcome.bestEpoch !== undefined ? [{ key: 'best_epoch', value: outcome.bestEpoch, timestamp, step: finalStep }] : []),
      { key: 'evaluated_epoch', value: outcome.evaluatedEpoch, timestamp, step: finalStep },
      ...(test.ablation ?? []).flatMap((a) =>
        Object.entries(a.metrics).flatMap(([k, value]) => [
          { key: `test_${k}_without_${a.modality}`, value, timestamp, step: finalStep },
          { key: `test_${k}_drop_without_${a.modality}`, value: a.drop[k] ?? NaN, timestamp, step: finalStep },
        ]),
      ),
      { key: 'test_inference_samples_per_sec', value: data.test.labels.length / inferSeconds, timestamp, step: finalStep },
    ]);
    await flushMetrics();
    // the results are in: a checkpoint that could not be written costs nothing any more
    await checkpoints
      .flush()
      .catch((e: unknown) =>
        emit({ type: 'log', level: 'warn', message: `a checkpoint could not be written: ${e instanceof Error ? e.message : String(e)}` }),
      );
    await tracker.setTags(run.runId, outcomeTags(outcome));
    const metricsJson = {
      task: target.task,
      test: test.metrics,
      ...(test.perClass.length ? { [target.task === 'multilabel' ? 'per_label' : 'per_class']: test.perClass } : {}),
      ...(test.threshold !== undefined ? { threshold: test.threshold } : {}),
      ...(test.thresholds ? { thresholds: test.thresholds } : {}),
      ...(test.ablation ? { ablation: test.ablation } : {}),
      ...outcomeJson(outcome),
      history: trained.history,
    };
    await tracker.logArtifact(run.runId, 'metrics.json', JSON.stringify(metricsJson, null, 2));
    // model and metrics are in: what follows is a warning when it fails, never a lost run
    const warn = (message: string): void => emit({ type: 'log', level: 'warn', message });
    await logOptionalArtifacts(
      tracker,
      run.runId,
      [
        {
          name: 'the confusion matrix (confusion_matrix.json, .csv)',
          build: () => {
            const json = confusionJson(test);
            const csv = confusionCsv(test);
            return json && csv ? { 'confusion_matrix.json': JSON.stringify(json, null, 2), 'confusion_matrix.csv': csv } : undefined;
          },
        },
        {
          name: 'thresholds.csv',
          build: () =>
            test.thresholds && {
              'thresholds.csv':
                ['threshold,precision,recall,f1', ...test.thresholds.map((r) => [r.threshold, r.precision, r.recall, r.f1].join(','))].join(
                  '\n',
                ) + '\n',
            },
        },
        {
          name: 'the ablation table (ablation.csv, .json)',
          build: () =>
            test.ablation && { 'ablation.csv': ablationCsv(test.ablation), 'ablation.json': JSON.stringify(test.ablation, null, 2) },
        },
        {
          name: 'predictions/test.csv',
          build: () => ({ 'predictions/test.csv': predictionsCsv(data.test, preds.probabilities, preds.predicted, target, true) }),
        },
        {
          name: 'the report (report.html and plots/)',
          build: async () => {
            // the report's renderers (vega, vega-lite, resvg: ~1 s of imports) load when the run reaches them
            const { buildRunReport } = await import('../report/index.js');
            return buildRunReport({
              run: {
                name: config.name,
                id: run.runId,
                experiment: config.tracking.experiment,
                status: 'FINISHED',
                durationSeconds: (performance.now() - t0) / 1000,
              },
              history: trained.history,
              outcome,
              test,
              configYaml: toYaml(config),
              summary,
            });
          },
        },
      ],
      warn,
    );
    built.model.dispose();

    await tracker.endRun(run.runId, 'FINISHED');
    const seconds = (performance.now() - t0) / 1000;
    const info = await tracker.getRun(run.runId);
    emit({
      type: 'end',
      status: 'FINISHED',
      runId: run.runId,
      experimentId,
      artifactDir: info.artifactDir ?? info.artifactUri,
      trackingUri: tracker.uri,
      seconds,
    });
    return {
      runId: run.runId,
      experimentId,
      status: 'FINISHED',
      trackingUri: tracker.uri,
      artifactDir: info.artifactDir,
      test,
      training: outcome,
      summary,
      seconds,
    };
  } catch (thrown) {
    // training stopped because a metric could not be written: that write's error is the run's
    const err = thrown instanceof TrainingAborted && writeFailed.signal.aborted && !options.signal?.aborted ? metricError : thrown;
    const killed = err instanceof TrainingAborted || options.signal?.aborted === true;
    const status = killed ? 'KILLED' : 'FAILED';
    await metricChain;
    // the checkpoints queued so far are what a resume continues from
    await checkpoints
      .flush()
      .catch((e: unknown) =>
        emit({ type: 'log', level: 'warn', message: `a checkpoint could not be written: ${e instanceof Error ? e.message : String(e)}` }),
      );
    const message = err instanceof Error ? err.message : String(err);
    const warn = (m: string): void => emit({ type: 'log', level: 'warn', message: m });
    // each step on its own: a tag that cannot be written (a full disk) must not keep the status from being
    await tracker
      .setTags(
        run.runId,
        killed
          ? { 'mmx.killed_reason': typeof options.signal?.reason === 'string' ? options.signal.reason : 'interrupted (SIGINT)' }
          : { 'mmx.error': message.slice(0, 5000), 'mmx.error_type': err instanceof Error ? err.name : typeof err },
      )
      .catch((e: unknown) => warn(`could not record why the run ended: ${e instanceof Error ? e.message : String(e)}`));
    await tracker
      .endRun(run.runId, status)
      .catch((e: unknown) => warn(`could not record the run as ${status}: ${e instanceof Error ? e.message : String(e)}`));
    const info = await tracker.getRun(run.runId).catch(() => run);
    emit({
      type: 'end',
      status,
      runId: run.runId,
      experimentId,
      artifactDir: info.artifactDir ?? info.artifactUri,
      trackingUri: tracker.uri,
      seconds: (performance.now() - t0) / 1000,
      error: message,
    });
    throw err;
  } finally {
    await heartbeat?.stop();
    closeData?.();
    await pool?.dispose();
    tf.disposeVariables();
  }
}

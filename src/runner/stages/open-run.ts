/**
 * The run's first stage: the tracking store and the backend, then the run — created with its start tags, or, for
 * `mmx run --resume`, the earlier run reopened once the resume was checked (status, liveness, config hash,
 * checkpoint) — and, inside the run's lifecycle, its params, config artifacts and heartbeat.
 */
import path from 'node:path';
import { stringify as toYaml } from 'yaml';
import { initBackend } from '../../backend/select.js';
import type { CheckedConfig } from '../../experiment/semantic.js';
import { resolveTracker } from '../../tracking/resolve.js';
import { flattenParams, TRUNCATION_MARKER } from '../../tracking/run-context.js';
import { MAX_PARAM_VALUE_LENGTH } from '../../tracking/validation.js';
import { RunRecorder } from '../recorder/run-recorder.js';
import { configHash, startTags } from '../recorder/start-tags.js';
import { planResume, reopenForResume } from '../resume.js';
import { runName as runNameFor } from '../run-name.js';
import type { RunContext, RunOptions } from './context.js';

export async function openRun(checked: CheckedConfig, options: RunOptions): Promise<RunContext> {
  const t0 = performance.now();
  // the tracking store and the names in tags and messages are relative to the config's base directory
  const cwd = checked.baseDir;
  const { config } = checked;
  const emit = options.emit;
  const env = options.env ?? process.env;
  const warn = (message: string): void => emit({ type: 'log', level: 'warn', message });
  const info = (message: string): void => emit({ type: 'log', level: 'info', message });
  const configDisplay = path.relative(cwd, checked.file) || checked.file;

  const tracker = resolveTracker({ ...(config.tracking.uri !== undefined ? { uri: config.tracking.uri } : {}), env, cwd, onWarning: warn });
  const backend = await initBackend(config.runtime.backend, info, { threads: config.runtime.threads });
  const experimentId = await tracker.getOrCreateExperiment(config.tracking.experiment);
  const runName = options.runName ?? runNameFor(config.name, checked.overrides);
  const hash = configHash(config);
  const restoreBest = config.training.early_stopping?.restore_best ?? false;
  // a resume is checked (status, liveness, config hash, checkpoint) before anything about the run changes
  const plan = options.resume ? await planResume(tracker, options.resume, config, hash, { restoreBest }) : undefined;
  const recorder = plan
    ? await RunRecorder.attach(tracker, await reopenForResume(tracker, plan), { logged: plan.logged })
    : await RunRecorder.create(tracker, experimentId, {
        runName,
        tags: startTags({
          runName,
          commitFrom: path.dirname(checked.file),
          sourceName: configDisplay,
          config,
          kind: { 'mmx.backend': backend.name, 'mmx.backend.description': backend.description, 'mmx.task': config.target.task },
          overrides: checked.overrides,
          user: config.tracking.tags,
          ...(options.extraTags ? { extra: options.extraTags } : {}),
        }),
      });
  options.onRunCreated?.(tracker, recorder.run);
  return { checked, config, options, emit, warn, info, env, recorder, experimentId, backend, plan, hash, configDisplay, t0 };
}

/**
 * The config as params and artifacts (a resumed run has them already: the same, its config hash is this
 * config's), then the heartbeat that `mmx runs` tells a live run by — started once the params are written, so
 * that they are the run's first write.
 */
export async function recordConfig(ctx: RunContext): Promise<void> {
  const { recorder, config, checked } = ctx;
  const params = flattenParams(config, undefined, (key, length) =>
    ctx.warn(
      `param '${key}' is ${length} characters long; MLflow keeps at most ${MAX_PARAM_VALUE_LENGTH}: it is logged cut, ` +
        `ending in '${TRUNCATION_MARKER}' (the artifact config/config.resolved.yaml has the whole value)`,
    ),
  );
  if (!ctx.plan) {
    await recorder.logParams(params);
    await recorder.logArtifact('config/config.yaml', checked.written);
    await recorder.logArtifact('config/config.resolved.yaml', toYaml(config));
  }
  await recorder.startHeartbeat(ctx.env);
}

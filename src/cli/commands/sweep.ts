/**
 * `mmx sweep CONFIG [--resume RUN_ID]`: check the whole search space, then run the trials (each in its own
 * process), live table on a terminal, plain lines otherwise, one JSON summary with --json. Ctrl-C (or SIGTERM,
 * SIGHUP) stops every running trial after its current batch (KILLED) and ends the sweep KILLED; a second signal,
 * or the shutdown deadline (../shutdown.ts), stops at once.
 */
import { runSweep, type SweepHandle } from '../../sweep/coordinator.js';
import { planSweep } from '../../sweep/plan.js';
import { ConfigError } from '../../config/issues.js';
import { trackingIssues } from '../../runner/check-tracking.js';
import { redact } from '../../sweep/queue/connection.js';
import { isLocalStore } from '../../sweep/queue/jobs.js';
import { openQueueLauncher, type QueueLauncher } from '../../sweep/queue/remote.js';
import { resolveTracker } from '../../tracking/resolve.js';
import { reporterModeFor } from '../../ui/reporter.js';
import { createSweepReporter } from '../../ui/sweep/reporter.js';
import { onStopSignals } from '../shutdown.js';
import { EXIT_INTERRUPTED, EXIT_OK, EXIT_RUN_FAILED, reportError } from '../user-errors.js';

export interface SweepCommandOptions {
  set: string[];
  resume?: string;
  out?: string;
  json?: boolean;
  plain?: boolean;
  /** run the trials on `mmx worker`s through this Redis */
  queue?: string;
}

export async function sweepCommand(
  file: string,
  opts: SweepCommandOptions,
  io: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream },
): Promise<number> {
  // the CLI edge: the config path, `--set` paths and ./runs are relative to the folder the command was typed in
  const plan = planSweep(file, { overrides: opts.set, baseDir: process.cwd() });
  const storeIssues = trackingIssues(plan.base, plan.cwd, plan.env);
  if (storeIssues.length) throw new ConfigError(storeIssues);
  const mode = opts.plain ? 'plain' : reporterModeFor({ json: opts.json ?? false, stdout: io.stdout });
  const reporter = createSweepReporter({ mode, stdout: io.stdout, stderr: io.stderr });
  const controller = new AbortController();
  let handle: SweepHandle | undefined;
  const stop = onStopSignals({
    onStop: (signal) => {
      io.stderr.write(
        `\n${signal === 'SIGINT' ? 'Ctrl-C' : signal}: running trials stop after their current batch and are recorded as KILLED ` +
          `(${signal === 'SIGINT' ? 'Ctrl-C again' : 'a second signal'} to stop now)\n`,
      );
      controller.abort(`interrupted (${signal})`);
    },
    onForce: (_signal, why) => {
      handle?.killNow();
      io.stderr.write(`stopped${why === 'deadline' ? ' at the deadline' : ''}; sweep and running trials recorded as KILLED\n`);
    },
  });
  let launcher: QueueLauncher | undefined;
  try {
    let queued = {};
    if (opts.queue) {
      const config = plan.base.config;
      const tracker = resolveTracker({
        ...(config.tracking.uri !== undefined ? { uri: config.tracking.uri } : {}),
        env: plan.env,
        cwd: plan.cwd,
      });
      launcher = await openQueueLauncher({
        url: opts.queue,
        plan,
        tracker,
        log: (level, message) => reporter.emit({ type: 'log', level, message }),
      });
      reporter.emit({
        type: 'log',
        level: 'info',
        message: `trials go to the queue ${launcher.display}, ${plan.parallel} at a time (sweep.parallel); start workers with: mmx worker --queue URL`,
      });
      if (isLocalStore(tracker.uri)) {
        reporter.emit({
          type: 'log',
          level: 'warn',
          message: `tracking store ${tracker.uri} is local: workers on other hosts refuse it unless started with --shared-store (use an MLflow server for a cluster)`,
        });
      }
      queued = { tracker, launch: launcher.launch, ...(opts.resume ? { isLive: launcher.isLive(opts.resume) } : {}) };
    }
    const result = await runSweep(plan, {
      ...queued,
      emit: (e) => reporter.emit(e),
      signal: controller.signal,
      ...(opts.resume ? { resume: opts.resume } : {}),
      ...(opts.out ? { outDir: opts.out } : {}),
      onHandle: (h) => (handle = h),
    });
    const retriesSeen = launcher?.retries ?? 0;
    if (launcher?.retries) reporter.emit({ type: 'log', level: 'info', message: `queue: ${launcher.retries} retried attempt(s)` });
    await launcher?.close();
    launcher = undefined;
    await reporter.close();
    if (opts.json) {
      io.stdout.write(
        JSON.stringify({
          sweep_run_id: result.parentRunId,
          experiment_id: result.experimentId,
          status: result.status,
          tracking_uri: result.trackingUri,
          artifact_dir: result.artifactDir,
          metric: { name: plan.metric.name, goal: plan.metric.goal },
          best: result.best
            ? { trial: result.best.number, run_id: result.best.runId, value: result.best.value, params: result.best.params }
            : null,
          best_yaml: result.bestYaml ?? null,
          trials_csv: result.trialsCsv ?? null,
          trials: result.trials.map((t) => ({
            trial: t.number,
            status: t.status,
            pruned: t.pruned === true,
            value: t.value ?? null,
            epochs: t.epochs,
            run_id: t.runId ?? null,
            params: t.params,
            seconds: t.seconds ?? null,
            error: t.error ?? null,
          })),
          seconds: result.seconds,
          ...(opts.queue ? { queue: { url: redact(opts.queue), retries: retriesSeen } } : {}),
        }) + '\n',
      );
    }
    if (result.status === 'KILLED') return EXIT_INTERRUPTED;
    return result.status === 'FINISHED' ? EXIT_OK : EXIT_RUN_FAILED;
  } catch (err) {
    await launcher?.close();
    await reporter.close();
    if (controller.signal.aborted) return EXIT_INTERRUPTED;
    if (err instanceof Error) err.message = redact(err.message);
    return reportError(err, io.stderr);
  } finally {
    stop.dispose();
  }
}

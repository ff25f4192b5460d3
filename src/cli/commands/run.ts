/**
 * `mmx run CONFIG`: validate, then run the experiment with a live UI (Ink on a TTY, plain lines otherwise,
 * or one JSON summary on stdout with --json). Ctrl-C, SIGTERM or SIGHUP stops at the next batch and ends the run
 * KILLED (once training and evaluation are over, the results are saved and the run ends FINISHED); a second
 * signal, or the shutdown deadline, ends it KILLED at once (see ../shutdown.ts).
 */
import { checkExperiment } from '../../runner/check-experiment.js';
import { UsageError } from '../../errors.js';
import type { RunInfo, Tracker } from '../../tracking/tracker.js';
import { createReporter, reporterModeFor } from '../../ui/reporter.js';
import { runExperiment } from '../../runner/run-experiment.js';
import { confusionJson } from '../../evaluate/confusion-artifacts.js';
import { formatDuration } from '../../format/duration.js';
import { onStopSignals, shutdownDeadlineMs } from '../shutdown.js';
import { EXIT_INTERRUPTED, EXIT_OK, reportError } from '../user-errors.js';

export interface RunCommandOptions {
  set: string[];
  json?: boolean;
  plain?: boolean;
  /** `--resume RUN_ID` */
  resume?: string;
}

export async function runCommand(
  file: string,
  opts: RunCommandOptions,
  io: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream },
): Promise<number> {
  // everything a run would stop on that can be known now (config, rows, model size): before a run exists
  // the CLI edge: the config path, `--set` paths and ./runs are relative to the folder the command was typed in
  const { checked } = checkExperiment(file, { overrides: opts.set, baseDir: process.cwd() });
  const repeats = checked.config.training.repeats ?? 1;
  if (repeats > 1) {
    if (opts.resume !== undefined)
      throw new UsageError(
        '--resume continues one run; with training.repeats (--repeat), resume the repeat that stopped by its run id with --set training.repeats=1 and --set seed=ITS_SEED',
      );
    return (await import('./run-repeats.js')).runRepeatsCommand(checked, repeats, opts, io);
  }
  const mode = opts.plain ? 'plain' : reporterModeFor({ json: opts.json ?? false, stdout: io.stdout });
  const reporter = createReporter({ mode, stdout: io.stdout, stderr: io.stderr });
  const controller = new AbortController();
  let active: { tracker: Tracker; run: RunInfo } | undefined;
  let phase: string | undefined;
  let ended: 'FINISHED' | 'FAILED' | 'KILLED' | undefined;
  const stop = onStopSignals({
    onStop: (signal) => {
      const key = signal === 'SIGINT' ? 'Ctrl-C' : signal;
      const deadline = formatDuration(shutdownDeadlineMs() / 1000);
      if (phase === 'logging') {
        // training and evaluation are over: saving the results is the quickest way to a truthful end
        io.stderr.write(
          `\n${key}: training and evaluation are done and the results are being saved; the run ends FINISHED when they are, ` +
            `or KILLED if that takes more than ${deadline} (${key === 'Ctrl-C' ? 'Ctrl-C again' : 'a second signal'}: KILLED now)\n`,
        );
      } else {
        io.stderr.write(
          `\n${key}: the run stops after this batch and is recorded as KILLED (within ${deadline}; ` +
            `${key === 'Ctrl-C' ? 'Ctrl-C again' : 'a second signal'} to stop now)\n`,
        );
      }
      controller.abort(`interrupted (${signal})`);
    },
    onForce: (_signal, why) => {
      if (ended) return ended === 'FINISHED' ? EXIT_OK : EXIT_INTERRUPTED;
      if (active) {
        try {
          active.tracker.endRunSync?.(active.run.runId, 'KILLED');
          io.stderr.write(`stopped${why === 'deadline' ? ' at the deadline' : ''}; run ${active.run.runId} recorded as KILLED\n`);
        } catch (err) {
          io.stderr.write(`stopped; run ${active.run.runId} could not be recorded as KILLED: ${(err as Error).message}\n`);
        }
      } else io.stderr.write('stopped before a run was created\n');
      return EXIT_INTERRUPTED;
    },
  });
  try {
    const result = await runExperiment(checked, {
      emit: (e) => {
        if (e.type === 'phase') phase = e.phase;
        if (e.type === 'end') ended = e.status;
        reporter.emit(e);
      },
      signal: controller.signal,
      ...(opts.resume !== undefined ? { resume: opts.resume } : {}),
      onRunCreated: (tracker, run) => (active = { tracker, run }),
    });
    await reporter.close();
    if (opts.json) {
      io.stdout.write(
        JSON.stringify({
          run_id: result.runId,
          experiment_id: result.experimentId,
          status: result.status,
          tracking_uri: result.trackingUri,
          artifact_dir: result.artifactDir,
          metrics: Object.fromEntries(Object.entries(result.test.metrics).map(([k, v]) => [`test_${k}`, v])),
          per_class: result.test.perClass,
          confusion_matrix: confusionJson(result.test) ?? null,
          best_epoch: result.training.bestEpoch ?? null,
          evaluated_epoch: result.training.evaluatedEpoch,
          backend: result.summary.backend,
          parameters: result.summary.parameters,
          seconds: result.seconds,
        }) + '\n',
      );
    }
    return EXIT_OK;
  } catch (err) {
    await reporter.close();
    if (controller.signal.aborted) return EXIT_INTERRUPTED;
    return reportError(err, io.stderr);
  } finally {
    stop.dispose();
  }
}

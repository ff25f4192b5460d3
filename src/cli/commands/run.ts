/**
 * `mmx run CONFIG`: validate, then run the experiment with a live UI (Ink on a TTY, plain lines otherwise,
 * or one JSON summary on stdout with --json). Ctrl-C stops at the next batch and ends the run KILLED; a
 * second Ctrl-C ends it KILLED at once.
 */
import { checkExperiment } from '../../runner/check-experiment.js';
import type { RunInfo, Tracker } from '../../tracking/tracker.js';
import { createReporter, reporterModeFor } from '../../ui/reporter.js';
import { runExperiment } from '../../runner/run-experiment.js';
import { EXIT_INTERRUPTED, EXIT_OK, reportError } from '../user-errors.js';

export interface RunCommandOptions {
  set: string[];
  json?: boolean;
  plain?: boolean;
}

export async function runCommand(
  file: string,
  opts: RunCommandOptions,
  io: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream },
): Promise<number> {
  // everything a run would stop on that can be known now (config, rows, model size): before a run exists
  // the CLI edge: the config path, `--set` paths and ./runs are relative to the folder the command was typed in
  const { checked } = checkExperiment(file, { overrides: opts.set, baseDir: process.cwd() });
  const mode = opts.plain ? 'plain' : reporterModeFor({ json: opts.json ?? false, stdout: io.stdout });
  const reporter = createReporter({ mode, stdout: io.stdout, stderr: io.stderr });
  const controller = new AbortController();
  let active: { tracker: Tracker; run: RunInfo } | undefined;
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts += 1;
    if (interrupts === 1) {
      io.stderr.write('\ninterrupting: the run stops after this batch and is recorded as KILLED (Ctrl-C again to stop now)\n');
      controller.abort();
      return;
    }
    if (active) active.tracker.endRunSync?.(active.run.runId, 'KILLED');
    io.stderr.write('stopped; run recorded as KILLED\n');
    process.exit(EXIT_INTERRUPTED);
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    const result = await runExperiment(checked, {
      emit: (e) => reporter.emit(e),
      signal: controller.signal,
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
          confusion_matrix: { labels: result.test.labels, matrix: result.test.confusion },
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
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}

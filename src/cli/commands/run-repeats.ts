/**
 * `mmx run CONFIG` with `training.repeats: N` (or `--repeat N`): the experiment N times, seeds seed..seed+N-1, as
 * child runs of one parent run (src/runner/repeats.ts), each with the usual live UI; then the table of every test
 * metric's mean ± sd and 95 % CI. A signal stops the current repeat (KILLED) and the parent ends KILLED; a failed
 * repeat ends the parent FAILED.
 */
import type { CheckedConfig } from '../../experiment/semantic.js';
import { formatMeanSd } from '../../evaluate/repeat-stats.js';
import { RepeatsParent, repeatChecked, type RepeatsSummary } from '../../runner/repeats.js';
import { runExperiment, type RunResult } from '../../runner/run-experiment.js';
import type { RunInfo, Tracker } from '../../tracking/tracker.js';
import { createReporter, reporterModeFor } from '../../ui/reporter.js';
import { onStopSignals } from '../shutdown.js';
import { EXIT_INTERRUPTED, EXIT_OK, reportError } from '../user-errors.js';
import type { RunCommandOptions } from './run.js';

type IO = { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream };

/** The summary lines: `test_accuracy  0.991 ± 0.003  (95% CI 0.984 – 0.998)`. */
export function repeatsTable(summary: RepeatsSummary): string[] {
  const width = Math.max(0, ...Object.keys(summary.stats).map((k) => k.length));
  return Object.entries(summary.stats).map(([k, s]) => {
    const ci = Number.isFinite(s.ci95) ? `  (95% CI ${(s.mean - s.ci95).toFixed(4)} – ${(s.mean + s.ci95).toFixed(4)})` : '';
    return `  ${k.padEnd(width)}  ${formatMeanSd(s.mean, s.sd)}${ci}`;
  });
}

export async function runRepeatsCommand(checked: CheckedConfig, n: number, opts: RunCommandOptions, io: IO): Promise<number> {
  const controller = new AbortController();
  const parent = await RepeatsParent.open(checked, n);
  let active: { tracker: Tracker; run: RunInfo } | undefined;
  const stop = onStopSignals({
    onStop: (signal) => {
      io.stderr.write(`\n${signal}: the current repeat stops after this batch; it and the parent run are recorded as KILLED\n`);
      controller.abort(`interrupted (${signal})`);
    },
    onForce: () => {
      try {
        if (active) active.tracker.endRunSync?.(active.run.runId, 'KILLED');
        parent.endSync('KILLED');
      } catch {
        // stopping anyway
      }
      return EXIT_INTERRUPTED;
    },
  });
  const results: RunResult[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const child = repeatChecked(checked, i);
      io.stderr.write(`repeat ${i + 1}/${n}: seed ${child.config.seed} (parent run ${parent.run.runId})\n`);
      const mode = opts.plain ? 'plain' : reporterModeFor({ json: opts.json ?? false, stdout: io.stdout });
      const reporter = createReporter({ mode, stdout: io.stdout, stderr: io.stderr });
      try {
        results.push(
          await runExperiment(child, {
            emit: (e) => reporter.emit(e),
            signal: controller.signal,
            extraTags: parent.childTags(i),
            runName: parent.childName(i, checked),
            onRunCreated: (tracker, run) => (active = { tracker, run }),
          }),
        );
      } finally {
        await reporter.close();
      }
    }
    const summary = await parent.finish(results);
    if (opts.json) {
      io.stdout.write(
        JSON.stringify({
          parent_run_id: summary.parentRunId,
          status: 'FINISHED',
          runs: summary.runIds.map((id, i) => ({ run_id: id, seed: summary.seeds[i] })),
          metrics: summary.stats,
        }) + '\n',
      );
    } else {
      io.stdout.write(`${n} repeats (seeds ${summary.seeds.join(', ')}), parent run ${summary.parentRunId}: mean ± sd\n`);
      io.stdout.write(repeatsTable(summary).join('\n') + '\n');
    }
    return EXIT_OK;
  } catch (err) {
    await parent.end(controller.signal.aborted ? 'KILLED' : 'FAILED').catch(() => undefined);
    if (controller.signal.aborted) return EXIT_INTERRUPTED;
    return reportError(err, io.stderr);
  } finally {
    stop.dispose();
  }
}

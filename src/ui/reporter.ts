/**
 * How a run shows itself: a live Ink UI on a terminal, plain lines in pipes and CI, or (for
 * `--json`, where stdout carries only the CLI's JSON summary) warnings and progress on stderr.
 */
import type { RunEvent } from '../core/run-events.js';
import { createInkReporter } from './ink/ink-reporter.js';
import { createPlainReporter } from './plain-reporter.js';

export interface Reporter {
  /** Take one event; never blocks (the TTY UI renders later, at most ~10 frames a second). */
  emit(e: RunEvent): void;
  /** Write the final state, wait until it is out, and stop. Idempotent; later events are ignored. */
  close(): Promise<void>;
}

export type ReporterMode = 'tty' | 'plain' | 'quiet';

type Stream = NodeJS.WriteStream | NodeJS.WritableStream;

export interface ReporterOptions {
  mode: ReporterMode;
  stdout: Stream;
  stderr: Stream;
  /** TTY mode: minimum ms between frames (default 100) */
  intervalMs?: number;
  /** TTY mode: clock for ETAs (default Date.now) */
  now?: () => number;
}

export function createReporter(opts: ReporterOptions): Reporter {
  switch (opts.mode) {
    case 'tty':
      return createInkReporter({
        // Ink needs a tty-like stream (columns, rows, 'resize'); the CLI only picks 'tty' for one.
        stdout: opts.stdout as NodeJS.WriteStream,
        stderr: opts.stderr as NodeJS.WriteStream,
        ...(opts.intervalMs !== undefined ? { intervalMs: opts.intervalMs } : {}),
        ...(opts.now !== undefined ? { now: opts.now } : {}),
      });
    case 'plain':
      return createPlainReporter({ stdout: opts.stdout, stderr: opts.stderr });
    case 'quiet':
      return createPlainReporter({ stdout: opts.stdout, stderr: opts.stderr, quiet: true });
  }
}

/**
 * The mode for this process: `quiet` with `--json`; `tty` when stdout is a terminal that can
 * redraw (not CI, not TERM=dumb); `plain` otherwise.
 */
export function reporterModeFor(opts: { json?: boolean; stdout: Stream; env?: NodeJS.ProcessEnv }): ReporterMode {
  if (opts.json) return 'quiet';
  const env = opts.env ?? process.env;
  const isTTY = (opts.stdout as Partial<NodeJS.WriteStream>).isTTY === true;
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
  if (!isTTY || ci || env.TERM === 'dumb') return 'plain';
  return 'tty';
}

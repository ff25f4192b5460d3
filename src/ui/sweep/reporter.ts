/**
 * How a sweep shows itself: a live Ink table on a terminal, plain lines otherwise (one per trial start,
 * epoch and end), nothing but warnings on stderr with --json.
 */
import type { SweepEvent } from '../../sweep/events.js';
import type { ReporterMode } from '../reporter.js';
import { plainLine } from './lines.js';
import { initialSweepState, reduceSweep, type SweepViewState } from './state.js';

export interface SweepReporter {
  emit(e: SweepEvent): void;
  close(): Promise<void>;
}

export interface SweepReporterOptions {
  mode: ReporterMode;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  now?: () => number;
  /** TTY: ms between frames (default 200) */
  intervalMs?: number;
}

export function createSweepReporter(o: SweepReporterOptions): SweepReporter {
  const now = o.now ?? Date.now;
  if (o.mode === 'tty') {
    return createInkSweepReporter(o, now);
  }
  let state: SweepViewState = initialSweepState(now());
  const quiet = o.mode === 'quiet';
  return {
    emit(e) {
      state = reduceSweep(state, e, now());
      const lines = plainLine(e, state, now());
      if (!lines) return;
      if (quiet) {
        if (e.type === 'log' && e.level === 'warn') o.stderr.write(lines.join('\n') + '\n');
        return;
      }
      o.stdout.write(lines.join('\n') + '\n');
    },
    async close() {
      await new Promise<void>((resolve) => o.stdout.write('', () => resolve()));
    },
  };
}

function createInkSweepReporter(o: SweepReporterOptions, now: () => number): SweepReporter {
  let state: SweepViewState = initialSweepState(now());
  const mounted = import('./mount.js').then(({ mountSweepApp }) =>
    mountSweepApp(() => state, {
      stdout: o.stdout as NodeJS.WriteStream,
      stderr: o.stderr as NodeJS.WriteStream,
      intervalMs: o.intervalMs ?? 200,
      now,
    }),
  );
  mounted.catch(() => undefined);
  let closing: Promise<void> | undefined;
  return {
    emit(e) {
      if (closing) return;
      state = reduceSweep(state, e, now());
    },
    close() {
      closing ??= mounted.then((app) => app.unmount());
      return closing;
    },
  };
}

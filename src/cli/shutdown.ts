/**
 * How a command stops on a signal. SIGINT (Ctrl-C), SIGTERM (a scheduler, `kill`) and SIGHUP (the terminal
 * closed) are one and the same request to stop:
 * - the first one starts a graceful stop (`onStop`): the command finishes its current step and ends its runs
 *   KILLED, or whatever else it can still do properly;
 * - a second one, or the deadline passing after the first (`MMX_SHUTDOWN_DEADLINE_S`, default 5 s), forces the
 *   stop (`onForce`): the command ends its runs synchronously (spooling what it cannot send) and the process
 *   exits, so a scheduler's TERM → grace period → KILL never leaves a run RUNNING.
 * After SIGHUP the terminal is gone: writes to it fail (EIO, EPIPE), and those errors are ignored rather than
 * crashing the process before its runs are ended.
 */
import { EXIT_INTERRUPTED } from './exit-codes.js';

export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

export const DEFAULT_SHUTDOWN_DEADLINE_MS = 5_000;

/** The deadline after the first signal: `MMX_SHUTDOWN_DEADLINE_S` seconds when set to a number ≥ 0, else 5 s. */
export function shutdownDeadlineMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.MMX_SHUTDOWN_DEADLINE_S;
  if (raw === undefined || raw.trim() === '') return DEFAULT_SHUTDOWN_DEADLINE_MS;
  const s = Number(raw);
  return Number.isFinite(s) && s >= 0 ? s * 1000 : DEFAULT_SHUTDOWN_DEADLINE_MS;
}

export interface StopHandlers {
  /** the first signal: begin a graceful stop */
  onStop: (signal: StopSignal) => void;
  /**
   * a second signal, or the deadline after the first: stop now. Runs synchronously; the process then exits
   * with the code it returns (default EXIT_INTERRUPTED). `why` says which it was.
   */
  onForce: (signal: StopSignal, why: 'second signal' | 'deadline') => number | void;
  /** default: shutdownDeadlineMs(); Infinity: no deadline (only a second signal forces the stop) */
  deadlineMs?: number;
  /** for tests: what exiting means */
  exit?: (code: number) => void;
  /** for tests: where signal listeners go */
  target?: Pick<NodeJS.Process, 'on' | 'off'>;
}

export interface StopListener {
  /** the first signal received, if any */
  readonly signal: StopSignal | undefined;
  /** stop listening (the command is done); cancels the deadline */
  dispose(): void;
}

const quiet = (): void => undefined;

/** Ignore write errors on stdout and stderr from now on (their terminal is gone). */
export function ignoreOutputErrors(streams: NodeJS.WritableStream[] = [process.stdout, process.stderr]): void {
  for (const s of streams) s.on('error', quiet);
}

/** Listens for SIGINT, SIGTERM and SIGHUP until disposed. */
export function onStopSignals(handlers: StopHandlers): StopListener {
  const target = handlers.target ?? process;
  const exit = handlers.exit ?? ((code: number) => process.exit(code));
  const deadlineMs = handlers.deadlineMs ?? shutdownDeadlineMs();
  let first: StopSignal | undefined;
  let timer: NodeJS.Timeout | undefined;
  let forced = false;

  const force = (signal: StopSignal, why: 'second signal' | 'deadline'): void => {
    if (forced) return;
    forced = true;
    clearTimeout(timer);
    let code: number = EXIT_INTERRUPTED;
    try {
      code = handlers.onForce(signal, why) ?? EXIT_INTERRUPTED;
    } finally {
      exit(code);
    }
  };

  const listeners = STOP_SIGNALS.map((signal) => {
    const listener = (): void => {
      if (signal === 'SIGHUP') ignoreOutputErrors();
      if (first === undefined) {
        first = signal;
        if (Number.isFinite(deadlineMs)) {
          timer = setTimeout(() => force(signal, 'deadline'), deadlineMs);
          timer.unref();
        }
        handlers.onStop(signal);
        return;
      }
      force(signal, 'second signal');
    };
    target.on(signal, listener);
    return [signal, listener] as const;
  });

  return {
    get signal() {
      return first;
    },
    dispose() {
      clearTimeout(timer);
      for (const [signal, listener] of listeners) target.off(signal, listener);
    },
  };
}

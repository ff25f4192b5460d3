/**
 * The TTY reporter: one Ink app fed by a throttled store. Events go into the store at once;
 * Ink itself is loaded in the background (events that arrive meanwhile are already folded into
 * the state the first frame shows). It never reads stdin and leaves Ctrl-C to the CLI. close()
 * publishes the final state, waits until Ink has drawn it, and unmounts, leaving the results on
 * screen.
 */
import type { Reporter } from '../reporter.js';
import type { MountedApp } from './mount.js';
import { createRunStore, type RunStoreOptions } from './store.js';

export interface InkReporterOptions extends RunStoreOptions {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  /** route stray console.* output above the live area (default false: leave the console alone) */
  patchConsole?: boolean;
}

export function createInkReporter(options: InkReporterOptions): Reporter {
  const intervalMs = options.intervalMs ?? 100;
  const store = createRunStore({ intervalMs, ...(options.now !== undefined ? { now: options.now } : {}) });
  const mounted: Promise<MountedApp> = import('./mount.js').then(({ mountApp }) =>
    mountApp(store, {
      stdout: options.stdout,
      stderr: options.stderr,
      stdin: options.stdin,
      patchConsole: options.patchConsole,
      maxFps: Math.max(1, Math.round(1000 / Math.max(1, intervalMs))),
    }),
  );
  // a failure to load surfaces in close(); don't let it become an unhandled rejection first
  mounted.catch(() => undefined);
  let closing: Promise<void> | undefined;

  return {
    emit(event) {
      if (!closing) store.dispatch(event);
    },
    close() {
      closing ??= (async () => {
        store.dispatch({ type: 'closed' });
        try {
          const app = await mounted;
          store.flush();
          await store.whenRendered();
          await app.unmount();
        } finally {
          store.dispose();
        }
      })();
      return closing;
    },
  };
}

/**
 * Mounts the Ink app on a store. Kept apart from the reporter so that Ink and React (slow to
 * load) are imported only when a terminal UI is actually shown.
 */
import { render } from 'ink';
import { App } from './App.js';
import type { RunStore } from './store.js';

export interface MountOptions {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** handed to Ink, never read: the app has no input handling */
  stdin?: NodeJS.ReadStream | undefined;
  patchConsole?: boolean | undefined;
  maxFps: number;
}

export interface MountedApp {
  /** unmount after the last frame is written; resolves when it is out */
  unmount(): Promise<void>;
}

export function mountApp(store: RunStore, options: MountOptions): MountedApp {
  store.flush();
  const instance = render(<App store={store} />, {
    stdout: options.stdout,
    stderr: options.stderr,
    ...(options.stdin ? { stdin: options.stdin } : {}),
    // Ctrl-C belongs to the CLI (it ends the MLflow run as KILLED)
    exitOnCtrlC: false,
    patchConsole: options.patchConsole ?? false,
    maxFps: options.maxFps,
  });
  return {
    async unmount() {
      const exited = instance.waitUntilExit();
      instance.unmount();
      await exited;
    },
  };
}

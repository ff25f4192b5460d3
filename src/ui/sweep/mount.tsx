/** Mounts the sweep's Ink view and redraws it from the current state a few times a second. */
import { render } from 'ink';
import { SweepApp } from './SweepApp.js';
import type { SweepViewState } from './state.js';

export interface MountedSweepApp {
  unmount(): Promise<void>;
}

export function mountSweepApp(
  getState: () => SweepViewState,
  o: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream; intervalMs: number; now: () => number },
): MountedSweepApp {
  const instance = render(<SweepApp state={getState()} now={o.now()} />, {
    stdout: o.stdout,
    stderr: o.stderr,
    exitOnCtrlC: false,
    patchConsole: false,
    maxFps: Math.max(1, Math.round(1000 / o.intervalMs)),
  });
  const timer = setInterval(() => instance.rerender(<SweepApp state={getState()} now={o.now()} />), o.intervalMs);
  return {
    async unmount() {
      clearInterval(timer);
      instance.rerender(<SweepApp state={getState()} now={o.now()} />);
      const exited = instance.waitUntilExit();
      instance.unmount();
      await exited;
    },
  };
}

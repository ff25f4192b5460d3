/**
 * The external store between the event stream and the Ink app. emit() only folds the event into
 * the latest state (cheap, never renders); subscribers hear about it at most once per interval,
 * always on a later turn of the event loop, so a burst of batch events costs the training loop
 * nothing but the reducer. flush() publishes at once (used by close() for the final frame).
 */
import { initialRunState, reduceRunState, type RunState, type UiAction } from '../run-state.js';

export interface RunStore {
  dispatch(action: UiAction): void;
  /** the latest published state; stable between notifications (useSyncExternalStore) */
  getSnapshot(): RunState;
  subscribe(listener: () => void): () => void;
  /** publish the latest state now */
  flush(): void;
  /** the UI calls this once it has committed a frame for `state` */
  rendered(state: RunState): void;
  /**
   * Resolves once the UI has committed the published state (right away when nothing is
   * subscribed), or after `timeoutMs` at the latest.
   */
  whenRendered(timeoutMs?: number): Promise<void>;
  /** cancel a pending publication and forget the listeners */
  dispose(): void;
}

export interface RunStoreOptions {
  /** minimum time between publications; default 100 ms (10 frames per second) */
  intervalMs?: number;
  /** clock stamped on each action (ms); default Date.now */
  now?: () => number;
}

export function createRunStore(options: RunStoreOptions = {}): RunStore {
  const intervalMs = options.intervalMs ?? 100;
  const now = options.now ?? Date.now;
  const listeners = new Set<() => void>();
  let latest = initialRunState(now());
  let published = latest;
  let lastPublished = Number.NEGATIVE_INFINITY;
  let timer: NodeJS.Timeout | undefined;
  let committed: RunState | undefined;
  let waiters: Array<() => void> = [];

  const publish = (): void => {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (published === latest) return;
    published = latest;
    lastPublished = performance.now();
    for (const listener of [...listeners]) listener();
  };

  return {
    dispatch(action) {
      latest = reduceRunState(latest, action, now());
      if (timer || latest === published) return;
      const wait = Math.max(0, lastPublished + intervalMs - performance.now());
      timer = setTimeout(publish, wait);
    },
    getSnapshot: () => published,
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    flush: publish,
    rendered(state) {
      committed = state;
      if (state !== published) return;
      const ready = waiters;
      waiters = [];
      for (const resolve of ready) resolve();
    },
    whenRendered(timeoutMs = 1000) {
      if (listeners.size === 0 || committed === published) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const fallback = setTimeout(done, timeoutMs);
        function done(): void {
          clearTimeout(fallback);
          waiters = waiters.filter((w) => w !== done);
          resolve();
        }
        waiters.push(done);
      });
    },
    dispose() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      listeners.clear();
      for (const resolve of waiters) resolve();
      waiters = [];
    },
  };
}

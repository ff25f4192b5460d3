import { useLayoutEffect, useSyncExternalStore } from 'react';
import type { RunState } from '../../run-state.js';
import type { RunStore } from '../store.js';

/**
 * The run as last published by the store (re-renders at most at the store's frame rate); tells
 * the store when a state has been committed, so close() can wait for the final frame.
 */
export function useRunState(store: RunStore): RunState {
  const state = useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
  useLayoutEffect(() => {
    store.rendered(state);
  }, [store, state]);
  return state;
}

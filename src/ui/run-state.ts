/**
 * What the UI knows about a run, folded from the event stream by a pure reducer. Both the Ink
 * app (through a throttled store) and the tests use it; nothing here renders or keeps time
 * itself: every action comes with the clock reading at which it arrived.
 *
 * Conventions read from the events: `epoch` is 1-based (`epoch 3/20`), and a batch event's
 * `batch` counts the batches done in that epoch (1..batches).
 */
import type { EvaluationResult, RunEvent, RunSummary } from '../train/events.js';

/** The UI is closing (the reporter's close()); whatever is on screen becomes final. */
export interface ClosedAction {
  type: 'closed';
}
export type UiAction = RunEvent | ClosedAction;

export type PhaseName = Extract<RunEvent, { type: 'phase' }>['phase'];
export type EarlyStop = Omit<Extract<RunEvent, { type: 'early_stop' }>, 'type'>;
export type RunEnd = Omit<Extract<RunEvent, { type: 'end' }>, 'type'>;

/** A finished epoch as the UI keeps it: the `epoch_end` event without its tag. */
export type EpochRecord = Omit<Extract<RunEvent, { type: 'epoch_end' }>, 'type'>;

export interface LiveEpoch {
  epoch: number;
  epochs: number;
  batches: number;
  /** batches done so far */
  batch: number;
  loss?: number;
  accuracy?: number;
  samplesPerSec?: number;
  /** ms, when epoch_start arrived */
  startedAt: number;
  /** ms, when the latest batch arrived */
  updatedAt: number;
}

/**
 * Output that is final once it exists, in the order it happened. The Ink app writes these once
 * (Ink's <Static>) above the live area, so they stay in the terminal's scrollback.
 */
export type Block =
  | { kind: 'summary'; key: string; summary: RunSummary }
  | { kind: 'log'; key: string; level: 'info' | 'warn'; message: string }
  | { kind: 'history'; key: string; epochs: EpochRecord[]; bestEpoch?: number; earlyStop?: EarlyStop }
  | { kind: 'results'; key: string; result: EvaluationResult }
  | { kind: 'end'; key: string; end: RunEnd };

export interface RunState {
  /** ms, the first action's time */
  startedAt: number;
  /** ms, the latest action's time */
  now: number;
  phase?: { name: PhaseName; detail?: string; since: number };
  dataProgress?: { done: number; total: number; detail: string };
  summary?: RunSummary;
  live?: LiveEpoch;
  /** every completed epoch, in order */
  epochs: EpochRecord[];
  /** the latest epoch that ended as best */
  bestEpoch?: number;
  earlyStop?: EarlyStop;
  evaluations: EvaluationResult[];
  end?: RunEnd;
  blocks: Block[];
  /** the epoch history has been written as a final block (training is over) */
  historyWritten: boolean;
  /** end arrived or the UI closed: nothing live remains */
  finished: boolean;
}

export function initialRunState(now: number): RunState {
  return { startedAt: now, now, epochs: [], evaluations: [], blocks: [], historyWritten: false, finished: false };
}

function withBlock(state: RunState, block: Block): RunState {
  return { ...state, blocks: [...state.blocks, block] };
}

/** Write the epoch history as a final block, once, if there is any. */
function writeHistory(state: RunState): RunState {
  if (state.historyWritten) return state;
  const next: RunState = { ...state, historyWritten: true, live: undefined };
  if (state.epochs.length === 0 && !state.earlyStop) return next;
  return withBlock(next, {
    kind: 'history',
    key: `history-${state.blocks.length}`,
    epochs: state.epochs,
    ...(state.bestEpoch !== undefined ? { bestEpoch: state.bestEpoch } : {}),
    ...(state.earlyStop ? { earlyStop: state.earlyStop } : {}),
  });
}

export function reduceRunState(prev: RunState, action: UiAction, now: number): RunState {
  if (prev.finished) return prev;
  const state: RunState = { ...prev, now };
  const key = `${action.type}-${state.blocks.length}`;
  switch (action.type) {
    case 'phase':
      return {
        ...state,
        phase: { name: action.phase, since: now, ...(action.detail !== undefined ? { detail: action.detail } : {}) },
      };
    case 'data_progress':
      return { ...state, dataProgress: { done: action.done, total: action.total, detail: action.detail } };
    case 'start':
      return withBlock({ ...state, summary: action.summary }, { kind: 'summary', key, summary: action.summary });
    case 'epoch_start':
      return {
        ...state,
        live: { epoch: action.epoch, epochs: action.epochs, batches: action.batches, batch: 0, startedAt: now, updatedAt: now },
      };
    case 'batch': {
      const live =
        state.live && state.live.epoch === action.epoch
          ? state.live
          : {
              epoch: action.epoch,
              epochs: state.summary?.epochs ?? action.epoch,
              batches: action.batches,
              batch: 0,
              startedAt: now,
              updatedAt: now,
            };
      return {
        ...state,
        live: {
          ...live,
          batch: action.batch,
          batches: action.batches,
          loss: action.loss,
          accuracy: action.accuracy,
          samplesPerSec: action.samplesPerSec,
          updatedAt: now,
        },
      };
    }
    case 'epoch_end': {
      const record: EpochRecord = {
        epoch: action.epoch,
        epochs: action.epochs,
        metrics: action.metrics,
        samplesPerSec: action.samplesPerSec,
        seconds: action.seconds,
        best: action.best,
      };
      return {
        ...state,
        epochs: [...state.epochs, record],
        live: undefined,
        ...(action.best ? { bestEpoch: action.epoch } : {}),
      };
    }
    case 'early_stop':
      return {
        ...state,
        earlyStop: { epoch: action.epoch, bestEpoch: action.bestEpoch, monitor: action.monitor, best: action.best },
        bestEpoch: action.bestEpoch,
      };
    case 'evaluation': {
      const done = writeHistory(state);
      return withBlock({ ...done, evaluations: [...done.evaluations, action.result] }, { kind: 'results', key, result: action.result });
    }
    case 'end': {
      const { type: _type, ...end } = action;
      const done = writeHistory(state);
      return withBlock({ ...done, end, finished: true, live: undefined }, { kind: 'end', key, end });
    }
    case 'log':
      return withBlock(state, { kind: 'log', key, level: action.level, message: action.message });
    case 'closed':
      return { ...writeHistory(state), finished: true, live: undefined };
  }
}

export interface Etas {
  /** seconds left in the current epoch */
  epoch?: number;
  /** seconds left in training (all epochs; early stopping may end it sooner) */
  run?: number;
}

/** Remaining-time estimates from the time the latest events arrived. */
export function estimateEtas(state: RunState): Etas {
  const live = state.live;
  const done = state.epochs;
  const avgEpoch = done.length > 0 ? done.reduce((s, e) => s + e.seconds, 0) / done.length : undefined;
  if (live) {
    if (live.batch <= 0) {
      return avgEpoch === undefined ? {} : { epoch: avgEpoch, run: avgEpoch * (live.epochs - live.epoch + 1) };
    }
    const elapsed = (live.updatedAt - live.startedAt) / 1000;
    const perBatch = elapsed / live.batch;
    const epoch = Math.max(0, perBatch * (live.batches - live.batch));
    const perEpoch = avgEpoch ?? perBatch * live.batches;
    return { epoch, run: epoch + perEpoch * Math.max(0, live.epochs - live.epoch) };
  }
  const last = done[done.length - 1];
  if (last && avgEpoch !== undefined && !state.historyWritten) {
    return { run: avgEpoch * Math.max(0, last.epochs - last.epoch) };
  }
  return {};
}

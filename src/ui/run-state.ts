/**
 * What the UI knows about a run, folded from the event stream by a pure reducer. Both the Ink
 * app (through a throttled store) and the tests use it; nothing here renders or keeps time
 * itself: every action comes with the clock reading at which it arrived.
 *
 * Conventions read from the events: `epoch` is 1-based (`epoch 3/20`), and a batch event's
 * `batch` counts the batches done in that epoch (1..batches).
 */
import type { EvaluationResult, RunEvent, RunSummary, TrainingOutcome } from '../core/run-events.js';
import { epochLayout, type EpochLayout } from './sections.js';

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
 * (Ink's <Static>) above the live area, so they stay in the terminal's scrollback: every completed
 * epoch is one `epoch` block, written when it ends, under an `epoch_header` block with the table's
 * column names (again after anything else was written between two epochs).
 */
export type Block =
  | { kind: 'summary'; key: string; summary: RunSummary }
  | { kind: 'log'; key: string; level: 'info' | 'warn'; message: string }
  | { kind: 'epoch_header'; key: string; layout: EpochLayout }
  | { kind: 'epoch'; key: string; layout: EpochLayout; record: EpochRecord }
  | { kind: 'early_stop'; key: string; earlyStop: EarlyStop }
  | { kind: 'training_end'; key: string; outcome: TrainingOutcome }
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
  /** the epoch table's columns, fixed by the first epoch */
  epochLayout?: EpochLayout;
  /** the trainer's verdict: the best epoch and the evaluated one */
  outcome?: TrainingOutcome;
  evaluations: EvaluationResult[];
  end?: RunEnd;
  blocks: Block[];
  /** training is over (its verdict, an evaluation or the end arrived) */
  trainingDone: boolean;
  /** end arrived or the UI closed: nothing live remains */
  finished: boolean;
}

export function initialRunState(now: number): RunState {
  return { startedAt: now, now, epochs: [], evaluations: [], blocks: [], trainingDone: false, finished: false };
}

function withBlock(state: RunState, block: Block): RunState {
  return { ...state, blocks: [...state.blocks, block] };
}

/** Training is over: nothing of it stays live. */
function endTraining(state: RunState): RunState {
  return state.trainingDone ? state : { ...state, trainingDone: true, live: undefined };
}

/** A completed epoch as a final row, under the table's header when the row above is not an epoch. */
function writeEpoch(state: RunState, record: EpochRecord): RunState {
  const layout = state.epochLayout ?? epochLayout(record);
  const last = state.blocks.at(-1);
  const blocks = [...state.blocks];
  if (last?.kind !== 'epoch') blocks.push({ kind: 'epoch_header', key: `epoch_header-${blocks.length}`, layout });
  blocks.push({ kind: 'epoch', key: `epoch-${blocks.length}`, layout, record });
  return { ...state, epochLayout: layout, blocks };
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
      return writeEpoch({ ...state, epochs: [...state.epochs, record], live: undefined }, record);
    }
    case 'early_stop': {
      const { type: _type, ...earlyStop } = action;
      return withBlock(state, { kind: 'early_stop', key, earlyStop });
    }
    case 'training_end': {
      const { type: _type, ...outcome } = action;
      return withBlock({ ...endTraining(state), outcome }, { kind: 'training_end', key, outcome });
    }
    case 'evaluation': {
      const done = endTraining(state);
      return withBlock({ ...done, evaluations: [...done.evaluations, action.result] }, { kind: 'results', key, result: action.result });
    }
    case 'end': {
      const { type: _type, ...end } = action;
      return withBlock({ ...endTraining(state), end, finished: true }, { kind: 'end', key, end });
    }
    case 'log':
      return withBlock(state, { kind: 'log', key, level: action.level, message: action.message });
    case 'closed':
      return { ...endTraining(state), finished: true };
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
  if (last && avgEpoch !== undefined && !state.trainingDone) {
    return { run: avgEpoch * Math.max(0, last.epochs - last.epoch) };
  }
  return {};
}

/**
 * The sweep's view state, folded from SweepEvents: one row per trial (params, status, epoch, metric), the
 * best so far, progress and an ETA. Shared by the Ink table and the plain lines.
 */
import type { SweepEvent, SweepStartInfo } from '../../sweep/events.js';
import type { TrialRecord } from '../../sweep/records.js';
import { showValue, type Assignment } from '../../search/space.js';

/**
 * A sampled value as a person reads it in the trials table and the trial lines: numbers to 4 significant digits
 * (`0.0003162` for 0.000316227766…; integers as they are). best.yaml, trials.csv and the MLflow params keep the
 * exact value.
 */
export function displayValue(v: unknown): string {
  if (typeof v === 'number' && Number.isFinite(v) && !Number.isInteger(v)) return String(Number(v.toPrecision(4)));
  return showValue(v);
}
import { formatDuration, formatMetric } from '../format.js';

export interface TrialRow {
  number: number;
  params: Assignment;
  status: 'RUNNING' | 'FINISHED' | 'FAILED' | 'KILLED' | 'PRUNED';
  phase?: string;
  epoch: number;
  epochs?: number;
  /** the metric: latest epoch's while running, the kept one at the end */
  value?: number;
  seconds?: number;
  startedAt?: number;
  runId?: string;
  error?: string;
  reason?: string;
  cpus?: number[];
}

export interface SweepViewState {
  info?: SweepStartInfo;
  rows: Map<number, TrialRow>;
  best?: TrialRecord;
  startedAt: number;
  /** trials ended in this session, and their summed wall time */
  endedHere: number;
  logs: { level: 'info' | 'warn'; message: string }[];
  end?: Extract<SweepEvent, { type: 'sweep_end' }>;
}

export function initialSweepState(now: number): SweepViewState {
  return { rows: new Map(), startedAt: now, endedHere: 0, logs: [] };
}

function rowFromRecord(r: TrialRecord): TrialRow {
  return {
    number: r.number,
    params: r.params,
    status: r.pruned ? 'PRUNED' : r.status === 'PENDING' || r.status === 'RUNNING' ? 'RUNNING' : r.status,
    epoch: r.epochs,
    ...(r.value !== undefined ? { value: r.value } : {}),
    ...(r.seconds !== undefined ? { seconds: r.seconds } : {}),
    ...(r.runId ? { runId: r.runId } : {}),
    ...(r.error ? { error: r.error } : {}),
    ...(r.reason ? { reason: r.reason } : {}),
  };
}

export function reduceSweep(state: SweepViewState, e: SweepEvent, now: number): SweepViewState {
  const rows = state.rows;
  switch (e.type) {
    case 'sweep_start': {
      for (const r of e.info.previous) rows.set(r.number, rowFromRecord(r));
      const best = [...e.info.previous]
        .filter((r) => r.status === 'FINISHED' && r.value !== undefined)
        .sort((a, b) => (e.info.goal === 'minimize' ? a.value! - b.value! : b.value! - a.value!))[0];
      return { ...state, info: e.info, ...(best ? { best } : {}) };
    }
    case 'trial_start':
      rows.set(e.trial, {
        number: e.trial,
        params: e.params,
        status: 'RUNNING',
        epoch: 0,
        startedAt: now,
        cpus: e.cpus,
        phase: 'starting',
      });
      return { ...state };
    case 'trial_run': {
      const row = rows.get(e.trial);
      if (row) row.runId = e.runId;
      return { ...state };
    }
    case 'trial_phase': {
      const row = rows.get(e.trial);
      if (row) row.phase = e.phase;
      return { ...state };
    }
    case 'trial_epoch': {
      const row = rows.get(e.trial);
      if (row) {
        row.epoch = e.epoch;
        row.epochs = e.epochs;
        if (e.value !== undefined) row.value = e.value;
      }
      return { ...state };
    }
    case 'trial_end': {
      const prev = rows.get(e.record.number);
      rows.set(e.record.number, { ...rowFromRecord(e.record), ...(prev?.epochs !== undefined ? { epochs: prev.epochs } : {}) });
      return { ...state, endedHere: state.endedHere + 1 };
    }
    case 'best':
      return { ...state, best: e.record };
    case 'log':
      return { ...state, logs: [...state.logs, { level: e.level, message: e.message }] };
    case 'sweep_end':
      return { ...state, end: e, ...(e.best ? { best: e.best } : {}) };
  }
}

export function progress(state: SweepViewState): { done: number; total: number; running: number } {
  const total = state.info?.total ?? 0;
  let done = 0;
  let running = 0;
  for (const r of state.rows.values()) {
    if (r.status === 'RUNNING') running++;
    else done++;
  }
  return { done, total, running };
}

/** Seconds left: the mean wall time of the trials ended in this session, spread over the slots. */
export function etaSeconds(state: SweepViewState, now: number): number | undefined {
  const { done, total } = progress(state);
  if (!state.info || state.endedHere === 0) return undefined;
  const elapsed = (now - state.startedAt) / 1000;
  const perTrial = elapsed / state.endedHere;
  return Math.max(0, (total - done) * perTrial);
}

export function statusText(r: TrialRow): string {
  if (r.status !== 'RUNNING') return r.status.toLowerCase();
  if (r.epoch > 0 || r.phase === 'training') return 'running';
  return r.phase ?? 'starting';
}

export function epochText(r: TrialRow): string {
  if (r.epoch === 0 && r.status === 'RUNNING') return '';
  return r.epochs ? `${r.epoch}/${r.epochs}` : String(r.epoch);
}

/** The table columns: trial, each swept parameter, status, epoch, metric, time. */
export function trialTable(
  state: SweepViewState,
  now: number,
  limit?: number,
): { header: string[]; rows: string[][]; rowStatus: TrialRow['status'][]; bestIndex: number } {
  const params = state.info?.params ?? [];
  const header = ['#', ...params.map((p) => p.split('.').slice(-2).join('.')), 'status', 'epoch', state.info?.metric ?? 'metric', 'time'];
  let list = [...state.rows.values()].sort((a, b) => a.number - b.number);
  if (limit !== undefined && list.length > limit) {
    // keep the running ones, the best and the most recent
    const keep = new Set(list.filter((r) => r.status === 'RUNNING').map((r) => r.number));
    if (state.best) keep.add(state.best.number);
    for (const r of [...list].reverse()) {
      if (keep.size >= limit) break;
      keep.add(r.number);
    }
    list = list.filter((r) => keep.has(r.number));
  }
  const rows = list.map((r) => [
    String(r.number),
    ...params.map((p) => displayValue(r.params[p])),
    statusText(r),
    epochText(r),
    r.value !== undefined ? formatMetric(r.value) : '',
    formatDuration(r.seconds ?? (r.startedAt !== undefined ? (now - r.startedAt) / 1000 : undefined)),
  ]);
  return { header, rows, rowStatus: list.map((r) => r.status), bestIndex: list.findIndex((r) => r.number === state.best?.number) };
}

export function bestLine(state: SweepViewState): string | undefined {
  const b = state.best;
  if (!b || b.value === undefined) return undefined;
  const params = Object.entries(b.params)
    .filter(([p]) => state.info?.params.includes(p) ?? true)
    .map(([p, v]) => `${p}=${displayValue(v)}`)
    .join(' ');
  return `best: trial ${b.number}  ${state.info?.metric ?? 'metric'} ${formatMetric(b.value)}  ${params}`;
}

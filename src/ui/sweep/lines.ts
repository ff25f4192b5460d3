/** Text for the sweep's plain lines and the closing summary (shared with the Ink view's last frame). */
import type { SweepEvent, SweepStartInfo } from '../../sweep/events.js';
import type { TrialRecord } from '../../sweep/records.js';
import { formatDuration, formatMetric, formatTable, type TableColumn } from '../format.js';
import { viewLine } from '../sections.js';
import { bestLine, displayValue, etaSeconds, progress, trialTable, type SweepViewState } from './state.js';

export function headerLines(info: SweepStartInfo): string[] {
  const budget = `${info.total} trial${info.total === 1 ? '' : 's'}, ${info.parallel} at a time`;
  const cpus = info.cpus.map((c) => `[${c.join(',')}]`).join(' ');
  return [
    `sweep ${info.name}  (experiment ${info.experiment})`,
    `  config      ${info.configPath}`,
    `  search      ${info.method}, ${budget}, ${info.goal} ${info.metric}${info.earlyTerminate ? `, early termination ${info.earlyTerminate}` : ''}`,
    `  parameters  ${info.params.join(', ')}`,
    `  cpus        ${cpus} per trial ${info.pinned ? '(pinned with taskset)' : '(not pinned: no taskset)'}`,
    `  parent run  ${info.parentRunId}${info.previous.length ? `  (resumed: ${info.previous.length} trial${info.previous.length === 1 ? '' : 's'} kept)` : ''}`,
  ];
}

const paramsText = (params: Record<string, unknown>, only?: readonly string[]): string =>
  Object.entries(params)
    .filter(([p]) => !only || only.includes(p))
    .map(([p, v]) => `${p}=${displayValue(v)}`)
    .join(' ');

export function trialEndLine(r: TrialRecord, metric: string, state: SweepViewState, now: number): string {
  const { done, total } = progress(state);
  const eta = etaSeconds(state, now);
  const tail = `[${done}/${total} done${state.best?.value !== undefined ? `, best ${formatMetric(state.best.value)} (trial ${state.best.number})` : ''}${done < total && eta !== undefined ? `, ETA ${formatDuration(eta)}` : ''}]`;
  const time = r.seconds !== undefined ? ` in ${formatDuration(r.seconds)}` : '';
  if (r.pruned)
    return `trial ${r.number} pruned after epoch ${r.epochs}${r.value !== undefined ? ` (${metric} ${formatMetric(r.value)})` : ''}: ${r.reason ?? ''}${time}  ${tail}`;
  if (r.status === 'FINISHED')
    return `trial ${r.number} FINISHED  ${metric} ${r.value !== undefined ? formatMetric(r.value) : '--'}${time}  ${tail}`;
  if (r.status === 'FAILED') return `trial ${r.number} FAILED: ${(r.error ?? '').split('\n')[0]}  ${tail}`;
  return `trial ${r.number} ${r.status}${r.reason ? ` (${r.reason})` : ''}  ${tail}`;
}

/** The line for one event in plain mode (undefined: nothing to print). */
export function plainLine(e: SweepEvent, state: SweepViewState, now: number): string[] | undefined {
  switch (e.type) {
    case 'sweep_start':
      return headerLines(e.info);
    case 'trial_start':
      return [`trial ${e.trial} started  ${paramsText(e.params, state.info?.params)}${e.cpus.length ? `  (cpu ${e.cpus.join(',')})` : ''}`];
    case 'trial_epoch':
      return [
        `trial ${e.trial} epoch ${e.epoch}/${e.epochs}${e.value !== undefined ? `  ${state.info?.metric ?? 'metric'} ${formatMetric(e.value)}` : ''}  ${formatDuration(e.seconds)}`,
      ];
    case 'trial_end':
      return [trialEndLine(e.record, state.info?.metric ?? 'metric', state, now)];
    case 'log':
      return [e.level === 'warn' ? `warning: ${e.message}` : e.message];
    case 'sweep_end':
      return summaryLines(state, now);
    default:
      return undefined;
  }
}

/** The closing block: the trials table, the best trial, where everything went. */
export function summaryLines(state: SweepViewState, now: number): string[] {
  const end = state.end;
  if (!end) return [];
  const t = trialTable(state, now);
  const columns: TableColumn[] = t.header.map((h, i) => ({
    header: h,
    align: i === 0 || i >= t.header.length - 3 ? 'right' : 'left',
    maxWidth: 28,
  }));
  const lines = ['', ...formatTable(columns, t.rows, { indent: '  ' }), ''];
  const b = bestLine(state);
  if (b) lines.push(b);
  else lines.push('no trial finished: there is no best trial');
  const counts = { finished: 0, pruned: 0, failed: 0, killed: 0 };
  for (const r of end.trials) {
    if (r.pruned) counts.pruned++;
    else if (r.status === 'FINISHED') counts.finished++;
    else if (r.status === 'FAILED') counts.failed++;
    else if (r.status === 'KILLED') counts.killed++;
  }
  lines.push(
    `sweep ${end.parentRunId} ${end.status} in ${formatDuration(end.seconds)}: ${counts.finished} finished, ${counts.pruned} pruned, ${counts.failed} failed${counts.killed ? `, ${counts.killed} killed` : ''}`,
  );
  if (end.bestYaml) lines.push(`  best config  ${end.bestYaml}   (mmx run ${end.bestYaml})`);
  if (end.trialsCsv) lines.push(`  trials       ${end.trialsCsv}`);
  if (end.artifactDir) lines.push(`  artifacts    ${end.artifactDir}`);
  if (end.status === 'KILLED') lines.push(`  resume with  mmx sweep ${state.info?.configPath ?? 'CONFIG'} --resume ${end.parentRunId}`);
  lines.push(`  view         ${viewLine(end.trackingUri, end.experimentId, end.parentRunId)}`);
  return lines;
}

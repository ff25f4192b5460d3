/**
 * The words and tables a person reads about a run, built once from the events and shared by the
 * plain-line reporter and the Ink components (which only add layout and colour).
 */
import type { EvaluationResult, Metrics, RunSummary } from '../train/events.js';
import {
  formatCount,
  formatDuration,
  formatMetric,
  formatParams,
  formatPercent,
  formatRate,
  formatShape,
  formatTable,
  shellQuote,
  type TableColumn,
} from './format.js';
import type { EarlyStop, EpochRecord, RunEnd } from './run-state.js';

export interface Field {
  label: string;
  /** one or more lines of value; continuation lines align under the first */
  lines: string[];
}

/** Pad field labels to one width so values line up. */
export function labelWidth(fields: readonly Field[]): number {
  return Math.max(0, ...fields.map((f) => f.label.length));
}

// ---------------------------------------------------------------------------------------------
// Run summary

export function summaryTitle(s: RunSummary): string {
  return s.experiment && s.experiment !== s.name ? `${s.name}  (experiment ${s.experiment})` : s.name;
}

export function modalityLines(s: RunSummary): string[] {
  const columns: TableColumn[] = [
    { header: 'input' },
    { header: 'type' },
    { header: 'encoder' },
    { header: 'features' },
    { header: 'dim' },
  ];
  const rows = s.modalities.map((m) => [m.name, m.modality, m.encoder, formatShape(m.featureShape), `-> ${m.embeddingDim}`]);
  return formatTable(columns, rows, { header: false });
}

export function summaryFields(s: RunSummary): Field[] {
  const classes =
    s.classes.length > 0
      ? `, ${s.classes.length} ${s.task === 'multilabel' ? 'labels' : 'classes'}${s.task === 'binary' ? ` (positive: ${s.classes[1]})` : ''}`
      : '';
  return [
    { label: 'config', lines: [s.configPath] },
    { label: 'task', lines: [`${s.task}${classes}`] },
    { label: 'inputs', lines: modalityLines(s) },
    { label: 'fusion', lines: [s.fusion] },
    { label: 'backend', lines: [s.backend] },
    {
      label: 'data',
      lines: [`train ${formatCount(s.data.train)}  validation ${formatCount(s.data.validation)}  test ${formatCount(s.data.test)}`],
    },
    { label: 'parameters', lines: [formatParams(s.parameters)] },
    { label: 'training', lines: [`${s.epochs} epochs, batch size ${s.batchSize}`] },
  ];
}

/** Fields as text lines: `label  value`, continuation lines indented under the value. */
export function fieldLines(fields: readonly Field[], indent = ''): string[] {
  const width = labelWidth(fields);
  const out: string[] = [];
  for (const f of fields) {
    f.lines.forEach((line, i) => {
      out.push(`${indent}${(i === 0 ? f.label : '').padEnd(width)}  ${line}`.trimEnd());
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Phases and data loading

export function phaseText(name: string, detail?: string): string {
  return detail ? `${name}  ${detail}` : name;
}

export function dataProgressText(p: { done: number; total: number; detail: string }): string {
  return `${p.detail}  ${formatPercent(p.done, p.total)} (${formatCount(p.done)}/${formatCount(p.total)})`;
}

// ---------------------------------------------------------------------------------------------
// Epochs

const METRIC_ORDER = ['loss', 'accuracy'];

function splitKey(key: string): { split: 'train' | 'val'; name: string } {
  if (key.startsWith('val_')) return { split: 'val', name: key.slice(4) };
  if (key.startsWith('train_')) return { split: 'train', name: key.slice(6) };
  return { split: 'train', name: key };
}

function rank(name: string): number {
  const i = METRIC_ORDER.indexOf(name);
  return i < 0 ? METRIC_ORDER.length : i;
}

/** Training metrics first, then validation; loss, accuracy, then the rest by name. */
export function orderedMetricKeys(all: readonly Metrics[]): string[] {
  const keys = new Set<string>();
  for (const m of all) for (const k of Object.keys(m)) keys.add(k);
  return [...keys].sort((a, b) => {
    const x = splitKey(a);
    const y = splitKey(b);
    if (x.split !== y.split) return x.split === 'train' ? -1 : 1;
    return rank(x.name) - rank(y.name) || x.name.localeCompare(y.name);
  });
}

/** `train_loss` → `loss`, `train_accuracy` → `acc`, `val_accuracy` → `val_acc`. */
export function metricLabel(key: string): string {
  const { split, name } = splitKey(key);
  const short = name === 'accuracy' ? 'acc' : name;
  return split === 'val' ? `val_${short}` : short;
}

/** `loss 0.412 acc 0.871 | val_loss 0.388 val_acc 0.884` */
export function epochMetricsText(metrics: Metrics): string {
  const keys = orderedMetricKeys([metrics]);
  const part = (split: 'train' | 'val'): string =>
    keys
      .filter((k) => splitKey(k).split === split)
      .map((k) => `${metricLabel(k)} ${formatMetric(metrics[k] ?? Number.NaN)}`)
      .join(' ');
  return [part('train'), part('val')].filter((p) => p.length > 0).join(' | ');
}

function epochCounter(epoch: number, epochs: number): string {
  const total = String(epochs);
  return `${String(epoch).padStart(total.length)}/${total}`;
}

/** `epoch  3/20  loss 0.412 acc 0.871 | val_loss 0.388 val_acc 0.884 | 612 samples/s 4.1s *best` */
export function epochLine(r: EpochRecord): string {
  const metrics = epochMetricsText(r.metrics);
  const tail = `${formatRate(r.samplesPerSec)} ${formatDuration(r.seconds)}${r.best ? ' *best' : ''}`;
  return `epoch ${epochCounter(r.epoch, r.epochs)}  ${metrics.length > 0 ? `${metrics} | ` : ''}${tail}`;
}

export type EpochRowKind = 'epoch' | 'best' | 'gap';

export interface EpochTableView {
  columns: TableColumn[];
  rows: string[][];
  kinds: EpochRowKind[];
  /** epochs not shown */
  hidden: number;
}

/**
 * Completed epochs as a bounded table: the last `limit` epochs, plus the best one when it is
 * older (then a `…` row marks the epochs left out).
 */
export function epochTable(records: readonly EpochRecord[], bestEpoch: number | undefined, limit = 10): EpochTableView {
  const keys = orderedMetricKeys(records.map((r) => r.metrics));
  const columns: TableColumn[] = [
    { header: 'epoch', align: 'right' },
    ...keys.map((k): TableColumn => ({ header: metricLabel(k), align: 'right' })),
    { header: 'samples/s', align: 'right' },
    { header: 'time', align: 'right' },
    { header: '' },
  ];
  const row = (r: EpochRecord): string[] => [
    epochCounter(r.epoch, r.epochs),
    ...keys.map((k) => {
      const v = r.metrics[k];
      return v === undefined ? '' : formatMetric(v);
    }),
    formatRate(r.samplesPerSec).replace(' samples/s', ''),
    formatDuration(r.seconds),
    r.epoch === bestEpoch ? '* best' : '',
  ];
  const shown = records.slice(-limit);
  const rows: string[][] = [];
  const kinds: EpochRowKind[] = [];
  const hiddenCount = records.length - shown.length;
  const best = records.find((r) => r.epoch === bestEpoch);
  if (hiddenCount > 0) {
    if (best && !shown.includes(best)) {
      rows.push(row(best));
      kinds.push('best');
    }
    rows.push(['…', ...columns.slice(1).map(() => '')]);
    kinds.push('gap');
  }
  for (const r of shown) {
    rows.push(row(r));
    kinds.push(r.epoch === bestEpoch ? 'best' : 'epoch');
  }
  const hidden = hiddenCount - (best && !shown.includes(best) ? 1 : 0);
  return { columns, rows, kinds, hidden };
}

export function earlyStopText(e: EarlyStop): string {
  return `early stop after epoch ${e.epoch}: best ${e.monitor} ${formatMetric(e.best)} at epoch ${e.bestEpoch}`;
}

// ---------------------------------------------------------------------------------------------
// Evaluation results

export function resultsTitle(r: EvaluationResult): string {
  const n = r.examples ?? r.perClass.reduce((s, c) => s + c.support, 0);
  return n > 0 ? `${r.split} results (${formatCount(n)} examples)` : `${r.split} results`;
}

export function metricsTable(r: EvaluationResult): { columns: TableColumn[]; rows: string[][] } {
  return {
    columns: [{ header: 'metric' }, { header: 'value', align: 'right' }],
    rows: [
      ...Object.entries(r.metrics).map(([k, v]) => [k, formatMetric(v)]),
      ...(r.threshold !== undefined ? [['threshold', formatMetric(r.threshold)]] : []),
    ],
  };
}

/** Per-class precision/recall/F1/support, with a macro-average row last. */
export function perClassTable(r: EvaluationResult): { columns: TableColumn[]; rows: string[][] } {
  const columns: TableColumn[] = [
    { header: r.labels.length === 0 ? 'label' : 'class', maxWidth: 24 },
    { header: 'precision', align: 'right' },
    { header: 'recall', align: 'right' },
    { header: 'f1', align: 'right' },
    { header: 'support', align: 'right' },
  ];
  const rows = r.perClass.map((c) => [
    c.label,
    formatMetric(c.precision),
    formatMetric(c.recall),
    formatMetric(c.f1),
    formatCount(c.support),
  ]);
  const n = r.perClass.length;
  if (n > 1) {
    const mean = (f: (c: (typeof r.perClass)[number]) => number): string => formatMetric(r.perClass.reduce((s, c) => s + f(c), 0) / n);
    rows.push([
      'macro avg',
      mean((c) => c.precision),
      mean((c) => c.recall),
      mean((c) => c.f1),
      formatCount(r.perClass.reduce((s, c) => s + c.support, 0)),
    ]);
  }
  return { columns, rows };
}

export const CONFUSION_MAX_CLASSES = 20;

/** Confusion matrix with true labels down and predictions across; undefined when too large to read. */
export function confusionTable(
  r: EvaluationResult,
  maxClasses = CONFUSION_MAX_CLASSES,
): { columns: TableColumn[]; rows: string[][] } | undefined {
  const labels = r.labels;
  if (labels.length === 0 || labels.length > maxClasses) return undefined;
  const maxCount = Math.max(0, ...r.confusion.flat());
  const cellWidth = Math.max(String(maxCount).length, Math.min(6, Math.max(...labels.map((l) => l.length))));
  const columns: TableColumn[] = [
    { header: 'true\\pred', maxWidth: 16 },
    ...labels.map((l): TableColumn => ({ header: l, align: 'right', maxWidth: cellWidth })),
  ];
  const rows = labels.map((label, i) => [label, ...labels.map((_, j) => String(r.confusion[i]?.[j] ?? 0))]);
  return { columns, rows };
}

export function confusionTitle(r: EvaluationResult): string {
  return r.labels.length > CONFUSION_MAX_CLASSES
    ? `confusion matrix: ${r.labels.length} classes, too many to show here (see the run's artifacts)`
    : 'confusion matrix (rows: true, columns: predicted)';
}

/** Modality contribution: each metric without a modality, and how much it drops. */
export function ablationTable(r: EvaluationResult): { columns: TableColumn[]; rows: string[][] } | undefined {
  const rows = r.ablation;
  if (!rows || rows.length === 0) return undefined;
  const keys = Object.keys(rows[0]!.metrics).filter((k) => k !== 'loss');
  const columns: TableColumn[] = [
    { header: 'without', maxWidth: 24 },
    ...keys.flatMap((k): TableColumn[] => [
      { header: k, align: 'right' },
      { header: 'drop', align: 'right' },
    ]),
  ];
  const signed = (v: number): string => `${v > 0 ? '+' : ''}${formatMetric(v)}`;
  return {
    columns,
    rows: rows.map((a) => [a.modality, ...keys.flatMap((k) => [formatMetric(a.metrics[k] ?? NaN), signed(a.drop[k] ?? NaN)])]),
  };
}

export const ABLATION_TITLE = 'modality contribution (test set with one modality masked)';

/** Every line of a results block, as plain text. */
export function resultsLines(r: EvaluationResult, indent = '  '): string[] {
  const lines = [resultsTitle(r)];
  const m = metricsTable(r);
  lines.push(...formatTable(m.columns, m.rows, { indent, header: false }));
  if (r.perClass.length > 0) {
    const p = perClassTable(r);
    lines.push('', ...formatTable(p.columns, p.rows, { indent }));
  }
  const a = ablationTable(r);
  if (a) lines.push('', ABLATION_TITLE, ...formatTable(a.columns, a.rows, { indent }));
  if (r.labels.length > 0) {
    lines.push('', confusionTitle(r));
    const c = confusionTable(r);
    if (c) lines.push(...formatTable(c.columns, c.rows, { indent }));
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------
// End of run

export function endHeadline(e: RunEnd): string {
  const took = `${e.status === 'FINISHED' ? 'in' : 'after'} ${formatDuration(e.seconds)}`;
  return `run ${e.runId} ${e.status} ${took}${e.error ? `: ${e.error}` : ''}`;
}

function isRemote(uri: string): boolean {
  return /^https?:\/\//i.test(uri);
}

/** How to look at the run afterwards: the MLflow UI command (or the server's run page) and the artifacts. */
export function whereToSee(e: RunEnd): Field[] {
  const fields: Field[] = isRemote(e.trackingUri)
    ? [{ label: 'view', lines: [`${e.trackingUri.replace(/\/+$/, '')}/#/experiments/${e.experimentId}/runs/${e.runId}`] }]
    : [{ label: 'view', lines: [`mlflow ui --backend-store-uri ${shellQuote(e.trackingUri)}`] }];
  if (e.artifactDir) fields.push({ label: 'artifacts', lines: [e.artifactDir] });
  return fields;
}

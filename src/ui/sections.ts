/**
 * The words and tables a person reads about a run, built once from the events and shared by the
 * plain-line reporter and the Ink components (which only add layout and colour).
 */
import type { EvaluationResult, Metrics, RunSummary, TrainingOutcome } from '../core/run-events.js';
import {
  formatCount,
  formatDuration,
  formatMetric,
  formatParams,
  formatPercent,
  formatRate,
  formatShape,
  formatSamplesPerSec,
  formatTable,
  joinCells,
  pad,
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
  const rows = s.modalities.map((m) => [
    m.name,
    m.modality,
    m.encoder,
    formatShape(m.featureShape),
    `-> ${m.sequenceLength && m.sequenceLength > 1 ? `${m.sequenceLength}x` : ''}${m.embeddingDim}`,
  ]);
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

/** the `learning_rate` metric: shown after the validation metrics, as `lr` */
const LEARNING_RATE = 'learning_rate';

function splitKey(key: string): { split: 'train' | 'val' | 'lr'; name: string } {
  if (key === LEARNING_RATE) return { split: 'lr', name: key };
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
    const order = ['train', 'val', 'lr'];
    if (x.split !== y.split) return order.indexOf(x.split) - order.indexOf(y.split);
    return rank(x.name) - rank(y.name) || x.name.localeCompare(y.name);
  });
}

/** `train_loss` → `loss`, `train_accuracy` → `acc`, `val_accuracy` → `val_acc`. */
export function metricLabel(key: string): string {
  const { split, name } = splitKey(key);
  if (split === 'lr') return 'lr';
  const short = name === 'accuracy' ? 'acc' : name;
  return split === 'val' ? `val_${short}` : short;
}

/** `loss 0.412 acc 0.871 | val_loss 0.388 val_acc 0.884 | lr 1.0e-3` */
export function epochMetricsText(metrics: Metrics): string {
  const keys = orderedMetricKeys([metrics]);
  const part = (split: 'train' | 'val' | 'lr'): string =>
    keys
      .filter((k) => splitKey(k).split === split)
      .map((k) => `${metricLabel(k)} ${formatEpochValue(k, metrics[k] ?? Number.NaN)}`)
      .join(' ');
  return [part('train'), part('val'), part('lr')].filter((p) => p.length > 0).join(' | ');
}

/** A metric's cell: the learning rate in exponent form (`3.0e-4`), the rest as formatMetric writes them. */
function formatEpochValue(key: string, v: number): string {
  if (key !== LEARNING_RATE) return formatMetric(v);
  return v === 0 || !Number.isFinite(v) ? String(v) : v.toExponential(1);
}

function epochCounter(epoch: number, epochs: number): string {
  const total = String(epochs);
  return `${String(epoch).padStart(total.length)}/${total}`;
}

/** `epoch  3/20  loss 0.412 acc 0.871 | val_loss 0.388 val_acc 0.884 | 612 samples/s 4.1s * new best` */
export function epochLine(r: EpochRecord): string {
  const metrics = epochMetricsText(r.metrics);
  const tail = `${formatRate(r.samplesPerSec)} ${formatDuration(r.seconds)}${r.best ? ` ${NEW_BEST}` : ''}`;
  return `epoch ${epochCounter(r.epoch, r.epochs)}  ${metrics.length > 0 ? `${metrics} | ` : ''}${tail}`;
}

/** The mark of an epoch that improved on every earlier one in the monitored metric (final once written). */
export const NEW_BEST = '* new best';

/**
 * The epoch table's columns, fixed when the first epoch ends: every row is written once (the terminal's
 * scrollback keeps them), so the widths cannot grow later. A metric column fits any formatMetric value up to
 * `-0.123`; a wider value shifts its row rather than being cut.
 */
export interface EpochLayout {
  keys: string[];
  columns: TableColumn[];
  widths: number[];
}

const METRIC_CELL = 6;
const TIME_CELL = 6; // `1m 05s`, `2h 03m`

export function epochLayout(first: EpochRecord): EpochLayout {
  const keys = orderedMetricKeys([first.metrics]);
  const columns: TableColumn[] = [
    { header: 'epoch', align: 'right' },
    ...keys.map((k): TableColumn => ({ header: metricLabel(k), align: 'right' })),
    { header: 'samples/s', align: 'right' },
    { header: 'time', align: 'right' },
    { header: '' },
  ];
  const widths = [
    Math.max(5, epochCounter(first.epochs, first.epochs).length),
    ...keys.map((k) => Math.max(metricLabel(k).length, METRIC_CELL)),
    'samples/s'.length,
    TIME_CELL,
    0,
  ];
  return { keys, columns, widths };
}

function layoutLine(layout: EpochLayout, cells: readonly string[]): string {
  return joinCells(cells.map((c, i) => pad(c, layout.widths[i] ?? 0, layout.columns[i]?.align ?? 'left')));
}

export function epochHeaderLine(layout: EpochLayout): string {
  return layoutLine(
    layout,
    layout.columns.map((c) => c.header),
  );
}

/** One row of the epoch table: counter, metrics, samples/s (one unit: whole samples a second), time, mark. */
export function epochRowLine(layout: EpochLayout, r: EpochRecord): string {
  return layoutLine(layout, [
    epochCounter(r.epoch, r.epochs),
    ...layout.keys.map((k) => {
      const v = r.metrics[k];
      return v === undefined ? '' : formatEpochValue(k, v);
    }),
    formatSamplesPerSec(r.samplesPerSec),
    formatDuration(r.seconds),
    r.best ? NEW_BEST : '',
  ]);
}

export function earlyStopText(e: EarlyStop): string {
  return `early stop after epoch ${e.epoch}: best ${e.monitor} ${formatMetric(e.best)} at epoch ${e.bestEpoch}`;
}

/**
 * The trainer's verdict in one line: the best epoch by the monitored metric, and whose weights the model keeps,
 * which are the ones evaluated and saved. `best epoch 3 of 12 (val_loss 0.388); evaluated: epoch 12 (the last)`.
 */
export function trainingEndText(o: TrainingOutcome): string {
  const last = o.evaluatedEpoch === o.epochs ? ' (the last)' : '';
  if (o.bestEpoch === undefined) return `no best epoch (${o.monitor} was never finite); evaluated: epoch ${o.evaluatedEpoch}${last}`;
  const best = `best epoch ${o.bestEpoch} of ${o.epochs} (${o.monitor} ${formatMetric(o.best ?? Number.NaN)})`;
  if (o.evaluatedEpoch !== o.bestEpoch) return `${best}; evaluated: epoch ${o.evaluatedEpoch}${last}`;
  return `${best}, evaluated${o.restoredBest && o.bestEpoch !== o.epochs ? ' (weights restored)' : ''}`;
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

/** Classes (or labels) the per-class table shows in full; above, the ones with the most examples. */
export const PER_CLASS_SHOWN_MAX = 30;

/** Which classes the per-class table shows: all of them, or the PER_CLASS_SHOWN_MAX with the most examples (in class order). */
export function shownClasses(r: EvaluationResult, max = PER_CLASS_SHOWN_MAX): EvaluationResult['perClass'] {
  if (r.perClass.length <= max) return r.perClass;
  const keep = new Set(
    r.perClass
      .map((c, i) => ({ i, support: c.support }))
      .sort((a, b) => b.support - a.support || a.i - b.i)
      .slice(0, max)
      .map((c) => c.i),
  );
  return r.perClass.filter((_, i) => keep.has(i));
}

/** The line under a per-class table that does not show every class, else undefined. */
export function perClassNote(r: EvaluationResult, max = PER_CLASS_SHOWN_MAX): string | undefined {
  const n = r.perClass.length;
  if (n <= max) return undefined;
  const kind = r.labels.length === 0 ? 'labels' : 'classes';
  return `the ${max} ${kind} with the most examples of ${formatCount(n)}; the macro average is over all of them, and metrics.json lists every one`;
}

/** Per-class precision/recall/F1/support (at most PER_CLASS_SHOWN_MAX rows, see shownClasses), with a macro-average row last. */
export function perClassTable(r: EvaluationResult, max = PER_CLASS_SHOWN_MAX): { columns: TableColumn[]; rows: string[][] } {
  const columns: TableColumn[] = [
    { header: r.labels.length === 0 ? 'label' : 'class', maxWidth: 24 },
    { header: 'precision', align: 'right' },
    { header: 'recall', align: 'right' },
    { header: 'f1', align: 'right' },
    { header: 'support', align: 'right' },
  ];
  const rows = shownClasses(r, max).map((c) => [
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

/**
 * Binary task: precision, recall and F1 of the positive class at thresholds 0.1, 0.2, ..., 0.9 and at the one
 * the model uses (marked `*`), so a person can pick another `target.threshold` without opening the artifacts.
 */
export function thresholdsTable(r: EvaluationResult): { columns: TableColumn[]; rows: string[][]; used: number } | undefined {
  const all = r.thresholds;
  if (!all || all.length === 0) return undefined;
  const near = (a: number, b: number): boolean => Math.abs(a - b) < 1e-9;
  const shown = all.filter(
    (t) => near(t.threshold * 10, Math.round(t.threshold * 10)) || (r.threshold !== undefined && near(t.threshold, r.threshold)),
  );
  const used = shown.findIndex((t) => r.threshold !== undefined && near(t.threshold, r.threshold));
  return {
    columns: [
      { header: 'threshold', align: 'right' },
      { header: 'precision', align: 'right' },
      { header: 'recall', align: 'right' },
      { header: 'f1', align: 'right' },
      { header: '' },
    ],
    rows: shown.map((t, i) => [
      formatMetric(t.threshold),
      formatMetric(t.precision),
      formatMetric(t.recall),
      formatMetric(t.f1),
      i === used ? '* used' : '',
    ]),
    used,
  };
}

export function thresholdsTitle(r: EvaluationResult): string {
  const auc = r.curves ? ` (ROC AUC ${formatMetric(r.curves.rocAuc)}, average precision ${formatMetric(r.curves.averagePrecision)})` : '';
  return `positive class '${r.labels[1] ?? 'positive'}' by decision threshold${auc}`;
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
    const note = perClassNote(r);
    if (note) lines.push(`${indent}(${note})`);
  }
  const t = thresholdsTable(r);
  if (t) lines.push('', thresholdsTitle(r), ...formatTable(t.columns, t.rows, { indent }));
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

/**
 * Where to look at a run: on a tracking server its page (`http://host:5000/#/experiments/1/runs/abc`), on a
 * file store the command that opens MLflow's UI on it. Runs and sweeps (the parent run) both use it.
 */
export function viewLine(trackingUri: string, experimentId: string, runId: string): string {
  return isRemote(trackingUri)
    ? `${trackingUri.replace(/\/+$/, '')}/#/experiments/${experimentId}/runs/${runId}`
    : `mlflow ui --backend-store-uri ${shellQuote(trackingUri)}`;
}

/** How to look at the run afterwards: the MLflow UI command (or the server's run page) and the artifacts. */
export function whereToSee(e: RunEnd): Field[] {
  const fields: Field[] = [{ label: 'view', lines: [viewLine(e.trackingUri, e.experimentId, e.runId)] }];
  if (e.artifactDir) fields.push({ label: 'artifacts', lines: [e.artifactDir] });
  return fields;
}

/**
 * One self-contained HTML page per run: no scripts, no external requests (inline CSS, plots inlined
 * as SVG), everything from the run escaped. Made to read well inside the MLflow UI's artifact viewer
 * (an iframe a few hundred pixels wide and tall) as well as in a browser tab.
 */
import { formatDuration } from '../format/duration.js';
import { CONFUSION_PLOT_MAX_CLASSES } from './confusion-matrix.js';
import { formatMetric, metricLabel } from './labels.js';
import type { RunReportInput } from './types.js';

export interface ReportPlot {
  /** heading shown above the plot */
  title: string;
  svg: string;
  /** natural width in px; the inlined plot shrinks with the page down to 3/4 of it, then scrolls */
  width?: number;
  /** artifact paths of the same plot, linked under it (relative, inside the run's artifacts) */
  files?: readonly string[];
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** escapes text for HTML element content and quoted attribute values */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/**
 * Prepares a Vega SVG for inlining: drops any XML prolog, gives its ids (clip paths, gradients) a
 * prefix so that two plots on one page cannot take each other's, lets it scale down with the page,
 * and removes anything that could run or fetch (there is none in Vega's output; this is a guard).
 */
export function inlineSvg(svg: string, idPrefix: string, label: string, width?: number): string {
  let out = svg.replace(/^\s*<\?xml[^>]*>\s*/, '').replace(/<!DOCTYPE[^>]*>\s*/i, '');
  out = out
    .replace(/<script[\s\S]*?<\/script\s*>/gi, '')
    .replace(/<foreignObject[\s\S]*?<\/foreignObject\s*>/gi, '')
    .replace(/\son[a-z]+\s*=\s*("[^"]*"|'[^']*')/gi, '')
    .replace(/\s(?:xlink:)?href\s*=\s*("(?!#)[^"]*"|'(?!#)[^']*')/gi, '');
  out = out
    .replace(/\sid="([^"]+)"/g, (_, id: string) => ` id="${idPrefix}${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_, id: string) => `url(#${idPrefix}${id})`)
    .replace(/((?:xlink:)?href)="#([^"]+)"/g, (_, attr: string, id: string) => `${attr}="#${idPrefix}${id}"`);
  const minWidth = width ? ` style="min-width: ${Math.round(width * 0.75)}px"` : '';
  return out.replace(/<svg\b/, `<svg role="img" aria-label="${escapeHtml(label)}" preserveAspectRatio="xMinYMin meet"${minWidth}`);
}

const STATUS_CLASS: Record<string, string> = { FINISHED: 'ok', FAILED: 'bad', KILLED: 'warn', RUNNING: 'info', SCHEDULED: 'info' };

function formatTime(t: number | string | Date): string {
  const d = t instanceof Date ? t : new Date(t);
  return Number.isNaN(d.getTime())
    ? String(t)
    : d
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, ' UTC');
}

/** Per-class rows the report shows at most (the classes with the most examples, in class order). */
export const REPORT_PER_CLASS_MAX = 100;

function mostSupported<T extends { support: number }>(rows: readonly T[], max: number): readonly T[] {
  if (rows.length <= max) return rows;
  const keep = new Set(
    rows
      .map((r, i) => ({ i, support: r.support }))
      .sort((a, b) => b.support - a.support || a.i - b.i)
      .slice(0, max)
      .map((r) => r.i),
  );
  return rows.filter((_, i) => keep.has(i));
}

const int = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : String(n));

function table(head: readonly string[], rows: readonly (readonly string[])[], numericFrom = 1, rowClass?: (i: number) => string): string {
  const th = head.map((h, i) => `<th${i >= numericFrom ? ' class="num"' : ''}>${h}</th>`).join('');
  const body = rows
    .map((r, ri) => {
      const cls = rowClass?.(ri);
      return `<tr${cls ? ` class="${cls}"` : ''}>${r.map((c, i) => `<td${i >= numericFrom ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`;
    })
    .join('\n');
  return `<div class="scroll"><table>\n<thead><tr>${th}</tr></thead>\n<tbody>\n${body}\n</tbody></table></div>`;
}

/** key → value rows; values are already-escaped HTML */
function definitionTable(rows: readonly (readonly [string, string])[]): string {
  return `<table class="kv"><tbody>\n${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${v}</td></tr>`).join('\n')}\n</tbody></table>`;
}

function summaryRows(input: RunReportInput): [string, string][] {
  const { run, summary } = input;
  const rows: [string, string][] = [];
  const add = (k: string, v: string | undefined): void => {
    if (v !== undefined && v !== '') rows.push([k, v]);
  };
  add('Experiment', (run.experiment ?? summary?.experiment) !== undefined ? escapeHtml(run.experiment ?? summary?.experiment) : undefined);
  add('Run ID', `<code>${escapeHtml(run.id)}</code>`);
  if (run.startTime !== undefined) add('Started', escapeHtml(formatTime(run.startTime)));
  if (run.durationSeconds !== undefined) add('Duration', escapeHtml(formatDuration(run.durationSeconds)));
  if (summary?.configPath) add('Config', `<code>${escapeHtml(summary.configPath)}</code>`);
  if (summary?.task) {
    const k = summary.classes?.length;
    add('Task', escapeHtml(summary.task + (k ? `, ${k} classes` : '')));
  }
  if (summary?.modalities?.length) {
    const items = summary.modalities.map((m) => {
      const shape = m.featureShape?.length ? ` ${m.featureShape.join('×')}` : '';
      const emb = m.embeddingDim ? ` → ${m.embeddingDim}` : '';
      return `<li><b>${escapeHtml(m.name)}</b>: ${escapeHtml(m.modality)}, encoder <code>${escapeHtml(m.encoder)}</code>${escapeHtml(shape + emb)}</li>`;
    });
    add('Inputs', `<ul class="plain">${items.join('')}</ul>`);
  }
  if (summary?.fusion) add('Fusion', `<code>${escapeHtml(summary.fusion)}</code>`);
  if (summary?.backend) add('Backend', escapeHtml(summary.backend));
  if (summary?.data) {
    add(
      'Data',
      escapeHtml(
        Object.entries(summary.data)
          .map(([split, n]) => `${split} ${int(n)}`)
          .join(' · '),
      ),
    );
  }
  if (summary?.parameters !== undefined) add('Parameters', escapeHtml(int(summary.parameters)));
  const training: string[] = [];
  if (summary?.epochs !== undefined) training.push(`${input.history.length || 0} of ${summary.epochs} epochs`);
  else if (input.history.length) training.push(`${input.history.length} epochs`);
  if (summary?.batchSize !== undefined) training.push(`batch size ${summary.batchSize}`);
  const o = input.outcome;
  if (o?.bestEpoch !== undefined) training.push(`best epoch ${o.bestEpoch} (${o.monitor} ${formatMetric(o.best ?? Number.NaN)})`);
  if (o) training.push(`evaluated: the weights of epoch ${o.evaluatedEpoch}`);
  if (o?.stoppedEarly) training.push('stopped early');
  if (training.length) add('Training', escapeHtml(training.join(' · ')));
  for (const [k, v] of Object.entries(input.extra ?? {})) add(k, escapeHtml(v));
  return rows;
}

function historyTable(input: RunReportInput): string {
  const keys: string[] = [];
  for (const h of input.history) for (const k of Object.keys(h.metrics)) if (!keys.includes(k)) keys.push(k);
  const o = input.outcome;
  const mark = (epoch: number): string =>
    [epoch === o?.bestEpoch ? 'best' : '', epoch === o?.evaluatedEpoch ? 'evaluated' : ''].filter(Boolean).join(', ');
  const rows = input.history.map((h) => [
    escapeHtml(h.epoch),
    ...keys.map((k) => (h.metrics[k] === undefined ? '' : escapeHtml(formatMetric(h.metrics[k]!)))),
    escapeHtml(mark(h.epoch)),
  ]);
  return table(['Epoch', ...keys.map(escapeHtml), ''], rows, 1, (i) => (input.history[i]?.epoch === o?.bestEpoch ? 'best' : ''));
}

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; padding: 20px 24px 32px; background: #fff; color: #1a1a1a;
  font: 14px/1.45 -apple-system, BlinkMacSystemFont, "Segoe UI", "DejaVu Sans", Helvetica, Arial, sans-serif; }
main { max-width: 1080px; }
header h1 { font-size: 22px; margin: 0 0 4px; word-break: break-word; }
header .sub { color: #555; font-size: 13px; }
h2 { font-size: 16px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 1px solid #e3e3e3; }
h3 { font-size: 14px; margin: 18px 0 8px; }
code, pre { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12.5px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; vertical-align: 3px; margin-left: 6px; }
.badge.ok { background: #e3f4e8; color: #17692f; } .badge.bad { background: #fde7e7; color: #a11a1a; }
.badge.warn { background: #fff1d6; color: #8a5300; } .badge.info { background: #e5effa; color: #1c4f8a; }
.error { background: #fdf0f0; border-left: 3px solid #c62828; padding: 8px 12px; white-space: pre-wrap; word-break: break-word; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 6px 0 4px; }
.card { border: 1px solid #e3e3e3; border-radius: 6px; padding: 8px 14px; min-width: 120px; }
.card .k { color: #555; font-size: 12px; } .card .v { font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 12px 4px 0; text-align: left; vertical-align: top; }
thead th { border-bottom: 1px solid #bbb; font-weight: 600; white-space: nowrap; }
tbody tr + tr td { border-top: 1px solid #f0f0f0; }
td.num, th.num { text-align: right; padding-left: 12px; }
tr.best td { background: #fff7e0; }
table.kv th { color: #555; font-weight: normal; padding-right: 18px; white-space: nowrap; }
ul.plain { margin: 0; padding: 0; list-style: none; }
figure { margin: 8px 0 24px; overflow-x: auto; }
figure svg { max-width: 100%; height: auto; display: block; }
figcaption { color: #555; font-size: 12px; margin-top: 4px; }
p.note { color: #555; font-size: 13px; }
pre { background: #f7f7f8; border: 1px solid #e6e6e6; border-radius: 4px; padding: 10px 12px; overflow-x: auto; white-space: pre; }
details summary { cursor: pointer; color: #333; margin: 4px 0; }
footer { margin-top: 32px; color: #777; font-size: 12px; }
`;

/** The page. `plots` are inlined in the order given. */
export function reportHtml(input: RunReportInput, plots: readonly ReportPlot[]): string {
  const { run, test } = input;
  const status = run.status ? `<span class="badge ${STATUS_CLASS[run.status] ?? 'info'}">${escapeHtml(run.status)}</span>` : '';
  const parts: string[] = [];
  parts.push(
    `<header><h1>${escapeHtml(run.name)}${status}</h1><div class="sub">${escapeHtml(
      [run.experiment ?? input.summary?.experiment, `run ${run.id}`].filter(Boolean).join(' · '),
    )}</div></header>`,
  );
  if (run.error) parts.push(`<h2>Error</h2><div class="error">${escapeHtml(run.error)}</div>`);

  if (test) {
    const split = test.split || 'test';
    const n = test.perClass.reduce((a, p) => a + p.support, 0);
    const cards = Object.entries(test.metrics)
      .map(
        ([k, v]) =>
          `<div class="card" title="${escapeHtml(`${split}_${k}`)}"><div class="k">${escapeHtml(metricLabel(k))}</div><div class="v">${escapeHtml(formatMetric(v))}</div></div>`,
      )
      .join('');
    parts.push(
      `<h2>Results on the ${escapeHtml(split)} split${n ? ` (${escapeHtml(int(n))} examples)` : ''}</h2><div class="cards">${cards}</div>`,
    );
  }

  const unplotted =
    test && test.labels.length > CONFUSION_PLOT_MAX_CLASSES
      ? `<p class="note">The confusion matrix is not plotted: ${escapeHtml(int(test.labels.length))} classes, more than ${CONFUSION_PLOT_MAX_CLASSES}. ` +
        '<code>confusion_matrix.csv</code> has its counts.</p>'
      : '';
  if (plots.length || unplotted) {
    parts.push('<h2>Plots</h2>');
    plots.forEach((p, i) => {
      const links = p.files?.length ? `<figcaption>${p.files.map((f) => `<code>${escapeHtml(f)}</code>`).join(' · ')}</figcaption>` : '';
      parts.push(`<figure>${inlineSvg(p.svg, `p${i}-`, p.title, p.width)}${links}</figure>`);
    });
    if (unplotted) parts.push(unplotted);
  }

  if (test?.perClass.length) {
    const shown = mostSupported(test.perClass, REPORT_PER_CLASS_MAX);
    const rows = shown.map((c) => [
      escapeHtml(c.label),
      escapeHtml(formatMetric(c.precision)),
      escapeHtml(formatMetric(c.recall)),
      escapeHtml(formatMetric(c.f1)),
      escapeHtml(int(c.support)),
    ]);
    const more =
      shown.length < test.perClass.length
        ? `<p class="note">The ${REPORT_PER_CLASS_MAX} classes with the most examples of ${escapeHtml(int(test.perClass.length))}; ` +
          '<code>metrics.json</code> lists every one.</p>'
        : '';
    parts.push(
      `<h2>Per class (${escapeHtml(test.split || 'test')})</h2>${table(['Class', 'Precision', 'Recall', 'F1', 'Support'], rows)}${more}`,
    );
  }

  if (test?.thresholds?.length) {
    const used = test.threshold;
    const rows = test.thresholds.map((r) => [
      escapeHtml(formatMetric(r.threshold)),
      escapeHtml(formatMetric(r.precision)),
      escapeHtml(formatMetric(r.recall)),
      escapeHtml(formatMetric(r.f1)),
    ]);
    const usedIndex = test.thresholds.findIndex((r) => used !== undefined && Math.abs(r.threshold - used) < 1e-9);
    parts.push(
      `<h2>Decision threshold (${escapeHtml(test.split || 'test')}, positive class)</h2>` +
        table(['Threshold', 'Precision', 'Recall', 'F1'], rows, 0, (i) => (i === usedIndex ? 'best' : '')) +
        (used !== undefined
          ? `<p>The metrics above use threshold ${escapeHtml(formatMetric(used))} (<code>target.threshold</code>).</p>`
          : ''),
    );
  }

  parts.push(`<h2>Run</h2>${definitionTable(summaryRows(input))}`);

  if (input.history.length) {
    const history = historyTable(input);
    parts.push(
      input.history.length > 20
        ? `<h2>Training history</h2><details><summary>${escapeHtml(input.history.length)} epochs</summary>${history}</details>`
        : `<h2>Training history</h2>${history}`,
    );
  }

  if (input.configYaml !== undefined) parts.push(`<h2>Configuration (resolved)</h2><pre>${escapeHtml(input.configYaml)}</pre>`);

  const generated = input.generatedAt ?? new Date();
  parts.push(`<footer>Generated by mmx on ${escapeHtml(formatTime(generated))}.</footer>`);

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(`${run.name} · mmx run report`)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${parts.join('\n')}
</main>
</body>
</html>
`;
}

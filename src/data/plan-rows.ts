/**
 * A run's rows before any input is read: the input columns checked, the split assigned, rows without a label
 * handled, the target fitted on the training split and every labelled row checked against it.
 */
import path from 'node:path';
import { suggestion } from '../config/did-you-mean.js';
import { ConfigError, type ConfigIssue } from '../config/issues.js';
import type { CheckedConfig } from '../experiment/semantic.js';
import type { RunEvent } from '../core/run-events.js';
import { DataError } from './errors.js';
import { findModality } from './modalities/index.js';
import type { TargetState } from './preprocessing-state.js';
import { manifestName } from './read-inputs.js';
import { assignSplits, type SplitIndices } from './split.js';
import { fitTarget, targetEncoder, type TargetEncoder } from './target.js';

type Emit = (e: RunEvent) => void;

/** Checks the inputs' extra columns and modality-specific rules, with the config's positions. */
function checkInputs(checked: CheckedConfig): void {
  const { config, manifest, sources } = checked;
  const issues: ConfigIssue[] = [];
  const at = (p: (string | number)[], message: string, hint?: string): void => {
    issues.push({ ...(sources.locate(p) ?? { file: checked.file }), path: p.join('.'), message, ...(hint ? { hint } : {}) });
  };
  for (const [name, input] of Object.entries(config.inputs)) {
    const modality = findModality(input.type);
    for (const issue of modality.check?.(input) ?? []) at(['inputs', name, ...issue.path], issue.message, issue.hint);
    const extra = (input as { columns?: string[] }).columns ?? [];
    extra.forEach((c, j) => {
      if (!manifest.columns.includes(c))
        at(
          ['inputs', name, 'columns', j],
          `input '${name}' column '${c}' is not in ${path.basename(manifest.file)}`,
          suggestion(c, manifest.columns, 'one of the columns'),
        );
    });
  }
  if (issues.length) throw new ConfigError(issues);
}

/** The rows a run uses and what it learns about the target, before any input is read. */
export interface RowPlan {
  /** the target cell of every manifest row (trimmed) */
  labels: string[];
  splits: SplitIndices;
  target: TargetState;
  targetEnc: TargetEncoder;
  /** every row of the three splits, in split order (train, validation, test) */
  used: number[];
}

/**
 * What a run does first, from the manifest's cells alone: the input columns' checks, the split, rows without a
 * label, the classes (or labels, or the target statistics) of the training split, and every labelled row checked
 * against them. `mmx validate` runs it to find before any run what the run would stop on: an empty split, a
 * single class, a label the training split lacks. Cheap: no file is opened.
 * @throws DataError or ConfigError naming the row, the column or the config line
 */
export function planRows(checked: CheckedConfig, emit: Emit = () => {}): RowPlan {
  const { config, manifest } = checked;
  const file = manifestName(manifest);
  checkInputs(checked);
  const targetCol = config.target.column;
  const labels = manifest.rows.map((r) => (r[targetCol] ?? '').trim());
  const splits = assignSplits(manifest, config.data.split, labels, config.seed);
  const where = (i: number, column: string) => ({ file, line: manifest.lines[i]!, row: i + 1, column });

  if (config.target.missing === 'drop_row') {
    let dropped = 0;
    for (const name of ['train', 'validation', 'test'] as const) {
      const before = splits[name].length;
      splits[name] = splits[name].filter((i) => labels[i] !== '');
      dropped += before - splits[name].length;
    }
    if (dropped)
      emit({
        type: 'log',
        level: 'warn',
        message: `left out ${dropped.toLocaleString('en-US')} row(s) without a label in column ${targetCol} (target.missing: drop_row)`,
      });
  }
  for (const i of [...splits.train, ...splits.validation, ...splits.test]) {
    if (labels[i] === '') {
      const hint =
        config.target.task === 'multilabel'
          ? `a multilabel cell lists one or more labels separated by '${config.target.delimiter ?? '|'}'`
          : 'every row needs a value in the target column';
      throw new DataError(
        config.target.task === 'multilabel' ? 'the label list is empty' : 'the label is missing',
        where(i, targetCol),
        `${hint}, or set target.missing: drop_row`,
      );
    }
  }
  // an empty split (few rows for the ratios, or every label missing) stops the run before anything is learned
  for (const name of ['train', 'validation', 'test'] as const) {
    if (splits[name].length === 0) {
      throw new DataError(
        `the ${name} split is empty${config.target.missing === 'drop_row' ? ' once rows without a label are left out' : ''}`,
        { file },
        config.data.split.ratios ? 'use more rows, or a larger ratio for it' : undefined,
      );
    }
  }
  const target = fitTarget(checked, labels, splits, where);
  const targetEnc = targetEncoder(target, (i) => labels[i]!, where);
  // every labelled row is checked now (unseen classes, bad numbers), before anything is read
  const probe = new Float32Array(targetEnc.width);
  for (const i of [...splits.validation, ...splits.test]) targetEnc.encode(i, probe);

  return { labels, splits, target, targetEnc, used: [...splits.train, ...splits.validation, ...splits.test] };
}

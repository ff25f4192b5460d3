/**
 * Defaults that depend on other keys of the config, which a JSON Schema `default` cannot say. They are filled in
 * after `extends` and `--set`, before validation (so Ajv then checks them and applies the defaults inside them),
 * and each is stated in the schema's description of its key:
 *
 * - `data.split`: with `data.dataset`, `{column: split}` (every built-in data set has that column); with
 *   `data.path` it must be written (a clear error here, not the schema's "missing required key").
 * - `fusion.hidden`: `[128]` with two or more inputs; `[]` with one (its encoder's output goes straight to the
 *   head: there is nothing to fuse).
 * - a numeric input with `columns` only: the first of them is its `column`.
 */
import { DATASET_SPLIT_COLUMN } from '../datasets/names.js';
import type { ConfigIssue } from '../config/issues.js';
import { isPlainObject } from '../config/merge.js';
import type { SourceMap } from '../config/source-map.js';

/** `fusion.hidden` when not written: one hidden layer of 128 units after fusing two or more inputs. */
export const DEFAULT_FUSION_HIDDEN = [128];

/** Fills in the context-dependent defaults in place; returns the problems found (a missing `data.split`). */
export function applyContextDefaults(config: unknown, sources: SourceMap): ConfigIssue[] {
  if (!isPlainObject(config)) return [];
  const issues: ConfigIssue[] = [];
  const data = config.data;
  if (isPlainObject(data) && data.split === undefined) {
    if (data.dataset !== undefined && data.path === undefined) {
      data.split = { column: DATASET_SPLIT_COLUMN };
    } else if (data.path !== undefined && data.dataset === undefined) {
      issues.push({
        ...(sources.locate(['data'], true) ?? { file: '?' }),
        path: 'data.split',
        message: 'data.path needs data.split: which rows are for training, validation and test',
        hint: "split: {column: split} (a manifest column naming each row's split) or split: {ratios: {train: 0.8, validation: 0.1, test: 0.1}}",
      });
    }
  }

  const inputs = isPlainObject(config.inputs) ? config.inputs : {};
  for (const [name, input] of Object.entries(inputs)) {
    if (!isPlainObject(input) || input.type !== 'numeric' || input.column !== undefined) continue;
    const columns = input.columns;
    if (!Array.isArray(columns) || columns.length === 0) continue;
    input.column = columns[0];
    sources.move(['inputs', name, 'columns', 0], ['inputs', name, 'column']);
    for (let i = 1; i < columns.length; i++) sources.move(['inputs', name, 'columns', i], ['inputs', name, 'columns', i - 1]);
    if (columns.length === 1) delete input.columns;
    else input.columns = columns.slice(1);
  }

  const fusion = config.fusion;
  if ((fusion === undefined || isPlainObject(fusion)) && (fusion === undefined || fusion.hidden === undefined)) {
    const hidden = Object.keys(inputs).length > 1 ? [...DEFAULT_FUSION_HIDDEN] : [];
    if (fusion === undefined) config.fusion = { hidden };
    else fusion.hidden = hidden;
  }
  return issues;
}

/**
 * Small trained models on subsets of the real data sets, for the tests of what happens to a model after training
 * (serving, the library's predict, plain-tfjs loading): a config written into a temp folder, trained through the
 * public `runExperiment` into that folder's ./runs, in a couple of seconds each.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { runExperiment } from '../../src/api/run.js';
import type { RunResult } from '../../src/runner/run-result.js';
import { dataPath } from './data.js';

export interface TinyModel {
  run: RunResult;
  /** the run's artifacts folder */
  artifacts: string;
  /** artifacts/model: MLmodel, model.json, weights.bin, preprocessing.json, ... */
  modelDir: string;
}

/**
 * The first `perSplit` rows of each split of a data set's manifest (the first rows of each class, when `byClass`),
 * written to `dir/<name>.csv` with file paths made absolute.
 */
export function manifestSubset(
  dataset: string,
  dir: string,
  perSplit: { train: number; validation: number; test: number },
  options: { byClass?: boolean; fileColumns?: string[] } = {},
): string {
  const src = dataPath(dataset, 'manifest.csv');
  const rows = parse(readFileSync(src, 'utf8'), { columns: true }) as Record<string, string>[];
  const columns = Object.keys(rows[0]!);
  const taken = new Map<string, number>();
  const out = [columns.join(',')];
  const quote = (v: string): string => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  for (const r of rows) {
    const split = r['split'] as keyof typeof perSplit;
    const key = options.byClass ? `${split}/${r['label']}` : split;
    const n = taken.get(key) ?? 0;
    if (n >= perSplit[split]) continue;
    taken.set(key, n + 1);
    for (const c of options.fileColumns ?? []) r[c] = path.resolve(path.dirname(src), r[c]!);
    out.push(columns.map((c) => quote(r[c] ?? '')).join(','));
  }
  const file = path.join(dir, `${dataset}.csv`);
  writeFileSync(file, out.join('\n') + '\n');
  return file;
}

/** Trains `yaml` (a config whose data.path is relative to `dir`) and returns where its model is. */
export async function trainTiny(dir: string, name: string, yaml: string): Promise<TinyModel> {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, yaml);
  const run = await runExperiment(file);
  if (!run.artifactDir) throw new Error(`run ${run.runId} has no local artifacts folder`);
  return { run, artifacts: run.artifactDir, modelDir: path.join(run.artifactDir, 'model') };
}

/** predictions/test.csv of a run, as rows of cells. */
export function testPredictions(artifacts: string): Record<string, string>[] {
  return parse(readFileSync(path.join(artifacts, 'predictions', 'test.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
}

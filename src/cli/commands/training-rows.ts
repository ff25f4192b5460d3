/**
 * `mmx evaluate` without `--split`: do the rows include rows the model was trained on? Metrics on training rows
 * overstate how well a model generalises, so evaluate says so.
 *
 * - A model trained with `data.split.column`: the rows whose split column holds the training value are its
 *   training rows (counted exactly).
 * - A model trained with `data.split.ratios` (no split column to read): when the file is the very manifest the
 *   run was trained on (the same sha256 as the run's `mmx.data_hash`), about the training share of its rows are
 *   training rows; which ones is the run's seeded shuffle.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Manifest } from '../../data/manifest.js';
import type { LoadedRunModel } from '../../runner/load-run-model.js';

/** The run's tags and params, from the tracking store (a run id) or beside an `artifacts/` folder of a file store. */
async function runRecord(loaded: LoadedRunModel): Promise<{ dataHash?: string; trainShare?: number }> {
  let tags: Record<string, string> = {};
  let params: Record<string, string> = {};
  if (loaded.tracker?.getRunData && loaded.runId) {
    try {
      const data = await loaded.tracker.getRunData(loaded.runId);
      tags = data.tags;
      params = data.params;
    } catch {
      return {};
    }
  } else {
    const runDir = path.dirname(loaded.from);
    const read = (kind: string, key: string): string | undefined => {
      const file = path.join(runDir, kind, key);
      return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    };
    const hash = read('tags', 'mmx.data_hash');
    const share = read('params', 'data.split.ratios.train');
    if (hash !== undefined) tags['mmx.data_hash'] = hash;
    if (share !== undefined) params['data.split.ratios.train'] = share;
  }
  const share = Number(params['data.split.ratios.train']);
  return {
    ...(tags['mmx.data_hash'] ? { dataHash: tags['mmx.data_hash'] } : {}),
    ...(Number.isFinite(share) && share > 0 ? { trainShare: share } : {}),
  };
}

/** A warning when the rows to evaluate include the model's training rows; undefined when they do not (or it cannot tell). */
export async function trainingRowsWarning(loaded: LoadedRunModel, manifest: Manifest): Promise<string | undefined> {
  const split = loaded.state.split;
  const advice = 'metrics on them overstate how well the model generalises';
  if (split?.column !== undefined) {
    if (!manifest.columns.includes(split.column)) return undefined;
    const value = split.values?.train ?? 'train';
    const n = manifest.rows.filter((r) => (r[split.column!] ?? '').trim() === value).length;
    if (n === 0) return undefined;
    return (
      `${n} of ${manifest.rows.length} rows are in the model's training split (${split.column} = '${value}'): ${advice}; ` +
      `--split test evaluates the held-out test rows only`
    );
  }
  const run = await runRecord(loaded);
  if (run.dataHash === undefined) return undefined;
  const hash = createHash('sha256').update(readFileSync(manifest.file)).digest('hex');
  if (hash !== run.dataHash) return undefined;
  const share = run.trainShare !== undefined ? `about ${Math.round(run.trainShare * 100)}% of its rows` : 'its training rows';
  return (
    `${path.basename(manifest.file)} is the manifest the model was trained on (the same sha256), split by ratios: ` +
    `${share} were used for training, and ${advice}; evaluate rows the model has not seen ` +
    `(the run's test predictions are in its artifacts, predictions/test.csv)`
  );
}

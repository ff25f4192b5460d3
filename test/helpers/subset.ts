import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { dataPath } from './data.js';

/**
 * A small stratified subset of the real AV-MNIST-style manifest, written to `dir/manifest.csv` with
 * absolute file paths: `perClass` rows of each digit from each split; `extraColumns` (e.g. fsdd_speaker) copied too.
 */
export function avmnistSubset(
  dir: string,
  perClass: { train: number; validation: number; test: number },
  extraColumns: readonly string[] = [],
): string {
  const src = dataPath('avmnist', 'manifest.csv');
  const base = path.dirname(src);
  const rows = parse(readFileSync(src, 'utf8'), { columns: true }) as Record<string, string>[];
  const taken = new Map<string, number>();
  const out = [['image_path', 'audio_path', 'label', 'split', ...extraColumns].join(',')];
  for (const r of rows) {
    const key = `${r.split}/${r.label}`;
    const n = taken.get(key) ?? 0;
    if (n >= perClass[r.split as keyof typeof perClass]) continue;
    taken.set(key, n + 1);
    out.push(
      [path.resolve(base, r.image_path!), path.resolve(base, r.audio_path!), r.label, r.split, ...extraColumns.map((c) => r[c] ?? '')].join(
        ',',
      ),
    );
  }
  const file = path.join(dir, 'manifest.csv');
  writeFileSync(file, out.join('\n') + '\n');
  return file;
}

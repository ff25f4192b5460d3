/** Assigns manifest rows to train / validation / test, by a column or by seeded ratios (optionally stratified). */
import type { SplitConfig } from '../experiment/schema.js';
import { DataError } from './errors.js';
import type { Manifest } from './manifest.js';
import { rng, shuffleInPlace } from '../core/random.js';

export interface SplitIndices {
  train: number[];
  validation: number[];
  test: number[];
  /** rows whose split value is none of the three (left out) */
  unassigned: number;
}

export function assignSplits(manifest: Manifest, split: SplitConfig, labels: readonly string[], seed: number): SplitIndices {
  if (split.column !== undefined) {
    const col = split.column;
    const out: SplitIndices = { train: [], validation: [], test: [], unassigned: 0 };
    manifest.rows.forEach((row, i) => {
      const v = (row[col] ?? '').trim();
      if (v === split.train) out.train.push(i);
      else if (v === split.validation) out.validation.push(i);
      else if (v === split.test) out.test.push(i);
      else out.unassigned += 1;
    });
    for (const name of ['train', 'validation', 'test'] as const) {
      if (out[name].length === 0) {
        const values = [...new Set(manifest.rows.map((r) => r[col] ?? ''))].slice(0, 10);
        throw new DataError(
          `no rows have ${col} = '${split[name]}' (the ${name} split is empty)`,
          { file: manifest.file, column: col },
          `values found in column ${col}: ${values.map((v) => `'${v}'`).join(', ')}; set data.split.${name} to the value you use`,
        );
      }
    }
    return out;
  }
  const ratios = split.ratios!;
  const random = rng(split.seed ?? seed);
  const groups = new Map<string, number[]>();
  manifest.rows.forEach((_, i) => {
    const key = split.stratify ? (labels[i] ?? '') : '';
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(i);
  });
  const out: SplitIndices = { train: [], validation: [], test: [], unassigned: 0 };
  for (const key of [...groups.keys()].sort()) {
    const idx = shuffleInPlace(groups.get(key)!, random);
    const nTest = Math.round(idx.length * ratios.test);
    const nVal = Math.round(idx.length * ratios.validation);
    out.test.push(...idx.slice(0, nTest));
    out.validation.push(...idx.slice(nTest, nTest + nVal));
    out.train.push(...idx.slice(nTest + nVal));
  }
  for (const part of [out.train, out.validation, out.test]) part.sort((a, b) => a - b);
  if (out.validation.length === 0 && ratios.validation > 0) {
    throw new DataError('the validation split is empty: too few rows for these ratios', { file: manifest.file });
  }
  return out;
}

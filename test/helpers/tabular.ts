import { writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A small three-class numeric data set for end-to-end tests that train in seconds: `m.csv` in `dir` with the
 * columns a, b (repeating fractions), label (c0–c2) and split — the first `train` rows train, the next
 * `validation` rows validation, the last `test` rows test.
 */
export function writeTabularManifest(dir: string, split: { train: number; validation: number; test: number }): void {
  const rows = ['a,b,label,split'];
  const total = split.train + split.validation + split.test;
  for (let i = 0; i < total; i++) {
    const part = i < split.train ? 'train' : i < split.train + split.validation ? 'validation' : 'test';
    rows.push(`${(i % 17) / 17},${(i % 13) / 13},c${i % 3},${part}`);
  }
  writeFileSync(path.join(dir, 'm.csv'), rows.join('\n') + '\n');
}

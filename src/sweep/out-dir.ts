/**
 * Where `mmx sweep` writes best.yaml and trials.csv when `--out` is not given: `.mmx/sweeps/<first 8 of the
 * parent run id>/` under the base directory (the folder the command was typed in), not a `sweep-<id>/` folder
 * beside the user's files. `.mmx/` holds a `.gitignore` of `*`, so it never shows up in `git status`. Both files
 * are also artifacts of the sweep's parent run (`sweep/`).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const MMX_DIR = '.mmx';

/** `<baseDir>/.mmx/sweeps/<id8>`; creates `.mmx/` with its `.gitignore` when missing. */
export function sweepOutDir(baseDir: string, parentRunId: string): string {
  const dotDir = path.join(baseDir, MMX_DIR);
  mkdirSync(dotDir, { recursive: true });
  const ignore = path.join(dotDir, '.gitignore');
  if (!existsSync(ignore)) writeFileSync(ignore, '# written by mmx: its scratch output (sweeps/<run id>/best.yaml, trials.csv)\n*\n');
  return path.join(dotDir, 'sweeps', parentRunId.slice(0, 8));
}

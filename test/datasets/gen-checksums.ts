/**
 * Writes src/datasets/checksums/<name>.json from a prepared copy of the data sets (the shared one):
 * `MMX_DATA_HOME=/work/shared/data npx tsx test/datasets/gen-checksums.ts`. Not a test; run it again only
 * when an entry's pinned upstream version changes. README.md files are documentation, not data: left out.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeGrayPixels } from '../../src/datasets/avmnist.js';
import { listFiles, sha256, sha256File } from '../../src/datasets/files.js';
import { DATASET_NAMES } from '../../src/datasets/names.js';
import type { ChecksumEntry } from '../../src/datasets/types.js';

const home = process.env.MMX_DATA_HOME ?? path.resolve(fileURLToPath(import.meta.url), '../../../../shared/data');
const outDir = path.resolve(fileURLToPath(import.meta.url), '../../../src/datasets/checksums');

for (const name of DATASET_NAMES) {
  const dir = path.join(home, name);
  const files: ChecksumEntry[] = [];
  for (const rel of await listFiles(dir)) {
    if (rel === 'README.md') continue;
    const abs = path.join(dir, rel);
    if (name === 'avmnist' && rel.endsWith('.png')) {
      const { width, height, pixels } = await decodeGrayPixels(abs);
      files.push({ path: rel, pixels: sha256(pixels), width, height });
    } else {
      files.push({ path: rel, size: statSync(abs).size, sha256: await sha256File(abs) });
    }
  }
  const doc: Record<string, unknown> = { dataset: name, manifestSha256: sha256(readFileSync(path.join(dir, 'manifest.csv'))), files };
  if (name === 'womens_clothing_reviews') {
    const lines = readFileSync(path.join(dir, 'manifest.csv'), 'utf8').trim().split('\n').slice(1);
    const validation: number[] = [];
    const test: number[] = [];
    for (const l of lines) {
      const id = Number(l.slice(0, l.indexOf(',')));
      if (l.endsWith(',validation')) validation.push(id);
      else if (l.endsWith(',test')) test.push(id);
    }
    doc.splits = { validation, test };
  }
  // one file per line: readable diffs, small enough
  const body = JSON.stringify(doc, null, 1).replace(
    /\{\n\s+"path": ([^\n]+)\n\s+"(\w+)": ([^\n]+)\n\s+"(\w+)": ([^\n]+)(?:\n\s+"(\w+)": ([^\n]+))?\n\s+\}/g,
    (_m, ...g: string[]) => `{"path": ${g[0]} "${g[1]}": ${g[2]} "${g[3]}": ${g[4]}${g[5] ? ` "${g[5]}": ${g[6]}` : ''}}`,
  );
  writeFileSync(path.join(outDir, `${name}.json`), body + '\n');
  console.log(`${name}: ${files.length} files`);
}

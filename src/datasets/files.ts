/** File helpers shared by the data set entries and the verifier. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { DatasetError } from './errors.js';

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** Every regular file below `dir`, as paths relative to it with `/` separators, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(path.join(dir, rel), { withFileTypes: true });
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(r);
      else if (e.isFile()) out.push(r);
    }
  };
  await walk('');
  return out.sort();
}

/**
 * The one file in the downloaded tree whose path ends with `suffix` (say `inst/extdata/penguins.csv`),
 * whatever folder the archive wraps it in (`palmerpenguins-<commit>/...` from GitHub, or none from a
 * mirror). macOS resource forks (`__MACOSX/`) are ignored.
 */
export async function findInRaw(rawDir: string, suffix: string, dataset: string): Promise<string> {
  const all = (await listFiles(rawDir)).filter((f) => !f.startsWith('__MACOSX/') && !f.includes('/__MACOSX/'));
  const hits = all.filter((f) => f === suffix || f.endsWith(`/${suffix}`));
  if (hits.length === 0)
    throw new DatasetError(
      `${dataset}: the download does not contain '${suffix}'`,
      'the archive does not have the expected layout; check the source URL or mirror',
    );
  // the shortest path wins (an archive could carry a nested copy of the repository)
  hits.sort((a, b) => a.length - b.length);
  return path.join(rawDir, hits[0]!);
}

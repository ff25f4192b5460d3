/**
 * Is a prepared data set there and intact?
 *
 * - quick check (every use): `manifest.csv` has the recorded sha256 and every listed file exists, with the
 *   recorded size where one is recorded — a few thousand `stat` calls, no hashing of data files;
 * - full check (`datasets get --verify`, and always right after a download, before the folder is used):
 *   the sha256 of every file, and for PNGs that mmx writes itself, the sha256 of the decoded pixels.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { decodeGrayPixels } from './avmnist.js';
import { DatasetError } from './errors.js';
import { sha256, sha256File } from './files.js';
import type { ChecksumEntry, DatasetEntry } from './types.js';

export interface CheckResult {
  ok: boolean;
  /** what is wrong, one line each (at most a handful) */
  problems: string[];
}

const MAX_PROBLEMS = 5;

export function quickCheck(entry: DatasetEntry, dir: string): CheckResult {
  const problems: string[] = [];
  const manifest = path.join(dir, 'manifest.csv');
  if (!existsSync(manifest)) return { ok: false, problems: ['manifest.csv is missing'] };
  if (sha256(readFileSync(manifest)) !== entry.checksums.manifestSha256)
    return { ok: false, problems: ['manifest.csv differs from the expected one'] };
  for (const f of entry.checksums.files) {
    let size: number;
    try {
      size = statSync(path.join(dir, f.path)).size;
    } catch {
      problems.push(`${f.path} is missing`);
      if (problems.length >= MAX_PROBLEMS) break;
      continue;
    }
    if ('size' in f && size !== f.size) problems.push(`${f.path} has ${size} bytes, expected ${f.size}`);
    if (problems.length >= MAX_PROBLEMS) break;
  }
  return { ok: problems.length === 0, problems };
}

async function checkFile(dir: string, f: ChecksumEntry): Promise<string | undefined> {
  const file = path.join(dir, f.path);
  if (!existsSync(file)) return `${f.path} is missing`;
  if ('size' in f) {
    const size = statSync(file).size;
    if (size !== f.size)
      return size < f.size ? `${f.path} is truncated (${size} of ${f.size} bytes)` : `${f.path} has ${size} bytes, expected ${f.size}`;
    const got = await sha256File(file);
    return got === f.sha256 ? undefined : `${f.path}: sha256 mismatch (expected ${f.sha256.slice(0, 12)}…, got ${got.slice(0, 12)}…)`;
  }
  let decoded: Awaited<ReturnType<typeof decodeGrayPixels>>;
  try {
    decoded = await decodeGrayPixels(file);
  } catch (err) {
    return `${f.path}: cannot decode the image (${(err as Error).message})`;
  }
  if (decoded.width !== f.width || decoded.height !== f.height)
    return `${f.path} is ${decoded.width}×${decoded.height}, expected ${f.width}×${f.height}`;
  return sha256(decoded.pixels) === f.pixels ? undefined : `${f.path}: pixel values differ from the expected ones`;
}

/** Full check of every file; `onProgress(done, total)` after each. */
export async function fullCheck(
  entry: DatasetEntry,
  dir: string,
  onProgress?: (done: number, total: number) => void,
): Promise<CheckResult> {
  const files = entry.checksums.files;
  const problems: string[] = [];
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const f = files[next++]!;
      const p = await checkFile(dir, f);
      if (p && problems.length < MAX_PROBLEMS) problems.push(p);
      onProgress?.(++done, files.length);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return { ok: problems.length === 0, problems };
}

export function verificationError(name: string, result: CheckResult, context: string): DatasetError {
  return new DatasetError(
    `${name}: ${context}: ${result.problems.join('; ')}${result.problems.length >= MAX_PROBLEMS ? '; …' : ''}`,
    `the data were not used; run 'mmx datasets get ${name} --force' to download them again`,
  );
}

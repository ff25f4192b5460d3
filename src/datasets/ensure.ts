/**
 * Getting a built-in data set: use the prepared copy in the data home when it passes the quick check (no
 * network); otherwise download its sources (resumable), extract them (unsafe entries refused), prepare
 * the layout in a temporary folder, verify every file against the recorded checksums, and only then
 * rename the folder into place. Whatever fails, nothing half-made is left where it would be used.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DatasetError } from './errors.js';
import { DOWNLOADS_DIR } from './home.js';
import { MANIFEST } from './local.js';
import type { DatasetName } from './names.js';
import { getDataset } from './registry.js';
import type { DatasetEntry } from './types.js';
import { fullCheck, quickCheck, verificationError } from './verify.js';

export type DatasetProgress =
  | { type: 'present'; dataset: DatasetName; dir: string }
  | { type: 'download'; dataset: DatasetName; url: string; file: string; bytes: number; total: number | undefined }
  | { type: 'retry'; dataset: DatasetName; url: string; attempt: number; error: string; resumeFrom: number; delayMs: number }
  | { type: 'extract'; dataset: DatasetName; file: string }
  | { type: 'prepare'; dataset: DatasetName; done: number; total: number }
  | { type: 'verify'; dataset: DatasetName; done: number; total: number }
  | { type: 'ready'; dataset: DatasetName; dir: string; downloaded: boolean };

export interface EnsureOptions {
  /** the data home, an absolute path (`defaultDataHome` says where it is by default) */
  dataHome: string;
  onProgress?: (e: DatasetProgress) => void;
  signal?: AbortSignal;
  /** download and prepare again even if a prepared copy passes the quick check (this set only, not its dependencies) */
  force?: boolean;
  /** check every file's sha256 of a prepared copy (and of its dependencies) instead of the quick check */
  verify?: boolean;
  /** mirror to download from: `<baseUrl>/<dataset>/<file>`; default `MMX_DATASETS_BASE_URL`, else the upstream URLs */
  baseUrl?: string;
  env?: NodeJS.ProcessEnv;
  /** download tuning (tests use short delays) */
  retries?: number;
  backoffMs?: number;
  idleTimeoutMs?: number;
}

/** The URL a source is fetched from, given the mirror setting. */
export function sourceUrl(entry: DatasetEntry, source: DatasetEntry['sources'][number], baseUrl: string | undefined): string {
  if (!baseUrl) return source.url;
  return `${baseUrl.replace(/\/+$/, '')}/${entry.name}/${encodeURIComponent(source.file)}`;
}

function readme(entry: DatasetEntry, urls: string[]): string {
  return [
    `# ${entry.title}`,
    '',
    entry.description,
    '',
    `- Licence: ${entry.licence}`,
    `- Citation: ${entry.citation}`,
    `- Upstream: ${entry.homepage.join(', ')} (version ${entry.version})`,
    ...(urls.length ? [`- Downloaded from: ${urls.join(', ')}`] : []),
    `- Examples: ${entry.examples}, classes: ${entry.classes}, modalities: ${entry.modalities.join(', ')}`,
    '',
    `Prepared by mmx (\`mmx datasets get ${entry.name}\`); \`${MANIFEST}\` and every data file were checked against the`,
    'sha256 sums recorded in mmx. This README is not part of the check.',
    '',
  ].join('\n');
}

async function removeIfEmpty(dir: string): Promise<void> {
  try {
    await rmdir(dir);
  } catch {
    // not empty, or gone
  }
}

/** A file-system failure in the data home (read-only, full, no permission) as a user error; others unchanged. */
function fsError(err: unknown, home: string): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOSPC' || code === 'EDQUOT') {
    return new DatasetError(
      `cannot write to the data home ${home} (${code}: ${(err as Error).message})`,
      'set MMX_DATA_HOME to a writable folder with enough space',
    );
  }
  return err;
}

/**
 * Makes `name` available in the data home and returns the absolute path of its `manifest.csv`.
 * Dependencies (avmnist needs fsdd and mnist) are made available first.
 */
export async function ensureDataset(name: string, options: EnsureOptions): Promise<string> {
  const entry = getDataset(name);
  const home = options.dataHome;
  const emit = options.onProgress ?? (() => {});
  for (const dep of entry.dependsOn) await ensureDataset(dep, { ...options, force: false, dataHome: home });

  const dir = path.join(home, entry.name);
  const manifest = path.join(dir, MANIFEST);
  if (!options.force) {
    const quick = quickCheck(entry, dir);
    if (quick.ok && !options.verify) {
      emit({ type: 'present', dataset: entry.name, dir });
      return manifest;
    }
    if (quick.ok) {
      const full = await fullCheck(entry, dir, (done, total) => emit({ type: 'verify', dataset: entry.name, done, total }));
      if (!full.ok) throw verificationError(entry.name, full, `the prepared copy in ${dir} failed verification`);
      emit({ type: 'present', dataset: entry.name, dir });
      return manifest;
    }
  }
  options.signal?.throwIfAborted();
  await prepareFresh(entry, home, options);
  emit({ type: 'ready', dataset: entry.name, dir, downloaded: entry.sources.length > 0 });
  return manifest;
}

async function prepareFresh(entry: DatasetEntry, home: string, options: EnsureOptions): Promise<void> {
  const env = options.env ?? process.env;
  const emit = options.onProgress ?? (() => {});
  const baseUrl = options.baseUrl ?? (env.MMX_DATASETS_BASE_URL || undefined);
  const dir = path.join(home, entry.name);
  const downloads = path.join(home, DOWNLOADS_DIR, entry.name);
  try {
    await mkdir(home, { recursive: true });
  } catch (err) {
    throw new DatasetError(
      `cannot create the data home ${home}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      'set MMX_DATA_HOME to a writable folder',
    );
  }
  let tmp: string;
  try {
    tmp = await mkdtemp(path.join(home, `.tmp-${entry.name}-`));
  } catch (err) {
    throw fsError(err, home);
  }
  const rawDir = path.join(tmp, 'raw');
  const outDir = path.join(tmp, entry.name);
  let keepDownloads = true;
  try {
    await mkdir(rawDir, { recursive: true });
    await mkdir(outDir, { recursive: true });
    await mkdir(downloads, { recursive: true });
    const urls: string[] = [];
    for (const source of entry.sources) {
      const url = sourceUrl(entry, source, baseUrl);
      urls.push(url);
      const dest = path.join(downloads, source.file);
      if (!existsSync(dest)) {
        // the downloader (undici) and the archive readers (tar, yauzl) load only when a data set is fetched
        const { download } = await import('./download.js');
        await download(url, dest, {
          ...(options.signal ? { signal: options.signal } : {}),
          ...(options.retries !== undefined ? { retries: options.retries } : {}),
          ...(options.backoffMs !== undefined ? { backoffMs: options.backoffMs } : {}),
          ...(options.idleTimeoutMs !== undefined ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
          env,
          onProgress: (p) => emit({ type: 'download', dataset: entry.name, url, file: source.file, bytes: p.bytes, total: p.total }),
          onRetry: (r) => emit({ type: 'retry', dataset: entry.name, url, ...r }),
        });
      }
      // from here on a failure means the downloaded bytes are bad: they are not kept
      keepDownloads = false;
      if (source.kind === 'file') {
        await copyFile(dest, path.join(rawDir, source.file));
      } else {
        emit({ type: 'extract', dataset: entry.name, file: source.file });
        const { extractArchive } = await import('./extract.js');
        await extractArchive(source.kind, dest, rawDir);
      }
      keepDownloads = true;
    }
    options.signal?.throwIfAborted();
    keepDownloads = false;
    try {
      await entry.prepare({
        rawDir,
        outDir,
        dependencyDir: (d) => path.join(home, d),
        onProgress: (done, total) => emit({ type: 'prepare', dataset: entry.name, done, total }),
      });
    } catch (err) {
      if (err instanceof DatasetError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT')
        throw new DatasetError(
          `${entry.name}: the download does not contain a file it should (${(err as Error).message})`,
          'the archive is not the expected one; check the source URL or mirror',
        );
      throw err;
    }
    await rm(rawDir, { recursive: true, force: true });
    const result = await fullCheck(entry, outDir, (done, total) => emit({ type: 'verify', dataset: entry.name, done, total }));
    if (!result.ok) throw verificationError(entry.name, result, 'the downloaded data failed verification');
    await writeFile(path.join(outDir, 'README.md'), readme(entry, urls));

    // into place: the old copy (incomplete, or replaced with --force) is moved aside first
    if (existsSync(dir)) await rename(dir, path.join(tmp, 'old'));
    try {
      await rename(outDir, dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // another process put a copy there in the meantime: use it if it is good
      if ((code === 'ENOTEMPTY' || code === 'EEXIST') && quickCheck(entry, dir).ok) return;
      throw err;
    }
    keepDownloads = false;
    await rm(downloads, { recursive: true, force: true });
  } catch (err) {
    // partial downloads are kept only after a network failure or an interruption (a later `get` resumes them)
    if (!keepDownloads) await rm(downloads, { recursive: true, force: true });
    else await removeIfEmpty(downloads);
    throw fsError(err, home);
  } finally {
    await rm(tmp, { recursive: true, force: true });
    await removeIfEmpty(path.join(home, DOWNLOADS_DIR));
  }
}

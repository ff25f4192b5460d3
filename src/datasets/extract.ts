/**
 * Archive extraction (zip with yauzl, tar.gz with tar) that refuses unsafe entries before writing
 * anything: a path with a `..` segment, an absolute path (`/x`, `C:\x`, `\\server\x`), and a link whose
 * target leaves the destination are errors naming the entry. Links that stay inside are skipped (no data
 * set needs them); only regular files and folders are written.
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import yauzl from 'yauzl';
import { DatasetError } from './errors.js';

/** Why `name` (an entry of an archive) is unsafe to extract, or undefined if it is fine. */
export function unsafeEntryReason(name: string): string | undefined {
  if (name.includes('\0')) return 'a NUL byte in the name';
  const slashed = name.replaceAll('\\', '/');
  if (slashed.startsWith('/') || /^[A-Za-z]:/.test(slashed)) return 'an absolute path';
  if (slashed.split('/').includes('..')) return "a '..' path segment (path traversal)";
  return undefined;
}

/** Whether a link at `entry` pointing to `target` stays inside the archive's root. */
export function linkStaysInside(entry: string, target: string): boolean {
  const t = target.replaceAll('\\', '/');
  if (t.startsWith('/') || /^[A-Za-z]:/.test(t)) return false;
  const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(entry.replaceAll('\\', '/')), t));
  return resolved !== '..' && !resolved.startsWith('../');
}

function refuse(archive: string, entry: string, reason: string): never {
  throw new DatasetError(
    `refusing to extract ${path.basename(archive)}: entry '${entry}' has ${reason}`,
    'the archive is damaged or malicious; nothing from it was used',
  );
}

/** The destination of an entry, checked once more after resolution. */
function destination(destDir: string, name: string, archive: string): string {
  const out = path.resolve(destDir, name.replaceAll('\\', '/'));
  const rel = path.relative(destDir, out);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) refuse(archive, name, 'a path outside the destination');
  return out;
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

export async function extractZip(archive: string, destDir: string): Promise<void> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(archive, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true });
  } catch (err) {
    throw new DatasetError(
      `${path.basename(archive)} is not a readable zip archive (${(err as Error).message})`,
      'the download may be truncated or not the expected file',
    );
  }
  try {
    // first pass: every name is checked before anything is written
    const entries: { entry: yauzl.Entry; name: string; link: boolean }[] = [];
    for await (const entry of zip.eachEntry()) {
      const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, false);
      const reason = unsafeEntryReason(name);
      if (reason) refuse(archive, name, reason);
      const link = ((entry.externalFileAttributes >>> 16) & S_IFMT) === S_IFLNK;
      entries.push({ entry, name, link });
    }
    await mkdir(destDir, { recursive: true });
    for (const { entry, name, link } of entries) {
      if (link) {
        const stream = await zip.openReadStreamPromise(entry);
        const chunks: Buffer[] = [];
        for await (const c of stream) chunks.push(c as Buffer);
        const target = Buffer.concat(chunks).toString('utf8');
        if (!linkStaysInside(name, target)) refuse(archive, name, `a link to '${target}', outside the archive`);
        continue;
      }
      const out = destination(destDir, name, archive);
      if (name.endsWith('/')) {
        await mkdir(out, { recursive: true });
        continue;
      }
      await mkdir(path.dirname(out), { recursive: true });
      const stream = await zip.openReadStreamPromise(entry);
      await pipeline(stream, createWriteStream(out));
    }
  } catch (err) {
    if (err instanceof DatasetError) throw err;
    throw new DatasetError(
      `cannot extract ${path.basename(archive)}: ${(err as Error).message}`,
      'the download may be truncated or damaged',
    );
  } finally {
    zip.close();
  }
}

export async function extractTarGz(archive: string, destDir: string): Promise<void> {
  // first pass: list and check every entry (tar would only strip '..' with a warning)
  let problem: { name: string; reason: string } | undefined;
  try {
    await tar.t({
      file: archive,
      strict: true,
      onReadEntry: (entry) => {
        if (problem) return;
        const reason = unsafeEntryReason(entry.path);
        if (reason) problem = { name: entry.path, reason };
        else if ((entry.type === 'SymbolicLink' || entry.type === 'Link') && entry.linkpath !== undefined) {
          const target = entry.type === 'Link' ? path.posix.relative(path.posix.dirname(entry.path), entry.linkpath) : entry.linkpath;
          if (entry.type === 'Link' ? unsafeEntryReason(entry.linkpath) !== undefined : !linkStaysInside(entry.path, target)) {
            problem = { name: entry.path, reason: `a link to '${entry.linkpath}', outside the archive` };
          }
        }
      },
    });
  } catch (err) {
    throw new DatasetError(
      `${path.basename(archive)} is not a readable tar.gz archive (${(err as Error).message})`,
      'the download may be truncated or not the expected file',
    );
  }
  if (problem) refuse(archive, problem.name, problem.reason);
  await mkdir(destDir, { recursive: true });
  try {
    await tar.x({
      file: archive,
      cwd: destDir,
      strict: true,
      preservePaths: false,
      preserveOwner: false,
      // regular files and folders only
      filter: (_p, entry) => {
        const type = (entry as tar.ReadEntry).type;
        return type === undefined || type === 'File' || type === 'OldFile' || type === 'ContiguousFile' || type === 'Directory';
      },
    });
  } catch (err) {
    throw new DatasetError(
      `cannot extract ${path.basename(archive)}: ${(err as Error).message}`,
      'the download may be truncated or damaged',
    );
  }
}

export async function extractArchive(kind: 'zip' | 'tar.gz', archive: string, destDir: string): Promise<void> {
  if (kind === 'zip') await extractZip(archive, destDir);
  else await extractTarGz(archive, destDir);
}

/** The bytes of one entry of a zip archive (by exact name), e.g. the CSV inside a downloaded .csv.zip. */
export async function readZipEntry(archive: string, entryName: string): Promise<Buffer> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(archive, { lazyEntries: true, autoClose: false, validateEntrySizes: true });
  } catch (err) {
    throw new DatasetError(`${path.basename(archive)} is not a readable zip archive (${(err as Error).message})`);
  }
  try {
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName !== entryName) continue;
      const chunks: Buffer[] = [];
      for await (const c of await zip.openReadStreamPromise(entry)) chunks.push(c as Buffer);
      return Buffer.concat(chunks);
    }
  } finally {
    zip.close();
  }
  throw new DatasetError(`${path.basename(archive)} does not contain '${entryName}'`);
}

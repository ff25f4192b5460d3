/**
 * File writes that a crash cannot leave half-done: write a temporary file beside the target,
 * then rename it over the target (atomic on POSIX and on NTFS), or hard-link it into place when
 * the target must not be overwritten.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';

export interface AtomicWriteOptions {
  /** flush the data to disk before the rename (used for meta.yaml) */
  fsync?: boolean;
  /** folder for the temporary file; must be on the same file system as the target */
  tmpDir?: string;
}

function tmpPathFor(target: string, tmpDir?: string): string {
  const dir = tmpDir ?? path.dirname(target);
  // a short prefix of the target's name only: the full name may already be near the 255-byte limit
  const stem = Array.from(path.basename(target)).slice(0, 32).join('');
  return path.join(dir, `.${stem}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

async function writeTmp(tmp: string, data: string | Uint8Array, doSync: boolean): Promise<void> {
  const fh = await fsp.open(tmp, 'wx');
  try {
    await fh.writeFile(data);
    if (doSync) await fh.sync();
  } finally {
    await fh.close();
  }
}

function writeTmpSync(tmp: string, data: string | Uint8Array, doSync: boolean): void {
  const fd = fs.openSync(tmp, 'wx');
  try {
    fs.writeFileSync(fd, data);
    if (doSync) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export async function writeFileAtomic(target: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): Promise<void> {
  const tmp = tmpPathFor(target, opts.tmpDir);
  try {
    await writeTmp(tmp, data, opts.fsync ?? false);
    await fsp.rename(tmp, target);
  } catch (e) {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}

export function writeFileAtomicSync(target: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): void {
  const tmp = tmpPathFor(target, opts.tmpDir);
  try {
    writeTmpSync(tmp, data, opts.fsync ?? false);
    fs.renameSync(tmp, target);
  } catch (e) {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      /* already gone */
    }
    throw e;
  }
}

/**
 * Create `target` with `data` only if it does not exist yet, atomically: the content is complete
 * the moment the name appears. Returns false (and writes nothing) when the target already exists.
 */
export async function createFileExclusive(
  target: string,
  data: string | Uint8Array,
  opts: Pick<AtomicWriteOptions, 'tmpDir'> = {},
): Promise<boolean> {
  const tmp = tmpPathFor(target, opts.tmpDir);
  await writeTmp(tmp, data, false);
  try {
    await fsp.link(tmp, target);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') {
      // file systems without hard links (FAT, some network mounts): exclusive create instead
      try {
        await fsp.writeFile(target, data, { flag: 'wx' });
        return true;
      } catch (e2) {
        if ((e2 as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw e2;
      }
    }
    throw e;
  } finally {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
  }
}

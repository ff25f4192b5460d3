/**
 * Whether a local tracking store can be written, found before any work: a read-only mount, a folder without
 * permission, a file where the folder should be. The folder itself is not created here: its nearest existing
 * ancestor is probed by creating (and removing) a temporary folder in it, which is what the store will do first.
 * Root passes permission checks (`access`) that its writes then still fail on (a read-only file system), so
 * only a real write tells.
 */
import fs from 'node:fs';
import path from 'node:path';

const CAUSES: Readonly<Record<string, string>> = {
  EROFS: 'is on a read-only file system',
  EACCES: 'is not writable by this user',
  EPERM: 'is not writable by this user',
  ENOSPC: 'is on a full disk',
  EDQUOT: 'is over its disk quota',
};

/** Why the store at `root` cannot be written ("<folder> is on a read-only file system (EROFS)"), or undefined when it can. */
export function storeWriteProblem(root: string): string | undefined {
  let dir = path.resolve(root);
  for (;;) {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return `${dir} cannot be read (${code ?? (e as Error).message})`;
    }
    if (st) {
      if (!st.isDirectory()) return `${dir} is a file, not a folder`;
      break;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return `no folder of ${root} exists`;
    dir = parent;
  }
  try {
    const probe = fs.mkdtempSync(path.join(dir, '.mmx-write-check-'));
    fs.rmdirSync(probe);
    return undefined;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    const where = dir === path.resolve(root) ? 'it' : `${dir}, where it would be created,`;
    return `${where} ${CAUSES[code] ?? `cannot be written: ${(e as Error).message}`}${code ? ` (${code})` : ''}`;
  }
}

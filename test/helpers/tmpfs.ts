/**
 * A small tmpfs for the fault tests (a full disk, a read-only store): mounted on a fresh temp folder, unmounted
 * and removed when the test file ends. Mounting needs root (CAP_SYS_ADMIN); where it is refused, `mountTmpfs`
 * returns why and the tests that need it are skipped with that note.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';

export type Mounted = { dir: string } | { skip: string };

export function mountTmpfs(sizeKb: number, options: { readOnly?: boolean } = {}): Mounted {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mmx-tmpfs-'));
  const opts = `size=${sizeKb}k${options.readOnly ? ',ro' : ''}`;
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return { skip: `cannot mount a tmpfs here (${(r.stderr || r.error?.message || `exit ${r.status}`).trim()}): needs root` };
  }
  after(() => {
    spawnSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir };
}

/** Remounts a mounted tmpfs read-only (or back to read-write). */
export function remount(dir: string, readOnly: boolean): void {
  const r = spawnSync('mount', ['-o', `remount,${readOnly ? 'ro' : 'rw'}`, dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`remount ${dir}: ${r.stderr}`);
}

/**
 * A cross-process lock held by exclusively creating a file (`O_CREAT | O_EXCL`). The file holds
 * `pid@host token`; a lock whose process is gone (same host) or that is older than `staleMs` is
 * broken, so a crash while holding it never blocks later runs for long.
 *
 * Used to make "find the experiment by name, else create it" atomic between processes; the
 * lock file is a plain file at the store's root, which MLflow ignores (it lists only folders).
 */
import { randomUUID } from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';

import { TrackingError } from './errors.js';

export interface FileLockOptions {
  /** give up after this long (ms) */
  timeoutMs?: number;
  /** a lock older than this (ms) is considered abandoned */
  staleMs?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function isStale(lockPath: string, staleMs: number): Promise<boolean> {
  let content: string;
  let mtimeMs: number;
  try {
    const st = await fsp.stat(lockPath);
    mtimeMs = st.mtimeMs;
    content = await fsp.readFile(lockPath, 'utf8');
  } catch {
    return false; // vanished: just retry
  }
  if (Date.now() - mtimeMs > staleMs) return true;
  const m = /^(\d+)@(\S+) /.exec(content);
  if (m && m[2] === os.hostname()) {
    const pid = Number(m[1]);
    if (pid !== process.pid && !processAlive(pid)) return true;
  }
  return false;
}

export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>, opts: FileLockOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const staleMs = opts.staleMs ?? 30_000;
  const token = `${process.pid}@${os.hostname()} ${randomUUID()}\n`;
  const started = Date.now();
  let delay = 5;
  for (;;) {
    try {
      await fsp.writeFile(lockPath, token, { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    if (await isStale(lockPath, staleMs)) {
      await fsp.rm(lockPath, { force: true }).catch(() => undefined);
      continue;
    }
    if (Date.now() - started > timeoutMs) {
      throw new TrackingError(
        `Timed out waiting for the lock ${lockPath}. If no other mmx process is creating an experiment, delete that file.`,
        'INVALID_STATE',
      );
    }
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 2, 100);
  }
  try {
    return await fn();
  } finally {
    try {
      if ((await fsp.readFile(lockPath, 'utf8')) === token) await fsp.rm(lockPath, { force: true });
    } catch {
      /* already removed (broken as stale by another process) */
    }
  }
}

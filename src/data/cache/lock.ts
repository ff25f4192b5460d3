/**
 * One decoder per cache entry: a process about to decode an input takes `<key>.lock` (created exclusively); a
 * second process (a sweep trial started at the same time) waits for the entry instead of decoding the same
 * files again. A lock whose holder is gone — same host and the process no longer exists, or not refreshed for
 * `staleMs` (another host sharing the folder) — is taken over. Correctness never depends on the lock: entries are
 * written atomically whoever writes them; the lock only saves the duplicate work.
 */
import { closeSync, openSync, readFileSync, statSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
import os from 'node:os';

export interface HeldLock {
  release(): void;
}

interface LockOwner {
  pid: number;
  host: string;
}

function alive(owner: LockOwner): boolean {
  if (owner.host !== os.hostname()) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM';
  }
}

/** Takes the lock if it is free or stale; undefined while a live holder has it. */
export function tryLock(file: string, staleMs = 10 * 60_000): HeldLock | undefined {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, JSON.stringify({ pid: process.pid, host: os.hostname() } satisfies LockOwner));
      closeSync(fd);
      // refreshed while held, so that a holder on another host is not taken for dead
      const timer = setInterval(
        () => {
          try {
            const now = new Date();
            utimesSync(file, now, now);
          } catch {}
        },
        Math.max(1000, staleMs / 4),
      );
      timer.unref();
      return {
        release() {
          clearInterval(timer);
          try {
            unlinkSync(file);
          } catch {}
        },
      };
    } catch (err) {
      if ((err as { code?: string }).code !== 'EEXIST') throw err;
    }
    let owner: LockOwner | undefined;
    try {
      owner = JSON.parse(readFileSync(file, 'utf8')) as LockOwner;
    } catch {
      // being written right now, or unreadable: judge by age alone
    }
    const st = statSync(file, { throwIfNoEntry: false });
    if (!st) continue;
    const stale = Date.now() - st.mtimeMs > staleMs || (owner !== undefined && !alive(owner));
    if (!stale) return undefined;
    try {
      unlinkSync(file);
    } catch {}
  }
  return undefined;
}

/**
 * Temporary folders for tests: `tempDir()` makes one in the test process's own TMPDIR, and every folder made
 * here is removed when the process exits (test/setup.ts does it before it checks that nothing else was left).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const made = new Set<string>();

/** A fresh folder `<TMPDIR>/<prefix>XXXXXX`, removed at the end of the test process. */
export function tempDir(prefix = 'mmx-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.add(dir);
  return dir;
}

/** Removes every folder `tempDir` made (called by test/setup.ts when the process exits). */
export function removeTempDirs(): void {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
  made.clear();
}

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';

/** A fresh temporary folder, removed when the test file finishes. */
export function tempDir(label = 'mmx-tracking-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), label));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

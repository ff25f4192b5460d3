/**
 * Loaded into every test process (`--import ./test/setup.ts` in `npm test`): each process gets its own feature
 * cache folder, removed when it exits, so tests neither write to the user's ~/.cache/mmx nor see each other's
 * entries. A test that needs a particular cache folder sets MMX_CACHE_DIR itself; child processes it starts inherit
 * the value.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const dir = mkdtempSync(path.join(os.tmpdir(), 'mmx-test-cache-'));
process.env.MMX_CACHE_DIR = dir;
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

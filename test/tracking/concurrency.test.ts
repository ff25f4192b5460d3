import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { FileStore } from '../../src/tracking/file-store.js';
import { tempDir } from './helpers.js';
import { MlflowFileStoreReader } from './mlflow-reader.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const child = path.join(here, 'fixtures', 'create-experiment.ts');

function runChild(root: string, name: string, startAt: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, root, name, String(startAt)], {
      cwd: path.resolve(here, '..', '..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`child exited ${code}: ${err}`))));
  });
}

describe('concurrent experiment creation', () => {
  it('several processes creating the same experiment at once end up with one experiment', { timeout: 60_000 }, async () => {
    const root = path.join(tempDir(), 'runs');
    // all children start work at the same instant, after they have loaded
    const startAt = Date.now() + 4000;
    const names = ['shared', 'shared', 'shared', 'shared', 'shared', 'other', 'other'];
    const ids = await Promise.all(names.map((n) => runChild(root, n, startAt)));
    const shared = new Set(ids.slice(0, 5));
    const other = new Set(ids.slice(5));
    assert.equal(shared.size, 1, `one id for 'shared', got ${[...shared].join(', ')}`);
    assert.equal(other.size, 1, `one id for 'other', got ${[...other].join(', ')}`);
    assert.notDeepEqual([...shared], [...other]);
    const reader = new MlflowFileStoreReader(root);
    const exps = reader.listExperiments();
    assert.deepEqual(exps.map((e) => e.name).sort(), ['Default', 'other', 'shared']);
    assert.equal(reader.getExperimentByName('shared')?.experimentId, [...shared][0]);
  });

  it('many store instances in one process agree too', async () => {
    const root = tempDir();
    const ids = await Promise.all(Array.from({ length: 12 }, () => new FileStore(root).getOrCreateExperiment('same')));
    assert.equal(new Set(ids).size, 1);
    assert.equal(new MlflowFileStoreReader(root).listExperiments().length, 2);
  });
});

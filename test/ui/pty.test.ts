/**
 * The TTY reporter in a real pseudo-terminal (util-linux `script`), checked as a person would
 * see it: after the run, the screen holds the final results and the run id.
 */
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { summary } from './helpers/script.js';
import { screenLines } from './helpers/terminal.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const fixture = path.join('test', 'ui', 'fixtures', 'run-in-tty.tsx');

function hasScript(): boolean {
  return spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
}

/** The fixture in a 60×100 pseudo-terminal; what it wrote, escape sequences and all. */
function runInPty(...args: string[]): SpawnSyncReturns<string> {
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color' };
  delete env.CI;
  delete env.CONTINUOUS_INTEGRATION;
  const command = `stty rows 60 cols 100; exec node --import tsx ${[fixture, ...args].join(' ')}`;
  return spawnSync('script', ['-qfec', command, '/dev/null'], {
    cwd: root,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 55_000,
  });
}

describe('TTY reporter in a pseudo-terminal', () => {
  const skip = hasScript() ? false : 'util-linux `script` is not installed';
  it('leaves the final results on the screen', { skip, timeout: 60_000 }, () => {
    const result = runInPty();
    const screen = stripVTControlCharacters(result.stdout ?? '').replace(/\r/g, '');
    assert.equal(result.status, 0, `exit ${result.status}\n${screen}\n${result.stderr}`);
    for (const expected of [
      'avmnist-gated  (experiment avmnist)',
      'test results (1,000 examples)',
      '  macro avg      0.912   0.912  0.912    1,000',
      '  1            9  293   31',
      `✔ run ${summary.runId} FINISHED in 1m 12s`,
      '  view       mlflow ui --backend-store-uri ./runs',
      'fixture: closed',
    ]) {
      assert.ok(screen.includes(expected), `missing ${JSON.stringify(expected)} in\n${screen}`);
    }
    // the final blocks were written once, in order, and the run id came last
    assert.equal(screen.split('test results (1,000 examples)').length, 2, screen);
    assert.ok(screen.indexOf('test results') < screen.indexOf(`✔ run ${summary.runId}`));
  });

  it('leaves all 50 epochs of a long run in the scrollback, each once, in order', { skip, timeout: 60_000 }, () => {
    const result = runInPty('50');
    const lines = screenLines(result.stdout ?? '');
    assert.equal(result.status, 0, `exit ${result.status}\n${lines.join('\n')}\n${result.stderr}`);
    const counter = /^ *(\d+)\/50 /;
    assert.deepEqual(
      lines.filter((l) => counter.test(l)).map((l) => Number(counter.exec(l)![1])),
      Array.from({ length: 50 }, (_, i) => i + 1),
      lines.join('\n'),
    );
    assert.ok(lines.includes('★ best epoch 3 of 50 (val_loss 0.388); evaluated: epoch 50 (the last)'), lines.join('\n'));
    assert.ok(lines.includes('fixture: closed'));
  });
});

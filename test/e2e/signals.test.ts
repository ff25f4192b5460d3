/**
 * Signals: SIGINT, SIGTERM and SIGHUP (the terminal closed) all stop a run the same way — KILLED, exit 130 — and
 * a second signal, or the shutdown deadline, forces the end. A signal once training and evaluation are over says
 * what happens and the run ends as it says (FINISHED, exit 0), never "recorded as KILLED" followed by FINISHED.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { onStopSignals, shutdownDeadlineMs, type StopSignal } from '../../src/cli/shutdown.js';
import { runCli } from '../helpers/cli.js';
import { writeTabularManifest } from '../helpers/tabular.js';
import { tempDir } from '../helpers/tmp.js';

function tabular(dir: string, epochs: number): void {
  writeTabularManifest(dir, { train: 200, validation: 50, test: 50 });
  writeFileSync(
    path.join(dir, 'exp.yaml'),
    `name: sig
data: {path: m.csv, split: {column: split}}
target: {column: label}
inputs:
  x: {type: numeric, column: a, columns: [b], encoder: {type: dense, layers: [8], output_dim: 8}}
training: {epochs: ${epochs}, batch_size: 16}
tracking: {uri: runs, experiment: sig}
`,
  );
}

/** The one run's folder in the store. */
function runDir(dir: string): string {
  const root = path.join(dir, 'runs');
  const exp = readdirSync(root).filter((d) => /^\d+$/.test(d) && d !== '0');
  assert.equal(exp.length, 1);
  const runs = readdirSync(path.join(root, exp[0]!)).filter((d) => /^[0-9a-f]{32}$/.test(d));
  assert.equal(runs.length, 1);
  return path.join(root, exp[0]!, runs[0]!);
}

const status = (run: string): string => /^status: (\d)$/m.exec(readFileSync(path.join(run, 'meta.yaml'), 'utf8'))![1]!;

describe('stop signals (unit)', () => {
  const fake = () => {
    const target = new EventEmitter();
    const calls: string[] = [];
    const exits: number[] = [];
    return { target, calls, exits };
  };

  it('the first signal stops gracefully, the second forces the stop and exits', () => {
    const f = fake();
    const l = onStopSignals({
      onStop: (s) => f.calls.push(`stop ${s}`),
      onForce: (s, why) => void f.calls.push(`force ${s} ${why}`),
      deadlineMs: Infinity,
      exit: (c) => f.exits.push(c),
      target: f.target as unknown as NodeJS.Process,
    });
    f.target.emit('SIGHUP');
    assert.equal(l.signal, 'SIGHUP');
    f.target.emit('SIGTERM');
    f.target.emit('SIGINT');
    assert.deepEqual(f.calls, ['stop SIGHUP', 'force SIGTERM second signal']);
    assert.deepEqual(f.exits, [130]);
    l.dispose();
    assert.equal(f.target.listenerCount('SIGINT'), 0);
  });

  it('the deadline after the first signal forces the stop with the code onForce returns', async () => {
    const f = fake();
    let forced: (v: StopSignal) => void;
    const done = new Promise<StopSignal>((r) => (forced = r));
    const l = onStopSignals({
      onStop: () => undefined,
      onForce: (s, why) => {
        f.calls.push(why);
        forced(s);
        return 0;
      },
      deadlineMs: 1,
      exit: (c) => f.exits.push(c),
      target: f.target as unknown as NodeJS.Process,
    });
    f.target.emit('SIGTERM');
    assert.equal(await done, 'SIGTERM');
    assert.deepEqual(f.calls, ['deadline']);
    assert.deepEqual(f.exits, [0]);
    l.dispose();
  });

  it('MMX_SHUTDOWN_DEADLINE_S sets the deadline', () => {
    assert.equal(shutdownDeadlineMs({}), 5000);
    assert.equal(shutdownDeadlineMs({ MMX_SHUTDOWN_DEADLINE_S: '1.5' }), 1500);
    assert.equal(shutdownDeadlineMs({ MMX_SHUTDOWN_DEADLINE_S: 'soon' }), 5000);
  });
});

describe('stop signals (mmx run)', () => {
  it('SIGHUP mid-training ends the run KILLED and exits 130', { timeout: 200_000 }, async () => {
    const dir = tempDir('mmx-sighup-');
    tabular(dir, 500);
    let sent = false;
    const r = await runCli(['run', 'exp.yaml', '--plain'], {
      cwd: dir,
      timeoutMs: 180_000,
      onStdout: (chunk, child) => {
        if (!sent && /epoch\s+2\/500/.test(chunk)) {
          sent = true;
          child.kill('SIGHUP');
        }
      },
    });
    assert.ok(sent, r.stdout);
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, /SIGHUP: the run stops after this batch and is recorded as KILLED/);
    const run = runDir(dir);
    assert.equal(status(run), '5'); // KILLED
    assert.equal(readFileSync(path.join(run, 'tags', 'mmx.killed_reason'), 'utf8'), 'interrupted (SIGHUP)');
  });

  it('a signal while the results are saved says what happens, and the run ends as it said', { timeout: 200_000 }, async () => {
    const dir = tempDir('mmx-sig-logging-');
    tabular(dir, 2);
    let sent = false;
    const r = await runCli(['run', 'exp.yaml', '--plain'], {
      cwd: dir,
      // saving takes seconds on a loaded machine: a deadline it could pass would make this a race (the deadline
      // itself is tested in the unit part above)
      env: { MMX_SHUTDOWN_DEADLINE_S: '600' },
      timeoutMs: 180_000,
      onStdout: (chunk, child) => {
        if (!sent && /^\[logging\]/m.test(chunk)) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    assert.ok(sent, r.stdout);
    const run = runDir(dir);
    // the signal arrived while the results were saved (the report's renderers alone take a second to load)
    assert.match(r.stderr, /Ctrl-C: training and evaluation are done and the results are being saved; the run ends FINISHED when they are/);
    assert.doesNotMatch(r.stderr, /stops after this batch/);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(status(run), '3'); // FINISHED, as said
    assert.match(r.stdout, /FINISHED in/);
  });
});

/**
 * Checkpoints and `mmx run --resume` end to end: a run killed with SIGKILL (no chance to end itself) is shown dead
 * by `mmx runs`, a changed config is refused naming the change, and the resume continues it in the same MLflow run:
 * every metric at steps 1..N once each, FINISHED, the checkpoint artifacts there, and the same numbers as a run
 * never interrupted. `mmx runs --mark-dead` sets a run whose heartbeat stopped FAILED.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { ChildProcess } from 'node:child_process';
import { FileStore } from '../../src/tracking/file-store.js';
import { FakeMlflowServer } from '../tracking/rest-fake-server.js';
import { HEARTBEAT_TAG, PROCESS_TAG } from '../../src/tracking/liveness.js';
import { runCli } from '../helpers/cli.js';
import { writeTabularManifest } from '../helpers/tabular.js';
import { tempDir } from '../helpers/tmp.js';

const EPOCHS = 30;

function project(dir: string, uri = 'runs'): void {
  writeTabularManifest(dir, { train: 200, validation: 50, test: 50 });
  // dropout and a schedule: their random and step state must come back too
  writeFileSync(
    path.join(dir, 'exp.yaml'),
    `name: resume
data: {path: m.csv, split: {column: split}}
target: {column: label}
inputs:
  x: {type: numeric, column: a, columns: [b], encoder: {type: dense, layers: [16], output_dim: 8, dropout: 0.2}}
training:
  epochs: ${EPOCHS}
  batch_size: 16
  optimizer: {type: adamw, learning_rate: 0.01}
  lr_schedule: {type: cosine, warmup: {epochs: 2}}
  early_stopping: {patience: ${EPOCHS}}
tracking: {uri: '${uri}', experiment: resume}
runtime: {backend: wasm}
`,
  );
}

/** The runs of the experiment `name` in the store, by folder. */
function runDirs(dir: string): string[] {
  const root = path.join(dir, 'runs');
  const out: string[] = [];
  for (const exp of readdirSync(root).filter((d) => /^\d+$/.test(d) && d !== '0')) {
    for (const r of readdirSync(path.join(root, exp)).filter((d) => /^[0-9a-f]{32}$/.test(d))) out.push(path.join(root, exp, r));
  }
  return out;
}

const status = (run: string): string => /^status: (\d)$/m.exec(readFileSync(path.join(run, 'meta.yaml'), 'utf8'))![1]!;

/** A metric's history in the file store: [step, value] per line. */
function history(run: string, key: string): Array<[number, number]> {
  return readFileSync(path.join(run, 'metrics', key), 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const [, value, step] = l.split(' ');
      return [Number(step), Number(value)];
    });
}

const lastEpoch = (run: string): number => {
  const f = path.join(run, 'artifacts', 'checkpoints', 'last.json');
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as { epoch: number }).epoch : 0;
};

describe('mmx run --resume', () => {
  it(
    'a run killed with SIGKILL resumes in the same run: steps 1..N once each, FINISHED, as if never stopped',
    { timeout: 600_000 },
    async () => {
      const dir = tempDir('mmx-resume-');
      project(dir);

      // the reference: the same config, never interrupted (in its own store)
      const refDir = tempDir('mmx-resume-ref-');
      project(refDir);
      const ref = await runCli(['run', 'exp.yaml', '--plain'], { cwd: refDir });
      assert.equal(ref.code, 0, ref.stderr);
      const [refRun] = runDirs(refDir);

      // killed once its checkpoint of epoch 3 or later is written, mid-training
      let child: ChildProcess | undefined;
      let killedAt = 0;
      const poll = setInterval(() => {
        const [run] = existsSync(path.join(dir, 'runs')) ? runDirs(dir) : [];
        if (child && run && lastEpoch(run) >= 3 && !killedAt) {
          killedAt = lastEpoch(run);
          child.kill('SIGKILL');
        }
      }, 20);
      const first = await runCli(['run', 'exp.yaml', '--plain'], { cwd: dir, onStdout: (_c, c) => (child = c) }).finally(() =>
        clearInterval(poll),
      );
      assert.equal(first.signal, 'SIGKILL', `the run ended before it was killed: ${first.stdout}`);
      const [run] = runDirs(dir);
      assert.ok(run);
      const runId = path.basename(run);
      assert.equal(status(run), '1'); // RUNNING, as MLflow leaves it
      assert.ok(killedAt >= 3 && killedAt < EPOCHS, String(killedAt));

      // mmx runs sees that its process is gone
      const listed = await runCli(['runs', '--uri', 'runs', '--json'], { cwd: dir });
      assert.equal(listed.code, 0, listed.stderr);
      const records = JSON.parse(listed.stdout) as Array<{ run_id: string; status: string; dead?: string }>;
      assert.match(records.find((r) => r.run_id === runId)?.dead ?? '', /process \d+ on this host is gone/);

      // a changed config is refused, naming the change; the run is left as it was
      const changed = await runCli(['run', 'exp.yaml', '--plain', '--resume', runId, '--set', 'training.batch_size=8'], { cwd: dir });
      assert.equal(changed.code, 2, changed.stderr);
      assert.match(changed.stderr, /not the one run [0-9a-f]+ was made with .*training\.batch_size: 16 → 8/);
      assert.doesNotMatch(changed.stderr, /\n\s+at /); // no stack trace
      assert.equal(status(run), '1');

      const resumed = await runCli(['run', 'exp.yaml', '--plain', '--resume', runId], { cwd: dir });
      assert.equal(resumed.code, 0, resumed.stderr + resumed.stdout);
      assert.match(resumed.stdout + resumed.stderr, new RegExp(`resuming run ${runId} after epoch \\d+`));
      assert.equal(runDirs(dir).length, 1, 'no second run');
      assert.equal(status(run), '3'); // FINISHED

      // every epoch metric at steps 1..N, once each, and the values of the uninterrupted run
      for (const key of ['train_loss', 'val_loss', 'val_accuracy', 'learning_rate']) {
        const h = history(run, key);
        assert.deepEqual(
          h.map(([s]) => s),
          Array.from({ length: EPOCHS }, (_, i) => i + 1),
          key,
        );
        const r = history(refRun!, key);
        h.forEach(([s, v], i) =>
          assert.ok(Math.abs(v - r[i]![1]) <= 1e-5 * Math.max(1, Math.abs(v)), `${key} at step ${s}: ${v} vs ${r[i]![1]}`),
        );
      }
      const test = (r: string): Record<string, number> =>
        (JSON.parse(readFileSync(path.join(r, 'artifacts', 'metrics.json'), 'utf8')) as { test: Record<string, number> }).test;
      const [a, b] = [test(run), test(refRun!)];
      for (const k of Object.keys(b)) assert.ok(Math.abs(a[k]! - b[k]!) <= 1e-5, `test ${k}: ${a[k]} vs ${b[k]}`);
      assert.deepEqual(
        history(run, 'test_accuracy').map(([s]) => s),
        [EPOCHS],
      );

      // the checkpoint artifacts: last and best, each complete
      const ckpt = path.join(run, 'artifacts', 'checkpoints');
      assert.equal(lastEpoch(run), EPOCHS);
      const last = (JSON.parse(readFileSync(path.join(ckpt, 'last.json'), 'utf8')) as { folder: string }).folder;
      assert.deepEqual(readdirSync(path.join(ckpt, last)).sort(), ['optimizer.bin', 'preprocessing.json', 'state.json', 'weights.bin']);
      const best = JSON.parse(readFileSync(path.join(ckpt, 'best.json'), 'utf8')) as { folder: string; epoch: number };
      assert.deepEqual(readdirSync(path.join(ckpt, best.folder)).sort(), ['state.json', 'weights.bin']);
      const tags = (name: string): string => readFileSync(path.join(run, 'tags', name), 'utf8');
      assert.equal(tags('mmx.resumes'), '1');
      assert.equal(tags('mmx.best_epoch'), String(best.epoch));

      // a FINISHED run is not resumed
      const again = await runCli(['run', 'exp.yaml', '--plain', '--resume', runId], { cwd: dir });
      assert.equal(again.code, 2);
      assert.match(again.stderr, /is FINISHED; there is nothing to continue/);
    },
  );

  it('on a tracking server (REST store): the same run resumed, steps 1..N once each, FINISHED', { timeout: 600_000 }, async () => {
    const server = await new FakeMlflowServer().start();
    try {
      const dir = tempDir('mmx-resume-rest-');
      project(dir, server.url);
      const env = { MLFLOW_TRACKING_URI: '', MMX_SPOOL_DIR: path.join(dir, 'spool') };
      const lastOnServer = (): number => {
        const entry = [...server.artifacts].find(([p]) => p.endsWith('/artifacts/checkpoints/last.json'));
        return entry ? (JSON.parse(entry[1].toString('utf8')) as { epoch: number }).epoch : 0;
      };
      let child: ChildProcess | undefined;
      let killed = false;
      const poll = setInterval(() => {
        if (child && !killed && lastOnServer() >= 3) {
          killed = true;
          child.kill('SIGKILL');
        }
      }, 20);
      const first = await runCli(['run', 'exp.yaml', '--plain'], { cwd: dir, env, onStdout: (_c, c) => (child = c) }).finally(() =>
        clearInterval(poll),
      );
      assert.equal(first.signal, 'SIGKILL', `the run ended before it was killed: ${first.stdout}`);
      assert.equal(server.runs.size, 1);
      const [run] = [...server.runs.values()];
      assert.equal(run!.status, 'RUNNING');

      const resumed = await runCli(['run', 'exp.yaml', '--plain', '--resume', run!.runId], { cwd: dir, env });
      assert.equal(resumed.code, 0, resumed.stderr + resumed.stdout);
      assert.equal(server.runs.size, 1, 'no second run');
      assert.equal(run!.status, 'FINISHED');
      for (const key of ['train_loss', 'val_loss', 'learning_rate']) {
        assert.deepEqual(
          run!.metrics.filter((m) => m.key === key).map((m) => m.step),
          Array.from({ length: EPOCHS }, (_, i) => i + 1),
          key,
        );
      }
      assert.equal(lastOnServer(), EPOCHS);
    } finally {
      await server.stop();
    }
  });

  it(
    'mmx runs marks a RUNNING run without a heartbeat for a while dead, and --mark-dead sets it FAILED',
    { timeout: 200_000 },
    async () => {
      const dir = tempDir('mmx-dead-');
      const store = new FileStore(path.join(dir, 'runs'));
      const exp = await store.getOrCreateExperiment('e');
      const stale = await store.createRun(exp, { runName: 'stale' });
      await store.setTags(stale.runId, {
        [HEARTBEAT_TAG]: new Date(Date.now() - 2 * 86400_000).toISOString(),
        [PROCESS_TAG]: '1@elsewhere',
      });
      const live = await store.createRun(exp, { runName: 'live' });
      await store.setTags(live.runId, { [HEARTBEAT_TAG]: new Date().toISOString(), [PROCESS_TAG]: `${process.pid}@elsewhere` });

      const shown = await runCli(['runs', '--uri', 'runs'], { cwd: dir });
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, /stale\s+RUNNING \(dead\)/);
      assert.match(shown.stdout, /live\s+RUNNING\s/);
      assert.match(shown.stdout, /1 run is RUNNING \(dead\): no heartbeat for 2 days/);

      const marked = await runCli(['runs', '--uri', 'runs', '--mark-dead'], { cwd: dir });
      assert.equal(marked.code, 0, marked.stderr);
      assert.match(marked.stderr, new RegExp(`run ${stale.runId} \\(stale\\): RUNNING, no heartbeat for 2 days: marked FAILED`));
      assert.equal((await store.getRun(stale.runId)).status, 'FAILED');
      assert.equal((await store.getRun(live.runId)).status, 'RUNNING');
    },
  );
});

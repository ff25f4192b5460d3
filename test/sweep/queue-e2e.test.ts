/**
 * `mmx sweep --queue` with real training: a 2-trial grid on a small stratified subset of the real AV-MNIST-style
 * data, two `mmx worker`s (separate processes) on a real redis-server, every trial a real child run that
 * finished exactly once under the sweep's parent run.
 */
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { avmnistSubset } from '../helpers/subset.js';
import { avmnistSweepConfig } from '../helpers/sweep-config.js';
import { MlflowFileStoreReader } from '../tracking/mlflow-reader.js';
import { freePort, redisMissing, startCli, stop, TestRedis } from './fixtures/queue-redis.js';
import { tempDir } from '../helpers/tmp.js';

const CONFIG = avmnistSweepConfig('queue-e2e', { 'training.optimizer.learning_rate': '[0.003, 0.01]' });

const missing = redisMissing();
if (missing) console.log(`# ${missing}`);

describe('mmx sweep --queue (real training on real data)', { skip: missing }, () => {
  it('2 workers run a 2-trial grid; each trial one FINISHED child run', { timeout: 180_000 }, async () => {
    const redis = new TestRedis(await freePort(), 'e2e-secret-77');
    await redis.start();
    const dir = tempDir('mmx-queue-e2e-');
    avmnistSubset(dir, { train: 12, validation: 4, test: 4 });
    writeFileSync(path.join(dir, 'exp.yaml'), CONFIG);
    const workers = [0, 1].map(() => startCli(['worker', '--queue', redis.url, '--backend', 'cpu'], { cwd: os.tmpdir() }));
    const t0 = Date.now();
    const coord = startCli(['sweep', 'exp.yaml', '--queue', redis.url, '--json', '--out', 'out'], { cwd: dir });
    try {
      const code = await Promise.race([coord.exited, new Promise<'hang'>((r) => setTimeout(() => r('hang'), 170_000).unref())]);
      assert.equal(code, 0, `${coord.stderr()}\n${workers.map((w) => w.stderr()).join('\n')}`);
      const s = JSON.parse(coord.stdout()) as {
        status: string;
        sweep_run_id: string;
        experiment_id: string;
        best: { value: number };
        trials: { status: string; run_id: string; value: number; trial: number }[];
      };
      console.log(`# queue e2e: 2 real trials, 2 workers, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      assert.equal(s.status, 'FINISHED');
      assert.deepEqual(
        s.trials.map((t) => t.status),
        ['FINISHED', 'FINISHED'],
      );
      assert.equal(s.best.value, Math.max(...s.trials.map((t) => t.value)));
      const reader = new MlflowFileStoreReader(path.join(dir, 'runs'));
      const ids = readdirSync(path.join(dir, 'runs', s.experiment_id)).filter((d) => /^[0-9a-f]{32}$/.test(d) && d !== s.sweep_run_id);
      assert.equal(ids.length, 2);
      for (const id of ids) {
        const c = reader.getRun(id);
        assert.equal(c.info.status, 'FINISHED');
        assert.equal(c.tags['mlflow.parentRunId'], s.sweep_run_id);
        assert.equal(c.tags['mmx.sweep.attempt'], '1');
        assert.match(c.tags['mmx.sweep.worker']!, /:\d+$/);
        const t = s.trials.find((x) => x.run_id === id)!;
        assert.equal(c.tags['sweep.trial'], String(t.trial));
        assert.deepEqual(
          reader.getMetricHistory(id, 'val_accuracy').map((m) => m.step),
          [1, 2],
        );
      }
    } finally {
      for (const p of [coord, ...workers]) await stop(p);
      await redis.kill();
    }
  });
});

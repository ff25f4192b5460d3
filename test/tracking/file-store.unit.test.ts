import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { TrackingError } from '../../src/tracking/errors.js';
import {
  DEFAULT_EXPERIMENT_ID,
  EXPERIMENT_LOCK_FILE,
  FileStore,
  formatMetricValue,
  generateExperimentId,
} from '../../src/tracking/file-store.js';
import { pathToFileUri } from '../../src/tracking/file-uri.js';
import { formatScalar } from '../../src/tracking/mlflow-yaml.js';
import { tempDir } from './helpers.js';
import { MlflowFileStoreReader, MlflowReadError, pyFloat, readYaml } from './mlflow-reader.js';

function store(root: string, now?: () => number): FileStore {
  return new FileStore(root, { user: 'tester', ...(now ? { now } : {}) });
}

function isTrackingError(code?: string, pattern?: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof TrackingError, `expected a TrackingError, got ${String(e)}`);
    if (code) assert.equal(e.code, code);
    if (pattern) assert.match(e.message, pattern);
    return true;
  };
}

describe('FileStore: store layout', () => {
  it('creates the root, .trash and the Default experiment 0 as MLflow does', async () => {
    const root = path.join(tempDir(), 'runs');
    const fsStore = store(root, () => 1_700_000_000_000);
    const id = await fsStore.getOrCreateExperiment('avmnist');
    assert.ok(fs.statSync(path.join(root, '.trash')).isDirectory());
    const text = fs.readFileSync(path.join(root, '0', 'meta.yaml'), 'utf8');
    assert.equal(
      text,
      `artifact_location: ${pathToFileUri(path.join(root, '0'))}\n` +
        'creation_time: 1700000000000\n' +
        "experiment_id: '0'\n" +
        'last_update_time: 1700000000000\n' +
        'lifecycle_stage: active\n' +
        'name: Default\n',
    );
    const reader = new MlflowFileStoreReader(root);
    const exps = reader.listExperiments();
    assert.deepEqual(exps.map((e) => e.name).sort(), ['Default', 'avmnist']);
    const exp = reader.getExperiment(id);
    assert.equal(exp.name, 'avmnist');
    assert.equal(exp.lifecycleStage, 'active');
    assert.equal(exp.artifactLocation, pathToFileUri(path.join(root, id)));
    assert.equal(exp.creationTime, 1_700_000_000_000);
    assert.match(id, /^[1-9]\d{17}$/, 'MLflow 2.x style 18-digit experiment id');
    // the lock file is a plain file at the root, which MLflow's listing ignores
    assert.ok(!fs.existsSync(path.join(root, EXPERIMENT_LOCK_FILE)) || fs.statSync(path.join(root, EXPERIMENT_LOCK_FILE)).isFile());
  });

  it('finds an existing experiment by name instead of creating another', async () => {
    const root = tempDir();
    const a = await store(root).getOrCreateExperiment('exp');
    const b = await store(root).getOrCreateExperiment('exp');
    assert.equal(a, b);
    assert.equal(await store(root).getOrCreateExperiment('Default'), DEFAULT_EXPERIMENT_ID);
    assert.equal(new MlflowFileStoreReader(root).listExperiments().length, 2);
  });

  it('adds Default to an existing root that lacks it, and leaves foreign files alone', async () => {
    const root = tempDir();
    fs.writeFileSync(path.join(root, '.gitkeep'), '');
    await store(root).getOrCreateExperiment('x');
    assert.equal(new MlflowFileStoreReader(root).getExperiment('0').name, 'Default');
    assert.ok(fs.existsSync(path.join(root, '.gitkeep')));
  });

  it('refuses a name that only a deleted experiment has', async () => {
    const root = tempDir();
    const s = store(root);
    const id = await s.getOrCreateExperiment('old');
    // delete it the way MLflow does: lifecycle_stage deleted, folder moved to .trash
    const metaFile = path.join(root, id, 'meta.yaml');
    fs.writeFileSync(metaFile, fs.readFileSync(metaFile, 'utf8').replace('lifecycle_stage: active', 'lifecycle_stage: deleted'));
    fs.renameSync(path.join(root, id), path.join(root, '.trash', id));
    assert.equal(new MlflowFileStoreReader(root).listExperiments('deleted')[0]?.name, 'old');
    await assert.rejects(store(root).getOrCreateExperiment('old'), isTrackingError('RESOURCE_ALREADY_EXISTS', /deleted state/));
  });

  it('generates ids MLflow accepts', () => {
    for (let i = 0; i < 200; i++) assert.match(generateExperimentId(), /^[1-9]\d{17}$/);
  });

  it('is lazy: constructing a store touches nothing', () => {
    const root = path.join(tempDir(), 'never');
    store(root);
    assert.equal(fs.existsSync(root), false);
  });
});

describe('FileStore: run lifecycle read back by the MLflow reader', () => {
  it('logs params, metrics, tags and artifacts and ends the run', async () => {
    const root = tempDir();
    let clock = 1_700_000_000_000;
    const s = store(root, () => clock);
    const expId = await s.getOrCreateExperiment('avmnist');
    const run = await s.createRun(expId, {
      runName: 'gated-fusion',
      tags: { 'mlflow.source.type': 'LOCAL', 'mmx.config_hash': 'abc123' },
      startTime: 1_700_000_000_123,
    });
    assert.match(run.runId, /^[0-9a-f]{32}$/);
    assert.equal(run.status, 'RUNNING');
    assert.equal(run.runName, 'gated-fusion');
    assert.equal(run.experimentId, expId);
    assert.equal(run.startTime, 1_700_000_000_123);
    assert.equal(run.endTime, undefined);
    assert.equal(run.artifactUri, `${pathToFileUri(path.join(root, expId))}/${run.runId}/artifacts`);
    assert.equal(run.artifactDir, path.join(root, expId, run.runId, 'artifacts'));

    // the meta.yaml MLflow writes at creation, field for field
    const runDir = path.join(root, expId, run.runId);
    assert.equal(
      fs.readFileSync(path.join(runDir, 'meta.yaml'), 'utf8'),
      [
        `artifact_uri: ${run.artifactUri}`,
        'deleted_time: null',
        'end_time: null',
        "entry_point_name: ''",
        `experiment_id: '${expId}'`,
        'lifecycle_stage: active',
        `run_id: ${formatScalar(run.runId)}`,
        'run_name: gated-fusion',
        `run_uuid: ${formatScalar(run.runId)}`,
        "source_name: ''",
        'source_type: 4',
        "source_version: ''",
        'start_time: 1700000000123',
        'status: 1',
        'tags: []',
        'user_id: tester',
        '',
      ].join('\n'),
    );
    for (const sub of ['metrics', 'params', 'artifacts', 'tags']) assert.ok(fs.statSync(path.join(runDir, sub)).isDirectory(), sub);

    await s.logParams(run.runId, { 'training.epochs': '20', 'fusion.type': 'gated', 'inputs/image.encoder': 'cnn' });
    clock += 1000;
    await s.logMetrics(run.runId, [
      { key: 'loss', value: 0.9, timestamp: clock, step: 0 },
      { key: 'val_accuracy', value: 0.5, timestamp: clock, step: 0 },
    ]);
    clock += 1000;
    await s.logMetrics(run.runId, [
      { key: 'loss', value: 0.4, timestamp: clock, step: 1 },
      { key: 'val_accuracy', value: 0.75, timestamp: clock, step: 1 },
      { key: 'test/accuracy', value: 1, timestamp: clock, step: 0 },
    ]);
    await s.setTags(run.runId, { 'mmx.backend': 'wasm' });
    await s.logArtifact(run.runId, 'config/resolved.yaml', 'name: x\n');
    await s.logArtifact(run.runId, 'model/weights.bin', new Uint8Array([0, 1, 2, 255]));
    await s.endRun(run.runId, 'FINISHED', clock + 5);

    const reader = new MlflowFileStoreReader(root);
    const got = reader.getRun(run.runId);
    assert.equal(got.info.status, 'FINISHED');
    assert.equal(got.info.endTime, clock + 5);
    assert.equal(got.info.startTime, 1_700_000_000_123);
    assert.equal(got.info.runName, 'gated-fusion');
    assert.equal(got.info.userId, 'tester');
    assert.equal(got.info.lifecycleStage, 'active');
    assert.equal(got.info.raw.has('deleted_time'), false, 'MLflow drops deleted_time when it rewrites a live run');
    assert.deepEqual(got.params, { 'training.epochs': '20', 'fusion.type': 'gated', 'inputs/image.encoder': 'cnn' });
    assert.deepEqual(got.tags, {
      'mlflow.runName': 'gated-fusion',
      'mlflow.source.type': 'LOCAL',
      'mmx.config_hash': 'abc123',
      'mmx.backend': 'wasm',
    });
    assert.deepEqual(got.metrics.loss, { key: 'loss', value: 0.4, timestamp: clock, step: 1 });
    assert.equal(got.metrics.val_accuracy?.value, 0.75);
    assert.deepEqual(got.metrics['test/accuracy'], { key: 'test/accuracy', value: 1, timestamp: clock, step: 0 });
    assert.deepEqual(
      reader.getMetricHistory(run.runId, 'loss').map((m) => [m.step, m.value]),
      [
        [0, 0.9],
        [1, 0.4],
      ],
    );
    assert.equal(fs.readFileSync(path.join(runDir, 'metrics', 'loss'), 'utf8'), `${clock - 1000} 0.9 0\n${clock} 0.4 1\n`);
    assert.equal(fs.readFileSync(path.join(runDir, 'metrics', 'test', 'accuracy'), 'utf8'), `${clock} 1.0 0\n`);
    assert.deepEqual(reader.listArtifacts(run.runId), ['config/resolved.yaml', 'model/weights.bin']);
    assert.deepEqual([...fs.readFileSync(path.join(run.artifactDir!, 'model', 'weights.bin'))], [0, 1, 2, 255]);
    assert.deepEqual(
      reader.listRunInfos(expId).map((r) => r.runId),
      [run.runId],
    );
    // no temporary files left anywhere
    const leftovers: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(d, e.name));
        else if (e.name.endsWith('.tmp')) leftovers.push(path.join(d, e.name));
      }
    };
    walk(root);
    assert.deepEqual(leftovers, []);

    const info = await s.getRun(run.runId);
    assert.equal(info.status, 'FINISHED');
    assert.equal(info.endTime, clock + 5);
    // a fresh store instance finds the run by scanning, as MLflow does
    assert.equal((await store(root).getRun(run.runId)).runName, 'gated-fusion');
  });

  it('percent-encodes the root in artifact URIs as pathlib.as_uri does, and decodes it back', async () => {
    const root = path.join(tempDir(), 'my runs', 'ü#1');
    const s = store(root);
    const run = await s.createRun(await s.getOrCreateExperiment('e'), { runName: 'r' });
    assert.ok(run.artifactUri.includes('/my%20runs/%C3%BC%231/'), run.artifactUri);
    await s.logArtifact(run.runId, 'a b/c.txt', 'x');
    assert.equal(fs.readFileSync(path.join(root, run.experimentId, run.runId, 'artifacts', 'a b', 'c.txt'), 'utf8'), 'x');
    assert.deepEqual(new MlflowFileStoreReader(root).listArtifacts(run.runId), ['a b/c.txt']);
    assert.equal((await s.getRun(run.runId)).artifactDir, path.join(root, run.experimentId, run.runId, 'artifacts'));
  });

  it('keeps run_name in meta.yaml in step with the mlflow.runName tag', async () => {
    const root = tempDir();
    const s = store(root);
    const run = await s.createRun(await s.getOrCreateExperiment('e'), { runName: 'first' });
    await s.setTags(run.runId, { 'mlflow.runName': 'renamed' });
    const got = new MlflowFileStoreReader(root).getRun(run.runId);
    assert.equal(got.info.runName, 'renamed');
    assert.equal(got.tags['mlflow.runName'], 'renamed');
  });

  it('names a run that was given no name', async () => {
    const s = store(tempDir());
    const run = await s.createRun(await s.getOrCreateExperiment('e'), { runName: '' });
    assert.equal(run.runName, `run-${run.runId.slice(0, 8)}`);
  });

  it('rejects a runName that contradicts the mlflow.runName tag', async () => {
    const s = store(tempDir());
    const exp = await s.getOrCreateExperiment('e');
    await assert.rejects(s.createRun(exp, { runName: 'a', tags: { 'mlflow.runName': 'b' } }), isTrackingError('INVALID_PARAMETER_VALUE'));
  });

  it('quotes run names YAML 1.1 would misread, so MLflow reads back the same string', async () => {
    const root = tempDir();
    const s = store(root);
    const exp = await s.getOrCreateExperiment('yes');
    const names = [
      'yes',
      'No',
      'on',
      'null',
      '~',
      '2024-01-01',
      '1:20',
      '0x1F',
      '017',
      '1_000',
      '.inf',
      '=',
      '<<',
      '12',
      'a: b',
      'tail:',
      '#hash',
      "it's",
      ' padded ',
      'multi\nline',
      'tab\there',
      'ünïcødé 🚀',
      '- dash',
      '[x]',
      '{y}',
      '*ref',
      '&anc',
      '!tag',
      '%pct',
      '@at',
      '`tick`',
      'q"uote',
      'back\\slash',
      '\u2028sep',
    ];
    const reader = new MlflowFileStoreReader(root);
    for (const name of names) {
      const run = await s.createRun(exp, { runName: name });
      const got = reader.getRun(run.runId);
      assert.equal(got.info.runName, name, `run name ${JSON.stringify(name)}`);
      assert.equal(got.info.experimentId, exp);
    }
    assert.equal(reader.getExperimentByName('yes')?.experimentId, exp);
  });

  it('fails clearly for an unknown run or experiment', async () => {
    const s = store(tempDir());
    await s.getOrCreateExperiment('e');
    await assert.rejects(s.getRun('0123456789abcdef0123456789abcdef'), isTrackingError('RESOURCE_DOES_NOT_EXIST', /not found/));
    await assert.rejects(s.createRun('424242', { runName: 'r' }), isTrackingError('RESOURCE_DOES_NOT_EXIST'));
    await assert.rejects(s.getRun('../etc'), isTrackingError('INVALID_PARAMETER_VALUE', /Invalid run ID/));
    await assert.rejects(s.createRun('../x', { runName: 'r' }), isTrackingError('INVALID_PARAMETER_VALUE'));
  });
});

describe('FileStore: params are write-once', () => {
  it('accepts the same value again and rejects a different one', async () => {
    const root = tempDir();
    const s = store(root);
    const run = await s.createRun(await s.getOrCreateExperiment('e'), { runName: 'r' });
    await s.logParams(run.runId, { lr: '0.001', 'optimizer/type': 'adam' });
    await s.logParams(run.runId, { lr: '0.001' });
    await assert.rejects(
      s.logParams(run.runId, { lr: '0.01' }),
      isTrackingError('INVALID_PARAMETER_VALUE', /Changing param values is not allowed.*key='lr'.*value='0\.001'.*'0\.01'/s),
    );
    assert.deepEqual(new MlflowFileStoreReader(root).getRun(run.runId).params, { lr: '0.001', 'optimizer/type': 'adam' });
  });

  it('stores values byte for byte (no trailing newline), up to 6000 characters', async () => {
    const root = tempDir();
    const s = store(root);
    const run = await s.createRun(await s.getOrCreateExperiment('e'), { runName: 'r' });
    const long = 'é'.repeat(6000);
    await s.logParams(run.runId, { text: 'line1\nline2 ', empty: '', long });
    const got = new MlflowFileStoreReader(root).getRun(run.runId).params;
    assert.equal(got.text, 'line1\nline2 ');
    assert.equal(got.empty, '');
    assert.equal(got.long, long);
    await assert.rejects(s.logParams(run.runId, { tooLong: 'x'.repeat(6001) }), isTrackingError('INVALID_PARAMETER_VALUE', /6000/));
  });

  it('concurrent logging of the same param from one process keeps one value', async () => {
    const root = tempDir();
    const s = store(root);
    const run = await s.createRun(await s.getOrCreateExperiment('e'), { runName: 'r' });
    const results = await Promise.allSettled(['a', 'b', 'c', 'd'].map((v) => s.logParams(run.runId, { k: v })));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    const value = new MlflowFileStoreReader(root).getRun(run.runId).params.k;
    assert.ok(value !== undefined && ['a', 'b', 'c', 'd'].includes(value));
  });
});

describe('FileStore: key validation follows MLflow', () => {
  const bad = [
    '',
    '/lead',
    'trail/',
    'a//b',
    'a/./b',
    '../up',
    'a/../b',
    '.',
    'x'.repeat(251),
    'semi;colon',
    'new\nline',
    'star*',
    'colon:x',
    'tab\t',
  ];
  const good = ['loss', 'val_loss', 'test/accuracy', 'a b', 'lr.init', 'x-y', 'ünï', 'x'.repeat(250), '.hidden', 'a..b'];

  it('rejects invalid metric, param and tag keys before writing anything', async () => {
    const root = tempDir();
    const s = store(root);
    const run = await s.createRun(await s.getOrCreateExperiment('e'), { runName: 'r' });
    for (const key of bad) {
      await assert.rejects(
        s.logMetrics(run.runId, [{ key, value: 1, timestamp: 1, step: 0 }]),
        isTrackingError('INVALID_PARAMETER_VALUE', /metric name/),
        JSON.stringify(key),
      );
      await assert.rejects(
        s.logParams(run.runId, { ok: '1', [key]: 'v' }),
        isTrackingError('INVALID_PARAMETER_VALUE', /parameter name/),
        JSON.stringify(key),
      );
      await assert.rejects(
        s.setTags(run.runId, { [key]: 'v' }),
        isTrackingError('INVALID_PARAMETER_VALUE', /tag name/),
        JSON.stringify(key),
      );
    }
    // the batch with one bad key wrote nothing, not even its good key
    assert.deepEqual(new MlflowFileStoreReader(root).getRun(run.runId).params, {});
    await assert.rejects(
      s.createRun(await s.getOrCreateExperiment('e'), { runName: 'r2', tags: { 'bad key!': 'x' } }),
      isTrackingError('INVALID_PARAMETER_VALUE'),
    );
  });

  it('accepts every key MLflow accepts, and MLflow reads them back', async () => {
    const root = tempDir();
    const s = store(root);
    const run = await s.createRun(await s.getOrCreateExperiment('e'), { runName: 'r' });
    await s.logMetrics(
      run.runId,
      good.map((key, i) => ({ key, value: i, timestamp: 5, step: 0 })),
    );
    await s.logParams(run.runId, Object.fromEntries(good.map((k) => [k, k])));
    const got = new MlflowFileStoreReader(root).getRun(run.runId);
    assert.deepEqual(Object.keys(got.metrics).sort(), [...good].sort());
    assert.deepEqual(Object.keys(got.params).sort(), [...good].sort());
  });

  it('reports a key that collides with a folder made by another key', async () => {
    const s = store(tempDir());
    const run = await s.createRun(await s.getOrCreateExperiment('e'), { runName: 'r' });
    await s.logMetrics(run.runId, [{ key: 'a/b', value: 1, timestamp: 1, step: 0 }]);
    await assert.rejects(
      s.logMetrics(run.runId, [{ key: 'a', value: 1, timestamp: 1, step: 0 }]),
      isTrackingError('INVALID_PARAMETER_VALUE', /collides/),
    );
  });

  it('rejects bad timestamps, steps, values and artifact paths', async () => {
    const s = store(tempDir());
    const run = await s.createRun(await s.getOrCreateExperiment('e'), { runName: 'r' });
    for (const m of [
      { key: 'k', value: 1, timestamp: -1, step: 0 },
      { key: 'k', value: 1, timestamp: 1.5, step: 0 },
      { key: 'k', value: 1, timestamp: 1, step: 0.5 },
      { key: 'k', value: '1' as unknown as number, timestamp: 1, step: 0 },
    ]) {
      await assert.rejects(s.logMetrics(run.runId, [m]), isTrackingError('INVALID_PARAMETER_VALUE'));
    }
    for (const p of ['', '/etc/passwd', '../x', 'a/../../x', 'C:/x']) {
      await assert.rejects(s.logArtifact(run.runId, p, 'x'), isTrackingError('INVALID_PARAMETER_VALUE'), p);
    }
  });
});

describe('FileStore: NaN and Infinity metrics', () => {
  it("writes them as Python's str(float) does, so float() reads them back", async () => {
    const root = tempDir();
    const s = store(root);
    const run = await s.createRun(await s.getOrCreateExperiment('e'), { runName: 'r' });
    await s.logMetrics(run.runId, [
      { key: 'nan', value: NaN, timestamp: 10, step: 0 },
      { key: 'inf', value: Infinity, timestamp: 10, step: 0 },
      { key: 'ninf', value: -Infinity, timestamp: 10, step: 0 },
      { key: 'tiny', value: 1e-7, timestamp: 10, step: 0 },
      { key: 'huge', value: 1.5e300, timestamp: 10, step: 0 },
      { key: 'negzero', value: -0, timestamp: 10, step: -3 },
    ]);
    const runDir = path.join(root, run.experimentId, run.runId, 'metrics');
    assert.equal(fs.readFileSync(path.join(runDir, 'nan'), 'utf8'), '10 nan 0\n');
    assert.equal(fs.readFileSync(path.join(runDir, 'inf'), 'utf8'), '10 inf 0\n');
    assert.equal(fs.readFileSync(path.join(runDir, 'ninf'), 'utf8'), '10 -inf 0\n');
    const got = new MlflowFileStoreReader(root).getRun(run.runId).metrics;
    assert.ok(Number.isNaN(got.nan?.value));
    assert.equal(got.inf?.value, Infinity);
    assert.equal(got.ninf?.value, -Infinity);
    assert.equal(got.tiny?.value, 1e-7);
    assert.equal(got.huge?.value, 1.5e300);
    assert.ok(Object.is(got.negzero?.value, -0));
    assert.equal(got.negzero?.step, -3);
  });

  it('formats every double so that Python float() parses it to the same value', () => {
    const samples = [0, 1, -1, 0.1, 1 / 3, 2 ** 53, 1e16, 1e21, 5e-324, Number.MAX_VALUE, -1.2345e-12, 123456.789];
    for (const v of samples) assert.equal(pyFloat(formatMetricValue(v), 'test'), v, String(v));
  });
});

describe('FileStore: endRun and endRunSync', () => {
  it('endRunSync sets status and end_time synchronously', async () => {
    const root = tempDir();
    const s = store(root);
    const run = await s.createRun(await s.getOrCreateExperiment('e'), { runName: 'r', startTime: 1000 });
    s.endRunSync(run.runId, 'KILLED', 2000);
    const info = new MlflowFileStoreReader(root).getRun(run.runId).info;
    assert.equal(info.status, 'KILLED');
    assert.equal(info.endTime, 2000);
    assert.equal(info.startTime, 1000);
  });

  it('endRunSync works from a fresh store instance (no cache), as on an exit path', async () => {
    const root = tempDir();
    const s = store(root);
    const run = await s.createRun(await s.getOrCreateExperiment('e'), { runName: 'r' });
    store(root).endRunSync(run.runId, 'FAILED');
    const info = new MlflowFileStoreReader(root).getRun(run.runId).info;
    assert.equal(info.status, 'FAILED');
    assert.ok(info.endTime !== null && info.endTime >= info.startTime);
  });

  it('maps every terminal status to MLflow’s enum and rejects others', async () => {
    const root = tempDir();
    const s = store(root);
    const exp = await s.getOrCreateExperiment('e');
    for (const [status, code] of [
      ['FINISHED', 3],
      ['FAILED', 4],
      ['KILLED', 5],
    ] as const) {
      const run = await s.createRun(exp, { runName: status });
      await s.endRun(run.runId, status, 99);
      const meta = readYaml(path.join(root, exp, run.runId, 'meta.yaml'));
      assert.deepEqual(meta.get('status'), { t: 'int', v: BigInt(code) });
      assert.equal((await s.getRun(run.runId)).status, status);
    }
    const run = await s.createRun(exp, { runName: 'x' });
    await assert.rejects(s.endRun(run.runId, 'RUNNING' as never), isTrackingError('INVALID_PARAMETER_VALUE'));
    assert.throws(() => s.endRunSync(run.runId, 'SCHEDULED' as never), isTrackingError('INVALID_PARAMETER_VALUE'));
  });

  it('serialises concurrent meta updates within a process', async () => {
    const root = tempDir();
    const s = store(root);
    const run = await s.createRun(await s.getOrCreateExperiment('e'), { runName: 'r' });
    await Promise.all([s.setTags(run.runId, { 'mlflow.runName': 'late-name' }), s.endRun(run.runId, 'FINISHED', 1234)]);
    const info = new MlflowFileStoreReader(root).getRun(run.runId).info;
    assert.equal(info.runName, 'late-name');
    assert.equal(info.status, 'FINISHED');
    assert.equal(info.endTime, 1234);
  });

  it('refuses to update a deleted run, like MLflow', async () => {
    const root = tempDir();
    const s = store(root);
    const run = await s.createRun(await s.getOrCreateExperiment('e'), { runName: 'r' });
    const metaFile = path.join(root, run.experimentId, run.runId, 'meta.yaml');
    fs.writeFileSync(metaFile, fs.readFileSync(metaFile, 'utf8').replace('lifecycle_stage: active', 'lifecycle_stage: deleted'));
    await assert.rejects(s.endRun(run.runId, 'FINISHED'), isTrackingError(undefined, /active/));
  });
});

describe('MLflow reader self-check (it must reject what MLflow rejects)', () => {
  async function runWith(meta: (text: string) => string): Promise<{ reader: MlflowFileStoreReader; runId: string }> {
    const root = tempDir();
    const s = store(root);
    const run = await s.createRun(await s.getOrCreateExperiment('e'), { runName: 'r' });
    const file = path.join(root, run.experimentId, run.runId, 'meta.yaml');
    fs.writeFileSync(file, meta(fs.readFileSync(file, 'utf8')));
    return { reader: new MlflowFileStoreReader(root), runId: run.runId };
  }

  it('rejects a string status, a missing field, an unquoted boolean-looking name, a bad metric line', async () => {
    for (const edit of [
      (t: string) => t.replace('status: 1', "status: 'RUNNING'"),
      (t: string) => t.replace('status: 1', 'status: 9'),
      (t: string) => t.replace(/^user_id: .*\n/m, ''),
      (t: string) => t.replace('run_name: r', 'run_name: yes'),
      (t: string) => t.replace('start_time:', 'start_time: 2024-01-01\nx_start_time:'),
      (t: string) => t.replace('run_name: r', 'run_name: ='),
    ]) {
      const { reader, runId } = await runWith(edit);
      assert.throws(() => reader.getRun(runId), MlflowReadError);
    }
    for (const line of ['1 2 3 4\n', '1.5 2 0\n', '1 abc 0\n', '1 2 0\n\n', '1  2\n']) {
      const { reader, runId } = await runWith((t) => t);
      const { runDir } = reader.findRunDir(runId);
      fs.writeFileSync(path.join(runDir, 'metrics', 'm'), line);
      assert.throws(() => reader.getRun(runId), MlflowReadError, JSON.stringify(line));
    }
  });
});

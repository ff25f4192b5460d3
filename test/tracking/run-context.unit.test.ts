import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { flattenParams, gitCommit, systemTags, TRUNCATION_MARKER, truncateParamValue } from '../../src/tracking/run-context.js';
import { MAX_PARAM_VALUE_LENGTH, validateKey, validateValueLength } from '../../src/tracking/validation.js';
import { tempDir } from './helpers.js';

describe('flattenParams', () => {
  it('turns a nested config into dotted keys with string values', () => {
    const params = flattenParams({
      name: 'avmnist-gated',
      seed: 42,
      inputs: {
        image: { type: 'image', encoder: { type: 'cnn', filters: [32, 64], dropout: 0.1 } },
      },
      training: { optimizer: { type: 'adam', learning_rate: 1e-3 }, early_stopping: { restore_best: true } },
      fusion: { type: 'gated', extra: {} },
      evaluation: { metrics: ['accuracy', 'macro_f1'] },
      missing: undefined,
      nothing: null,
    });
    assert.deepEqual(params, {
      name: 'avmnist-gated',
      seed: '42',
      'inputs.image.type': 'image',
      'inputs.image.encoder.type': 'cnn',
      'inputs.image.encoder.filters': '[32,64]',
      'inputs.image.encoder.dropout': '0.1',
      'training.optimizer.type': 'adam',
      'training.optimizer.learning_rate': '0.001',
      'training.early_stopping.restore_best': 'true',
      'fusion.type': 'gated',
      'fusion.extra': '{}',
      'evaluation.metrics': '["accuracy","macro_f1"]',
      nothing: 'null',
    });
  });

  it('applies a prefix, and accepts a single value under a prefix', () => {
    assert.deepEqual(flattenParams({ a: { b: 1 } }, 'config'), { 'config.a.b': '1' });
    assert.deepEqual(flattenParams(5, 'x'), { x: '5' });
    assert.throws(() => flattenParams(5), TypeError);
  });

  it('produces keys MLflow accepts, replacing forbidden characters', () => {
    const params = flattenParams({ 'weird:key*': 1, 'ok key-1': { 'ünï.x': 2 } });
    assert.deepEqual(params, { weird_key_: '1', 'ok key-1.ünï.x': '2' });
    for (const [k, v] of Object.entries(params)) {
      validateKey('param', k);
      validateValueLength('param', k, v);
    }
  });

  it("truncates values to MLflow's 6000-character limit with a marker", () => {
    const long = 'a'.repeat(10_000);
    const v = flattenParams({ long })['long']!;
    assert.equal(v.length, MAX_PARAM_VALUE_LENGTH);
    assert.ok(v.endsWith(TRUNCATION_MARKER));
    const arr = flattenParams({ arr: Array.from({ length: 5000 }, (_, i) => i) })['arr']!;
    assert.ok(arr.length <= MAX_PARAM_VALUE_LENGTH && arr.endsWith(TRUNCATION_MARKER));
    assert.equal(flattenParams({ exact: 'b'.repeat(6000) })['exact'], 'b'.repeat(6000));
    const cut: [string, number][] = [];
    flattenParams({ long, a: { exact: 'b'.repeat(6000) } }, undefined, (key, length) => cut.push([key, length]));
    assert.deepEqual(cut, [['long', 10_000]], 'the caller hears of each cut value, and only those');
  });

  it('never cuts a surrogate pair in half', () => {
    const cutAt = MAX_PARAM_VALUE_LENGTH - TRUNCATION_MARKER.length;
    const s = 'x'.repeat(cutAt - 1) + '🚀'.repeat(10);
    const t = truncateParamValue(s);
    assert.ok(t.endsWith(TRUNCATION_MARKER));
    assert.ok(!/[\ud800-\udbff](?![\udc00-\udfff])/.test(t), 'no lone high surrogate');
    assert.ok(t.length <= MAX_PARAM_VALUE_LENGTH);
  });
});

describe('gitCommit', () => {
  const sha = '0123456789abcdef0123456789abcdef01234567';

  it('is undefined outside a repository', () => {
    assert.equal(gitCommit(tempDir()), undefined);
    assert.equal(gitCommit(path.join(tempDir(), 'missing')), undefined);
  });

  it('reads a loose ref, a packed ref and a detached HEAD without git', () => {
    const repo = tempDir();
    const git = path.join(repo, '.git');
    fs.mkdirSync(path.join(git, 'refs', 'heads'), { recursive: true });
    fs.writeFileSync(path.join(git, 'HEAD'), 'ref: refs/heads/main\n');
    fs.writeFileSync(path.join(git, 'refs', 'heads', 'main'), `${sha}\n`);
    const sub = path.join(repo, 'configs', 'deep');
    fs.mkdirSync(sub, { recursive: true });
    fs.writeFileSync(path.join(sub, 'x.yaml'), 'name: x\n');
    assert.equal(gitCommit(sub), sha);
    assert.equal(gitCommit(path.join(sub, 'x.yaml')), sha, 'a file path works too');

    fs.rmSync(path.join(git, 'refs', 'heads', 'main'));
    const other = 'f'.repeat(40);
    fs.writeFileSync(path.join(git, 'packed-refs'), `# pack-refs with: peeled fully-peeled sorted\n${other} refs/heads/main\n`);
    assert.equal(gitCommit(repo), other);

    fs.writeFileSync(path.join(git, 'HEAD'), `${sha}\n`);
    assert.equal(gitCommit(repo), sha);
  });

  it('follows a worktree .git file to its gitdir and common dir', () => {
    const main = tempDir();
    const common = path.join(main, '.git');
    const wtGit = path.join(common, 'worktrees', 'wt');
    fs.mkdirSync(path.join(common, 'refs', 'heads'), { recursive: true });
    fs.mkdirSync(wtGit, { recursive: true });
    fs.writeFileSync(path.join(common, 'refs', 'heads', 'feature'), `${sha}\n`);
    fs.writeFileSync(path.join(wtGit, 'HEAD'), 'ref: refs/heads/feature\n');
    fs.writeFileSync(path.join(wtGit, 'commondir'), '../..\n');
    const wt = tempDir();
    fs.writeFileSync(path.join(wt, '.git'), `gitdir: ${wtGit}\n`);
    assert.equal(gitCommit(wt), sha);
  });

  it('agrees with git itself on a real repository', (t) => {
    let hasGit = true;
    try {
      execFileSync('git', ['--version'], { stdio: 'ignore' });
    } catch {
      hasGit = false;
    }
    if (!hasGit) return t.skip('git not installed');
    const repo = tempDir();
    const run = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'commit.gpgsign=false', ...args], {
        cwd: repo,
        encoding: 'utf8',
      }).trim();
    run('init', '-q');
    assert.equal(gitCommit(repo), undefined, 'no commit yet');
    fs.writeFileSync(path.join(repo, 'a.txt'), 'a');
    run('add', 'a.txt');
    run('commit', '-q', '-m', 'one');
    assert.equal(gitCommit(repo), run('rev-parse', 'HEAD'));
    run('pack-refs', '--all');
    assert.equal(gitCommit(repo), run('rev-parse', 'HEAD'));
  });
});

describe('systemTags', () => {
  it("builds MLflow's system tags", () => {
    assert.deepEqual(systemTags({ runName: 'r1', sourceName: 'configs/avmnist.yaml', gitCommit: 'abc', user: 'ada', parentRunId: 'p1' }), {
      'mlflow.runName': 'r1',
      'mlflow.source.name': 'configs/avmnist.yaml',
      'mlflow.source.type': 'LOCAL',
      'mlflow.source.git.commit': 'abc',
      'mlflow.user': 'ada',
      'mlflow.parentRunId': 'p1',
    });
  });

  it('leaves out what is unknown and fills in the user', () => {
    const tags = systemTags({ runName: 'r' });
    assert.equal(tags['mlflow.source.type'], 'LOCAL');
    assert.ok(tags['mlflow.user']);
    assert.ok(!('mlflow.source.git.commit' in tags));
    assert.ok(!('mlflow.parentRunId' in tags));
  });
});

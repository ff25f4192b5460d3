/**
 * Checks of the model before any data is read: the implied attention size (fusion over tokens and the
 * encoders' own attention) with what to lower, encoder checks against the feature shapes, and each modality's
 * feature shape from the config being the one its loader produces. No data set: the unit tier (the shipped
 * token-level configs against the real data: token-configs.test.ts).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/experiment/load.js';
import { checkSemantics } from '../../src/experiment/semantic.js';
import { ConfigError } from '../../src/config/issues.js';
import { findModality } from '../../src/data/modalities/index.js';
import { checkModel, MAX_ATTENTION_SCORES } from '../../src/model/checks.js';
import { tempDir } from '../helpers/tmp.js';

function write(body: string): string {
  const dir = tempDir('mmx-checks-');
  writeFileSync(path.join(dir, 'd.csv'), 'review,title,img,snd,age,label,split\nok,fine,a.png,a.wav,30,1,train\n');
  writeFileSync(path.join(dir, 'x.yaml'), `name: c\ndata: {path: d.csv, split: {column: split}}\ntarget: {column: label}\n${body}`);
  return path.join(dir, 'x.yaml');
}

const config = (body: string, overrides: string[] = []) => loadConfig(write(body), { env: {}, overrides }).config;

const TEXT_AND_IMAGE = `inputs:
  review: {type: text, column: review, preprocessing: {max_length: 256}, encoder: {type: embedding_bag, output: sequence}}
  title: {type: text, column: title, preprocessing: {max_length: 256}, encoder: {type: cnn, output: sequence}}
  img: {type: image, column: img, preprocessing: {height: 32, width: 32}, encoder: {type: patch, patch_size: 4, output: sequence}}
`;

describe('the attention-size check', () => {
  it('a transformer fusion over 576 tokens at batch 64 is rejected, naming the cost and what to lower', () => {
    // 256 + 256 + 64 tokens: 2 layers · 4 heads · 576² = 2,654,208 per example in the fusion, + the patch encoder's
    // 2 layers · 4 heads · 64² = 32,768; · 64 = 171,966,464
    const issues = checkModel(
      config(`${TEXT_AND_IMAGE}fusion: {type: transformer, dim: 64, heads: 4, layers: 2}\ntraining: {batch_size: 64}\n`),
    );
    assert.equal(issues.length, 1);
    assert.deepEqual(issues[0]!.path, ['fusion', 'type']);
    assert.match(issues[0]!.message, /holds 171,966,464 scores per training batch of 64/);
    assert.match(issues[0]!.message, /the transformer fusion over 576 tokens \(review 256, title 256, img 64\): 2,654,208 per example/);
    assert.match(issues[0]!.message, /the img patch encoder: 32,768 per example/);
    assert.match(issues[0]!.message, new RegExp(`over the limit of ${MAX_ATTENTION_SCORES.toLocaleString('en-US')}`));
    // 64 · 134,217,728 / 171,966,464 = 49.95
    assert.match(issues[0]!.hint!, /^lower training\.batch_size to 49 or less/);
    assert.match(
      issues[0]!.hint!,
      /shorten review's 256 tokens \(inputs\.review\.preprocessing\.max_length, or inputs\.review\.encoder\.output: pooled/,
    );
    // bottleneck: 8 · (260² + 260² + 68²) · 64 = 71,589,888; cross_attention: 8 · 2(256·256 + 2·256·64) · 64 = 100,663,296
    assert.match(issues[0]!.hint!, /fusion\.type: bottleneck \(71,589,888 scores\) or cross_attention \(100,663,296 scores\)/);
  });

  it('a cheaper fusion is suggested only when it would fit', () => {
    // one long input dominates: bottleneck (8 · (2052² + 2·68²)) and cross-attention do not fit at batch 64 either
    const issues = checkModel(
      config(`${TEXT_AND_IMAGE}fusion: {type: transformer, dim: 64, heads: 4, layers: 2}\n`, [
        'training.batch_size=64',
        'inputs.review.preprocessing.max_length=2048',
      ]),
    );
    assert.equal(issues.length, 1);
    assert.doesNotMatch(issues[0]!.hint!, /bottleneck|cross_attention/);
  });

  it('the same tokens fit with a smaller batch, with bottleneck fusion, or with pooled inputs', () => {
    const body = `${TEXT_AND_IMAGE}fusion: {type: transformer, dim: 64, heads: 4, layers: 2}\n`;
    assert.deepEqual(checkModel(config(`${body}training: {batch_size: 32}\n`)), []);
    assert.deepEqual(checkModel(config(body.replace('type: transformer', 'type: bottleneck'), ['training.batch_size=64'])), []);
    assert.deepEqual(checkModel(config(body, ['training.batch_size=64', 'inputs.review.encoder.output=pooled'])), []);
    // a pooled fusion has no attention of its own: the sequences are mean-pooled
    assert.deepEqual(
      checkModel(config(body.replace('{type: transformer, dim: 64, heads: 4, layers: 2}', '{type: concat}'), ['training.batch_size=64'])),
      [],
    );
  });

  it('cross-attention costs Σ over ordered pairs of T_i·T_j; an encoder that dominates is named at its own path', () => {
    // pairs: 2·(256·256 + 2·256·64) = 196,608 · 2 layers · 4 heads = 1,572,864 per example: fits at batch 64
    const body = `${TEXT_AND_IMAGE}fusion: {type: cross_attention, dim: 64, heads: 4, layers: 2}\n`;
    assert.deepEqual(checkModel(config(body, ['training.batch_size=64'])), []);
    // a text transformer over 2,048 tokens: 2 layers · 4 heads · 2048² = 33,554,432 per example
    const big = `inputs:
  review: {type: text, column: review, preprocessing: {max_length: 2048}, encoder: {type: transformer, embedding_dim: 32}}
  age: {type: numeric, column: age}
fusion: {type: concat}
training: {batch_size: 8}
`;
    const issues = checkModel(config(big));
    assert.equal(issues.length, 1);
    assert.deepEqual(issues[0]!.path, ['inputs', 'review', 'encoder']);
    assert.match(issues[0]!.message, /the review transformer encoder: 33,554,432 per example/);
    assert.match(issues[0]!.hint!, /lower training\.batch_size to 4 or less, or shorten inputs\.review\.preprocessing\.max_length/);
  });

  it('mmx validate reports it with the file, line and column of the fusion', () => {
    const file = write(`${TEXT_AND_IMAGE}fusion: {type: attention, dim: 64, heads: 8}\ntraining: {batch_size: 256}\n`);
    assert.throws(
      () => checkSemantics(loadConfig(file, { env: {} }), {}),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        const issue = err.issues.find((i) => i.path === 'fusion.type');
        assert.ok(issue, err.message);
        assert.equal(issue.line, 8);
        assert.match(issue.message, /the attention fusion over 576 tokens/);
        return true;
      },
    );
  });

  it('encoder checks run against the feature shape: a patch size that does not tile the image', () => {
    const issues = checkModel(
      config(`inputs:\n  img: {type: image, column: img, preprocessing: {height: 30, width: 30}, encoder: {type: patch, patch_size: 4}}\n`),
    );
    assert.deepEqual(
      issues.map((i) => i.path),
      [['inputs', 'img', 'encoder', 'patch_size']],
    );
    assert.match(issues[0]!.hint!, /use a patch_size among 2, 3, 5, 6, 10, 15, 30/);
  });
});

describe('feature shapes from the config', () => {
  it("every modality's featureShape is the shape its loader gives", async () => {
    const c = config(`inputs:
  img: {type: image, column: img, preprocessing: {height: 20, width: 12, channels: 3}}
  snd: {type: audio, column: snd, preprocessing: {sample_rate: 8000, max_duration_s: 0.5, hop_ms: 20, features: mfcc, n_mfcc: 7}}
  review: {type: text, column: review, preprocessing: {max_length: 17}}
  age: {type: numeric, column: age, columns: [title], preprocessing: {missing_indicator: true}}
  cat: {type: categorical, column: title}
`);
    const expected: Record<string, number[]> = { img: [20, 12, 3], snd: [26, 7], review: [17], age: [4], cat: [1] };
    for (const [name, input] of Object.entries(c.inputs)) {
      const m = findModality(input.type);
      const shape = m.featureShape(input.preprocessing, input);
      assert.deepEqual(shape, expected[name], name);
      const loader = await m.createLoader(input.preprocessing as never, input);
      assert.deepEqual(loader.shape(undefined as never), shape, name);
    }
  });
});

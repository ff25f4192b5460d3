import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/experiment/load.js';
import { mfccFromLogMel } from '../../src/data/audio/mfcc.js';
import { imageAugmenter } from '../../src/data/augment/image.js';
import { trainingAugmenter } from '../../src/data/augment/index.js';
import { specAugmenter } from '../../src/data/augment/spec-augment.js';
import type { PreprocessingState } from '../../src/data/dataset.js';
import { rng } from '../../src/core/random.js';
import { close, tmp } from './helpers.js';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

describe('mfcc', () => {
  it('is the orthonormal DCT-II of each log-mel frame (values from scipy.fft.dct(x, type=2, norm="ortho"))', () => {
    const logMel = Float32Array.from([-3, 1.5, 0.25, 2, -1, 4, 0.5, -2.5, 0, 0, 0, 0, 0, 0, 0, 1]);
    const m = mfccFromLogMel(logMel, 2, 8, 5);
    assert.ok(close(Array.from(m.subarray(0, 5)), [0.61871843, -0.57852022, -3.43312734, 0.70020449, -3.80069895]), String(m));
    assert.ok(close(Array.from(m.subarray(5)), [0.35355339, -0.49039264, 0.46193977, -0.41573481, 0.35355339]));
    assert.throws(() => mfccFromLogMel(logMel, 2, 8, 9), /n_mfcc \(9\) cannot exceed n_mels \(8\)/);
  });
});

describe('image augmentation', () => {
  // one 2×3 grey image, then a second
  const image = () => Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);

  it('a horizontal flip mirrors the rows exactly; brightness shifts and clips to [0, 1]', () => {
    const flip = imageAugmenter({ flip: 'horizontal', rotation: 0, shift: 0, brightness: 0 }, [2, 3, 1]);
    const b = image();
    // random() < 0.5 → flip: a generator that always says 0.25
    flip(b, 2, () => 0.25);
    assert.ok(close(Array.from(b), [0.3, 0.2, 0.1, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.6, 0.5, 0.4]));
    const c = image();
    flip(c, 2, () => 0.75);
    assert.deepEqual(c, image());
    const bright = imageAugmenter({ flip: 'none', rotation: 0, shift: 0, brightness: 0.5 }, [2, 3, 1]);
    const d = image();
    bright(d, 1, () => 1); // +0.5
    assert.ok(close(Array.from(d.subarray(0, 6)), [0.6, 0.7, 0.8, 0.9, 1, 1]));
    assert.deepEqual(d.subarray(6), image().subarray(6));
  });

  it('rotation and shift are seeded, keep the shape, and stay in [0, 1]', () => {
    const aug = imageAugmenter({ flip: 'both', rotation: 20, shift: 0.1, brightness: 0.1 }, [8, 8, 3]);
    const base = Float32Array.from({ length: 4 * 192 }, (_, i) => (i % 17) / 16);
    const a = base.slice();
    const b = base.slice();
    aug(a, 4, rng(7));
    aug(b, 4, rng(7));
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, base);
    assert.ok(a.every((v) => v >= 0 && v <= 1));
  });
});

describe('SpecAugment masking', () => {
  it('zeroes whole frames and whole bands, within the widths', () => {
    const aug = specAugmenter({ time_masks: 1, max_time_width: 3, freq_masks: 1, max_freq_width: 2 }, [10, 6]);
    const x = new Float32Array(2 * 60).fill(1);
    aug(x, 2, rng(3));
    for (let e = 0; e < 2; e++) {
      const m = x.subarray(e * 60, (e + 1) * 60);
      const zeroFrames = Array.from({ length: 10 }, (_, t) => m.subarray(t * 6, t * 6 + 6).every((v) => v === 0)).filter(Boolean).length;
      const zeroBands = Array.from({ length: 6 }, (_, f) =>
        Array.from({ length: 10 }, (_, t) => m[t * 6 + f]).every((v) => v === 0),
      ).filter(Boolean).length;
      assert.ok(zeroFrames <= 3 && zeroBands <= 2, `${zeroFrames} ${zeroBands}`);
      // every zero is in a masked frame or band
      for (let t = 0; t < 10; t++)
        for (let f = 0; f < 6; f++)
          if (m[t * 6 + f] === 0)
            assert.ok(
              m.subarray(t * 6, t * 6 + 6).every((v) => v === 0) ||
                Array.from({ length: 10 }, (_, u) => m[u * 6 + f]).every((v) => v === 0),
            );
    }
  });
});

describe('trainingAugmenter', () => {
  it('exists only when an input asks for augmentation, and touches only that input', () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'd.csv'), 'a,b,label,split\n');
    const cfg = (extra: string) => {
      writeFileSync(
        path.join(dir, 'x.yaml'),
        `name: a\ndata: {path: d.csv, split: {column: split}}\ntarget: {column: label}\ninputs:\n  pic: {type: image, column: a${extra}}\n  snd: {type: audio, column: b}\n`,
      );
      return loadConfig(path.join(dir, 'x.yaml'), { env: {} }).config;
    };
    const state = {
      version: 1,
      target: { column: 'label', task: 'classification', classes: ['0', '1'] },
      inputs: [
        { name: 'pic', modality: 'image', column: 'a', shape: [2, 3, 1], preprocessing: {}, normalization: { kind: 'none' } },
        { name: 'snd', modality: 'audio', column: 'b', shape: [4, 2], preprocessing: {}, normalization: { kind: 'none' } },
      ],
    } as PreprocessingState;
    assert.equal(trainingAugmenter(cfg(''), state), undefined);
    assert.equal(trainingAugmenter(cfg(', augmentation: {flip: none}'), state), undefined);
    const augment = trainingAugmenter(cfg(', augmentation: {brightness: 0.2}'), state)!;
    const pic = new Float32Array(6).fill(0.5);
    augment('pic', pic, 1);
    assert.ok(pic.every((v) => v !== 0.5 && Math.abs(v - pic[0]!) < 1e-7));
    const snd = new Float32Array(8).fill(1);
    augment('snd', snd, 1);
    assert.ok(snd.every((v) => v === 1));
  });
});

/**
 * Damaged model files: a truncated `weights.bin` in a run's folder used to give a raw tensor-shape error (exit 1)
 * in `mmx predict` / `evaluate`. Now every way the files can be damaged (cut short, bytes to spare, missing, not a
 * regular file, model.json cut short or not a model, a weights path out of the folder) is one message naming the
 * file, exit 2; a sound model loads as before.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync, appendFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import * as tf from '../../src/tf.js';
import { serializeModel } from '../../src/runner/save-model.js';
import { DamagedModelError, loadSavedModel, weightBytes } from '../../src/model/saved-model.js';
import { loadRunModel } from '../../src/runner/load-run-model.js';
import { loadLayersModelFile } from '../../src/model/encoders/load-model.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const root = tempDir('mmx-saved-model-');
let sound: { json: string; weights: Uint8Array };

/** A run's artifacts folder with the sound model (model/model.json, model/weights.bin, preprocessing.json). */
function folder(name: string): { dir: string; json: string; weights: string } {
  const dir = path.join(root, name);
  mkdirSync(path.join(dir, 'model'), { recursive: true });
  const json = path.join(dir, 'model', 'model.json');
  const weights = path.join(dir, 'model', 'weights.bin');
  writeFileSync(json, sound.json);
  writeFileSync(weights, sound.weights);
  writeFileSync(path.join(dir, 'preprocessing.json'), JSON.stringify({ version: 1 }));
  return { dir, json, weights };
}

async function damaged(p: Promise<unknown>, file: string, re: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof DamagedModelError, String(e));
    assert.equal(e.message.split('\n').length, 1, e.message);
    assert.ok(e.message.startsWith(`${file}: the saved model is damaged: `), e.message);
    assert.match(e.message, re);
    return true;
  });
}

describe('damaged model files', () => {
  before(async () => {
    const model = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [3], units: 4, activation: 'relu' }), tf.layers.dense({ units: 2 })],
    });
    const files = await serializeModel(model);
    model.dispose();
    sound = { json: files['model.json'], weights: files['weights.bin'] };
  });

  it('the byte count the weight specs need is what a saved model holds', () => {
    const manifest = JSON.parse(sound.json) as { weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] };
    assert.equal(weightBytes(manifest.weightsManifest[0]!.weights), sound.weights.byteLength);
    assert.equal(weightBytes([{ name: 'q', dtype: 'float32', shape: [10], quantization: { dtype: 'uint8', scale: 1, min: 0 } }]), 10);
    assert.equal(weightBytes([{ name: 's', dtype: 'string', shape: [2] }]), undefined);
  });

  it('a sound model loads and predicts', async () => {
    const f = folder('sound');
    const loaded = await loadRunModel(f.dir, { cwd: root });
    const y = loaded.model.predict(tf.ones([1, 3])) as tf.Tensor;
    assert.deepEqual(y.shape, [1, 2]);
    y.dispose();
    loaded.model.dispose();
  });

  it('weights.bin cut short (a full disk, an interrupted copy)', async () => {
    const f = folder('truncated');
    truncateSync(f.weights, sound.weights.byteLength - 7);
    await damaged(
      loadRunModel(f.dir, { cwd: root }),
      f.weights,
      new RegExp(
        `'weights\\.bin' holds .*${sound.weights.byteLength - 7} bytes.* need ${sound.weights.byteLength} bytes: it was cut short`,
      ),
    );
    truncateSync(f.weights, 0);
    await damaged(loadRunModel(f.dir, { cwd: root }), f.weights, /holds 0 bytes/);
  });

  it('weights.bin with bytes to spare', async () => {
    const f = folder('longer');
    appendFileSync(f.weights, Buffer.alloc(5));
    await damaged(loadRunModel(f.dir, { cwd: root }), f.weights, new RegExp(`more than the ${sound.weights.byteLength} bytes`));
  });

  it('weights.bin missing, or not a regular file', async () => {
    const f = folder('missing');
    rmSync(f.weights);
    await damaged(loadRunModel(f.dir, { cwd: root }), f.weights, /the weights file 'weights\.bin' is missing/);
    mkdirSync(f.weights);
    await damaged(loadRunModel(f.dir, { cwd: root }), f.weights, /is a directory, not a regular file/);
    rmSync(f.weights, { recursive: true });
    symlinkSync('/dev/zero', f.weights);
    await damaged(loadRunModel(f.dir, { cwd: root }), f.weights, /is a character device, not a regular file/);
  });

  it('model.json cut short, not a model, or naming weights outside its folder', async () => {
    const f = folder('json');
    writeFileSync(f.json, sound.json.slice(0, 100));
    await damaged(loadRunModel(f.dir, { cwd: root }), f.json, /model\.json is not valid JSON/);
    writeFileSync(f.json, '{"hello": 1}');
    await damaged(loadRunModel(f.dir, { cwd: root }), f.json, /no modelTopology/);
    const j = JSON.parse(sound.json) as { weightsManifest: { paths: string[] }[] };
    j.weightsManifest[0]!.paths = ['../../../etc/passwd'];
    writeFileSync(f.json, JSON.stringify(j));
    await damaged(loadRunModel(f.dir, { cwd: root }), f.json, /outside its folder/);
    const k = JSON.parse(sound.json) as { modelTopology: { class_name: string } };
    k.modelTopology.class_name = 'NoSuchModel';
    writeFileSync(f.json, JSON.stringify(k));
    await damaged(loadRunModel(f.dir, { cwd: root }), f.json, /tfjs cannot rebuild it: /);
  });

  it('preprocessing.json cut short', async () => {
    const f = folder('state');
    const file = path.join(f.dir, 'preprocessing.json');
    writeFileSync(file, '{"version": 1, "inpu');
    await damaged(loadRunModel(f.dir, { cwd: root }), file, /preprocessing\.json is not valid JSON/);
  });

  it('a pretrained encoder with damaged weights says so too', async () => {
    const f = folder('pretrained');
    truncateSync(f.weights, 3);
    await damaged(loadLayersModelFile(f.json), f.weights, /cut short/);
    await damaged(loadSavedModel(f.json), f.weights, /cut short/);
  });

  for (const command of ['predict', 'evaluate']) {
    it(`mmx ${command} on a run folder with a truncated weights.bin: exit 2, one line, no stack`, { timeout: 60_000 }, async () => {
      const f = folder(`cli-${command}`);
      truncateSync(f.weights, Math.floor(sound.weights.byteLength / 2));
      writeFileSync(path.join(root, 'rows.csv'), 'a,b,c\n1,2,3\n');
      const r = await runCli([command, f.dir, path.join(root, 'rows.csv')], { cwd: root });
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, /^error: .*weights\.bin: the saved model is damaged: 'weights\.bin' holds .* it was cut short/);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
      assert.ok(readFileSync(f.json, 'utf8').length > 0);
    });
  }
});

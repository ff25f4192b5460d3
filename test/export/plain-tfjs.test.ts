/**
 * The saved model outside mmx: the package is built and packed (`npm pack`), installed with @tensorflow/tfjs into a
 * project in a temp folder outside the repository, and a plain Node script there loads a model of every fusion type
 * and every encoder family with `tf.loadLayersModel` — with @tensorflow/tfjs alone where its MLmodel lists no
 * custom layers, after `import 'mmx-ml/layers'` otherwise — and reproduces each run's predictions/test.csv from the
 * test rows' preprocessed inputs. The same install is type-checked against the published declarations.
 *
 * One packed install serves every model; the models are small (one or two epochs on a few dozen rows) and train
 * in this process while npm installs.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/select.js';
import { featuresFromState, type PreprocessingState } from '../../src/data/dataset.js';
import { readManifest } from '../../src/data/manifest.js';
import { serializeModel } from '../../src/model/export/serialize.js';
import { repoRoot } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';
import { manifestSubset, testPredictions, trainTiny, type TinyModel } from '../helpers/tiny-models.js';

const work = tempDir('mmx-plain-tfjs-');
const consumer = path.join(work, 'consumer');
const tfjsVersion = (
  JSON.parse(readFileSync(path.join(repoRoot, 'node_modules', '@tensorflow', 'tfjs', 'package.json'), 'utf8')) as { version: string }
).version;

function sh(cmd: string, args: string[], cwd: string, timeoutMs = 600_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd,
      env: { ...process.env, npm_config_update_notifier: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${code}\n${out.slice(-3000)}\n${err.slice(-3000)}`));
    });
  });
}

/** Build (a no-op when dist/ is current), pack, and install the tarball with tfjs into the consumer project. */
async function packAndInstall(): Promise<void> {
  await sh('npm', ['run', 'build'], repoRoot);
  const packed = (await sh('npm', ['pack', '--ignore-scripts', '--pack-destination', work], repoRoot)).trim().split('\n').pop()!;
  mkdirSync(consumer, { recursive: true });
  writeFileSync(
    path.join(consumer, 'package.json'),
    JSON.stringify({
      name: 'mmx-consumer',
      private: true,
      type: 'module',
      dependencies: { 'mmx-ml': `file:${path.join(work, packed)}`, '@tensorflow/tfjs': tfjsVersion },
    }),
  );
  // npm's cache (what `npm ci` filled) first; the optional native backends are not wanted here
  await sh('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--omit=optional', '--prefer-offline'], consumer);
}

// ---------------------------------------------------------------- the models

const av = (image: string, audio: string, fusion: string) => `name: av
data: {path: avmnist.csv, split: {column: split}}
target: {column: label}
inputs:
  image: {type: image, column: image_path, preprocessing: {height: 16, width: 16}, encoder: ${image}}
  speech: {type: audio, column: audio_path, preprocessing: {sample_rate: 8000, n_mels: 12, max_duration_s: 0.4}, encoder: ${audio}}
fusion: ${fusion}
training: {epochs: 1, batch_size: 10}
tracking: {experiment: plain-tfjs, uri: ./runs}
`;

const reviews = (title: string, review: string, numeric: string, categorical: string, fusion: string) => `name: reviews
data: {path: womens_clothing_reviews.csv, split: {column: split}}
target: {column: label, task: binary}
inputs:
  title: {type: text, column: title, preprocessing: {max_length: 8, vocab_size: 300}, encoder: ${title}}
  review: {type: text, column: review_text, preprocessing: {max_length: 24, vocab_size: 600}, encoder: ${review}}
  stats: {type: numeric, column: age, columns: [positive_feedback_count], encoder: ${numeric}}
  department: {type: categorical, column: department_name, encoder: ${categorical}}
fusion: ${fusion}
training: {epochs: 2, batch_size: 16}
tracking: {experiment: plain-tfjs, uri: ./runs}
`;

const cnn = '{type: cnn, filters: [4], output_dim: 8}';
const cnn1d = '{type: cnn1d, filters: [4], output_dim: 8}';
const bag = '{type: embedding_bag, embedding_dim: 8, output_dim: 8}';
const dense = '{type: dense, layers: [4], output_dim: 4}';
const embedding = '{type: embedding, dim: 3}';
const patch = '{type: patch, patch_size: 4, dim: 8, layers: 1, heads: 2, output_dim: 8, dropout: 0.1, output: sequence}';
const cnn1dTokens = '{type: cnn1d, filters: [4], output_dim: 8, dropout: 0.1, output: sequence}';
const bagTokens = '{type: embedding_bag, embedding_dim: 8, output_dim: 8, dropout: 0.1, output: sequence}';
const numericTokens = '{type: tokens, dim: 4, output: sequence}';

/** Every fusion type, and every encoder of every modality at least once. */
const MODELS: Record<string, { data: 'av' | 'reviews'; yaml: string }> = {
  concat: { data: 'av', yaml: av(cnn, cnn1d, '{type: concat, dropout: 0.2}') },
  sum: {
    data: 'av',
    yaml: av('{type: resnet, widths: [4], blocks: 1}', '{type: cnn2d, filters: [4], output_dim: 8}', '{type: sum, dim: 8}'),
  },
  mean: { data: 'av', yaml: av('{type: mlp, layers: [16], output_dim: 8}', '{type: lstm, units: 4}', '{type: mean, dim: 8}') },
  max: { data: 'av', yaml: av(cnn, '{type: gru, units: 4}', '{type: max, dim: 8}') },
  product: { data: 'av', yaml: av('{type: pretrained, path: tiny/model.json, layer: pool}', cnn1d, '{type: product, dim: 8}') },
  gated: { data: 'av', yaml: av(cnn, cnn1d, '{type: gated, dim: 8, modality_dropout: 0.3, dropout: 0.1}') },
  tensor: { data: 'av', yaml: av(cnn, cnn1d, '{type: tensor, dim: 3}') },
  low_rank_tensor: {
    data: 'reviews',
    yaml: reviews(
      bag,
      '{type: cnn, filters: 4, kernel_sizes: [2, 3], embedding_dim: 8, output_dim: 8}',
      dense,
      embedding,
      '{type: low_rank_tensor, dim: 4, rank: 2}',
    ),
  },
  film: {
    data: 'reviews',
    yaml: reviews(
      bag,
      '{type: lstm, units: 4, embedding_dim: 8}',
      dense,
      '{type: onehot}',
      '{type: film, conditioner: stats, target: review}',
    ),
  },
  bilinear: {
    data: 'reviews',
    yaml: reviews(bag, '{type: gru, units: 4, embedding_dim: 8}', '{type: passthrough}', embedding, '{type: bilinear, dim: 4, factor: 2}'),
  },
  late: {
    data: 'reviews',
    yaml: reviews(
      bag,
      '{type: bilstm, units: 4, embedding_dim: 8}',
      dense,
      embedding,
      '{type: late, weights: learned, aux_loss_weight: 0.5}',
    ),
  },
  attention: {
    data: 'reviews',
    yaml: reviews(
      bag,
      '{type: transformer, embedding_dim: 8, heads: 2, layers: 1, ff_dim: 8}',
      dense,
      embedding,
      '{type: attention, dim: 8, heads: 2, modality_dropout: 0.2}',
    ),
  },
  transformer: {
    data: 'reviews',
    yaml: reviews(bag, bag, dense, embedding, '{type: transformer, dim: 8, heads: 2, layers: 1, modality_dropout: 0.2}'),
  },
  // the token fusions: encoders with output: sequence (image patches, audio frames, words, numeric tokens)
  cross_attention: {
    data: 'av',
    yaml: av(patch, cnn1dTokens, '{type: cross_attention, dim: 8, heads: 2, layers: 1, modality_dropout: 0.2}'),
  },
  bottleneck: {
    data: 'reviews',
    yaml: reviews(bagTokens, bagTokens, numericTokens, embedding, '{type: bottleneck, dim: 8, heads: 2, layers: 1, n_bottleneck: 2}'),
  },
  transformer_tokens: {
    data: 'av',
    yaml: av(patch, cnn1dTokens, '{type: transformer, dim: 8, heads: 2, layers: 1, modality_dropout: 0.2}'),
  },
};

/** A tiny tfjs model saved where the `pretrained` image encoder reads it. */
async function savePretrained(dir: string): Promise<void> {
  const m = tf.sequential({ name: 'tiny' });
  m.add(tf.layers.conv2d({ inputShape: [16, 16, 1], filters: 3, kernelSize: 3, activation: 'relu', name: 'conv' }));
  m.add(tf.layers.maxPooling2d({ poolSize: 4, name: 'pool' }));
  m.add(tf.layers.flatten({ name: 'feat' }));
  m.add(tf.layers.dense({ units: 4, activation: 'softmax', name: 'logits' }));
  const files = await serializeModel(m);
  mkdirSync(path.join(dir, 'tiny'), { recursive: true });
  writeFileSync(path.join(dir, 'tiny', 'model.json'), files['model.json']);
  writeFileSync(path.join(dir, 'tiny', 'weights.bin'), files['weights.bin']);
}

interface Trained extends TinyModel {
  name: string;
  manifest: string;
  customLayers: string[];
}

/** The test rows' features, as the run's preprocessing state makes them, one float32 file per input. */
async function writeInputs(m: Trained, dir: string): Promise<{ name: string; shape: number[]; file: string }[]> {
  const state = JSON.parse(readFileSync(path.join(m.modelDir, 'preprocessing.json'), 'utf8')) as PreprocessingState;
  const rows = testPredictions(m.artifacts).map((r) => Number(r['row']) - 1);
  const { data } = await featuresFromState(readManifest(m.manifest), state, { rows });
  return state.inputs.map((s) => {
    const file = path.join(dir, `${m.name}.${s.name}.f32`);
    const x = data.features[s.name]!;
    writeFileSync(file, Buffer.from(x.buffer, x.byteOffset, x.byteLength));
    return { name: s.name, shape: [rows.length, ...s.shape], file };
  });
}

const CHECK_SCRIPT = `
import * as tf from '@tensorflow/tfjs';
import { readFileSync, writeFileSync } from 'node:fs';

const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));

async function load(dir) {
  const json = JSON.parse(readFileSync(dir + '/model.json', 'utf8'));
  const bytes = Buffer.concat(json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(dir + '/' + p))));
  return tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
  }));
}

async function outputs(m) {
  const model = await load(m.modelDir);
  const xs = m.inputs.map((i) => {
    const b = readFileSync(i.file);
    return tf.tensor(new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4), i.shape);
  });
  const y = model.predict(xs.length === 1 ? xs[0] : xs);
  return { classes: model.layers.map((l) => l.getClassName()), values: Array.from(await y.data()) };
}

const result = { models: {} };
// @tensorflow/tfjs alone: the models whose MLmodel lists no custom layers
for (const m of spec.models.filter((m) => m.customLayers.length === 0)) result.models[m.name] = await outputs(m);
// ... and not one that needs mmx's layers
const needing = spec.models.find((m) => m.customLayers.length > 0);
try {
  await load(needing.modelDir);
  result.withoutLayers = 'loaded';
} catch (err) {
  result.withoutLayers = String(err.message);
}
const layers = await import('mmx-ml/layers');
result.layerClasses = layers.MMX_LAYER_CLASSES;
for (const m of spec.models.filter((m) => m.customLayers.length > 0)) result.models[m.name] = await outputs(m);
// the library's entry point, and nothing internal beyond it
const api = await import('mmx-ml');
result.api = Object.keys(api).sort();
try {
  await import('mmx-ml/dist/runner/run-experiment.js');
  result.internal = 'importable';
} catch (err) {
  result.internal = err.code;
}
result.backend = tf.getBackend();
writeFileSync(spec.out, JSON.stringify(result));
`;

const TYPES_CHECK = `
import type { ExperimentConfig, Prediction, RawRow, RunResult, ValidationResult } from 'mmx-ml';
import { ConfigError, loadPredictor, predict, runExperiment, validateConfig } from 'mmx-ml';
import { MMX_LAYER_CLASSES } from 'mmx-ml/layers';

const fusion: ExperimentConfig['fusion']['type'] = 'gated';
const row: RawRow = { age: 34, review_text: 'Lovely', image_path: { base64: 'iVBOR' } };
async function use(): Promise<[Prediction[], RunResult, number]> {
  const v: ValidationResult = validateConfig('/abs/experiment.yaml');
  const issues = v.valid ? 0 : v.issues.map((i) => \`\${i.file}:\${i.line ?? 0}: \${i.message}\`).length;
  const run = await runExperiment('/abs/experiment.yaml', { overrides: ['training.epochs=1'], onEvent: (e) => void e.type });
  const p = await loadPredictor(run.runId, { files: '/data' });
  p.dispose();
  return [await predict(run.runId, [row]), run, issues + run.test.metrics['accuracy']!];
}
const names: readonly string[] = MMX_LAYER_CLASSES;
// @ts-expect-error: not a fusion type (the declarations are real types, not any)
const wrong: ExperimentConfig['fusion']['type'] = 'nonsense';
void [fusion, use, names, ConfigError, wrong];
`;

// ---------------------------------------------------------------- the test

const trained: Trained[] = [];
let check: {
  models: Record<string, { classes: string[]; values: number[] }>;
  withoutLayers: string;
  layerClasses: string[];
  api: string[];
  internal: string;
  backend: string;
};

before(async () => {
  const installed = packAndInstall();
  installed.catch(() => {}); // awaited below; not an unhandled rejection while the models train
  const data = path.join(work, 'data');
  mkdirSync(data);
  const manifests = {
    av: manifestSubset('avmnist', data, { train: 3, validation: 1, test: 1 }, { byClass: true, fileColumns: ['image_path', 'audio_path'] }),
    reviews: manifestSubset('womens_clothing_reviews', data, { train: 60, validation: 15, test: 15 }),
  };
  await initBackend('wasm');
  await savePretrained(data);
  for (const [name, m] of Object.entries(MODELS)) {
    const model = await trainTiny(data, name, m.yaml);
    const mlmodel = readFileSync(path.join(model.modelDir, 'MLmodel'), 'utf8');
    const custom = /custom_layers:\n((?: *- \S+\n)*)/.exec(mlmodel)?.[1] ?? '';
    trained.push({ ...model, name, manifest: manifests[m.data], customLayers: [...custom.matchAll(/- (\S+)/g)].map((x) => x[1]!) });
  }
  const inputsDir = path.join(work, 'inputs');
  mkdirSync(inputsDir);
  const spec = {
    out: path.join(work, 'check.json'),
    models: await Promise.all(
      trained.map(async (m) => ({
        name: m.name,
        modelDir: m.modelDir,
        customLayers: m.customLayers,
        inputs: await writeInputs(m, inputsDir),
      })),
    ),
  };
  writeFileSync(path.join(work, 'spec.json'), JSON.stringify(spec));
  await installed;
  writeFileSync(path.join(consumer, 'check.mjs'), CHECK_SCRIPT);
  await sh(process.execPath, ['check.mjs', path.join(work, 'spec.json')], consumer);
  check = JSON.parse(readFileSync(spec.out, 'utf8'));
});

describe('a saved model in a plain tfjs project (npm pack + install outside the repository)', () => {
  it("drops training-only layers from every saved graph: no modality dropout, no dropout (tfjs's or mmx's)", () => {
    for (const m of trained) {
      const classes = check.models[m.name]!.classes;
      for (const c of ['MmxModalityDropout', 'Dropout', 'MmxDropout']) assert.ok(!classes.includes(c), `${m.name}: ${classes.join(', ')}`);
    }
  });

  it('loads with @tensorflow/tfjs alone where the MLmodel lists no custom layers (recurrent layers saved as tfjs LSTM / GRU)', () => {
    const plain = trained.filter((m) => m.customLayers.length === 0).map((m) => m.name);
    // the element-wise and concatenating fusions over convolutional, recurrent, residual, MLP and pretrained encoders
    for (const name of ['concat', 'sum', 'mean', 'max', 'product'])
      assert.ok(plain.includes(name), `${name} needs ${JSON.stringify(trained.find((m) => m.name === name)?.customLayers)}`);
    assert.ok(check.models['mean']!.classes.includes('LSTM'));
    assert.ok(check.models['max']!.classes.includes('GRU'));
    for (const name of plain)
      assert.ok(
        check.models[name]!.classes.every((c) => !c.startsWith('Mmx')),
        name,
      );
  });

  it("needs import 'mmx-ml/layers' only for mmx's own layers, and then loads them", () => {
    assert.match(check.withoutLayers, /Unknown layer: Mmx/);
    const custom = trained.filter((m) => m.customLayers.length > 0);
    assert.ok(custom.length >= 6, custom.map((m) => m.name).join(', '));
    for (const m of custom) {
      for (const c of m.customLayers) assert.ok(check.layerClasses.includes(c), `${m.name}: ${c}`);
      assert.deepEqual(
        [...new Set(check.models[m.name]!.classes.filter((c) => c.startsWith('Mmx')))].sort(),
        [...m.customLayers].sort(),
        m.name,
      );
    }
  });

  it("reproduces every run's predictions/test.csv from the test rows' preprocessed inputs", () => {
    for (const m of trained) {
      const csv = testPredictions(m.artifacts);
      const got = check.models[m.name]!.values;
      const state = JSON.parse(readFileSync(path.join(m.modelDir, 'preprocessing.json'), 'utf8')) as PreprocessingState;
      const classes = state.target.classes;
      const binary = state.target.task === 'binary';
      const units = binary ? 1 : classes.length;
      assert.equal(got.length, csv.length * units, m.name);
      csv.forEach((r, i) => {
        const probs = binary ? [1 - got[i]!, got[i]!] : got.slice(i * units, (i + 1) * units);
        classes.forEach((c, k) => {
          const want = Number(r[`p_${c}`]);
          // the CSV has 6 significant digits; plain tfjs runs on its cpu backend, the run on mmx's wasm
          assert.ok(Math.abs(probs[k]! - want) < 1e-5, `${m.name} row ${r['row']} p_${c}: ${probs[k]} vs ${want}`);
        });
        const sorted = [...probs].sort((a, b) => b - a);
        const best = classes[probs.indexOf(sorted[0]!)];
        if (!binary && sorted[0]! - sorted[1]! > 1e-4) assert.equal(best, r['predicted'], `${m.name} row ${r['row']}`);
      });
    }
    assert.equal(check.backend, 'cpu'); // plain tfjs in Node, not mmx's wasm
  });

  it('the installed package exports what src/index.ts does (test/api/public-types checks that list), nothing internal', async () => {
    assert.deepEqual(check.api, Object.keys(await import('../../src/index.js')).sort());
    assert.equal(check.internal, 'ERR_PACKAGE_PATH_NOT_EXPORTED');
  });

  it('type-checks a TypeScript program against the published declarations', async () => {
    writeFileSync(path.join(consumer, 'use.ts'), TYPES_CHECK);
    writeFileSync(
      path.join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          typeRoots: [path.join(repoRoot, 'node_modules', '@types')],
          types: ['node'],
        },
        files: ['use.ts'],
      }),
    );
    // (its @ts-expect-error fails the check were the declarations `any`)
    await sh(process.execPath, [path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], consumer);
  });
});

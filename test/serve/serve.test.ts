/**
 * `mmx serve` and the library's `predict` on models trained here on subsets of the real data: predictions equal the
 * run's own predictions/test.csv whether images and audio come as paths or inline; every malformed request is a 400
 * naming its field; limits answer 413; nothing leaks tensors; the CLI listens on 127.0.0.1 and stops cleanly.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import * as tf from '@tensorflow/tfjs';
import { loadPredictor, predict } from '../../src/api/predict.js';
import { Predictor } from '../../src/inference/predictor.js';
import { RowError } from '../../src/inference/row-error.js';
import { createServer, DEFAULT_SERVE_OPTIONS } from '../../src/serve/server.js';
import { runCli } from '../helpers/cli.js';
import { dataHome } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';
import { manifestSubset, testPredictions, trainTiny, type TinyModel } from '../helpers/tiny-models.js';

const dir = tempDir('mmx-serve-');
let av: TinyModel;
let penguins: TinyModel;

before(async () => {
  manifestSubset('avmnist', dir, { train: 4, validation: 1, test: 1 }, { byClass: true, fileColumns: ['image_path', 'audio_path'] });
  av = await trainTiny(
    dir,
    'av',
    `name: av
data: {path: avmnist.csv, split: {column: split}}
target: {column: label}
inputs:
  image: {type: image, column: image_path, preprocessing: {height: 16, width: 16}, encoder: {type: cnn, filters: [4], output_dim: 8}}
  speech: {type: audio, column: audio_path, preprocessing: {sample_rate: 8000, n_mels: 16, max_duration_s: 0.5}, encoder: {type: cnn1d, filters: [4], output_dim: 8}}
fusion: {type: gated, dim: 8, modality_dropout: 0.2}
training: {epochs: 2, batch_size: 8}
tracking: {experiment: serve, uri: ./runs}
`,
  );
  penguins = await trainTiny(
    dir,
    'penguins',
    `name: penguins
data: {path: ${JSON.stringify(path.join(dataHome(), 'penguins', 'manifest.csv'))}, split: {column: split}}
target: {column: label}
inputs:
  size: {type: numeric, column: bill_length_mm, columns: [flipper_length_mm, body_mass_g], preprocessing: {missing: median}, encoder: {type: dense, layers: [8], output_dim: 8}}
  island: {type: categorical, column: island, encoder: {type: embedding, dim: 2}}
  sex: {type: categorical, column: sex, encoder: {type: onehot}}
fusion: {type: concat, hidden: [8]}
training: {epochs: 3, batch_size: 32}
tracking: {experiment: serve, uri: ./runs}
`,
  );
});

/** The run's test predictions and the manifest rows they came from. */
function expected(model: TinyModel, manifest: string): { rows: Record<string, string>[]; preds: Record<string, string>[] } {
  const preds = testPredictions(model.artifacts);
  const lines = readFileSync(manifest, 'utf8').trim().split('\n');
  const header = lines[0]!.split(',');
  const rows = preds.map((p) => {
    const cells = lines[Number(p['row'])]!.split(',');
    return Object.fromEntries(header.map((h, i) => [h, cells[i] ?? '']));
  });
  return { rows, preds };
}

const base64 = (file: string): { base64: string } => ({ base64: readFileSync(file).toString('base64') });

function assertSameAsCsv(got: { prediction: unknown; probabilities?: Record<string, number> }[], csv: Record<string, string>[]): void {
  assert.equal(got.length, csv.length);
  got.forEach((g, i) => {
    assert.equal(String(g.prediction), csv[i]!['predicted'], `row ${i}`);
    for (const [cls, p] of Object.entries(g.probabilities ?? {})) {
      assert.ok(Math.abs(p - Number(csv[i]![`p_${cls}`])) < 1e-5, `row ${i} p_${cls}: ${p} vs ${csv[i]![`p_${cls}`]}`);
    }
  });
}

describe('the library: predict(model, rows)', () => {
  it("reproduces the run's predictions/test.csv from raw rows, files by path or inline", async () => {
    const { rows, preds } = expected(av, path.join(dir, 'avmnist.csv'));
    const byPath = rows.map((r) => ({ image_path: r['image_path']!, audio_path: r['audio_path']! }));
    assertSameAsCsv(await predict(av.modelDir, byPath, { files: '/' }), preds);
    const inline = rows.map((r) => ({ image_path: base64(r['image_path']!), audio_path: base64(r['audio_path']!), label: r['label']! }));
    assertSameAsCsv(await predict(av.modelDir, inline), preds);
  });

  it('applies the fitted tabular state: missing numbers imputed, unseen categories reserved; a bad number names its row and column', async () => {
    const p = await loadPredictor(penguins.modelDir);
    try {
      assert.deepEqual(
        p.columns.map((c) => [c.name, c.type, c.required]),
        [
          ['bill_length_mm', 'double', false],
          ['flipper_length_mm', 'double', false],
          ['body_mass_g', 'double', false],
          ['island', 'string', false],
          ['sex', 'string', false],
        ],
      );
      const out = await p.predict([
        { bill_length_mm: 39.1, flipper_length_mm: 181, body_mass_g: 3750, island: 'Torgersen', sex: 'male' },
        { bill_length_mm: null, flipper_length_mm: 'NA', body_mass_g: 4000, island: 'Atlantis', sex: null },
      ]);
      assert.equal(out.length, 2);
      for (const o of out) assert.ok(['Adelie', 'Chinstrap', 'Gentoo'].includes(String(o.prediction)));
      await assert.rejects(
        p.predict([{ bill_length_mm: 1 }, { bill_length_mm: 'long', island: 'Biscoe' }]),
        (e: unknown) => e instanceof RowError && e.field() === 'rows[1].bill_length_mm' && /not a number|number/.test(e.message),
      );
      await assert.rejects(
        p.predict([{ bill_lenght_mm: 1 }]),
        (e: unknown) => e instanceof RowError && /did you mean 'bill_length_mm'/.test(String(e.hint)),
      );
    } finally {
      p.dispose();
    }
  });
});

describe('the HTTP API', () => {
  let app: FastifyInstance;
  let tabular: FastifyInstance;
  const files = tempDir('mmx-serve-files-');
  before(async () => {
    const predictor = await Predictor.load(av.modelDir, { cwd: dir, files });
    app = await createServer(predictor, { ...DEFAULT_SERVE_OPTIONS, bodyLimit: 200_000, maxRows: 20, warn: () => {} });
    tabular = await createServer(await Predictor.load(penguins.modelDir, { cwd: dir }), { ...DEFAULT_SERVE_OPTIONS, warn: () => {} });
  });
  after(async () => {
    await app?.close();
    await tabular?.close();
  });

  const post = (body: unknown, server = app) => server.inject({ method: 'POST', url: '/predict', payload: body as object });

  it('answers rows of raw inputs with the predictions of the run, in any of the three body forms', async () => {
    const { rows, preds } = expected(av, path.join(dir, 'avmnist.csv'));
    const inline = rows.map((r) => ({ image_path: base64(r['image_path']!), audio_path: base64(r['audio_path']!) }));
    const res = await post({ rows: inline });
    assert.equal(res.statusCode, 200, res.body);
    assertSameAsCsv(res.json().predictions, preds);
    const records = await post({ dataframe_records: inline.slice(0, 2) });
    assertSameAsCsv(records.json().predictions, preds.slice(0, 2));
    // the model's own input example, as MLflow's dataframe_split
    const example = JSON.parse(readFileSync(path.join(av.modelDir, 'input_example.json'), 'utf8'));
    const split = await post({ dataframe_split: example });
    assert.equal(split.statusCode, 200, split.body);
    assert.equal(split.json().predictions.length, example.data.length);
  });

  it('reads paths only under the served folder (--files), not through a symlink out of it', async () => {
    const { rows, preds } = expected(av, path.join(dir, 'avmnist.csv'));
    mkdirSync(path.join(files, 'in'), { recursive: true });
    symlinkSync(path.dirname(rows[0]!['image_path']!), path.join(files, 'out'));
    const outside = await post({
      rows: [{ image_path: path.join('out', path.basename(rows[0]!['image_path']!)), audio_path: base64(rows[0]!['audio_path']!) }],
    });
    assert.equal(outside.statusCode, 400);
    assert.equal(outside.json().field, 'rows[0].image_path');
    assert.match(outside.json().message, /outside the folder/);
    const escape = await post({ rows: [{ image_path: '../../etc/passwd', audio_path: base64(rows[0]!['audio_path']!) }] });
    assert.equal(escape.statusCode, 400);
    symlinkSync(rows[0]!['image_path']!, path.join(files, 'in', 'link.png')); // the link is inside; its target is not
    const viaLink = await post({ rows: [{ image_path: 'in/link.png', audio_path: base64(rows[0]!['audio_path']!) }] });
    assert.equal(viaLink.statusCode, 400, 'a link whose target is outside the folder is refused too');
    // files inside it are read, giving the run's predictions
    copyFileSync(rows[0]!['image_path']!, path.join(files, 'in', 'img.png'));
    copyFileSync(rows[0]!['audio_path']!, path.join(files, 'in', 'speech.wav'));
    const inside = await post({ rows: [{ image_path: 'in/img.png', audio_path: path.join(files, 'in', 'speech.wav') }] });
    assert.equal(inside.statusCode, 200, inside.body);
    assertSameAsCsv(inside.json().predictions, preds.slice(0, 1));
  });

  it('answers every malformed request with 400 and a message naming the field', async () => {
    const audio = base64(expected(av, path.join(dir, 'avmnist.csv')).rows[0]!['audio_path']!);
    const cases: [unknown, string, RegExp][] = [
      [{ rows: [{ imge_path: 'x.png', audio_path: audio }] }, 'rows[0].imge_path', /no column 'imge_path' \(did you mean 'image_path'\?\)/],
      [{ rows: [{ audio_path: audio }] }, 'rows[0].image_path', /is missing/],
      [{ rows: [{ image_path: 3, audio_path: audio }] }, 'rows[0].image_path', /must be a string or an object/],
      [{ rows: [{ image_path: { base64: 'AAAA' }, audio_path: audio }] }, 'rows[0].image_path', /cannot decode image/],
      [
        { rows: [{ image_path: { url: 'http://x' }, audio_path: audio }] },
        'rows[0].image_path',
        /expected a path, a data: URI or \{"base64"/,
      ],
      [{ rows: [{ image_path: 'data:image/png;base64,%%%', audio_path: audio }] }, 'rows[0].image_path', /does not hold base64/],
      [{ rows: [] }, 'rows', /at least 1/],
      [{ rows: Array.from({ length: 21 }, () => ({ image_path: 'a', audio_path: 'b' })) }, 'rows', /more than 20 rows/],
      [{ rowz: [] }, 'rowz', /unknown key 'rowz'/],
      [{}, 'body', /"rows"/],
      [{ rows: [], dataframe_records: [] }, 'body', /"rows"/],
      [
        { dataframe_split: { columns: ['image_path', 'audio_path'], data: [[1, 2]] } },
        'dataframe_split.data[0].image_path',
        /must be a string/,
      ],
      [{ dataframe_split: { columns: ['image_path'], data: [['a', 'b']] } }, 'dataframe_split.data[0]', /2 values for 1 columns/],
    ];
    for (const [body, field, message] of cases) {
      const res = await post(body);
      assert.equal(res.statusCode, 400, `${JSON.stringify(body).slice(0, 80)}: ${res.body}`);
      assert.equal(res.json().field, field, res.body);
      assert.match(res.json().message, message);
      assert.ok(res.json().message.startsWith(`${field}: `));
    }
    // a path without --files: the file must come inline
    const tab = await post({ rows: [{ bill_length_mm: 'long' }] }, tabular);
    assert.equal(tab.statusCode, 400);
    assert.equal(tab.json().field, 'rows[0].bill_length_mm');
  });

  it('answers a body that is not JSON with 400, one over the limit with 413, an unknown path with 404', async () => {
    const notJson = await app.inject({
      method: 'POST',
      url: '/predict',
      payload: '{"rows": [',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(notJson.statusCode, 400);
    assert.match(notJson.json().message, /not valid JSON/);
    const text = await app.inject({ method: 'POST', url: '/predict', payload: 'rows', headers: { 'content-type': 'text/plain' } });
    assert.equal(text.statusCode, 415);
    const big = await post({ rows: [{ image_path: { base64: 'A'.repeat(300_000) }, audio_path: 'x' }] });
    assert.equal(big.statusCode, 413);
    assert.match(big.json().message, /larger than 200000 bytes/);
    assert.equal((await app.inject({ method: 'GET', url: '/nope' })).statusCode, 404);
  });

  it('describes the model and its inputs (GET /metadata) and says it is up (GET /health)', async () => {
    const meta = (await app.inject({ method: 'GET', url: '/metadata' })).json();
    assert.equal(meta.model.task, 'classification');
    assert.deepEqual(
      meta.inputs.map((c: { name: string; file?: string; required: boolean }) => [c.name, c.file, c.required]),
      [
        ['image_path', 'image', true],
        ['audio_path', 'audio', true],
      ],
    );
    assert.deepEqual(meta.request.schema.properties.rows.items.required, ['image_path', 'audio_path']);
    assert.equal(meta.request.max_rows, 20);
    const health = (await app.inject({ method: 'GET', url: '/health' })).json();
    assert.equal(health.status, 'ok');
    assert.ok(health.requests > 0 && health.bad_requests > 0);
  });

  it('leaves no tensor behind, whatever the requests', async () => {
    const { rows } = expected(av, path.join(dir, 'avmnist.csv'));
    const good = { rows: rows.slice(0, 3).map((r) => ({ image_path: base64(r['image_path']!), audio_path: base64(r['audio_path']!) })) };
    const bad = { rows: [{ image_path: { base64: 'AAAA' }, audio_path: good.rows[0]!.audio_path }] };
    await post(good);
    const before = tf.memory().numTensors;
    await Promise.all(Array.from({ length: 30 }, (_, i) => post(i % 3 === 0 ? bad : good)));
    assert.equal(tf.memory().numTensors, before);
  });
});

describe('mmx serve', () => {
  it('listens on 127.0.0.1, answers, and stops cleanly on SIGTERM', async () => {
    let url = '';
    let answered: unknown;
    const result = await runCli(['serve', av.modelDir, '--port', '0'], {
      cwd: dir,
      timeoutMs: 120_000,
      onStderr: (chunk, child) => {
        const m = /listening (http:\/\/[^\s]+)/.exec(chunk);
        if (!m || url) return;
        url = m[1]!;
        void (async () => {
          const health = await fetch(`${url}/health`).then((r) => r.json());
          const bad = await fetch(`${url}/predict`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{"rows": [{}]}',
          });
          answered = { health, bad: bad.status };
          child.kill('SIGTERM');
        })();
      },
    });
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.deepEqual(answered, { health: (answered as { health: unknown }).health, bad: 400 });
    assert.equal((answered as { health: { status: string } }).health.status, 'ok');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /SIGTERM: stopping/);
  });

  it('says what is wrong with a model that is not there (exit 2)', async () => {
    const r = await runCli(['serve', 'no-such-folder'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /neither a run id .* nor a folder/);
  });
});

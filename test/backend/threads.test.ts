/**
 * runtime.threads: tfjs-backend-wasm's threaded SIMD build under Node (src/backend/threads/).
 *
 * This process runs wasm on 2 threads (explicitly, whatever the core count) and checks its numerics against
 * tfjs's cpu backend, up to a few Adam steps of a CNN on real MNIST digits. Child processes check what a single
 * process cannot: that a threaded process exits by itself, that threads: 1 is the ordinary build, and that a
 * threaded build that cannot start falls back to one thread with one warning.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import * as wasmPackage from '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '../../src/backend/select.js';
import { MAX_WASM_THREADS, resolveThreads, threadsFromEnv } from '../../src/backend/threads/option.js';
import { patchGlue, wasmPackageDir, GLUE_NAME } from '../../src/backend/threads/glue-files.js';
import { randomArray, relMaxDiff } from './helpers.js';
import { tempDir } from '../helpers/tmp.js';

const THREADS = 2;
const SELECT = pathToFileURL(path.resolve('src/backend/select.ts')).href;

async function useWasm(): Promise<string> {
  const lines: string[] = [];
  const info = await initBackend('wasm', (m) => lines.push(m), { threads: THREADS });
  assert.deepEqual(lines, [], 'no warning: the threaded build started');
  return info.description;
}

async function onBoth<T>(fn: () => T | Promise<T>): Promise<{ wasm: T; cpu: T }> {
  await useWasm();
  const wasm = await fn();
  await initBackend('cpu');
  const cpu = await fn();
  return { wasm, cpu };
}

/** Runs `code` (the body of an async function; `select` is the URL of select.ts) in a fresh Node with tsx. */
function child(
  code: string,
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 60_000,
): { status: number | null; stdout: string; stderr: string; ms: number } {
  const t = performance.now();
  const script = `const select = ${JSON.stringify(SELECT)};\n(async () => {\n${code}\n})().catch((err) => { console.error(err); process.exitCode = 1; });`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: timeoutMs,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms: performance.now() - t };
}

function mnist(n: number): { images: Float32Array; labels: Int32Array } {
  const home = process.env.MMX_DATA_HOME ?? path.resolve('..', 'shared', 'data');
  const img = gunzipSync(readFileSync(path.join(home, 'mnist', 't10k-images-idx3-ubyte.gz')));
  const lab = gunzipSync(readFileSync(path.join(home, 'mnist', 't10k-labels-idx1-ubyte.gz')));
  assert.equal(img.readUInt32BE(0), 2051, 'IDX image magic');
  assert.equal(lab.readUInt32BE(0), 2049, 'IDX label magic');
  const images = Float32Array.from(img.subarray(16, 16 + n * 784), (v) => v / 255);
  const labels = Int32Array.from(lab.subarray(8, 8 + n));
  return { images, labels };
}

describe('resolveThreads', () => {
  it('auto is 1 thread while mmx’s single-threaded SIMD kernels run', () => {
    assert.equal(resolveThreads('auto', {}, true), 1);
    assert.equal(resolveThreads('auto', { MMX_SWEEP_THREADS: '3' }, true), 1);
    assert.equal(resolveThreads(4, {}, true), 4);
  });

  it('without them, auto is the cores this process may use, or a sweep trial’s share', () => {
    assert.equal(resolveThreads('auto', {}), Math.min(MAX_WASM_THREADS, os.availableParallelism()));
    assert.equal(resolveThreads(undefined, { MMX_SWEEP_THREADS: '4' }), 1, 'the default is 1');
    assert.equal(resolveThreads('auto', { MMX_SWEEP_THREADS: '1' }), 1);
    assert.equal(resolveThreads('auto', { MMX_SWEEP_THREADS: '3' }), 3);
    assert.equal(resolveThreads('auto', { MMX_SWEEP_THREADS: 'x' }), Math.min(MAX_WASM_THREADS, os.availableParallelism()));
  });
  it('MMX_WASM_THREADS reads as a request, or as invalid', () => {
    assert.deepEqual(threadsFromEnv({}), {});
    assert.deepEqual(threadsFromEnv({ MMX_WASM_THREADS: ' ' }), {});
    assert.deepEqual(threadsFromEnv({ MMX_WASM_THREADS: 'auto' }), { request: 'auto' });
    assert.deepEqual(threadsFromEnv({ MMX_WASM_THREADS: '3' }), { request: 3 });
    assert.deepEqual(threadsFromEnv({ MMX_WASM_THREADS: '0' }), { invalid: '0' });
    assert.deepEqual(threadsFromEnv({ MMX_WASM_THREADS: '1.5' }), { invalid: '1.5' });
  });
  it('a number is taken as is, capped at XNNPACK’s pool limit; nonsense is refused', () => {
    assert.equal(resolveThreads(1, {}), 1);
    assert.equal(resolveThreads(3, { MMX_SWEEP_THREADS: '1' }), 3);
    assert.equal(resolveThreads(64, {}), MAX_WASM_THREADS);
    assert.throws(() => resolveThreads(0, {}), RangeError);
    assert.throws(() => resolveThreads(1.5, {}), RangeError);
  });
});

describe('patchGlue', () => {
  it("patches this tfjs-backend-wasm's threaded glue at exactly its three points", () => {
    const source = readFileSync(path.join(wasmPackageDir(), 'wasm-out', `${GLUE_NAME}.js`), 'utf8');
    const patched = patchGlue(source);
    assert.match(patched, /var pthreadPoolSize=Module\["mmxPthreadPoolSize"\]\?\?8;/);
    assert.match(patched, /function _emscripten_num_logical_cores\(\)\{if\(Module\["mmxLogicalCores"\]\)/);
    assert.match(patched, /global\.Worker=Module\["mmxWorker"\]\|\|nodeWorkerThreads\.Worker/);
  });
  it('refuses glue it does not recognise, naming what is missing', () => {
    assert.throws(() => patchGlue('var pthreadPoolSize=4;'), /exactly one 'var pthreadPoolSize=8;' \(pthread pool size\)/);
    const twice = 'var pthreadPoolSize=8;var pthreadPoolSize=8;function _emscripten_num_logical_cores(){}';
    assert.throws(() => patchGlue(twice), /exactly one/);
  });
});

describe('wasm on 2 threads', () => {
  it('starts the threaded build and says so', async () => {
    const description = await useWasm();
    assert.match(description, /^wasm \(tfjs-backend-wasm 4\.\d+\.\d+, SIMD, 2 threads\)$/);
    assert.equal(wasmPackage.getThreadsCount(), THREADS);
    const backend = tf.backend() as wasmPackage.BackendWasm;
    assert.ok('PThread' in backend.wasm, 'the module is the threaded build');
    // Emscripten's rethrowing process listeners were taken off again (as for the single-threaded build).
    const rethrowing = [...process.listeners('uncaughtException'), ...process.listeners('unhandledRejection')].filter((l) =>
      /ExitStatus|throw reason/.test(String(l)),
    );
    assert.deepEqual(rethrowing, []);
    assert.equal((globalThis as { Worker?: unknown }).Worker, undefined, 'the glue’s global Worker was removed');
  });

  it('asking again for another count keeps the running backend and says so', async () => {
    const lines: string[] = [];
    const info = await initBackend('wasm', (m) => lines.push(m), { threads: 1 });
    assert.match(info.description, /2 threads/);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /runtime\.threads 1 ignored: the wasm backend of this process was already started for 2/);
  });

  it('matmul (plain and transposed), conv2d and depthwise conv match the cpu backend', async () => {
    const a = randomArray(96 * 130, 1);
    const b = randomArray(130 * 70, 2);
    const x = randomArray(4 * 17 * 19 * 6, 3);
    const w = randomArray(3 * 3 * 6 * 10, 4);
    const dw = randomArray(3 * 3 * 6 * 2, 5);
    const { wasm, cpu } = await onBoth(() =>
      tf.tidy(() => {
        const A = tf.tensor2d(a, [96, 130]);
        const B = tf.tensor2d(b, [130, 70]);
        const X = tf.tensor4d(x, [4, 17, 19, 6]);
        return [
          tf.matMul(A, B),
          tf.matMul(B, A, true, true),
          tf.conv2d(X, tf.tensor4d(w, [3, 3, 6, 10]), [2, 1], 'same'),
          tf.depthwiseConv2d(X, tf.tensor4d(dw, [3, 3, 6, 2]), 1, 'valid'),
        ].map((t) => t.dataSync().slice());
      }),
    );
    for (let i = 0; i < cpu.length; i++) assert.ok(relMaxDiff(wasm[i]!, cpu[i]!) < 1e-5, `output ${i}: ${relMaxDiff(wasm[i]!, cpu[i]!)}`);
  });

  it('gradients of conv2d, max pooling and an embedding (mmx kernels included) match the cpu backend', async () => {
    const x = randomArray(8 * 12 * 12 * 3, 6);
    const w = randomArray(3 * 3 * 3 * 5, 7);
    const table = randomArray(40 * 6, 8);
    const ids = Int32Array.from({ length: 8 * 9 }, (_, i) => (i * 7) % 40);
    const { wasm, cpu } = await onBoth(() =>
      tf.tidy(() => {
        const X = tf.tensor4d(x, [8, 12, 12, 3]);
        const W = tf.tensor4d(w, [3, 3, 3, 5]);
        const T = tf.tensor2d(table, [40, 6]);
        const f = (xx: tf.Tensor, ww: tf.Tensor, tt: tf.Tensor): tf.Scalar => {
          const conv = tf.maxPool(tf.relu(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, 1, 'same')), 2, 2, 'valid');
          const emb = tf.gather(tt, tf.tensor2d(ids, [8, 9], 'int32'));
          return tf.add(tf.sum(tf.square(conv)), tf.sum(tf.sin(emb)));
        };
        return tf
          .grads(f)([X, W, T])
          .map((g) => g.dataSync().slice());
      }),
    );
    for (let i = 0; i < cpu.length; i++) assert.ok(relMaxDiff(wasm[i]!, cpu[i]!) < 1e-4, `gradient ${i}: ${relMaxDiff(wasm[i]!, cpu[i]!)}`);
  });

  it('a CNN trained 5 Adam steps on real MNIST digits ends with the weights the cpu backend computes', async () => {
    const n = 64;
    const { images, labels } = mnist(n);
    const build = (): tf.LayersModel => {
      const input = tf.input({ shape: [28, 28, 1] });
      let h = tf.layers
        .conv2d({ filters: 8, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) })
        .apply(input) as tf.SymbolicTensor;
      h = tf.layers.maxPooling2d({ poolSize: 2 }).apply(h) as tf.SymbolicTensor;
      h = tf.layers
        .conv2d({ filters: 16, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) })
        .apply(h) as tf.SymbolicTensor;
      h = tf.layers.flatten().apply(h) as tf.SymbolicTensor;
      const out = tf.layers
        .dense({ units: 10, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) })
        .apply(h) as tf.SymbolicTensor;
      const model = tf.model({ inputs: input, outputs: out });
      model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
      return model;
    };
    const { wasm, cpu } = await onBoth(async () => {
      const model = build();
      const xs = tf.tensor4d(images, [n, 28, 28, 1]);
      const ys = tf.oneHot(tf.tensor1d(labels, 'int32'), 10);
      const losses: number[] = [];
      for (let step = 0; step < 5; step++) losses.push((await model.trainOnBatch(xs, ys)) as number);
      const weights = model.getWeights().map((t) => t.dataSync().slice());
      tf.dispose([xs, ys]);
      model.dispose();
      return { losses, weights };
    });
    assert.ok(wasm.losses[4]! < wasm.losses[0]!, `the loss falls: ${wasm.losses.join(', ')}`);
    for (let i = 0; i < 5; i++)
      assert.ok(
        Math.abs(wasm.losses[i]! - cpu.losses[i]!) < 1e-4 * Math.max(1, cpu.losses[i]!),
        `loss ${i}: ${wasm.losses[i]} vs ${cpu.losses[i]}`,
      );
    for (let i = 0; i < cpu.weights.length; i++) {
      assert.ok(relMaxDiff(wasm.weights[i]!, cpu.weights[i]!) < 1e-3, `weight ${i}: ${relMaxDiff(wasm.weights[i]!, cpu.weights[i]!)}`);
    }
  });

  it('tensors stay readable after the shared wasm memory grows, however it grew', async () => {
    await useWasm();
    const backend = tf.backend() as wasmPackage.BackendWasm;
    const module = backend.wasm as unknown as {
      wasmMemory: { buffer: SharedArrayBuffer; grow(pages: number): number };
      HEAPU8: Uint8Array;
    };
    assert.ok(module.wasmMemory.buffer instanceof SharedArrayBuffer);
    const small = tf.tensor1d(randomArray(1000, 9));
    // Grow the memory behind the glue's back (as an allocation in a pool thread would).
    module.wasmMemory.grow(64);
    assert.equal(module.HEAPU8.byteLength, module.wasmMemory.buffer.byteLength);
    // A tensor placed in the new pages is readable through tfjs (which views wasm.HEAPU8).
    const big = tf.add(tf.fill([40_000_000], 3), small.slice([0], [1]).reshape([]));
    const expected = Math.fround(3 + small.dataSync()[0]!);
    assert.deepEqual(Array.from(big.slice([39_999_995], [5]).dataSync()), Array(5).fill(expected));
    assert.equal(tf.min(big).dataSync()[0], expected);
    assert.equal(tf.max(big).dataSync()[0], expected);
    assert.deepEqual(Array.from(small.dataSync()), Array.from(randomArray(1000, 9)));
    tf.dispose([small, big]);
  });
});

describe('threads in a fresh process', () => {
  it('a threaded process exits by itself once its work is done', () => {
    const r = child(`
      const { initBackend } = await import(select);
      const tf = await import('@tensorflow/tfjs');
      const info = await initBackend('wasm', console.error, { threads: 2 });
      const c = tf.matMul(tf.ones([300, 300]), tf.ones([300, 300]));
      console.log(info.description, (await c.data())[0]);
    `);
    assert.equal(r.status, 0, r.stderr);
    // status 0 within child()'s limit: a process that kept running would be killed (status null)
    assert.match(r.stdout, /2 threads\) 300/);
  });

  it('threads: 1 is the ordinary single-threaded build', () => {
    const r = child(`
      const { initBackend } = await import(select);
      const tf = await import('@tensorflow/tfjs');
      const info = await initBackend('wasm', console.error, { threads: 1 });
      console.log(info.description, 'PThread' in tf.backend().wasm);
    `);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /SIMD, 1 thread\) false/);
    assert.equal(r.stderr, '');
  });

  it('auto runs one thread with mmx’s SIMD kernels, saying why; without them, a sweep trial’s share of the cores', () => {
    const code = `
      const { initBackend } = await import(select);
      console.log((await initBackend('wasm', (m) => console.log('LOG ' + m), { threads: 'auto' })).description);
    `;
    const own = child(code, { MMX_SWEEP_THREADS: '2' });
    assert.equal(own.status, 0, own.stderr);
    assert.match(own.stdout, /SIMD, 1 thread\)/);
    assert.match(own.stdout, /^LOG runtime.threads auto: 1 thread \(mmx's SIMD kernels/m);
    const one = child(code, { MMX_SWEEP_THREADS: '1', MMX_SIMD_KERNELS: '0' });
    assert.equal(one.status, 0, one.stderr);
    assert.match(one.stdout, /SIMD, 1 thread\)/);
    const two = child(code, { MMX_SWEEP_THREADS: '2', MMX_SIMD_KERNELS: '0' });
    assert.equal(two.status, 0, two.stderr);
    assert.match(two.stdout, /SIMD, 2 threads\)/);
    assert.doesNotMatch(two.stdout, /^LOG/m);
  });

  it('without a threads option wasm is single-threaded, as before, unless MMX_WASM_THREADS says otherwise', () => {
    const code = `
      const { initBackend } = await import(select);
      console.log((await initBackend('wasm', (m) => console.log('LOG ' + m))).description);
    `;
    const plain = child(code, { MMX_WASM_THREADS: '' });
    assert.equal(plain.status, 0, plain.stderr);
    assert.match(plain.stdout, /^wasm \(.*SIMD, 1 thread\)$/m);
    const two = child(code, { MMX_WASM_THREADS: '2' });
    assert.equal(two.status, 0, two.stderr);
    assert.match(two.stdout, /^wasm \(.*SIMD, 2 threads\)$/m);
    const bad = child(code, { MMX_WASM_THREADS: 'many' });
    assert.equal(bad.status, 0, bad.stderr);
    assert.match(bad.stdout, /^LOG MMX_WASM_THREADS=many ignored: use auto or a whole number ≥ 1$/m);
    assert.match(bad.stdout, /SIMD, 1 thread\)$/m);
  });

  it('a threaded build that cannot start falls back to one thread with one warning, not a crash', () => {
    // No usable temporary folder (a file stands where it should be): the worker and glue files cannot be
    // written. Set once the code is loaded (tsx keeps its own cache there).
    const dir = tempDir('mmx-threads-test-');
    const notADir = path.join(dir, 'file');
    writeFileSync(notADir, '');
    try {
      const r = child(`
        const { initBackend } = await import(select);
        const tf = await import('@tensorflow/tfjs');
        process.env.TMPDIR = ${JSON.stringify(notADir)};
        const info = await initBackend('wasm', (m) => console.log('WARN ' + m), { threads: 2 });
        console.log(info.description, tf.sum(tf.ones([5])).dataSync()[0]);
      `);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^WARN runtime\.threads 2: the threaded wasm backend could not start \(ENOTDIR.*\); using 1 thread$/m);
      assert.match(r.stdout, /SIMD, 1 thread\) 5$/m);
      assert.equal(r.stdout.split('\n').filter((l) => l.startsWith('WARN')).length, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

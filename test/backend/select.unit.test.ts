import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { BackendUnavailableError, initBackend, missingKernels, wasmBinaryDir } from '../../src/backend/select.js';
import { WASM_EXTRA_KERNELS } from '../../src/backend/wasm-kernels/index.js';

const require = createRequire(import.meta.url);
function installed(pkg: string): boolean {
  try {
    require.resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
}
const hasNode = installed('@tensorflow/tfjs-node');
const hasNodeGpu = installed('@tensorflow/tfjs-node-gpu');

describe('initBackend', () => {
  it(
    'auto picks wasm when tfjs-node is not installed, logging at most one line',
    { skip: hasNode || hasNodeGpu ? 'tfjs-node is installed here' : false },
    async () => {
      const lines: string[] = [];
      const info = await initBackend('auto', (m) => lines.push(m));
      assert.equal(info.name, 'wasm');
      assert.equal(tf.getBackend(), 'wasm');
      assert.match(info.description, /^wasm \(tfjs-backend-wasm 4\.\d+\.\d+, (SIMD|no SIMD), \d+ threads?\)$/);
      assert.ok(lines.length <= 1, `logged ${lines.length} lines`);
      for (const line of lines) assert.match(line, /tfjs-node-gpu is not installed/);
      // The extra kernels came with it.
      assert.deepEqual(missingKernels([...WASM_EXTRA_KERNELS]), []);
    },
  );

  it(
    "explicit 'tensorflow' throws BackendUnavailableError saying what to install",
    { skip: hasNode ? 'tfjs-node is installed here' : false },
    async () => {
      await initBackend('cpu');
      await assert.rejects(initBackend('tensorflow'), (err: unknown) => {
        assert.ok(err instanceof BackendUnavailableError);
        assert.equal(err.name, 'BackendUnavailableError');
        assert.equal(err.requested, 'tensorflow');
        assert.match(
          err.message,
          /^runtime\.backend 'tensorflow' needs @tensorflow\/tfjs-node, which is not installed \(it downloads libtensorflow at install time/,
        );
        assert.match(err.message, /Use backend: auto or wasm\.$/);
        return true;
      });
      // A failed request leaves the current backend alone.
      assert.equal(tf.getBackend(), 'cpu');
    },
  );

  it(
    "explicit 'tensorflow-gpu' throws BackendUnavailableError naming tfjs-node-gpu",
    { skip: hasNodeGpu ? 'tfjs-node-gpu is installed here' : false },
    async () => {
      await assert.rejects(initBackend('tensorflow-gpu'), (err: unknown) => {
        assert.ok(err instanceof BackendUnavailableError);
        assert.match(err.message, /needs @tensorflow\/tfjs-node-gpu, which is not installed .*CUDA.*Use backend: auto or wasm\./);
        return true;
      });
    },
  );

  it('rejects an unknown backend name', async () => {
    await assert.rejects(
      initBackend('webgl' as never),
      (err: unknown) => err instanceof BackendUnavailableError && /not a backend/.test(err.message),
    );
  });

  it('cpu works and does not print the tfjs "install our node backend" banner', async () => {
    const warnings: string[] = [];
    const original = console.warn;
    console.warn = (...args: unknown[]) => {
      warnings.push(args.map(String).join(' '));
    };
    try {
      const info = await initBackend('cpu');
      assert.equal(info.name, 'cpu');
      assert.equal(tf.getBackend(), 'cpu');
      const sum = tf.tidy(() => tf.tensor1d([1, 2, 3]).sum().dataSync()[0]);
      assert.equal(sum, 6);
    } finally {
      console.warn = original;
    }
    assert.deepEqual(
      warnings.filter((w) => /running TensorFlow\.js in Node\.js/.test(w)),
      [],
    );
  });

  it('wasm is idempotent, switches back and forth, and leaves no process listeners behind', async () => {
    const before = [process.listenerCount('uncaughtException'), process.listenerCount('unhandledRejection')];
    const a = await initBackend('wasm');
    const b = await initBackend('wasm');
    assert.deepEqual(a, b);
    await initBackend('cpu');
    assert.equal(tf.getBackend(), 'cpu');
    await initBackend('wasm');
    assert.equal(tf.getBackend(), 'wasm');
    const y = tf.tidy(
      () =>
        tf
          .conv2d(tf.ones([1, 4, 4, 1]) as tf.Tensor4D, tf.ones([2, 2, 1, 1]) as tf.Tensor4D, 1, 'valid')
          .sum()
          .dataSync()[0],
    );
    assert.equal(y, 36);
    assert.deepEqual([process.listenerCount('uncaughtException'), process.listenerCount('unhandledRejection')], before);
    // Whichever test initialised wasm first, Emscripten's rethrowing listeners are gone.
    const emscripten = [...process.listeners('uncaughtException'), ...process.listeners('unhandledRejection')].filter((l) =>
      /ExitStatus|^function\s*\(\s*(\w+)\s*\)\s*\{\s*throw\s+\1\s*;?\s*\}$/.test(String(l).trim()),
    );
    assert.deepEqual(emscripten, []);
  });

  it('loads the wasm binaries from the package dist/ folder', () => {
    const dir = wasmBinaryDir();
    assert.match(dir, /tfjs-backend-wasm[\\/]dist[\\/]$/);
    assert.ok(existsSync(`${dir}tfjs-backend-wasm-simd.wasm`));
  });
});

describe('missingKernels', () => {
  it('lists kernels with no registration for a backend', async () => {
    await initBackend('cpu');
    assert.deepEqual(missingKernels(['Conv2D', 'Conv2DBackpropFilter', 'UnsortedSegmentSum'], 'cpu'), []);
    assert.deepEqual(missingKernels(['Conv2D', 'NotAKernel']), ['NotAKernel']);
    await initBackend('wasm');
    assert.deepEqual(missingKernels(['Conv2DBackpropFilter', 'UnsortedSegmentSum', 'FFT'], 'wasm'), ['FFT']);
  });
});

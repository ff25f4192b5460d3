import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import sharp from 'sharp';
import { decodeImage, loadImage } from '../../src/data/image/decode.js';
import { DecodeError } from '../../src/data/decode-error.js';
import { dataPath } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';

let tmp = '';
before(() => {
  tmp = tempDir('mmx-image-');
});
after(() => {
  rmSync(tmp, { recursive: true, force: true });
});

/** Write an image built from raw 8-bit pixels and return its path. */
async function writeImage(
  name: string,
  pixels: number[] | Uint8Array,
  width: number,
  height: number,
  channels: 1 | 2 | 3 | 4,
  format: 'png' | 'jpeg' | 'webp' = 'png',
): Promise<string> {
  const file = path.join(tmp, name);
  const img = sharp(Buffer.from(pixels), { raw: { width, height, channels } });
  await (format === 'png' ? img.png() : format === 'jpeg' ? img.jpeg({ quality: 95 }) : img.webp({ lossless: true })).toFile(file);
  return file;
}

const u8 = (xs: ArrayLike<number>) => Array.from(xs, (v) => Math.round(v * 255));

async function expectDecodeError(p: Promise<unknown>, pattern: RegExp, file: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof DecodeError, `expected DecodeError, got ${String(err)}`);
    assert.match(err.message, /^cannot decode image: /);
    assert.match(err.message, pattern);
    assert.doesNotMatch(err.message, /\n|    at /);
    assert.equal(err.file, file);
    return true;
  });
}

describe('loadImage: real AV-MNIST PNGs against the MNIST IDX bytes', () => {
  it('every 10th manifest image decodes pixel-exactly to IDX byte / 255', async () => {
    const idx = gunzipSync(readFileSync(dataPath('mnist', 't10k-images-idx3-ubyte.gz')));
    assert.equal(idx.readUInt32BE(0), 2051);
    const lines = readFileSync(dataPath('avmnist', 'manifest.csv'), 'utf8').trim().split('\n');
    const header = lines[0]!.split(',');
    const imageCol = header.indexOf('image_path');
    const indexCol = header.indexOf('mnist_test_index');
    const rows = lines.slice(1).filter((_, i) => i % 10 === 0);
    assert.equal(rows.length, 300);
    for (const line of rows) {
      const f = line.split(',');
      const file = dataPath('avmnist', f[imageCol]!);
      const index = Number(f[indexCol]);
      const pixels = await loadImage(file, { height: 28, width: 28, channels: 1 });
      assert.equal(pixels.length, 784);
      const expected = idx.subarray(16 + 784 * index, 16 + 784 * (index + 1));
      for (let i = 0; i < 784; i++) {
        if (pixels[i] !== Math.fround(expected[i]! / 255)) {
          assert.fail(`${f[imageCol]} pixel ${i}: ${pixels[i]} ≠ ${expected[i]}/255`);
        }
      }
    }
  });

  it('a grayscale PNG asked for 3 or 4 channels repeats the gray value (opaque alpha)', async () => {
    const file = dataPath('avmnist', 'mnist_png', '0', 't10k_00003.png');
    const gray = await loadImage(file, { height: 28, width: 28, channels: 1 });
    const rgb = await loadImage(file, { height: 28, width: 28, channels: 3 });
    const rgba = await loadImage(file, { height: 28, width: 28, channels: 4 });
    assert.equal(rgb.length, 784 * 3);
    assert.equal(rgba.length, 784 * 4);
    for (let i = 0; i < 784; i++) {
      for (let c = 0; c < 3; c++) {
        assert.equal(rgb[i * 3 + c], gray[i]);
        assert.equal(rgba[i * 4 + c], gray[i]);
      }
      assert.equal(rgba[i * 4 + 3], 1);
    }
    assert.ok(gray.some((v) => v === 1) && gray.some((v) => v === 0), 'gray.some((v) => v === 1) && gray.some((v) => v === 0)');
  });
});

describe('loadImage: channel conversion', () => {
  // 2x2 RGB: red, green, blue, mid gray
  const rgbPixels = [255, 0, 0, 0, 255, 0, 0, 0, 255, 128, 128, 128];

  it('colour → gray is BT.601 luma (as Pillow convert("L"))', async () => {
    const file = await writeImage('rgb.png', rgbPixels, 2, 2, 3);
    const gray = await loadImage(file, { height: 2, width: 2, channels: 1 });
    // Pillow: L = (R*19595 + G*38470 + B*7471 + 0x8000) >> 16
    assert.deepEqual(u8(gray), [76, 150, 29, 128]);
  });

  it('RGB keeps exact values; RGBA keeps alpha; alpha is dropped for 1 or 3 channels', async () => {
    const rgb = await writeImage('rgb2.png', rgbPixels, 2, 2, 3);
    assert.deepEqual(u8(await loadImage(rgb, { height: 2, width: 2, channels: 3 })), rgbPixels);
    const rgbaPixels = [255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 0, 10, 20, 30, 40];
    const rgba = await writeImage('rgba.png', rgbaPixels, 2, 2, 4);
    assert.deepEqual(u8(await loadImage(rgba, { height: 2, width: 2, channels: 4 })), rgbaPixels);
    assert.deepEqual(u8(await loadImage(rgba, { height: 2, width: 2, channels: 3 })), [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]);
    const la = await writeImage('la.png', [200, 255, 100, 0], 2, 1, 2);
    assert.deepEqual(u8(await loadImage(la, { height: 1, width: 2, channels: 1 })), [200, 100]);
    assert.deepEqual(u8(await loadImage(la, { height: 1, width: 2, channels: 4 })), [200, 200, 200, 255, 100, 100, 100, 0]);
  });

  it('16-bit PNGs come out on the same [0,1] scale', async () => {
    const file = path.join(tmp, 'rgb16.png');
    await sharp({ create: { width: 2, height: 1, channels: 3, background: { r: 255, g: 128, b: 0 } } })
      .toColourspace('rgb16')
      .png()
      .toFile(file);
    assert.equal((await sharp(file).metadata()).depth, 'ushort');
    assert.deepEqual(u8(await loadImage(file, { height: 1, width: 2, channels: 3 })), [255, 128, 0, 255, 128, 0]);
  });
});

describe('loadImage: formats and resizing', () => {
  /** 32x32 RGB gradient. */
  const gradient = (() => {
    const px: number[] = [];
    for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) px.push(x * 8, y * 8, 128);
    return px;
  })();

  it('decodes JPEG (lossy, close to the source)', async () => {
    const file = await writeImage('gradient.jpg', gradient, 32, 32, 3, 'jpeg');
    const out = await loadImage(file, { height: 32, width: 32, channels: 3 });
    let maxErr = 0;
    for (let i = 0; i < out.length; i++) maxErr = Math.max(maxErr, Math.abs(out[i]! - gradient[i]! / 255));
    assert.ok(maxErr < 0.05, `max error ${maxErr}`);
  });

  it('decodes lossless WebP exactly', async () => {
    const file = await writeImage('gradient.webp', gradient, 32, 32, 3, 'webp');
    assert.deepEqual(u8(await loadImage(file, { height: 32, width: 32, channels: 3 })), gradient);
  });

  it('resizes to the target shape in every mode', async () => {
    const file = await writeImage('gradient.png', gradient, 32, 32, 3);
    for (const resize of ['fill', 'contain', 'cover'] as const) {
      const out = await loadImage(file, { height: 8, width: 16, channels: 3, resize });
      assert.equal(out.length, 8 * 16 * 3, resize);
      assert.ok(
        out.every((v) => v >= 0 && v <= 1),
        'out.every((v) => v >= 0 && v <= 1)',
      );
    }
  });

  it('fill stretches, contain pads with black, cover crops the centre', async () => {
    // 4x2 image: left half white, right half gray 100
    const px = [255, 255, 100, 100, 255, 255, 100, 100];
    const file = await writeImage('halves.png', px, 4, 2, 1);
    const contain = u8(await loadImage(file, { height: 4, width: 4, channels: 1, resize: 'contain' }));
    // 4x2 scaled into 4x4 keeps 4x2 in the middle rows, black rows above and below
    assert.deepEqual(contain.slice(0, 4), [0, 0, 0, 0]);
    assert.deepEqual(contain.slice(12, 16), [0, 0, 0, 0]);
    assert.deepEqual(contain.slice(4, 12), px);
    const cover = u8(await loadImage(file, { height: 2, width: 2, channels: 1, resize: 'cover' }));
    // 4x2 → crop the central 2x2: one white column, one gray column
    assert.deepEqual(cover, [255, 100, 255, 100]);
    const fill = u8(await loadImage(file, { height: 2, width: 2, channels: 1, resize: 'fill' }));
    assert.ok(fill[0]! > 200 && fill[1]! < 160, `${fill}`);
  });

  it('decodeImage decodes bytes in memory', async () => {
    const bytes = readFileSync(dataPath('avmnist', 'mnist_png', '0', 't10k_00003.png'));
    const a = await decodeImage(bytes, { height: 28, width: 28, channels: 1 });
    const b = await loadImage(dataPath('avmnist', 'mnist_png', '0', 't10k_00003.png'), { height: 28, width: 28, channels: 1 });
    assert.deepEqual(a, b);
  });
});

describe('loadImage: errors', () => {
  const opts = { height: 28, width: 28, channels: 1 } as const;

  it('missing file, directory, empty file', async () => {
    const missing = path.join(tmp, 'nope.png');
    await expectDecodeError(loadImage(missing, opts), /file not found/, missing);
    const dir = path.join(tmp, 'a-dir.png');
    mkdirSync(dir);
    await expectDecodeError(loadImage(dir, opts), /directory/, dir);
    const empty = path.join(tmp, 'empty.png');
    writeFileSync(empty, '');
    await expectDecodeError(loadImage(empty, opts), /empty/, empty);
  });

  it('not an image', async () => {
    const text = path.join(tmp, 'text.png');
    writeFileSync(text, 'this is not an image, just some text pretending to be one');
    await expectDecodeError(loadImage(text, opts), /not an image/, text);
  });

  it('truncated PNG and JPEG', async () => {
    const png = readFileSync(dataPath('avmnist', 'mnist_png', '0', 't10k_00003.png'));
    const cutPng = path.join(tmp, 'cut.png');
    writeFileSync(cutPng, png.subarray(0, Math.floor(png.length / 2)));
    await expectDecodeError(loadImage(cutPng, opts), /corrupt or truncated/, cutPng);

    const jpg = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } })
      .jpeg()
      .toBuffer();
    const cutJpg = path.join(tmp, 'cut.jpg');
    writeFileSync(cutJpg, jpg.subarray(0, Math.floor(jpg.length / 2)));
    await expectDecodeError(loadImage(cutJpg, opts), /corrupt or truncated/, cutJpg);
  });

  it('an invalid target shape', async () => {
    await expectDecodeError(
      decodeImage(new Uint8Array(8), { height: 0, width: 28, channels: 1 }, 'x.png'),
      /invalid target shape/,
      'x.png',
    );
  });
});

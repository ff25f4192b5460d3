/**
 * Files a manifest names: read only if they are regular files within the size limit (a device or a FIFO neither
 * hangs nor fills memory), and checked by kind from their first bytes — the decoder and `mmx validate` agree.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import sharp from 'sharp';
import { loadAudioFeatures } from '../../src/data/audio/features.js';
import { DecodeError } from '../../src/data/decode-error.js';
import { DEFAULT_MAX_FILE_MB, MB, mediaFileProblem, maxFileBytes } from '../../src/data/files/media-file.js';
import { loadImage } from '../../src/data/image/decode.js';
import { dataPath } from '../helpers/data.js';
import { encodeWav } from './wav-fixture.js';
import { tempDir } from '../helpers/tmp.js';

const tmp = tempDir('mmx-media-');
after(() => rmSync(tmp, { recursive: true, force: true }));

const IMAGE = { height: 8, width: 8, channels: 1 } as const;
const AUDIO = { sampleRate: 8000, nMels: 8, windowMs: 25, hopMs: 10, maxDurationS: 0.1 };
const fifoSupported = process.platform !== 'win32';

const file = (name: string, bytes: Uint8Array | string): string => {
  const f = path.join(tmp, name);
  writeFileSync(f, bytes);
  return f;
};

async function decodeProblem(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    assert.ok(err instanceof DecodeError, `expected a DecodeError, got ${String(err)}`);
    return err.message;
  }
}

const wav = encodeWav({ encoding: 's16', sampleRate: 8000, channels: [Array.from({ length: 800 }, (_, i) => Math.sin(i / 5) / 2)] });

describe('only regular files within the size limit are read', () => {
  it('/dev/zero as an image or an audio file is refused at once (not read until memory runs out)', { timeout: 20_000 }, async () => {
    assert.match((await decodeProblem(loadImage('/dev/zero', IMAGE)))!, /^cannot decode image: is a character device, not a regular file$/);
    assert.match(
      (await decodeProblem(loadAudioFeatures('/dev/zero', AUDIO)))!,
      /^cannot decode audio: is a character device, not a regular file$/,
    );
    assert.equal(mediaFileProblem('/dev/zero', 'image'), 'cannot decode image: is a character device, not a regular file');
  });

  it('a FIFO without a writer does not hang', { timeout: 20_000, skip: !fifoSupported }, async () => {
    const fifo = path.join(tmp, 'pipe.wav');
    execFileSync('mkfifo', [fifo]);
    assert.match((await decodeProblem(loadAudioFeatures(fifo, AUDIO)))!, /is a FIFO \(named pipe\), not a regular file/);
    assert.match((await decodeProblem(loadImage(fifo, IMAGE)))!, /is a FIFO/);
    assert.match(mediaFileProblem(fifo, 'audio')!, /is a FIFO/);
  });

  it('a directory', async () => {
    const dir = path.join(tmp, 'folder.png');
    mkdirSync(dir);
    assert.match((await decodeProblem(loadImage(dir, IMAGE)))!, /is a directory, not a regular file/);
    assert.match(mediaFileProblem(dir, 'image')!, /is a directory/);
  });

  it('a file over the limit names the limit and the option that raises it', async () => {
    const png = dataPath('avmnist', 'mnist_png', '0', 't10k_00003.png');
    const big = file('big.wav', new Uint8Array(2000));
    assert.match(
      (await decodeProblem(loadImage(png, { ...IMAGE, maxBytes: 100 })))!,
      /^cannot decode image: file is \d+ bytes, over the limit of 100 bytes \(data\.max_file_mb\.image: raise it for larger files\)$/,
    );
    assert.match(
      (await decodeProblem(loadAudioFeatures(big, { ...AUDIO, maxBytes: 1000 })))!,
      /over the limit of 1 kB \(data\.max_file_mb\.audio/,
    );
    assert.match(mediaFileProblem(big, 'audio', 1000)!, /over the limit of 1 kB/);
    assert.equal(await decodeProblem(loadImage(png, IMAGE)), undefined);
  });

  it('the limits come from data.max_file_mb, with defaults per kind', () => {
    assert.equal(maxFileBytes({}, 'image'), DEFAULT_MAX_FILE_MB.image * MB);
    assert.equal(maxFileBytes({ max_file_mb: { audio: 2.5 } }, 'audio'), 2_500_000);
    assert.equal(maxFileBytes({ max_file_mb: { audio: 2.5 } }, 'image'), 50 * MB);
  });
});

describe('the kind of a file, from its first bytes: validate and the decoder agree', () => {
  it('every case the decoder refuses, validate refuses with the same message; what it decodes, validate accepts', async () => {
    const cases: { name: string; kind: 'image' | 'audio'; path: string }[] = [];
    const add = (name: string, kind: 'image' | 'audio', p: string) => cases.push({ name, kind, path: p });
    const raw = Buffer.from(Array.from({ length: 64 * 3 }, (_, i) => i % 256));
    const img = () => sharp(raw, { raw: { width: 8, height: 8, channels: 3 } });
    add('png', 'image', dataPath('avmnist', 'mnist_png', '0', 't10k_00003.png'));
    add('jpeg', 'image', file('a.jpg', await img().jpeg().toBuffer()));
    add('webp', 'image', file('a.webp', await img().webp().toBuffer()));
    add('gif', 'image', file('a.gif', await img().gif().toBuffer()));
    add('tiff', 'image', file('a.tiff', await img().tiff().toBuffer()));
    add('avif', 'image', file('a.avif', await img().avif().toBuffer()));
    add('svg', 'image', file('a.svg', '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>'));
    add('wav as image', 'image', file('b.png', wav));
    add('text as image', 'image', file('c.png', 'hello, not an image'));
    add('empty image', 'image', file('d.png', ''));
    add('missing image', 'image', path.join(tmp, 'nope.png'));
    add('wav', 'audio', file('a.wav', wav));
    add('real wav', 'audio', dataPath('fsdd', 'recordings', '0_george_0.wav'));
    add('png as audio', 'audio', dataPath('avmnist', 'mnist_png', '0', 't10k_00003.png'));
    add('short audio', 'audio', file('e.wav', 'RIFF'));
    add('empty audio', 'audio', file('f.wav', ''));
    add('webp as audio', 'audio', file('g.wav', await img().webp().toBuffer()));
    copyFileSync(dataPath('fsdd', 'recordings', '0_george_0.wav'), path.join(tmp, 'h.wav'));
    add('copied wav', 'audio', path.join(tmp, 'h.wav'));
    let refused = 0;
    for (const c of cases) {
      const decoded = await decodeProblem(c.kind === 'image' ? loadImage(c.path, IMAGE) : loadAudioFeatures(c.path, AUDIO));
      const checked = mediaFileProblem(c.path, c.kind);
      if (checked === undefined) {
        assert.equal(decoded, undefined, `${c.name}: validate accepts what the decoder refuses (${decoded})`);
      } else {
        refused += 1;
        assert.equal(checked, decoded, `${c.name}`);
      }
    }
    assert.equal(refused, 8);
    assert.match(mediaFileProblem(path.join(tmp, 'b.png'), 'image')!, /looks like a WAV audio file/);
    assert.match(mediaFileProblem(dataPath('avmnist', 'mnist_png', '0', 't10k_00003.png'), 'audio')!, /looks like an image/);
  });
});

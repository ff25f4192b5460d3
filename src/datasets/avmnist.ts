/**
 * AV-MNIST-style pairs: each of the 3,000 FSDD recordings with a distinct MNIST test image of the same
 * digit. Depends on `fsdd` and `mnist` (prepared side by side in the data home): the images are decoded
 * from mnist's IDX file and written as 28×28 8-bit grayscale PNGs; the audio is referenced in
 * `../fsdd/recordings/`, not copied.
 *
 * PNG bytes depend on the encoder (the shared copy was written with Pillow, mmx writes them itself, see
 * `png.ts`), so the checksums of the PNGs are of their decoded pixels (see `ChecksumEntry`).
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import checksums from './checksums/avmnist.json' with { type: 'json' };
import { csvDocument } from './csv.js';
import { DatasetError } from './errors.js';
import { readIdxImages, readIdxLabels } from './idx.js';
import { MNIST_IMAGES, MNIST_LABELS } from './mnist.js';
import { decodeGray8, encodeGray8 } from './png.js';
import type { ChecksumList, DatasetEntry, PrepareContext } from './types.js';

const COLUMNS = [
  'pair_id',
  'image_path',
  'audio_path',
  'label',
  'mnist_test_index',
  'fsdd_speaker',
  'fsdd_recording_index',
  'split',
] as const;

/** The pixels of an image file as one 8-bit channel, row-major (8-bit gray PNGs without sharp). */
export async function decodeGrayPixels(file: string): Promise<{ width: number; height: number; pixels: Buffer }> {
  const bytes = await readFile(file);
  const simple = decodeGray8(bytes);
  if (simple) return simple;
  // sharp (libvips, ~0.2 s to load) only for the PNGs decodeGray8 does not read; a prepared copy needs neither
  const { default: sharp } = await import('sharp');
  const { data, info } = await sharp(bytes)
    .toColourspace('b-w')
    .extractChannel(0)
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, pixels: data };
}

async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function prepare({ outDir, dependencyDir, onProgress }: PrepareContext): Promise<void> {
  const mnistDir = dependencyDir('mnist');
  const fsddDir = dependencyDir('fsdd');
  const images = readIdxImages(await readFile(path.join(mnistDir, MNIST_IMAGES)));
  const labels = readIdxLabels(await readFile(path.join(mnistDir, MNIST_LABELS)));
  const byDigit: number[][] = Array.from({ length: 10 }, () => []);
  labels.forEach((l, i) => byDigit[l]?.push(i));

  const recordings = (await readdir(path.join(fsddDir, 'recordings')))
    .map((n) => /^(\d)_([a-z]+)_(\d+)\.wav$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ name: m[0], digit: Number(m[1]), speaker: m[2]!, index: Number(m[3]) }));
  recordings.sort((a, b) => a.digit - b.digit || (a.speaker < b.speaker ? -1 : a.speaker > b.speaker ? 1 : 0) || a.index - b.index);

  const rows: (string | number)[][] = [];
  const pngs: { rel: string; index: number }[] = [];
  const k = new Array<number>(10).fill(0);
  for (const r of recordings) {
    const j = k[r.digit]!++;
    const index = byDigit[r.digit]![j];
    if (index === undefined) throw new DatasetError(`avmnist: not enough MNIST test images of digit ${r.digit}`);
    const rel = `mnist_png/${r.digit}/t10k_${String(index).padStart(5, '0')}.png`;
    const split = r.index <= 4 ? 'test' : r.index <= 9 ? 'validation' : 'train';
    rows.push([`${r.digit}_${String(j).padStart(3, '0')}`, rel, `../fsdd/recordings/${r.name}`, r.digit, index, r.speaker, r.index, split]);
    pngs.push({ rel, index });
  }
  for (let d = 0; d < 10; d++) await mkdir(path.join(outDir, 'mnist_png', String(d)), { recursive: true });
  const size = images.rows * images.cols;
  let done = 0;
  await mapLimit(pngs, 8, async ({ rel, index }) => {
    const png = encodeGray8(images.pixels.subarray(index * size, (index + 1) * size), images.cols, images.rows);
    await writeFile(path.join(outDir, rel), png);
    onProgress?.(++done, pngs.length);
  });
  await writeFile(path.join(outDir, 'manifest.csv'), csvDocument(COLUMNS, rows));
}

export const avmnist: DatasetEntry = {
  name: 'avmnist',
  title: 'AV-MNIST-style pairs (MNIST test image + FSDD recording of the same digit)',
  description: 'image + audio: every FSDD recording paired with a distinct MNIST test image of its digit',
  modalities: ['image', 'audio'],
  examples: 3000,
  classes: 10,
  sizeBytes: 1_200_000,
  licence: 'CC BY-SA 4.0 (images CC BY-SA 3.0 MNIST, audio CC BY-SA 4.0 FSDD)',
  citation:
    'pairing in the spirit of V. Vielzeuf, A. Lechervy, S. Pateux, F. Jurie, CentralNet: a Multilayer Approach for Multimodal Fusion, ECCV Workshops 2018; images: LeCun, Cortes, Burges, MNIST; audio: Jackson et al., Free Spoken Digit Dataset',
  homepage: ['https://github.com/kelas/mnist', 'https://github.com/Jakobovski/free-spoken-digit-dataset'],
  version: 'derived from mnist@283b3872 + fsdd@26eb9aaf',
  sources: [],
  dependsOn: ['fsdd', 'mnist'],
  columns: COLUMNS,
  checksums: checksums as ChecksumList,
  prepare,
};

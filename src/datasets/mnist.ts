/**
 * MNIST test set (t10k): the two original IDX .gz files, kept as they are, and a manifest naming each
 * image by its index in the IDX file, with a stratified split (j-th image of each digit: j mod 10).
 */
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import checksums from './checksums/mnist.json' with { type: 'json' };
import { csvDocument, splitByRank } from './csv.js';
import { DatasetError } from './errors.js';
import { readIdxImages, readIdxLabels } from './idx.js';
import type { ChecksumList, DatasetEntry, PrepareContext } from './types.js';

const COMMIT = '283b387221ab46655e600cfcc25d843bb14292b9';
export const MNIST_IMAGES = 't10k-images-idx3-ubyte.gz';
export const MNIST_LABELS = 't10k-labels-idx1-ubyte.gz';
const COLUMNS = ['image_file', 'image_index', 'label', 'split'] as const;

async function prepare({ rawDir, outDir }: PrepareContext): Promise<void> {
  for (const f of [MNIST_IMAGES, MNIST_LABELS]) await copyFile(path.join(rawDir, f), path.join(outDir, f));
  const images = readIdxImages(await readFile(path.join(outDir, MNIST_IMAGES)));
  const labels = readIdxLabels(await readFile(path.join(outDir, MNIST_LABELS)));
  if (images.count !== labels.length) throw new DatasetError(`mnist: ${images.count} images but ${labels.length} labels`);
  const seen = new Array<number>(10).fill(0);
  const rows = Array.from(labels, (label, i) => [MNIST_IMAGES, i, label, splitByRank(seen[label]!++)]);
  await writeFile(path.join(outDir, 'manifest.csv'), csvDocument(COLUMNS, rows));
}

const raw = (file: string) => `https://raw.githubusercontent.com/kelas/mnist/${COMMIT}/${file}`;

export const mnist: DatasetEntry = {
  name: 'mnist',
  title: 'MNIST test set (t10k)',
  description: 'handwritten digits, 28×28 grayscale, the 10,000 official test images as IDX files',
  modalities: ['image'],
  examples: 10000,
  classes: 10,
  sizeBytes: 2_000_000,
  licence: 'CC BY-SA 3.0',
  citation: 'Y. LeCun, C. Cortes, C. J. C. Burges, The MNIST database of handwritten digits, http://yann.lecun.com/exdb/mnist/',
  homepage: ['https://github.com/kelas/mnist', 'http://yann.lecun.com/exdb/mnist/'],
  version: COMMIT,
  sources: [
    { url: raw(MNIST_IMAGES), file: MNIST_IMAGES, kind: 'file' },
    { url: raw(MNIST_LABELS), file: MNIST_LABELS, kind: 'file' },
  ],
  dependsOn: [],
  columns: COLUMNS,
  checksums: checksums as ChecksumList,
  prepare,
};

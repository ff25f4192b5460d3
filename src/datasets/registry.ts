/** The built-in data sets by name, and what `datasets list` and run tags show of them. */
import { suggestion } from '../config/did-you-mean.js';
import { avmnist } from './avmnist.js';
import { DatasetError } from './errors.js';
import { fsdd } from './fsdd.js';
import { mnist } from './mnist.js';
import { DATASET_NAMES, type DatasetName } from './names.js';
import { penguins } from './penguins.js';
import { smsSpam } from './sms-spam.js';
import type { DatasetEntry } from './types.js';
import { womensClothingReviews } from './womens-clothing-reviews.js';

export const datasets: Readonly<Record<DatasetName, DatasetEntry>> = {
  fsdd,
  mnist,
  avmnist,
  sms_spam: smsSpam,
  penguins,
  womens_clothing_reviews: womensClothingReviews,
};

export function listDatasets(): DatasetEntry[] {
  return DATASET_NAMES.map((n) => datasets[n]);
}

/** The entry named `name`, or a DatasetError with a did-you-mean. */
export function getDataset(name: string): DatasetEntry {
  const entry = (datasets as Record<string, DatasetEntry | undefined>)[name];
  if (!entry) throw new DatasetError(`unknown data set '${name}'`, suggestion(name, DATASET_NAMES, 'one of the built-in data sets'));
  return entry;
}

/** `1.2 MB` */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB'];
  let v = n / 1000;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v >= 10 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}

/** Every file the data set needs once prepared, its own and its dependencies' (bytes). */
export function totalSize(entry: DatasetEntry): number {
  return entry.sizeBytes + entry.dependsOn.reduce((s, d) => s + totalSize(datasets[d]), 0);
}

/**
 * Tags for an MLflow run trained on a built-in data set: its name, pinned version, sources, licence and
 * citation (values are kept under MLflow's 5,000-character tag limit).
 */
export function datasetTags(name: string): Record<string, string> {
  const e = getDataset(name);
  const cut = (s: string) => (s.length > 5000 ? s.slice(0, 4999) + '…' : s);
  return {
    'mmx.dataset': e.name,
    'mmx.dataset.version': e.version,
    'mmx.dataset.source': cut([...e.homepage, ...e.sources.map((s) => s.url)].join(' ')),
    'mmx.dataset.licence': e.licence,
    'mmx.dataset.citation': cut(e.citation),
    'mmx.dataset.manifest_sha256': e.checksums.manifestSha256,
  };
}

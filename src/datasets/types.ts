import type { DatasetName } from './names.js';

/** One thing to download. */
export interface DatasetSource {
  /** upstream URL (a GitHub codeload archive or a raw file at a pinned commit) */
  url: string;
  /**
   * the name it is saved under, and its name below a mirror: with a base URL (`MMX_DATASETS_BASE_URL`
   * or the `baseUrl` option) it is fetched from `<base>/<dataset>/<file>`
   */
  file: string;
  /** `file`: kept as downloaded; `zip` / `tar.gz`: extracted into the raw folder (entries checked) */
  kind: 'file' | 'zip' | 'tar.gz';
}

/**
 * One file a prepared data set must contain: `size` and `sha256` of its bytes, or — for images that mmx
 * writes itself (avmnist's PNGs, whose encoder output may differ from Pillow's) — `pixels`, the sha256 of
 * the decoded 8-bit pixel values (row-major, one channel), with no size.
 */
export type ChecksumEntry =
  | { path: string; size: number; sha256: string }
  | { path: string; pixels: string; width: number; height: number };

export interface ChecksumList {
  dataset: DatasetName;
  /** sha256 of manifest.csv: the cheap "is it prepared" check compares this and that every file exists */
  manifestSha256: string;
  files: ChecksumEntry[];
}

export interface PrepareContext {
  /** where the sources were downloaded / extracted */
  rawDir: string;
  /** the folder to fill (a temporary one, renamed into place after verification) */
  outDir: string;
  /** prepared folder of a data set this one depends on (already verified) */
  dependencyDir: (name: DatasetName) => string;
  /** progress inside preparation (files written so far) */
  onProgress?: (done: number, total: number) => void;
}

export interface DatasetEntry {
  name: DatasetName;
  title: string;
  description: string;
  modalities: readonly string[];
  examples: number;
  classes: number;
  /** approximate size once prepared, in bytes (files of this folder only) */
  sizeBytes: number;
  licence: string;
  citation: string;
  /** upstream repositories / pages the data come from */
  homepage: readonly string[];
  /** pinned upstream version (commit) */
  version: string;
  sources: readonly DatasetSource[];
  /** data sets that must be prepared first (side by side in the data home) */
  dependsOn: readonly DatasetName[];
  /** columns of manifest.csv */
  columns: readonly string[];
  checksums: ChecksumList;
  prepare(ctx: PrepareContext): Promise<void>;
}

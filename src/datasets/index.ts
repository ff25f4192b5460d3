/** Built-in data sets: the registry, the data home, and getting a set (download, verify, prepare). */
export { ensureDataset, sourceUrl, type DatasetProgress, type EnsureOptions } from './ensure.js';
export { DatasetError } from './errors.js';
export { defaultDataHome } from './home.js';
export { checkPrepared, datasetDir, datasetManifestPath, isPrepared } from './local.js';
export { DATASET_NAMES, isDatasetName, type DatasetName } from './names.js';
export { datasets, datasetTags, formatBytes, getDataset, listDatasets, totalSize } from './registry.js';
export type { DatasetEntry, DatasetSource } from './types.js';

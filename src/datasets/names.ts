/**
 * The names of the built-in data sets, on their own so that the config schema can list them without
 * loading the registry (checksums, archive readers, image encoder).
 */
export const DATASET_NAMES = ['fsdd', 'mnist', 'avmnist', 'sms_spam', 'penguins', 'womens_clothing_reviews'] as const;

export type DatasetName = (typeof DATASET_NAMES)[number];

/** The manifest column of every built-in data set that names each row's split (train / validation / test). */
export const DATASET_SPLIT_COLUMN = 'split';

export function isDatasetName(name: string): name is DatasetName {
  return (DATASET_NAMES as readonly string[]).includes(name);
}

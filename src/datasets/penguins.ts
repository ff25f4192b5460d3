/**
 * Palmer penguins (tabular): the two CSV files of the R package, unchanged, and a manifest with `NA`
 * written as empty fields and a stratified split (j-th bird of each species: j mod 10).
 */
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import checksums from './checksums/penguins.json' with { type: 'json' };
import { csvDocument, splitByRank } from './csv.js';
import { DatasetError } from './errors.js';
import { findInRaw } from './files.js';
import type { ChecksumList, DatasetEntry, PrepareContext } from './types.js';

const COMMIT = '8957207b78d6ccd1b4654a9dd9c9041b657478ab';
const COLUMNS = [
  'id',
  'island',
  'bill_length_mm',
  'bill_depth_mm',
  'flipper_length_mm',
  'body_mass_g',
  'sex',
  'year',
  'label',
  'split',
] as const;
const RAW_COLUMNS = ['species', 'island', 'bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g', 'sex', 'year'];

async function prepare({ rawDir, outDir }: PrepareContext): Promise<void> {
  for (const f of ['penguins.csv', 'penguins_raw.csv'])
    await copyFile(await findInRaw(rawDir, `inst/extdata/${f}`, 'penguins'), path.join(outDir, f));
  const records = parse(await readFile(path.join(outDir, 'penguins.csv'), 'utf8'), { bom: true }) as string[][];
  const header = records[0] ?? [];
  if (header.join(',') !== RAW_COLUMNS.join(','))
    throw new DatasetError(`penguins: unexpected columns in penguins.csv: ${header.join(',')}`);
  const seen = new Map<string, number>();
  const rows = records.slice(1).map((r, id) => {
    const na = (v: string | undefined) => (v === undefined || v === 'NA' ? '' : v);
    const species = r[0]!;
    const j = seen.get(species) ?? 0;
    seen.set(species, j + 1);
    return [id, ...r.slice(1, 8).map(na), species, splitByRank(j)];
  });
  await writeFile(path.join(outDir, 'manifest.csv'), csvDocument(COLUMNS, rows));
}

export const penguins: DatasetEntry = {
  name: 'penguins',
  title: 'Palmer Archipelago penguins',
  description: 'tabular: bill, flipper and body-mass measurements, island, sex and year of 344 penguins → species',
  modalities: ['numeric', 'categorical'],
  examples: 344,
  classes: 3,
  sizeBytes: 90_000,
  licence: 'CC0 1.0',
  citation:
    'Gorman KB, Williams TD, Fraser WR (2014) Ecological sexual dimorphism and environmental variability within a community of Antarctic penguins (genus Pygoscelis). PLoS ONE 9(3): e90081; Horst AM, Hill AP, Gorman KB (2020) palmerpenguins: Palmer Archipelago (Antarctica) penguin data, R package, doi:10.5281/zenodo.3960218',
  homepage: ['https://github.com/allisonhorst/palmerpenguins'],
  version: COMMIT,
  sources: [
    { url: `https://codeload.github.com/allisonhorst/palmerpenguins/zip/${COMMIT}`, file: `palmerpenguins-${COMMIT}.zip`, kind: 'zip' },
  ],
  dependsOn: [],
  columns: COLUMNS,
  checksums: checksums as ChecksumList,
  prepare,
};

/**
 * Women's E-Commerce Clothing Reviews (text + tabular): the upstream zip kept as it is, and a manifest
 * with line breaks inside the title and review collapsed to one space, and the validation/test rows of
 * Multimodal-Toolkit's `val.csv` / `test.csv` (their row ids are stored with the checksums).
 */
import { copyFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import checksums from './checksums/womens_clothing_reviews.json' with { type: 'json' };
import { csvDocument } from './csv.js';
import { DatasetError } from './errors.js';
import type { ChecksumList, DatasetEntry, PrepareContext } from './types.js';

const COMMIT = '18e084eca89ca3f0fe66ee29933876c2e8b909af';
const ZIP = 'womens_clothing_ecommerce_reviews.csv.zip';
const CSV_IN_ZIP = 'Womens Clothing E-Commerce Reviews.csv';
const COLUMNS = [
  'row_id',
  'clothing_id',
  'age',
  'title',
  'review_text',
  'rating',
  'positive_feedback_count',
  'division_name',
  'department_name',
  'class_name',
  'label',
  'split',
] as const;
const RAW_HEADER =
  ',Clothing ID,Age,Title,Review Text,Rating,Recommended IND,Positive Feedback Count,Division Name,Department Name,Class Name';

/** Row ids of Multimodal-Toolkit's validation and test files. */
const splits = (checksums as unknown as { splits: { validation: number[]; test: number[] } }).splits;

/** Line breaks (with the blanks around them) become one space; the ends are trimmed. */
export const oneLine = (s: string): string => s.replace(/\s*[\r\n]+\s*/g, ' ').trim();

async function prepare({ rawDir, outDir }: PrepareContext): Promise<void> {
  await copyFile(path.join(rawDir, ZIP), path.join(outDir, ZIP));
  // loaded here: the registry stays free of archive readers (it is loaded by every `mmx validate`)
  const { readZipEntry } = await import('./extract.js');
  const text = (await readZipEntry(path.join(outDir, ZIP), CSV_IN_ZIP)).toString('utf8');
  const records = parse(text, { bom: true, relax_column_count: false }) as string[][];
  if (records[0]?.join(',') !== RAW_HEADER) throw new DatasetError(`womens_clothing_reviews: unexpected header in '${CSV_IN_ZIP}'`);
  const validation = new Set(splits.validation.map(String));
  const test = new Set(splits.test.map(String));
  const rows = records.slice(1).map((r) => {
    const [id, clothing, age, title, review, rating, recommended, feedback, division, department, cls] = r as [string, ...string[]];
    const split = test.has(id) ? 'test' : validation.has(id) ? 'validation' : 'train';
    return [id, clothing!, age!, oneLine(title!), oneLine(review!), rating!, feedback!, division!, department!, cls!, recommended!, split];
  });
  await writeFile(path.join(outDir, 'manifest.csv'), csvDocument(COLUMNS, rows));
}

export const womensClothingReviews: DatasetEntry = {
  name: 'womens_clothing_reviews',
  title: "Women's E-Commerce Clothing Reviews",
  description: 'text + tabular: 23,486 reviews (title, text, age, rating, product categories) → recommended or not',
  modalities: ['text', 'numeric', 'categorical'],
  examples: 23486,
  classes: 2,
  sizeBytes: 11_500_000,
  licence: 'CC0 1.0',
  citation:
    "nicapotato, Women's E-Commerce Clothing Reviews, Kaggle 2018 (kaggle.com/datasets/nicapotato/womens-ecommerce-clothing-reviews); splits of K. Gu, A. Budhkar, A Package for Learning on Tabular and Text Data with Transformers, MAI Workshop 2021 (github.com/georgian-io/Multimodal-Toolkit)",
  homepage: ['https://github.com/irmakozveren01/Womens-clothing-text-analysis', 'https://github.com/georgian-io/Multimodal-Toolkit'],
  version: COMMIT,
  sources: [
    {
      url: `https://raw.githubusercontent.com/irmakozveren01/Womens-clothing-text-analysis/${COMMIT}/Womens%20Clothing%20E-Commerce%20Reviews.csv.zip`,
      file: ZIP,
      kind: 'file',
    },
  ],
  dependsOn: [],
  columns: COLUMNS,
  checksums: checksums as ChecksumList,
  prepare,
};

/**
 * SMS Spam Collection v.1: the original UCI file and readme, unchanged, and a manifest with a stratified,
 * duplicate-aware split (the j-th distinct text of each label: j mod 10; copies inherit the split of the
 * first occurrence, so no message is in two splits).
 */
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import checksums from './checksums/sms_spam.json' with { type: 'json' };
import { csvDocument, splitByRank } from './csv.js';
import { DatasetError } from './errors.js';
import { findInRaw } from './files.js';
import type { ChecksumList, DatasetEntry, PrepareContext } from './types.js';

const COMMIT = '3a3f2cb6fb79dedf2b7de64a2ba9f51ad8891a33';
const COLUMNS = ['id', 'text', 'label', 'split'] as const;

async function prepare({ rawDir, outDir }: PrepareContext): Promise<void> {
  await copyFile(await findInRaw(rawDir, 'SMSSpamCollection', 'sms_spam'), path.join(outDir, 'SMSSpamCollection'));
  await copyFile(await findInRaw(rawDir, 'readme', 'sms_spam'), path.join(outDir, 'readme.orig.txt'));
  const lines = (await readFile(path.join(outDir, 'SMSSpamCollection'), 'utf8')).split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const splitOfText = new Map<string, string>();
  const distinct = new Map<string, number>();
  const rows = lines.map((line, id) => {
    const tab = line.indexOf('\t');
    if (tab < 0) throw new DatasetError(`sms_spam: line ${id + 1} of SMSSpamCollection has no tab`);
    const label = line.slice(0, tab);
    const text = line.slice(tab + 1);
    let split = splitOfText.get(text);
    if (split === undefined) {
      const j = distinct.get(label) ?? 0;
      distinct.set(label, j + 1);
      split = splitByRank(j);
      splitOfText.set(text, split);
    }
    return [id, text, label, split];
  });
  await writeFile(path.join(outDir, 'manifest.csv'), csvDocument(COLUMNS, rows));
}

export const smsSpam: DatasetEntry = {
  name: 'sms_spam',
  title: 'SMS Spam Collection v.1',
  description: 'text: 5,574 English SMS messages labelled ham or spam',
  modalities: ['text'],
  examples: 5574,
  classes: 2,
  sizeBytes: 1_000_000,
  licence: 'CC BY 4.0',
  citation:
    'T. A. Almeida, J. M. Gómez Hidalgo, A. Yamakami: Contributions to the Study of SMS Spam Filtering: New Collection and Results, ACM DocEng 2011; UCI Machine Learning Repository, dataset 228, doi:10.24432/C5CC84',
  homepage: ['https://github.com/pratik-kale20/dataset', 'https://archive.ics.uci.edu/dataset/228'],
  version: COMMIT,
  sources: [
    {
      url: `https://raw.githubusercontent.com/pratik-kale20/dataset/${COMMIT}/smsspamcollection.zip`,
      file: 'smsspamcollection.zip',
      kind: 'zip',
    },
  ],
  dependsOn: [],
  columns: COLUMNS,
  checksums: checksums as ChecksumList,
  prepare,
};

/**
 * Pretrained word vectors from a text file on disk: GloVe (`word v1 v2 ... vd` per line) or word2vec's text
 * format (the same, after a first line `count dim`). Only the vocabulary's words are kept; a word missing from
 * the file gets a random vector with the file vectors' spread (seeded), PAD gets zeros.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { DataError } from '../errors.js';
import { rng } from '../../core/random.js';

export interface LoadedVectors {
  dim: number;
  /** vocabulary.length × dim, row-major */
  values: Float32Array;
  /** vocabulary words found in the file (exactly, or lower-cased) */
  found: number;
}

/**
 * Embedding matrix for `vocabulary` (id order; id 0 = PAD → zeros) from the vectors file. Words are matched
 * exactly first, then lower-cased.
 * @throws DataError for a missing file, a binary file or a line of the wrong length (naming the line).
 */
export async function loadWordVectors(file: string, vocabulary: readonly string[], seed: number, padId = 0): Promise<LoadedVectors> {
  if (!existsSync(file) || statSync(file).isDirectory())
    throw new DataError(
      'word vectors file not found',
      { file },
      'a GloVe or word2vec text file; relative paths resolve from the config file',
    );
  // case-insensitive candidates; an exact match wins over a case-folded one
  const wanted = new Map<string, number[]>();
  vocabulary.forEach((w, id) => {
    if (id === padId) return;
    const key = w.toLowerCase();
    const list = wanted.get(key);
    if (list) list.push(id);
    else wanted.set(key, [id]);
  });
  const exact = new Set<number>();
  let dim = 0;
  let values = new Float32Array(0);
  const filled = new Uint8Array(vocabulary.length);
  let lineNo = 0;
  let sum = 0;
  let sq = 0;
  let count = 0;
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const raw of lines) {
    lineNo += 1;
    const line = raw.trimEnd();
    if (line === '') continue;
    const parts = line.split(' ');
    if (lineNo === 1 && parts.length === 2 && /^\d+$/.test(parts[0]!) && /^\d+$/.test(parts[1]!)) continue; // word2vec header
    if (dim === 0) {
      dim = parts.length - 1;
      if (dim < 1 || line.includes('\u0000'))
        throw new DataError('not a word vectors text file (GloVe or word2vec text format)', { file, line: lineNo });
      values = new Float32Array(vocabulary.length * dim);
    }
    if (parts.length - 1 !== dim)
      throw new DataError(`has ${parts.length - 1} values, the first vector has ${dim}`, { file, line: lineNo });
    const word = parts[0]!;
    const ids = wanted.get(word.toLowerCase());
    if (!ids) continue;
    for (const id of ids) {
      const isExact = vocabulary[id] === word;
      if (filled[id] && (exact.has(id) || !isExact)) continue;
      for (let j = 0; j < dim; j++) {
        const v = Number(parts[j + 1]);
        if (!Number.isFinite(v)) throw new DataError(`'${parts[j + 1]}' is not a number`, { file, line: lineNo });
        values[id * dim + j] = v;
        if (!filled[id]) {
          sum += v;
          sq += v * v;
        }
      }
      if (!filled[id]) count += dim;
      filled[id] = 1;
      if (isExact) exact.add(id);
    }
  }
  if (dim === 0) throw new DataError('the word vectors file is empty', { file });
  const mean = count ? sum / count : 0;
  const std = count ? Math.sqrt(Math.max(sq / count - mean * mean, 0)) : 0.05;
  const half = Math.sqrt(3) * (std || 0.05);
  const random = rng(seed);
  let found = 0;
  for (let id = 0; id < vocabulary.length; id++) {
    if (id === padId) continue;
    if (filled[id]) {
      found += 1;
      continue;
    }
    for (let j = 0; j < dim; j++) values[id * dim + j] = (random() * 2 - 1) * half;
  }
  return { dim, values, found };
}

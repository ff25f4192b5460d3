/**
 * Free Spoken Digit Dataset: 3,000 recordings of the digits 0–9 by six speakers, 8 kHz mono 16-bit WAV.
 * Prepared layout (as in the shared copy): `recordings/*.wav` unchanged, `speakers.csv`, `manifest.csv`.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import checksums from './checksums/fsdd.json' with { type: 'json' };
import { csvDocument } from './csv.js';
import { DatasetError } from './errors.js';
import { findInRaw } from './files.js';
import type { ChecksumList, DatasetEntry, PrepareContext } from './types.js';

const COMMIT = '26eb9aaf76e81b692f806f9140c2d2777410d7a1';

/** From upstream `metadata.py` (speaker, gender, accent, language). */
export const FSDD_SPEAKERS: readonly (readonly [string, string, string, string])[] = [
  ['george', 'male', 'GRC/Greek', 'english'],
  ['jackson', 'male', 'USA/neutral', 'english'],
  ['lucas', 'male', 'DEU/German', 'english'],
  ['nicolas', 'male', 'BEL/French', 'english'],
  ['theo', 'male', 'USA/neutral', 'english'],
  ['yweweler', 'male', 'DEU/German', 'english'],
];

const COLUMNS = [
  'audio_path',
  'label',
  'speaker',
  'recording_index',
  'gender',
  'accent',
  'sample_rate',
  'num_samples',
  'duration_s',
  'split',
] as const;

/** Sample rate and sample count of a PCM WAV file, from its RIFF chunks. */
export function wavInfo(bytes: Buffer, name: string): { sampleRate: number; channels: number; bits: number; samples: number } {
  if (bytes.length < 12 || bytes.toString('latin1', 0, 4) !== 'RIFF' || bytes.toString('latin1', 8, 12) !== 'WAVE') {
    throw new DatasetError(`fsdd: ${name} is not a RIFF/WAVE file`);
  }
  let fmt: { channels: number; sampleRate: number; bits: number } | undefined;
  let off = 12;
  while (off + 8 <= bytes.length) {
    const id = bytes.toString('latin1', off, off + 4);
    const size = bytes.readUInt32LE(off + 4);
    if (id === 'fmt ')
      fmt = { channels: bytes.readUInt16LE(off + 10), sampleRate: bytes.readUInt32LE(off + 12), bits: bytes.readUInt16LE(off + 22) };
    if (id === 'data') {
      if (!fmt) break;
      const frame = fmt.channels * (fmt.bits / 8);
      return { ...fmt, samples: Math.floor(Math.min(size, bytes.length - off - 8) / frame) };
    }
    off += 8 + size + (size & 1);
  }
  throw new DatasetError(`fsdd: ${name} has no fmt/data chunk`);
}

async function prepare({ rawDir, outDir, onProgress }: PrepareContext): Promise<void> {
  const recordingsSrc = path.dirname(await findInRaw(rawDir, 'recordings/0_george_0.wav', 'fsdd'));
  const names = (await readdir(recordingsSrc)).filter((n) => /^\d_[a-z]+_\d+\.wav$/.test(n));
  const speakers = new Map(FSDD_SPEAKERS.map((s) => [s[0], s]));
  await mkdir(path.join(outDir, 'recordings'), { recursive: true });
  const rows: { label: number; speaker: string; index: number; fields: (string | number)[] }[] = [];
  let done = 0;
  for (const name of names) {
    const [label, speaker, index] = name.slice(0, -4).split('_') as [string, string, string];
    const bytes = await readFile(path.join(recordingsSrc, name));
    await writeFile(path.join(outDir, 'recordings', name), bytes);
    const info = wavInfo(bytes, name);
    const meta = speakers.get(speaker);
    if (!meta) throw new DatasetError(`fsdd: recording of an unknown speaker '${speaker}' (${name})`);
    const idx = Number(index);
    const split = idx <= 4 ? 'test' : idx <= 9 ? 'validation' : 'train';
    rows.push({
      label: Number(label),
      speaker,
      index: idx,
      fields: [
        `recordings/${name}`,
        Number(label),
        speaker,
        idx,
        meta[1],
        meta[2],
        info.sampleRate,
        info.samples,
        (info.samples / info.sampleRate).toFixed(4),
        split,
      ],
    });
    onProgress?.(++done, names.length);
  }
  rows.sort((a, b) => a.label - b.label || (a.speaker < b.speaker ? -1 : a.speaker > b.speaker ? 1 : 0) || a.index - b.index);
  await writeFile(path.join(outDir, 'speakers.csv'), csvDocument(['speaker', 'gender', 'accent', 'language'], FSDD_SPEAKERS));
  await writeFile(
    path.join(outDir, 'manifest.csv'),
    csvDocument(
      COLUMNS,
      rows.map((r) => r.fields),
    ),
  );
}

export const fsdd: DatasetEntry = {
  name: 'fsdd',
  title: 'Free Spoken Digit Dataset (FSDD)',
  description: 'spoken digits 0–9, six speakers, 8 kHz mono WAV (audio classification)',
  modalities: ['audio'],
  examples: 3000,
  classes: 10,
  sizeBytes: 21_000_000,
  licence: 'CC BY-SA 4.0',
  citation:
    'Zohar Jackson (Jakobovski) and contributors, Free Spoken Digit Dataset (FSDD) v1.0.10, https://github.com/Jakobovski/free-spoken-digit-dataset; archived on Zenodo: https://zenodo.org/badge/latestdoi/61622039',
  homepage: ['https://github.com/Jakobovski/free-spoken-digit-dataset'],
  version: COMMIT,
  sources: [
    {
      url: `https://codeload.github.com/Jakobovski/free-spoken-digit-dataset/tar.gz/${COMMIT}`,
      file: `free-spoken-digit-dataset-${COMMIT}.tar.gz`,
      kind: 'tar.gz',
    },
  ],
  dependsOn: [],
  columns: COLUMNS,
  checksums: checksums as ChecksumList,
  prepare,
};

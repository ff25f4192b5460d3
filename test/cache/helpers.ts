import path from 'node:path';
import type { SplitData } from '../../src/data/dataset.js';
import { tempDir } from '../helpers/tmp.js';

export const tmp = (prefix = 'mmx-cache-'): string => tempDir(prefix);

/** An AV-MNIST config (image + audio, optionally a text input) over `manifest`. */
export function avmnistYaml(manifest: string, o: { nMels?: number; height?: number; extra?: string; stream?: string } = {}): string {
  return `
name: cache-test
seed: 7
data: {path: ${JSON.stringify(manifest)}, split: {column: split}}
target: {column: label, task: classification}
inputs:
  image:
    type: image
    column: image_path
    preprocessing: {height: ${o.height ?? 28}, width: 28, channels: 1}
  speech:
    type: audio
    column: audio_path
    preprocessing: {sample_rate: 8000, features: log_mel, n_mels: ${o.nMels ?? 40}, window_ms: 25, hop_ms: 10, max_duration_s: 1.0}
${o.extra ?? ''}
training: {epochs: 1, batch_size: 32}
runtime: {backend: cpu${o.stream ? `, stream: ${o.stream}` : ''}}
`;
}

/** Byte-for-byte equality of every feature array of two splits. */
export function sameFeatures(a: SplitData, b: SplitData): boolean {
  const keys = Object.keys(a.features);
  if (keys.join() !== Object.keys(b.features).join()) return false;
  return keys.every((k) => {
    const x = a.features[k]!;
    const y = b.features[k]!;
    return Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength));
  });
}

import { DecodeError } from '../decode-error.js';
import { readMediaFile } from '../files/media-file.js';
import { fitFrames, framesForDuration, logMelSpectrogram, stftParams } from './mel.js';
import { resample } from './resample.js';
import { decodeWav, toMono, type DecodedAudio } from './wav.js';

export interface AudioFeatureOptions {
  /** the rate every clip is resampled to before analysis */
  sampleRate: number;
  nMels: number;
  windowMs: number;
  hopMs: number;
  /** clips are cut to this length, shorter ones padded (with silence) */
  maxDurationS: number;
  /** FFT size; default: smallest power of two ≥ the window */
  nFft?: number;
  fMin?: number;
  fMax?: number;
  /** largest file read, in bytes (default: `data.max_file_mb.audio`'s default) */
  maxBytes?: number;
}

/**
 * The fixed per-example feature shape [frames, nMels] that {@link loadAudioFeatures} produces:
 * frames = 1 + floor(round(maxDurationS · sampleRate) / hop) — 101 x 40 for 1.0 s at 8 kHz, 10 ms hop.
 */
export function audioFeatureShape(o: AudioFeatureOptions): [number, number] {
  return [framesForDuration(o.maxDurationS, o), o.nMels];
}

/**
 * Read a WAV file and turn it into a fixed-size log-mel feature matrix:
 * decode → mix to mono → resample to `sampleRate` → log-mel (see mel.ts) → cut/pad to
 * {@link audioFeatureShape} frames. Returns frames x nMels values, row-major. Not normalised.
 *
 * @throws DecodeError "cannot decode audio: <reason>" for a missing, unreadable, non-WAV, corrupt or
 *   empty file.
 */
export async function loadAudioFeatures(file: string, o: AudioFeatureOptions): Promise<Float32Array> {
  const bytes = await readMediaFile(file, 'audio', o.maxBytes);
  return audioFeatures(decodeWav(bytes, file), o, file);
}

/**
 * The features of audio already decoded; same pipeline and output as {@link loadAudioFeatures}.
 * `file` only labels errors.
 */
export function audioFeatures(audio: DecodedAudio, o: AudioFeatureOptions, file = ''): Float32Array {
  const mono = toMono(audio.channels);
  if (mono.length === 0) throw new DecodeError('cannot decode audio: the file holds no samples', file);
  const frames = framesForDuration(o.maxDurationS, o);
  const { nFft } = stftParams(o);
  // Samples that the first `frames` centred frames can reach; anything later is never looked at, so
  // it is not resampled. (The frames kept are identical to those of the whole clip.)
  const needed = Math.round(o.maxDurationS * o.sampleRate) + Math.floor(nFft / 2);
  const signal = resample(mono, audio.sampleRate, o.sampleRate, needed);
  return fitFrames(logMelSpectrogram(signal, o), frames).data;
}

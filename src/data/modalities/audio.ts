/** The `audio` modality: WAV files → mono → resampled → log-mel spectrogram (or MFCCs) of fixed length. */
import { Type } from '@sinclair/typebox';
import path from 'node:path';
import { Closed, Default, Enum } from '../../config/schema-kit.js';
import { isSpecAugmentActive, specAugmenter, type SpecAugmentation } from '../augment/spec-augment.js';
import { framesForDuration } from '../audio/mel.js';
import { maxFileBytes } from '../files/media-file.js';
import { defineModality, missingOption, type FeatureLoader } from './modality.js';

export const audioPreprocessing = Closed(
  {
    sample_rate: Default(Type.Integer({ minimum: 1000, maximum: 192000, description: 'audio is resampled to this rate (Hz)' }), 16000),
    features: Default(
      Enum(['log_mel', 'mfcc'], { description: 'log_mel: log-mel spectrogram; mfcc: its DCT-II (ortho), the first n_mfcc coefficients' }),
      'log_mel',
    ),
    n_mels: Default(Type.Integer({ minimum: 1, maximum: 512, description: 'number of mel bands' }), 40),
    n_mfcc: Default(Type.Integer({ minimum: 1, maximum: 512, description: 'with features: mfcc, coefficients kept (at most n_mels)' }), 13),
    window_ms: Default(Type.Number({ exclusiveMinimum: 0, maximum: 1000, description: 'analysis window length in milliseconds' }), 25),
    hop_ms: Default(Type.Number({ exclusiveMinimum: 0, maximum: 1000, description: 'hop between frames in milliseconds' }), 10),
    max_duration_s: Default(
      Type.Number({ exclusiveMinimum: 0, maximum: 600, description: 'clips are padded or cut to this duration (seconds)' }),
      1.0,
    ),
    f_min: Default(Type.Number({ minimum: 0, description: 'lowest mel filter frequency (Hz)' }), 0),
    f_max: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'highest mel filter frequency (Hz); default sample_rate / 2' })),
    normalize: Default(
      Enum(['auto', 'global', 'per_band', 'none'], {
        description:
          'standardise with training statistics over all values (global) or per mel band / coefficient (per_band); auto: global for log_mel, per_band for mfcc',
      }),
      'auto',
    ),
    missing: missingOption('error'),
  },
  { description: 'how audio is decoded and turned into features' },
);

const SpecAugment = Closed(
  {
    time_masks: Default(Type.Integer({ minimum: 0, maximum: 100, description: 'number of time masks per example' }), 2),
    max_time_width: Default(Type.Integer({ minimum: 0, description: 'widest time mask, in frames' }), 10),
    freq_masks: Default(Type.Integer({ minimum: 0, maximum: 100, description: 'number of frequency masks per example' }), 2),
    max_freq_width: Default(Type.Integer({ minimum: 0, description: 'widest frequency mask, in mel bands / coefficients' }), 5),
  },
  { description: 'SpecAugment-style time and frequency masking of the training batches (never validation or test)' },
);

const inputProperties = { augmentation: Type.Optional(SpecAugment) };

export const audioModality = defineModality<typeof audioPreprocessing, 'audio', typeof inputProperties>({
  type: 'audio',
  description: 'A WAV file per row (8/16/24/32-bit PCM or float, mono or stereo).',
  preprocessing: audioPreprocessing,
  inputProperties,
  defaultEncoder: 'cnn1d',
  check: ({ preprocessing: p }) =>
    p.features === 'mfcc' && p.n_mfcc > p.n_mels
      ? [{ path: ['preprocessing', 'n_mfcc'], message: `n_mfcc (${p.n_mfcc}) cannot exceed n_mels (${p.n_mels})` }]
      : [],
  augmenter: (input, shape) => {
    const a = input.augmentation as SpecAugmentation | undefined;
    return a && isSpecAugmentActive(a) ? specAugmenter(a, shape) : undefined;
  },
  files: 'audio',
  featureShape: (p) => [
    framesForDuration(p.max_duration_s, { sampleRate: p.sample_rate, windowMs: p.window_ms, hopMs: p.hop_ms }),
    p.features === 'mfcc' ? p.n_mfcc : p.n_mels,
  ],
  createLoader: async (p, _input, context = {}) => {
    const { audioFeatureShape, audioFeatures, loadAudioFeatures } = await import('../audio/features.js');
    const { decodeWav } = await import('../audio/wav.js');
    const readMedia = context.readMedia;
    const { mfccFromLogMel } = await import('../audio/mfcc.js');
    const options = {
      sampleRate: p.sample_rate,
      nMels: p.n_mels,
      windowMs: p.window_ms,
      hopMs: p.hop_ms,
      maxDurationS: p.max_duration_s,
      fMin: p.f_min,
      ...(p.f_max !== undefined ? { fMax: p.f_max } : {}),
      ...(context.maxFileBytes !== undefined ? { maxBytes: context.maxFileBytes } : {}),
    };
    const [frames, nMels] = audioFeatureShape(options);
    const mfcc = p.features === 'mfcc';
    const normalize = p.normalize === 'auto' ? (mfcc ? 'per_band' : 'global') : p.normalize;
    const loader: FeatureLoader<Float32Array, undefined> = {
      missing: p.missing,
      shape: () => audioModality.featureShape(p, {}),
      normalization: normalize === 'global' ? 'standardize' : normalize === 'per_band' ? 'standardize_channels' : 'none',
      read: async (cells, baseDir) => {
        let logMel: Float32Array;
        if (!readMedia) logMel = await loadAudioFeatures(path.resolve(baseDir, cells[0]!), options);
        else {
          const { bytes, name } = await readMedia(cells[0]!, baseDir, 'audio', options.maxBytes ?? maxFileBytes(undefined, 'audio'));
          logMel = audioFeatures(decodeWav(bytes, name), options, name);
        }
        return mfcc ? mfccFromLogMel(logMel, frames, nMels, p.n_mfcc) : logMel;
      },
    };
    return loader;
  },
});

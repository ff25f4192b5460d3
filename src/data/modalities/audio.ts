/** The `audio` modality: WAV files → mono → resampled → log-mel spectrogram of fixed length. */
import { Type } from '@sinclair/typebox';
import path from 'node:path';
import { Closed, Default, Enum } from '../../config/schema-kit.js';
import { defineModality } from './modality.js';

export const audioPreprocessing = Closed(
  {
    sample_rate: Default(Type.Integer({ minimum: 1000, maximum: 192000, description: 'audio is resampled to this rate (Hz)' }), 16000),
    features: Default(Enum(['log_mel'], { description: 'feature type' }), 'log_mel'),
    n_mels: Default(Type.Integer({ minimum: 1, maximum: 512, description: 'number of mel bands' }), 40),
    window_ms: Default(Type.Number({ exclusiveMinimum: 0, maximum: 1000, description: 'analysis window length in milliseconds' }), 25),
    hop_ms: Default(Type.Number({ exclusiveMinimum: 0, maximum: 1000, description: 'hop between frames in milliseconds' }), 10),
    max_duration_s: Default(
      Type.Number({ exclusiveMinimum: 0, maximum: 600, description: 'clips are padded or cut to this duration (seconds)' }),
      1.0,
    ),
    f_min: Default(Type.Number({ minimum: 0, description: 'lowest mel filter frequency (Hz)' }), 0),
    f_max: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'highest mel filter frequency (Hz); default sample_rate / 2' })),
  },
  { description: 'how audio is decoded and turned into features' },
);

export const audioModality = defineModality<typeof audioPreprocessing, 'audio'>({
  type: 'audio',
  description: 'A WAV file per row (8/16/24/32-bit PCM or float, mono or stereo).',
  preprocessing: audioPreprocessing,
  defaultEncoder: 'cnn1d',
  createLoader: async (p) => {
    const { audioFeatureShape, loadAudioFeatures } = await import('../audio/features.js');
    const options = {
      sampleRate: p.sample_rate,
      nMels: p.n_mels,
      windowMs: p.window_ms,
      hopMs: p.hop_ms,
      maxDurationS: p.max_duration_s,
      fMin: p.f_min,
      ...(p.f_max !== undefined ? { fMax: p.f_max } : {}),
    };
    return {
      shape: audioFeatureShape(options),
      normalization: 'standardize',
      load: (cell, baseDir) => loadAudioFeatures(path.resolve(baseDir, cell), options),
    };
  },
});

/**
 * `runtime.cache` / `runtime.stream` / `runtime.memory_budget_mb`: the feature cache and the switch between
 * training from memory and streaming from the cache. Spread into the config's `Runtime` object.
 */
import { Type } from '@sinclair/typebox';
import { Default, Enum } from '../../config/schema-kit.js';

export const streamModes = ['auto', 'always', 'never'] as const;
export type StreamMode = (typeof streamModes)[number];

export const cacheRuntimeOptions = {
  cache: Default(
    Type.Boolean({
      description:
        'keep decoded features (images, spectrograms) on disk, keyed by the data files and the preprocessing, so later runs and sweep trials skip decoding ($MMX_CACHE_DIR, else $XDG_CACHE_HOME/mmx, else ~/.cache/mmx); false (or --no-cache) neither reads nor writes it',
    }),
    true,
  ),
  stream: Default(
    Enum(streamModes, {
      description:
        'train from the cache in chunks instead of from memory: always, never, or auto (when the decoded features exceed memory_budget_mb); needs cache: true',
    }),
    'auto',
  ),
  memory_budget_mb: Default(
    Type.Number({
      exclusiveMinimum: 0,
      description: 'stream: auto streams when the decoded features of the used rows exceed this many MiB',
    }),
    2048,
  ),
};

/** `stream: always` reads the features from the cache, so it cannot go with the cache off (config check and data guard). */
export function streamWithoutCache(stream: StreamMode | undefined, cache: boolean): { message: string; hint: string } | undefined {
  if (stream !== 'always' || cache) return undefined;
  return {
    message: 'streaming reads the features from the feature cache, which is off (runtime.cache: false or --no-cache)',
    hint: 'turn the cache on, or set runtime.stream: auto or never',
  };
}

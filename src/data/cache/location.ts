/** Where the feature cache lives: $MMX_CACHE_DIR, else $XDG_CACHE_HOME/mmx, else ~/.cache/mmx; entries under `features/`. */
import os from 'node:os';
import path from 'node:path';

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MMX_CACHE_DIR) return path.resolve(env.MMX_CACHE_DIR);
  if (env.XDG_CACHE_HOME) return path.join(path.resolve(env.XDG_CACHE_HOME), 'mmx');
  return path.join(os.homedir(), '.cache', 'mmx');
}

/** The folder of feature cache entries (data sets downloaded by `mmx datasets` live beside it, untouched). */
export const featureCacheDir = (env: NodeJS.ProcessEnv = process.env): string => path.join(cacheRoot(env), 'features');

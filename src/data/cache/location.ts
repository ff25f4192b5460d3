/**
 * Where the feature cache lives: $MMX_CACHE_DIR, else $XDG_CACHE_HOME/mmx, else ~/.cache/mmx; entries under
 * `features/`. MMX_CACHE_DIR is absolute (the CLI makes it so); a relative XDG_CACHE_HOME is ignored, as the XDG
 * base directory specification says.
 */
import os from 'node:os';
import path from 'node:path';
import { folderFromEnv } from '../../env-folders.js';

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const own = folderFromEnv(env, 'MMX_CACHE_DIR');
  if (own) return own;
  if (env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME)) return path.join(env.XDG_CACHE_HOME, 'mmx');
  return path.join(os.homedir(), '.cache', 'mmx');
}

/** The folder of feature cache entries (data sets downloaded by `mmx datasets` live beside it, untouched). */
export const featureCacheDir = (env: NodeJS.ProcessEnv = process.env): string => path.join(cacheRoot(env), 'features');

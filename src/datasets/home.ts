/** Where prepared data sets live: `MMX_DATA_HOME`, else `$XDG_CACHE_HOME/mmx/datasets`, else `~/.cache/mmx/datasets`. */
import os from 'node:os';
import path from 'node:path';

/** `base`: the folder a relative MMX_DATA_HOME resolves against (the CLI makes it absolute at start). */
export function defaultDataHome(env: NodeJS.ProcessEnv, base: string): string {
  if (env.MMX_DATA_HOME) return path.resolve(base, env.MMX_DATA_HOME);
  const cache = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(cache, 'mmx', 'datasets');
}

/** Downloads in progress (`*.part`) wait here between attempts, so a later `get` resumes them. */
export const DOWNLOADS_DIR = '.downloads';

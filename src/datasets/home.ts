/** Where prepared data sets live: `MMX_DATA_HOME`, else `$XDG_CACHE_HOME/mmx/datasets`, else `~/.cache/mmx/datasets`. */
import os from 'node:os';
import path from 'node:path';

export function defaultDataHome(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  if (env.MMX_DATA_HOME) return path.resolve(cwd, env.MMX_DATA_HOME);
  const cache = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(cache, 'mmx', 'datasets');
}

/** Downloads in progress (`*.part`) wait here between attempts, so a later `get` resumes them. */
export const DOWNLOADS_DIR = '.downloads';

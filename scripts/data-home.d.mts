/** Types of scripts/data-home.mjs (plain JavaScript so that `.ci/run` can run it before `npm ci`). */
export function findDataHome(
  checkout: string,
  options?: { env?: NodeJS.ProcessEnv; cwd?: string },
): { dir: string; how: string } | undefined;
export function missingDataMessage(checkout: string): string;

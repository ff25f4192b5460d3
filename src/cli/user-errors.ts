/**
 * The edge where errors become text: user errors (bad config, bad data, unavailable backend, bad tracking
 * URI) print one clear message and exit 2, never a stack trace; anything else is a failed run (exit 1),
 * with the stack only when MMX_DEBUG is set.
 */
import { BackendUnavailableError } from '../backend/select.js';
import { ConfigError } from '../config/issues.js';
import { DataError } from '../data/errors.js';
import { TrackingError } from '../tracking/errors.js';
import { BackendKernelError } from '../train/preflight.js';
import { UsageError } from '../errors.js';
import { DatasetError } from '../datasets/errors.js';
import { scrubSecrets } from '../config/secrets.js';

import { EXIT_RUN_FAILED, EXIT_USAGE } from './exit-codes.js';

export { EXIT_INTERRUPTED, EXIT_OK, EXIT_RUN_FAILED, EXIT_USAGE } from './exit-codes.js';

export { UsageError };

export function isUserError(err: unknown): boolean {
  return (
    err instanceof ConfigError ||
    err instanceof DataError ||
    err instanceof BackendUnavailableError ||
    err instanceof TrackingError ||
    err instanceof BackendKernelError ||
    err instanceof UsageError ||
    err instanceof DatasetError
  );
}

/**
 * One message for a person, without a stack trace. File paths in it are shown relative to `relativeTo`: the
 * CLI passes its working directory (the folder the person typed the command in); errors hold absolute paths.
 */
export function describeError(err: unknown, relativeTo?: string): string {
  if (err instanceof ConfigError) return `invalid config:\n${err.format(relativeTo).replace(/^/gm, '  ')}`;
  if (err instanceof DataError) return `data error: ${err.describe(relativeTo)}`;
  if (err instanceof Error) return `error: ${err.message}`;
  return `error: ${String(err)}`;
}

/**
 * Prints the error and returns the exit code for it. `cwd`: the folder paths are shown relative to — the
 * process's working directory, a deliberate choice at this edge (the person reads paths from where they typed).
 */
export function reportError(
  err: unknown,
  stderr: NodeJS.WritableStream,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): number {
  // a secret the config held (a URL's password, a credential ${VAR}) is never printed (src/config/secrets.ts)
  stderr.write(scrubSecrets(describeError(err, cwd)) + '\n');
  if (!isUserError(err) && env.MMX_DEBUG && err instanceof Error && err.stack) stderr.write(scrubSecrets(err.stack) + '\n');
  return isUserError(err) ? EXIT_USAGE : EXIT_RUN_FAILED;
}

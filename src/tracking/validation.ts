/**
 * Input validation with MLflow's own rules (mlflow/utils/validation.py, MLflow 2.x), so a name
 * the file store accepts is one every MLflow store and reader accepts too.
 */
import { TrackingError } from './errors.js';

/** MLflow: `^[/\w.\- ]*$`. Python's `\w` on str is Unicode-aware: letters, digits (any script), `_`. */
const VALID_KEY = /^[/\p{L}\p{N}_.\- ]*$/u;
/** MLflow `_RUN_ID_REGEX` */
const RUN_ID = /^[a-zA-Z0-9][\w-]{0,255}$/;
/** MLflow `_EXPERIMENT_ID_REGEX` */
const EXPERIMENT_ID = /^[a-zA-Z0-9][\w-]{0,63}$/;

export const MAX_ENTITY_KEY_LENGTH = 250;
export const MAX_PARAM_VALUE_LENGTH = 6000;
export const MAX_TAG_VALUE_LENGTH = 5000;
export const MAX_EXPERIMENT_NAME_LENGTH = 500;

/** Python's `posixpath.normpath` (which, unlike Node's, drops a trailing slash). */
export function pyNormpath(p: string): string {
  if (p === '') return '.';
  let initialSlashes = p.startsWith('/') ? 1 : 0;
  if (p.startsWith('//') && !p.startsWith('///')) initialSlashes = 2;
  const out: string[] = [];
  for (const comp of p.split('/')) {
    if (comp === '' || comp === '.') continue;
    if (comp !== '..' || (initialSlashes === 0 && out.length === 0) || (out.length > 0 && out[out.length - 1] === '..')) {
      out.push(comp);
    } else if (out.length > 0) {
      out.pop();
    }
  }
  const joined = '/'.repeat(initialSlashes) + out.join('/');
  return joined === '' ? '.' : joined;
}

export type KeyKind = 'metric' | 'param' | 'tag';

const KIND_LABEL: Record<KeyKind, string> = { metric: 'metric name', param: 'parameter name', tag: 'tag name' };

/** Python's `len(str)`: code points, not UTF-16 units. */
export function pyLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * A metric, param or tag key. Keys become file paths under the run (`/` makes sub-folders), so
 * they must not resolve to another name: MLflow rejects any key whose posix-normalised form
 * differs from it, is `.`, or starts with `..` or `/`.
 */
export function validateKey(kind: KeyKind, key: unknown): asserts key is string {
  const label = KIND_LABEL[kind];
  if (typeof key !== 'string') {
    throw new TrackingError(`Invalid ${label}: expected a string, got ${typeof key}.`, 'INVALID_PARAMETER_VALUE');
  }
  if (!VALID_KEY.test(key)) {
    throw new TrackingError(
      `Invalid ${label}: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), ` +
        'periods (.), spaces ( ), and slashes (/).',
      'INVALID_PARAMETER_VALUE',
    );
  }
  const norm = pyNormpath(key);
  if (norm !== key || norm === '.' || norm.startsWith('..') || norm.startsWith('/')) {
    throw new TrackingError(
      `Invalid ${label}: '${key}'. Names are stored as files and must not resolve to another name ` +
        `(this one resolves to '${norm}'): no empty name, leading '/', trailing '/', '//', './' or '..'.`,
      'INVALID_PARAMETER_VALUE',
    );
  }
  if (pyLength(key) > MAX_ENTITY_KEY_LENGTH) {
    throw new TrackingError(
      `Invalid ${label}: '${key.slice(0, 60)}...' is ${pyLength(key)} characters long; ` + `the limit is ${MAX_ENTITY_KEY_LENGTH}.`,
      'INVALID_PARAMETER_VALUE',
    );
  }
}

export function validateValueLength(kind: 'param' | 'tag', key: string, value: unknown): asserts value is string {
  if (typeof value !== 'string') {
    throw new TrackingError(
      `Invalid value for ${kind} '${key}': expected a string, got ${value === null ? 'null' : typeof value}.`,
      'INVALID_PARAMETER_VALUE',
    );
  }
  const limit = kind === 'param' ? MAX_PARAM_VALUE_LENGTH : MAX_TAG_VALUE_LENGTH;
  const len = pyLength(value);
  if (len > limit) {
    throw new TrackingError(
      `Value of ${kind} '${key}' is ${len} characters long; MLflow's limit is ${limit}` +
        (kind === 'param' ? ' (flattenParams truncates long values).' : '.'),
      'INVALID_PARAMETER_VALUE',
    );
  }
}

export function validateRunId(runId: unknown): asserts runId is string {
  if (typeof runId !== 'string' || !RUN_ID.test(runId)) {
    throw new TrackingError(`Invalid run ID: '${String(runId)}'`, 'INVALID_PARAMETER_VALUE');
  }
}

export function validateExperimentId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || !EXPERIMENT_ID.test(id)) {
    throw new TrackingError(`Invalid experiment ID: '${String(id)}'`, 'INVALID_PARAMETER_VALUE');
  }
}

export function validateExperimentName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name === '') {
    throw new TrackingError(`Invalid experiment name: '${String(name)}'. Expects a non-empty string.`, 'INVALID_PARAMETER_VALUE');
  }
  if (pyLength(name) > MAX_EXPERIMENT_NAME_LENGTH) {
    throw new TrackingError(
      `Experiment name exceeds the maximum length of ${MAX_EXPERIMENT_NAME_LENGTH} characters`,
      'INVALID_PARAMETER_VALUE',
    );
  }
}

/** Milliseconds since the epoch, as MLflow stores them: a non-negative 64-bit integer. */
export function validateTimestamp(what: string, t: unknown): asserts t is number {
  if (typeof t !== 'number' || !Number.isSafeInteger(t) || t < 0) {
    throw new TrackingError(
      `Invalid ${what} ${String(t)}: must be a non-negative integer number of milliseconds since the epoch.`,
      'INVALID_PARAMETER_VALUE',
    );
  }
}

export function validateMetric(key: unknown, value: unknown, timestamp: unknown, step: unknown): void {
  validateKey('metric', key);
  if (typeof value !== 'number') {
    throw new TrackingError(
      `Got invalid value ${String(value)} for metric '${key}': it must be a number (NaN and ±Infinity are allowed).`,
      'INVALID_PARAMETER_VALUE',
    );
  }
  validateTimestamp(`timestamp for metric '${key}'`, timestamp);
  if (typeof step !== 'number' || !Number.isSafeInteger(step)) {
    throw new TrackingError(`Got invalid step ${String(step)} for metric '${key}': step must be an integer.`, 'INVALID_PARAMETER_VALUE');
  }
}

/**
 * A path under the run's artifact root: relative, `/`-separated, no `..`, no empty segments.
 * Returns the normalised posix form.
 */
export function validateArtifactPath(relativePath: unknown): string {
  if (typeof relativePath !== 'string' || relativePath.trim() === '') {
    throw new TrackingError(
      `Invalid artifact path '${String(relativePath)}': must be a non-empty relative path.`,
      'INVALID_PARAMETER_VALUE',
    );
  }
  const p = relativePath.replace(/\\/g, '/');
  if (p.startsWith('/') || /^[a-zA-Z]:/.test(p)) {
    throw new TrackingError(
      `Invalid artifact path '${relativePath}': must be relative to the run's artifact root.`,
      'INVALID_PARAMETER_VALUE',
    );
  }
  const parts = p.split('/').filter((s) => s !== '' && s !== '.');
  if (parts.length === 0 || parts.some((s) => s === '..')) {
    throw new TrackingError(`Invalid artifact path '${relativePath}': must not contain '..' or be empty.`, 'INVALID_PARAMETER_VALUE');
  }
  if (parts.some((s) => s.includes('\0'))) {
    throw new TrackingError(`Invalid artifact path '${relativePath}': contains a NUL character.`, 'INVALID_PARAMETER_VALUE');
  }
  return parts.join('/');
}

/**
 * What a run records about itself when it starts: the config flattened into MLflow params, the
 * git commit of the working tree, and MLflow's system tags (the ones MLflow's own context
 * providers set, so the MLflow UI shows source, user and commit for mmx runs too).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { MAX_PARAM_VALUE_LENGTH } from './validation.js';

/** Python's getpass.getuser(): LOGNAME, USER, LNAME, USERNAME, then the password database. */
export function currentUser(): string {
  for (const name of ['LOGNAME', 'USER', 'LNAME', 'USERNAME']) {
    const v = process.env[name];
    if (v) return v;
  }
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** appended to a param value cut to fit MLflow's 6000-character limit */
export const TRUNCATION_MARKER = '...[truncated]';

/** Characters MLflow does not allow in a key become `_` (MLflow: `[/\w.\- ]`). */
function sanitizeKeySegment(k: string): string {
  const s = k.replace(/[^\p{L}\p{N}_.\- ]/gu, '_');
  return s === '' ? '_' : s;
}

/** Cut to at most `limit` UTF-16 units (so at most `limit` code points), never inside a surrogate pair. */
export function truncateParamValue(value: string, limit = MAX_PARAM_VALUE_LENGTH): string {
  if (value.length <= limit) return value;
  let cut = limit - TRUNCATION_MARKER.length;
  const c = value.charCodeAt(cut - 1);
  if (c >= 0xd800 && c <= 0xdbff) cut--;
  return value.slice(0, cut) + TRUNCATION_MARKER;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function jsonSafe(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)) ?? 'null';
}

function scalarToString(v: unknown): string | undefined {
  if (v === undefined || typeof v === 'function' || typeof v === 'symbol') return undefined;
  if (v === null) return 'null';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return jsonSafe(v);
  return jsonSafe(v);
}

/**
 * A nested config as MLflow params: `{training: {optimizer: {learning_rate: 0.001}}}` →
 * `{"training.optimizer.learning_rate": "0.001"}`. Arrays are JSON-encoded (`[32,64]`), an empty
 * object becomes `{}`, null becomes `null`, undefined is left out. Characters MLflow forbids in
 * keys become `_`. Values longer than MLflow's 6000-character limit are cut and end with
 * TRUNCATION_MARKER; `onTruncated` hears of each (the caller warns: a cut param is a changed record).
 */
export function flattenParams(obj: unknown, prefix?: string, onTruncated?: (key: string, length: number) => void): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (value: unknown, key: string | undefined): void => {
    if (isPlainObject(value)) {
      const entries = Object.entries(value);
      if (entries.length === 0) {
        if (key !== undefined) out[key] = '{}';
        return;
      }
      for (const [k, v] of entries) walk(v, key === undefined ? sanitizeKeySegment(k) : `${key}.${sanitizeKeySegment(k)}`);
      return;
    }
    if (key === undefined) {
      throw new TypeError(
        `flattenParams expects an object (or a prefix for a single value), got ${Array.isArray(value) ? 'an array' : typeof value}`,
      );
    }
    const s = scalarToString(value);
    if (s === undefined) return;
    out[key] = truncateParamValue(s);
    if (s.length > MAX_PARAM_VALUE_LENGTH) onTruncated?.(key, s.length);
  };
  walk(obj, prefix === undefined || prefix === '' ? undefined : prefix);
  return out;
}

const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

function readText(p: string): string | undefined {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}

/** the repository's git dir for `start` (walking up), following `.git` files of worktrees/submodules */
function findGitDir(start: string): string | undefined {
  let dir = start;
  for (;;) {
    const dotGit = path.join(dir, '.git');
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(dotGit);
    } catch {
      st = undefined;
    }
    if (st?.isDirectory()) return dotGit;
    if (st?.isFile()) {
      const m = /^gitdir:\s*(.+?)\s*$/m.exec(readText(dotGit) ?? '');
      if (m?.[1]) return path.resolve(dir, m[1]);
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function resolveRef(gitDir: string, ref: string): string | undefined {
  const common = readText(path.join(gitDir, 'commondir'));
  const dirs = [gitDir];
  if (common !== undefined) dirs.push(path.resolve(gitDir, common.trim()));
  for (const d of dirs) {
    const loose = readText(path.join(d, ...ref.split('/')))?.trim();
    if (loose !== undefined && SHA.test(loose)) return loose;
  }
  for (const d of dirs) {
    const packed = readText(path.join(d, 'packed-refs'));
    if (packed === undefined) continue;
    for (const line of packed.split('\n')) {
      const [sha, name] = line.trim().split(' ');
      if (name === ref && sha !== undefined && SHA.test(sha)) return sha;
    }
  }
  return undefined;
}

/**
 * The commit checked out in the repository containing `dir` (a folder or a file), read from
 * `.git` without spawning git; falls back to `git rev-parse HEAD` (2 s timeout) for layouts it
 * cannot read. undefined outside a repository or when HEAD has no commit yet.
 */
export function gitCommit(dir: string, options: { timeoutMs?: number } = {}): string | undefined {
  if (!path.isAbsolute(dir)) return undefined; // callers pass absolute paths; a relative one would depend on the cwd
  let start = dir;
  try {
    if (!fs.statSync(start).isDirectory()) start = path.dirname(start);
  } catch {
    return undefined;
  }
  const gitDir = findGitDir(start);
  if (gitDir === undefined) return undefined;
  const head = readText(path.join(gitDir, 'HEAD'))?.trim();
  if (head !== undefined) {
    if (SHA.test(head)) return head;
    const m = /^ref:\s*(\S+)$/.exec(head);
    if (m?.[1]) {
      const sha = resolveRef(gitDir, m[1]);
      if (sha !== undefined) return sha;
    }
  }
  try {
    const out = execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: start,
      encoding: 'utf8',
      timeout: options.timeoutMs ?? 2000,
      stdio: ['ignore', 'pipe', 'ignore'],
      windowsHide: true,
    }).trim();
    return SHA.test(out) ? out : undefined;
  } catch {
    return undefined;
  }
}

export interface SystemTagOptions {
  runName: string;
  /** what ran: for mmx, the experiment config file (MLflow uses the script path) */
  sourceName?: string;
  gitCommit?: string;
  user?: string;
  /** set for sweep trials: the sweep's parent run */
  parentRunId?: string;
}

/** MLflow's system tags for a locally started run. */
export function systemTags(opts: SystemTagOptions): Record<string, string> {
  const tags: Record<string, string> = {
    'mlflow.runName': opts.runName,
    'mlflow.source.name': opts.sourceName ?? process.argv[1] ?? 'mmx',
    'mlflow.source.type': 'LOCAL',
    'mlflow.user': opts.user ?? currentUser(),
  };
  if (opts.gitCommit) tags['mlflow.source.git.commit'] = opts.gitCommit;
  if (opts.parentRunId) tags['mlflow.parentRunId'] = opts.parentRunId;
  return tags;
}

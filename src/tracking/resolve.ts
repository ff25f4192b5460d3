/**
 * Which tracking store a run logs to. Precedence: the config's `tracking.uri`, then the
 * MLFLOW_TRACKING_URI environment variable, then `./runs` under `cwd`.
 *
 *   ./runs, runs, /abs/path, ~/mlruns   local file store (relative paths resolve against cwd)
 *   file:///abs/path, file:/abs/path    local file store
 *   file:relative/path                  local file store, relative to cwd
 *   http://..., https://...             MLflow tracking server over REST (RestStore); credentials
 *                                       from MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD
 *   anything else (databricks, sqlite, postgresql, ...)   TrackingUriError
 */
import os from 'node:os';
import path from 'node:path';

import { TrackingUriError } from './errors.js';
import { FileStore } from './file-store.js';
import { fileUriToPath } from './file-uri.js';
import { redactUserinfo } from './rest/client.js';
import { RestStore, type RestStoreOptions } from './rest/rest-store.js';
import type { Tracker } from './tracker.js';
import { scrubbingTracker } from './scrub.js';
import { scrubSecrets } from '../config/secrets.js';

export { TrackingUriError } from './errors.js';

export const DEFAULT_TRACKING_DIR = 'runs';

const SUPPORTED_FORMS =
  'a local folder (e.g. ./runs or /abs/path/mlruns), a file: URI (file:///abs/path or file:relative/path) ' +
  'or an MLflow tracking server (http://host:5000 or https://...)';

export interface ResolveTrackerOptions {
  /** the config's `tracking.uri` */
  uri?: string;
  /** environment to read MLFLOW_TRACKING_URI from (default: process.env) */
  env?: NodeJS.ProcessEnv;
  /** folder relative paths resolve against */
  cwd: string;
  /** where a REST store reports warnings (sanitised keys, cut values, spooling); default stderr */
  onWarning?: (message: string) => void;
  /** more REST store settings (spool folder, retries, ...) */
  rest?: Omit<RestStoreOptions, 'env' | 'onWarning'>;
}

export type TrackingTarget = { kind: 'file'; root: string; uri: string } | { kind: 'rest'; url: string; uri: string };

function nonEmpty(s: string | undefined): string | undefined {
  return s !== undefined && s.trim() !== '' ? s.trim() : undefined;
}

function expandHome(p: string): string {
  if (p === '~') return os.homedir();
  if (p.startsWith('~/') || p.startsWith('~\\')) return path.join(os.homedir(), p.slice(2));
  return p;
}

/** Parse a tracking URI into the local folder or the server it names, or throw TrackingUriError. */
export function parseTrackingUri(uri: string, cwd: string): TrackingTarget {
  // MLflow reads these bare words as Databricks stores, not folder names
  if (/^(?:databricks|databricks-uc|uc)$/i.test(uri)) {
    throw new TrackingUriError(uri, `Unsupported tracking URI '${uri}' (Databricks). mmx supports ${SUPPORTED_FORMS}.`);
  }
  // Windows drive paths (C:\x, C:/x) look like a one-letter scheme; they are local paths.
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(uri)?.[1];
  if (scheme === undefined || /^[a-zA-Z]:[\\/]/.test(uri)) {
    return { kind: 'file', root: path.resolve(cwd, expandHome(uri)), uri };
  }
  const lower = scheme.toLowerCase();
  if (lower === 'file') {
    const rest = uri.slice(scheme.length + 1);
    if (rest.startsWith('//')) {
      // file:///abs or file://localhost/abs; another host is not a local folder
      const host = rest.slice(2).split('/')[0] ?? '';
      if (host !== '' && host.toLowerCase() !== 'localhost') {
        throw new TrackingUriError(uri, `Tracking URI '${uri}' names a remote host ('${host}'); use ${SUPPORTED_FORMS}.`);
      }
      let root: string;
      try {
        root = fileUriToPath(uri);
      } catch (e) {
        throw new TrackingUriError(
          uri,
          `Tracking URI '${uri}' is not a valid file: URI (${(e as Error).message}); use ${SUPPORTED_FORMS}.`,
        );
      }
      return { kind: 'file', root, uri };
    }
    if (rest === '') throw new TrackingUriError(uri, `Tracking URI '${uri}' names no folder; use ${SUPPORTED_FORMS}.`);
    // file:/abs or file:relative (MLflow accepts both; relative resolves against cwd)
    let decoded: string;
    try {
      decoded = decodeURIComponent(rest);
    } catch {
      decoded = rest;
    }
    return { kind: 'file', root: path.resolve(cwd, decoded), uri };
  }
  if (lower === 'http' || lower === 'https') {
    const shown = redactUserinfo(uri);
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw new TrackingUriError(shown, `Tracking URI '${shown}' is not a valid URL; use ${SUPPORTED_FORMS}.`);
    }
    if (url.hostname === '') throw new TrackingUriError(shown, `Tracking URI '${shown}' names no host; use ${SUPPORTED_FORMS}.`);
    return { kind: 'rest', url: uri, uri: shown };
  }
  throw new TrackingUriError(
    uri,
    `Unsupported tracking URI '${uri}' (scheme '${scheme}'). mmx supports ${SUPPORTED_FORMS}. ` +
      'Database (sqlite, postgresql, mysql, mssql) and Databricks stores are not supported: run `mlflow server` ' +
      'on them and point mmx at the server.',
  );
}

/** Where a run would log (the folder or the server), without creating anything; `from` says which setting named it. */
export function resolveTrackingTarget(
  opts: Pick<ResolveTrackerOptions, 'uri' | 'env' | 'cwd'>,
): TrackingTarget & { from: 'tracking.uri' | 'MLFLOW_TRACKING_URI' | 'default' } {
  const env = opts.env ?? process.env;
  const fromConfig = nonEmpty(opts.uri);
  const fromEnv = nonEmpty(env.MLFLOW_TRACKING_URI);
  const uri = fromConfig ?? fromEnv ?? DEFAULT_TRACKING_DIR;
  return { ...parseTrackingUri(uri, opts.cwd), from: fromConfig ? 'tracking.uri' : fromEnv ? 'MLFLOW_TRACKING_URI' : 'default' };
}

/**
 * The tracking store for a run: config `tracking.uri`, else $MLFLOW_TRACKING_URI, else ./runs. No I/O happens here.
 * Secrets (src/config/secrets.ts) are masked in every param, tag and text artifact written to it.
 */
export function resolveTracker(opts: ResolveTrackerOptions): Tracker {
  const env = opts.env ?? process.env;
  const target = resolveTrackingTarget(opts);
  const store =
    target.kind === 'rest'
      ? new RestStore(target.url, { ...opts.rest, env, ...(opts.onWarning ? { onWarning: opts.onWarning } : {}) })
      : new FileStore(target.root);
  return scrubbingTracker<Tracker>(store, scrubSecrets);
}

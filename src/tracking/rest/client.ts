/**
 * A small typed HTTP client for an MLflow tracking server.
 *
 * - Base URL: the tracking URI (`http(s)://host[:port][/prefix]`); credentials written into the
 *   URI (`https://user:pass@host`) are taken out of it and used as basic auth.
 * - Auth, as MLflow's own client does it (mlflow/utils/rest_utils.py): MLFLOW_TRACKING_USERNAME
 *   and MLFLOW_TRACKING_PASSWORD → `Authorization: Basic`, else MLFLOW_TRACKING_TOKEN →
 *   `Authorization: Bearer`. MLFLOW_TRACKING_INSECURE_TLS=true skips certificate checks (an
 *   undici dispatcher for this client only; the process's other connections are untouched).
 * - Timeouts, per attempt (src/io/http.ts): connecting (10 s), waiting for the answer once the request is
 *   sent, and between two pieces of the answer (MLFLOW_HTTP_REQUEST_TIMEOUT seconds, default 30). A server
 *   that accepts the connection and never answers costs one timeout, not MLflow's 120 s × 6 attempts.
 * - Retries: connection errors, timeouts and HTTP 408/429/500/502/503/504 are retried with
 *   exponential backoff and jitter (MLFLOW_HTTP_REQUEST_MAX_RETRIES, default 5; a Retry-After
 *   header is honoured up to the maximum delay), but no attempt starts once the request has taken
 *   `maxElapsedMs` (default 60 s), and a request may ask not to retry a timeout (the REST store's
 *   writes: a timed-out write is spooled at once). When they are used up the client throws
 *   `TrackingServerUnavailableError`, which the REST store answers by spooling.
 * - `abortAll` (shutting down) ends every request in flight and fails later ones at once.
 * - Errors: a `{error_code, message}` body becomes `MlflowApiError`, one sentence that names the
 *   server, the endpoint, the HTTP status and MLflow's error code. Secrets (token, password, the
 *   Authorization header) are never part of a message: they are redacted from anything the
 *   server sends back, and the URL shown is the one without credentials.
 * - JSON: MLflow speaks protobuf JSON, so doubles NaN/±Infinity travel as the strings "NaN",
 *   "Infinity", "-Infinity" (what the Python client sends; the server's ParseDict reads them),
 *   and int64 fields (timestamps, steps, sizes) may come back as decimal strings.
 */
import { setTimeout as delay } from 'node:timers/promises';

import { TrackingError, type TrackingErrorCode } from '../errors.js';
import { formatDuration } from '../../format/duration.js';
import { exchange, HttpTimeoutError } from '../../io/http.js';

export interface RetryOptions {
  /** retries after the first attempt (0 = one attempt only) */
  maxRetries: number;
  /** delay before the first retry; doubles each time */
  baseDelayMs: number;
  /** cap on one delay */
  maxDelayMs: number;
  /** no new attempt starts once the request has taken this long (ms) */
  maxElapsedMs?: number;
}

export const DEFAULT_RETRY: RetryOptions = { maxRetries: 5, baseDelayMs: 500, maxDelayMs: 10_000, maxElapsedMs: 60_000 };
/** waiting for an answer, and between two pieces of it (MLFLOW_HTTP_REQUEST_TIMEOUT overrides it) */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** connecting (at most the request timeout) */
export const CONNECT_TIMEOUT_MS = 10_000;
/** HTTP statuses MLflow's client treats as transient (`_TRANSIENT_FAILURE_RESPONSE_CODES`) */
export const RETRY_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

export interface Credentials {
  token?: string;
  username?: string;
  password?: string;
}

export interface RestClientOptions {
  /** the tracking URI: http(s)://host[:port][/prefix] */
  baseUrl: string;
  /** where MLFLOW_TRACKING_* variables are read (default: process.env) */
  env?: NodeJS.ProcessEnv;
  /** explicit credentials (override the environment) */
  credentials?: Credentials;
  /** skip TLS certificate verification (default: MLFLOW_TRACKING_INSECURE_TLS) */
  insecureTls?: boolean;
  retry?: Partial<RetryOptions>;
  /** per-attempt timeout (default: MLFLOW_HTTP_REQUEST_TIMEOUT seconds, else 30 s) */
  timeoutMs?: number;
  /** for tests: how to wait between attempts */
  sleep?: (ms: number) => Promise<void>;
  /** for tests: jitter source in [0, 1) */
  random?: () => number;
  /** the clock for maxElapsedMs (tests) */
  now?: () => number;
}

export interface RequestOptions {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** path below the base URL, starting with `/` (e.g. `/api/2.0/mlflow/runs/get`) */
  path: string;
  query?: Record<string, string | number | boolean | undefined | readonly string[]>;
  /** a JSON body (NaN/±Infinity become protobuf-JSON strings) */
  json?: unknown;
  /** a raw body */
  body?: Uint8Array | string;
  contentType?: string;
  /** override retries for this call (e.g. 0 for a quick probe) */
  retry?: Partial<RetryOptions>;
  /** retry an attempt that timed out (default true; a write that can be spooled says false) */
  retryTimeouts?: boolean;
  timeoutMs?: number;
  /** a short name for messages (default: the path) */
  what?: string;
}

/** Server unreachable (connection refused/reset, timeout, 429/5xx) after every retry. */
export class TrackingServerUnavailableError extends TrackingError {
  readonly status: number | undefined;
  readonly attempts: number;
  /** what failed and how, without the server's address (e.g. `runs/log-batch failed with connection refused, 3 attempts over 1.5 s`) */
  readonly detail: string;

  constructor(message: string, status: number | undefined, attempts: number, detail: string, options?: { cause?: unknown }) {
    super(message, 'INTERNAL_ERROR', options);
    this.name = 'TrackingServerUnavailableError';
    this.status = status;
    this.attempts = attempts;
    this.detail = detail;
  }
}

/** The server answered with an error (`{error_code, message}` or another non-2xx response). */
export class MlflowApiError extends TrackingError {
  readonly status: number;
  /** MLflow's error code string (e.g. RESOURCE_ALREADY_EXISTS), or `HTTP_<status>` */
  readonly errorCode: string;
  readonly endpoint: string;
  /** the server's own message (redacted) */
  readonly serverMessage: string;

  constructor(message: string, status: number, errorCode: string, endpoint: string, serverMessage: string) {
    super(message, trackingCodeFor(errorCode, status));
    this.name = 'MlflowApiError';
    this.status = status;
    this.errorCode = errorCode;
    this.endpoint = endpoint;
    this.serverMessage = serverMessage;
  }
}

function trackingCodeFor(errorCode: string, status: number): TrackingErrorCode {
  switch (errorCode) {
    case 'INVALID_PARAMETER_VALUE':
    case 'RESOURCE_DOES_NOT_EXIST':
    case 'RESOURCE_ALREADY_EXISTS':
    case 'INVALID_STATE':
      return errorCode;
    case 'BAD_REQUEST':
    case 'MALFORMED_REQUEST':
      return 'INVALID_PARAMETER_VALUE';
    case 'ENDPOINT_NOT_FOUND':
    case 'NOT_FOUND':
      return 'RESOURCE_DOES_NOT_EXIST';
    default:
      if (status === 404) return 'RESOURCE_DOES_NOT_EXIST';
      if (status === 400) return 'INVALID_PARAMETER_VALUE';
      return 'INTERNAL_ERROR';
  }
}

export function isUnavailable(e: unknown): e is TrackingServerUnavailableError {
  return e instanceof TrackingServerUnavailableError;
}

function truthy(v: string | undefined): boolean {
  return v !== undefined && /^(?:1|true|yes|on)$/i.test(v.trim());
}

function positiveNumber(v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** JSON with NaN/±Infinity as protobuf-JSON strings (JSON.stringify would write null). */
export function toWireJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
    return v;
  });
}

/** Parse a response body; tolerates bare NaN/Infinity tokens some servers emit. */
export function parseWireJson(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    return JSON.parse(text.replace(/([:,[]\s*)(-?Infinity|NaN)(?=\s*[,}\]])/g, '$1"$2"'));
  }
}

/** A protobuf-JSON double (number or "NaN"/"Infinity"/"-Infinity"/decimal string) as a number. */
export function wireDouble(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    const n = Number(v);
    if (v.trim() !== '' && !Number.isNaN(n)) return n;
  }
  return NaN;
}

/** A protobuf-JSON int64 (number or decimal string); `fallback` when absent (proto3 omits zeros). */
export function wireInt(v: unknown, fallback = 0): number {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v);
  return fallback;
}

function describeCause(e: unknown): string {
  if (e instanceof HttpTimeoutError) {
    const s = formatDuration(e.ms / 1000);
    return e.phase === 'connect'
      ? `no connection within ${s}`
      : e.phase === 'headers'
        ? `no answer within ${s}`
        : `the answer stalled for ${s}`;
  }
  if (e instanceof Error) {
    if (e.name === 'TimeoutError') return 'no response before the timeout';
    if (e.name === 'AbortError') return 'interrupted';
    const cause = (e as Error & { cause?: unknown }).cause as { code?: string; message?: string } | undefined;
    const code = cause?.code ?? (e as NodeJS.ErrnoException).code;
    switch (code) {
      case 'ECONNREFUSED':
        return 'connection refused';
      case 'ECONNRESET':
      case 'UND_ERR_SOCKET':
        return 'connection dropped';
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return 'host not found';
      case 'ETIMEDOUT':
      case 'UND_ERR_CONNECT_TIMEOUT':
      case 'UND_ERR_HEADERS_TIMEOUT':
      case 'UND_ERR_BODY_TIMEOUT':
        return 'timed out';
      case 'EHOSTUNREACH':
      case 'ENETUNREACH':
        return 'host unreachable';
      default:
        break;
    }
    const msg = cause?.message ?? e.message;
    if (/certificate|self[- ]signed|SSL|TLS/i.test(msg)) {
      return `TLS error: ${msg} (set MLFLOW_TRACKING_INSECURE_TLS=true to skip certificate checks on a trusted network)`;
    }
    return code ? `${code}: ${msg}` : msg;
  }
  return String(e);
}

function stripHtml(text: string): string {
  return text
    .replace(/<style[\s\S]*?<\/style>|<script[\s\S]*?<\/script>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export class RestClient {
  /** the base URL without credentials and without a trailing slash: safe to show */
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly retry: RetryOptions;

  private readonly authorization: string | undefined;
  private readonly secrets: string[];
  /** aborted by abortAll: every request in flight, and every later one */
  private readonly aborter = new AbortController();
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;
  readonly insecureTls: boolean;

  constructor(options: RestClientOptions) {
    const env = options.env ?? process.env;
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new TrackingError(`Invalid tracking server URI '${redactUserinfo(options.baseUrl)}'.`, 'INVALID_PARAMETER_VALUE');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TrackingError(`Tracking server URI must be http:// or https://, got '${url.protocol}'.`, 'INVALID_PARAMETER_VALUE');
    }
    const uriUser = url.username ? decodeURIComponent(url.username) : undefined;
    const uriPass = url.password ? decodeURIComponent(url.password) : undefined;
    url.username = '';
    url.password = '';
    url.hash = '';
    this.baseUrl = url.toString().replace(/\/+$/, '');

    const creds: Credentials = options.credentials ?? {
      ...(env.MLFLOW_TRACKING_TOKEN ? { token: env.MLFLOW_TRACKING_TOKEN } : {}),
      ...((env.MLFLOW_TRACKING_USERNAME ?? uriUser) ? { username: env.MLFLOW_TRACKING_USERNAME ?? uriUser } : {}),
      ...((env.MLFLOW_TRACKING_PASSWORD ?? uriPass) ? { password: env.MLFLOW_TRACKING_PASSWORD ?? uriPass } : {}),
    };
    this.secrets = [];
    if (creds.username && creds.password) {
      const b64 = Buffer.from(`${creds.username}:${creds.password}`, 'utf8').toString('base64');
      this.authorization = `Basic ${b64}`;
      this.secrets.push(b64, creds.password);
    } else if (creds.token) {
      this.authorization = `Bearer ${creds.token}`;
      this.secrets.push(creds.token);
    }
    if (creds.token && !this.secrets.includes(creds.token)) this.secrets.push(creds.token);
    if (creds.password && !this.secrets.includes(creds.password)) this.secrets.push(creds.password);
    // very short secrets would redact ordinary words; they are still never written by mmx itself
    this.secrets = this.secrets.filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);

    this.insecureTls = options.insecureTls ?? truthy(env.MLFLOW_TRACKING_INSECURE_TLS);
    const envRetries = positiveNumber(env.MLFLOW_HTTP_REQUEST_MAX_RETRIES);
    this.retry = {
      ...DEFAULT_RETRY,
      ...(envRetries !== undefined ? { maxRetries: Math.floor(envRetries) } : {}),
      ...options.retry,
    };
    const envTimeout = positiveNumber(env.MLFLOW_HTTP_REQUEST_TIMEOUT);
    this.timeoutMs = options.timeoutMs ?? (envTimeout !== undefined && envTimeout > 0 ? envTimeout * 1000 : DEFAULT_TIMEOUT_MS);
    this.sleep = options.sleep ?? ((ms) => delay(ms));
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
  }

  /** Ends every request in flight, and fails every later one at once (the process is shutting down). */
  abortAll(reason = 'shutting down'): void {
    if (!this.aborter.signal.aborted) this.aborter.abort(new DOMException(reason, 'AbortError'));
  }

  /** The Authorization header value, for a child process that finishes a run (never logged). */
  authorizationHeader(): string | undefined {
    return this.authorization;
  }

  /** Remove every secret this client knows from a text. */
  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join('***');
    return out;
  }

  url(path: string, query?: RequestOptions['query']): string {
    let u = this.baseUrl + path;
    if (query) {
      const sp = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) {
        if (v === undefined) continue;
        if (Array.isArray(v)) for (const x of v) sp.append(k, String(x));
        else sp.append(k, String(v));
      }
      const qs = sp.toString();
      if (qs) u += `?${qs}`;
    }
    return u;
  }

  /** Backoff before retry number `attempt` (1-based): base·2^(attempt-1), capped, with jitter in [½, 1]. */
  backoffMs(attempt: number, retry: RetryOptions = this.retry): number {
    const raw = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(raw * (0.5 + 0.5 * this.random()));
  }

  /** One HTTP exchange with retries; returns the status and body of a 2xx response. */
  async requestRaw(opts: RequestOptions): Promise<{ status: number; body: Uint8Array; contentType: string }> {
    const retry = { ...this.retry, ...opts.retry };
    const what = opts.what ?? opts.path;
    const url = this.url(opts.path, opts.query);
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (this.authorization) headers.Authorization = this.authorization;
    let body: string | Uint8Array | undefined;
    if (opts.json !== undefined) {
      body = toWireJson(opts.json);
      headers['Content-Type'] = 'application/json';
    } else if (opts.body !== undefined) {
      body = opts.body;
      headers['Content-Type'] = opts.contentType ?? 'application/octet-stream';
    }
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    const timeouts = { connectMs: Math.min(CONNECT_TIMEOUT_MS, timeoutMs), headersMs: timeoutMs, bodyMs: timeoutMs };
    const started = this.now();
    let lastProblem = '';
    let lastStatus: number | undefined;
    let lastError: unknown;
    let attempts = 0;
    for (let attempt = 0; ; attempt++) {
      let retryAfterMs: number | undefined;
      attempts = attempt + 1;
      try {
        const res = await exchange({
          url,
          method: opts.method,
          headers,
          ...(body !== undefined ? { body } : {}),
          timeouts,
          signal: this.aborter.signal,
          insecureTls: this.insecureTls && url.startsWith('https:'),
        });
        const bytes = res.body;
        const head = res.head;
        if (head.status >= 200 && head.status < 300) {
          return { status: head.status, body: bytes, contentType: head.headers.get('content-type') ?? '' };
        }
        if (!RETRY_STATUSES.has(head.status)) throw this.apiError(head.status, head.statusText, bytes, what, opts.method);
        lastStatus = head.status;
        lastProblem = `HTTP ${head.status}${head.statusText ? ` ${head.statusText}` : ''}`;
        const ra = head.headers.get('retry-after');
        if (ra !== null && /^\d+(?:\.\d+)?$/.test(ra.trim())) retryAfterMs = Number(ra) * 1000;
        lastError = this.apiError(head.status, head.statusText, bytes, what, opts.method);
      } catch (e) {
        if (e instanceof MlflowApiError && !RETRY_STATUSES.has(e.status)) throw e;
        if (!(e instanceof MlflowApiError)) {
          lastStatus = undefined;
          lastProblem = this.redact(describeCause(e));
          lastError = e;
          // shutting down: no retry; a timed-out write the caller can spool: no retry either
          if (this.aborter.signal.aborted) break;
          if (e instanceof HttpTimeoutError && opts.retryTimeouts === false) break;
        }
      }
      if (attempt >= retry.maxRetries) break;
      const wait = Math.min(retry.maxDelayMs, Math.max(this.backoffMs(attempt + 1, retry), retryAfterMs ?? 0));
      if (retry.maxElapsedMs !== undefined && this.now() - started + wait >= retry.maxElapsedMs) break;
      await this.sleep(wait);
    }
    const detail = lastError instanceof MlflowApiError ? `: ${lastError.serverMessage}` : '';
    const failure = `${what} failed with ${lastProblem}${detail}, ${attempts} attempt${attempts === 1 ? '' : 's'} over ${formatDuration((this.now() - started) / 1000)}`;
    throw new TrackingServerUnavailableError(
      `The MLflow tracking server at ${this.baseUrl} is unavailable: ${failure}.`,
      lastStatus,
      attempts,
      failure,
      { cause: lastError instanceof MlflowApiError ? undefined : lastError },
    );
  }

  /** A JSON request; the parsed JSON response. */
  async requestJson<T = unknown>(opts: RequestOptions): Promise<T> {
    const res = await this.requestRaw(opts);
    const text = Buffer.from(res.body).toString('utf8');
    try {
      return parseWireJson(text) as T;
    } catch {
      throw new MlflowApiError(
        `The MLflow tracking server at ${this.baseUrl} answered ${opts.what ?? opts.path} with a body that is not JSON ` +
          `(${this.redact(stripHtml(text)).slice(0, 200)}). Is ${this.baseUrl} an MLflow tracking server?`,
        res.status,
        'MALFORMED_RESPONSE',
        opts.what ?? opts.path,
        '',
      );
    }
  }

  /** `/api/2.0/mlflow/<endpoint>`: GET with query parameters, or POST with a JSON body. */
  api<T = unknown>(
    method: 'GET' | 'POST',
    endpoint: string,
    payload: Record<string, unknown>,
    extra: Partial<RequestOptions> = {},
  ): Promise<T> {
    const path = `/api/2.0/mlflow/${endpoint}`;
    if (method === 'GET') {
      return this.requestJson<T>({ method, path, query: payload as RequestOptions['query'], what: endpoint, ...extra });
    }
    return this.requestJson<T>({ method, path, json: payload, what: endpoint, ...extra });
  }

  private apiError(status: number, statusText: string, bytes: Uint8Array, what: string, method: string): MlflowApiError {
    const text = Buffer.from(bytes).toString('utf8');
    let errorCode = `HTTP_${status}`;
    let serverMessage = '';
    try {
      const parsed = parseWireJson(text) as { error_code?: unknown; message?: unknown; detail?: unknown };
      if (parsed && typeof parsed === 'object') {
        if (typeof parsed.error_code === 'string') errorCode = parsed.error_code;
        if (typeof parsed.message === 'string') serverMessage = parsed.message;
        else if (typeof parsed.detail === 'string') serverMessage = parsed.detail;
      }
    } catch {
      serverMessage = stripHtml(text).slice(0, 300);
    }
    serverMessage = this.redact(serverMessage);
    const statusLabel = `HTTP ${status}${statusText ? ` ${statusText}` : ''}`;
    let hint = '';
    if (status === 401) {
      hint = this.authorization
        ? ' The credentials were refused: check MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD.'
        : ' The server needs credentials: set MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD.';
    } else if (status === 403) {
      hint = ' The user has no permission for this (MLflow auth: ask for EDIT permission on the experiment).';
    } else if (status === 404 && (errorCode === 'ENDPOINT_NOT_FOUND' || errorCode === 'HTTP_404') && !serverMessage.includes('Run')) {
      hint = ` Is ${this.baseUrl} an MLflow tracking server${method === 'PUT' ? ' serving artifacts (mlflow server --serve-artifacts)' : ''}?`;
    } else if (status === 413) {
      hint = ' The request is larger than the server (or a proxy in front of it) accepts.';
    }
    const body = serverMessage ? `: ${serverMessage.replace(/\s+$/, '')}` : '';
    const sentence = `The MLflow tracking server at ${this.baseUrl} rejected ${what} (${statusLabel}, ${errorCode})${body}${/[.!?]$/.test(body) ? '' : '.'}${hint}`;
    return new MlflowApiError(sentence, status, errorCode, what, serverMessage);
  }
}

/** `https://user:pass@host/x` → `https://host/x`, for messages. */
export function redactUserinfo(uri: string): string {
  return uri.replace(/^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)[^/@]*@/, '$1');
}

/**
 * One HTTP exchange with three timeouts and no backpressure on the parser: what the REST client and the data set
 * downloader both use instead of `fetch`.
 *
 * - Timeouts: connecting (`connectMs`), waiting for the response headers once the request is sent (`headersMs`:
 *   a server that accepts the connection and never answers), and between two pieces of the body (`bodyMs`: a body
 *   that stalls). An upload is not timed as a whole, so a large artifact on a slow link is not cut off.
 * - The body goes to a sink (a file, synchronously) or is collected, and the parser is never paused. undici
 *   6 and 7 crash the process with an uncatchable `assert(!this.paused)` when the peer closes the connection while
 *   the parser is paused by a slow reader (nodejs/undici#5360; fixed by #5474 only in undici 8, which needs
 *   Node 22): `python3 -m http.server` mirrors (HTTP/1.0, close after each response) hit it on most downloads
 *   of a megabyte or more. Going through `dispatch` with a handler that always takes the data keeps the parser
 *   running, so the path that asserts is never reached.
 * - Redirects (301, 302, 303, 307, 308) are followed, at most `maxRedirects` times.
 * - `signal` aborts the exchange at any point (Ctrl-C, a shutdown deadline).
 * undici loads on the first exchange (~0.1 s), not with the module.
 */
import type { Dispatcher } from 'undici';

export interface HttpTimeouts {
  connectMs: number;
  headersMs: number;
  bodyMs: number;
}

export interface HttpHead {
  status: number;
  statusText: string;
  /** the final URL (after redirects) */
  url: string;
  headers: { get(name: string): string | null };
}

export interface ExchangeOptions {
  url: string;
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  timeouts: HttpTimeouts;
  signal?: AbortSignal;
  /** a dispatcher of the caller's (a proxy agent); default: an agent with `timeouts.connectMs` */
  dispatcher?: Dispatcher;
  /** skip TLS certificate checks (an agent of its own) */
  insecureTls?: boolean;
  maxRedirects?: number;
  /**
   * Called with the final response's head: return a sink that takes every piece of the body (it may throw to
   * abort), or undefined to have the body collected. Throwing here aborts the exchange with that error.
   */
  onHead?: (head: HttpHead) => ((chunk: Uint8Array) => void) | undefined;
  /** collect at most this many body bytes (the rest is dropped; default unlimited) */
  maxCollectBytes?: number;
}

export interface ExchangeResult {
  head: HttpHead;
  /** the collected body (empty when a sink took it) */
  body: Uint8Array;
}

/** A timeout or an abort, with the phase it happened in, for messages. */
export class HttpTimeoutError extends Error {
  override readonly name = 'HttpTimeoutError';
  constructor(
    readonly phase: 'connect' | 'headers' | 'body',
    readonly ms: number,
  ) {
    super(phase === 'connect' ? 'could not connect in time' : phase === 'headers' ? 'no response in time' : 'the response stalled');
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

const agents = new Map<string, Dispatcher>();

async function agentFor(connectMs: number, insecureTls: boolean): Promise<Dispatcher> {
  const key = `${connectMs}:${insecureTls}`;
  let agent = agents.get(key);
  if (!agent) {
    const { Agent } = await import('undici');
    agent = new Agent({ connect: { timeout: connectMs, ...(insecureTls ? { rejectUnauthorized: false } : {}) } });
    agents.set(key, agent);
  }
  return agent;
}

function headersOf(raw: Buffer[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const k = raw[i]!.toString('latin1').toLowerCase();
    const v = raw[i + 1]!.toString('latin1');
    out.set(k, out.has(k) ? `${out.get(k)!}, ${v}` : v);
  }
  return out;
}

/** undici's timeout errors as HttpTimeoutError; others unchanged. */
function asTimeout(err: Error, t: HttpTimeouts): Error {
  const code = (err as Error & { code?: string }).code;
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return new HttpTimeoutError('connect', t.connectMs);
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return new HttpTimeoutError('headers', t.headersMs);
  if (code === 'UND_ERR_BODY_TIMEOUT') return new HttpTimeoutError('body', t.bodyMs);
  return err;
}

async function once(
  url: URL,
  opts: ExchangeOptions,
  method: ExchangeOptions['method'],
  body: ExchangeOptions['body'],
  headers: Record<string, string>,
  final: boolean,
): Promise<ExchangeResult & { location?: string }> {
  const dispatcher = opts.dispatcher ?? (await agentFor(opts.timeouts.connectMs, opts.insecureTls ?? false));
  opts.signal?.throwIfAborted();
  return new Promise((resolve, reject) => {
    let abort: ((err?: Error) => void) | undefined;
    let settled = false;
    let head: HttpHead | undefined;
    let location: string | undefined;
    let sink: ((chunk: Uint8Array) => void) | undefined;
    const chunks: Buffer[] = [];
    let collected = 0;
    let failure: Error | undefined;
    const onAbort = (): void => {
      const reason = opts.signal?.reason;
      fail(reason instanceof Error ? reason : new DOMException(String(reason ?? 'aborted'), 'AbortError'));
    };
    const done = (): void => opts.signal?.removeEventListener('abort', onAbort);
    const fail = (err: Error): void => {
      failure ??= err;
      abort?.(err);
      if (!settled) {
        settled = true;
        done();
        reject(failure);
      }
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    dispatcher.dispatch(
      {
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method,
        headers,
        ...(body !== undefined
          ? { body: typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength) }
          : {}),
        headersTimeout: opts.timeouts.headersMs,
        bodyTimeout: opts.timeouts.bodyMs,
      },
      {
        onConnect(a) {
          abort = a;
          if (failure) a(failure);
        },
        onHeaders(status, raw, _resume, statusText) {
          if (status < 200) return true; // 1xx: the real head follows
          const map = headersOf(raw);
          head = { status, statusText, url: url.toString(), headers: { get: (n) => map.get(n.toLowerCase()) ?? null } };
          if (!final && REDIRECTS.has(status) && map.has('location')) {
            location = map.get('location')!;
            return true;
          }
          try {
            sink = opts.onHead?.(head);
          } catch (err) {
            fail(err as Error);
          }
          return true;
        },
        onData(chunk) {
          if (failure || location !== undefined) return true;
          if (sink) {
            try {
              sink(chunk);
            } catch (err) {
              fail(err as Error);
            }
          } else if (opts.maxCollectBytes === undefined || collected < opts.maxCollectBytes) {
            chunks.push(chunk);
            collected += chunk.byteLength;
          }
          // never false: a paused parser is what undici 6/7 crash on when the peer then closes the socket
          return true;
        },
        onComplete() {
          if (settled) return;
          settled = true;
          done();
          if (failure) return reject(failure);
          resolve({ head: head!, body: new Uint8Array(Buffer.concat(chunks)), ...(location !== undefined ? { location } : {}) });
        },
        onError(err) {
          failure ??= asTimeout(err, opts.timeouts);
          if (settled) return;
          settled = true;
          done();
          reject(failure);
        },
      },
    );
  });
}

/** One request and its response (following redirects). Rejects on network errors, timeouts and aborts, not on HTTP statuses. */
export async function exchange(opts: ExchangeOptions): Promise<ExchangeResult> {
  let url = new URL(opts.url);
  let method = opts.method;
  let body = opts.body;
  let headers = { ...opts.headers };
  const max = opts.maxRedirects ?? 5;
  for (let hop = 0; ; hop++) {
    const r = await once(url, opts, method, body, headers, hop >= max);
    if (r.location === undefined) return { head: r.head, body: r.body };
    const next = new URL(r.location, url);
    // credentials go to the server they were meant for only
    if (next.origin !== url.origin)
      headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'authorization'));
    url = next;
    // as browsers do: 303 (and 301/302 after a POST) continue as a GET without a body
    if (r.head.status === 303 || ((r.head.status === 301 || r.head.status === 302) && method === 'POST')) {
      method = 'GET';
      body = undefined;
    }
  }
}

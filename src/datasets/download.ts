/**
 * One HTTP(S) download to `<dest>.part`, renamed to `dest` when complete, through `exchange` (src/io/http.ts:
 * connect, header and stall timeouts; the body written as it arrives, so undici's paused-parser crash on servers
 * that close the connection cannot happen). A connection that drops (or stalls) mid-body is resumed with a `Range` request, with bounded retries and exponential backoff; a
 * server that ignores `Range` (200) is read again from the start. `HTTPS_PROXY` / `HTTP_PROXY` /
 * `NO_PROXY` are honoured.
 */
import { closeSync, existsSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { EnvHttpProxyAgent, type Dispatcher } from 'undici';
import { DatasetError } from './errors.js';
import { formatDuration } from '../format/duration.js';
import { exchange, HttpTimeoutError } from '../io/http.js';
import { diskWriteError } from '../io/disk-errors.js';

export interface DownloadProgress {
  url: string;
  /** bytes on disk so far (including a resumed part) */
  bytes: number;
  /** total size when the server says it */
  total: number | undefined;
}

export interface DownloadOptions {
  onProgress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
  /** attempts in a row without receiving a byte before giving up (default 5) */
  retries?: number;
  /** first backoff delay, doubled after each failed attempt (default 1000 ms) */
  backoffMs?: number;
  /** a connection that delivers nothing for this long is dropped and resumed (default 60 s) */
  idleTimeoutMs?: number;
  /** called before each retry (for logs) */
  onRetry?: (info: { attempt: number; error: string; resumeFrom: number; delayMs: number }) => void;
  env?: NodeJS.ProcessEnv;
}

class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    statusText: string,
  ) {
    super(`HTTP ${status}${statusText ? ` ${statusText}` : ''}`);
  }
}

let proxyAgent: Dispatcher | undefined;
function dispatcherFor(env: NodeJS.ProcessEnv): Dispatcher | undefined {
  const proxied = env.HTTPS_PROXY ?? env.https_proxy ?? env.HTTP_PROXY ?? env.http_proxy;
  if (!proxied) return undefined;
  proxyAgent ??= new EnvHttpProxyAgent();
  return proxyAgent;
}

const partSize = (part: string): number => (existsSync(part) ? statSync(part).size : 0);

/** `bytes 100-199/1000` → {start: 100, total: 1000} */
function parseContentRange(v: string | null): { start: number; total: number | undefined } | undefined {
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(v ?? '');
  if (!m) return undefined;
  return { start: Number(m[1]), total: m[3] === '*' ? undefined : Number(m[3]) };
}

function describeNetworkError(err: unknown): string {
  const e = err as Error & { cause?: Error & { code?: string } };
  const cause = e.cause;
  if (cause?.code)
    return `${cause.code}${cause.message && !cause.message.includes(cause.code) ? ` (${cause.message})` : cause.message ? ` ${cause.message.replace(cause.code, '').trim()}` : ''}`.trim();
  if (cause?.message) return cause.message;
  return e.message ?? String(err);
}

export async function download(url: string, dest: string, options: DownloadOptions = {}): Promise<void> {
  const part = `${dest}.part`;
  const retries = options.retries ?? 5;
  const backoff = options.backoffMs ?? 1000;
  const idleMs = options.idleTimeoutMs ?? 60_000;
  const dispatcher = dispatcherFor(options.env ?? process.env);
  let failures = 0;
  let attempt = 0;
  let total: number | undefined;

  for (;;) {
    options.signal?.throwIfAborted();
    attempt++;
    const have = partSize(part);
    const before = have;
    let fd: number | undefined;
    let bytes = 0;
    let complete = false;
    try {
      await exchange({
        url,
        method: 'GET',
        headers: { 'accept-encoding': 'identity', 'user-agent': 'mmx-datasets', ...(have > 0 ? { range: `bytes=${have}-` } : {}) },
        timeouts: { connectMs: Math.min(30_000, idleMs), headersMs: idleMs, bodyMs: idleMs },
        ...(options.signal ? { signal: options.signal } : {}),
        ...(dispatcher ? { dispatcher } : {}),
        maxRedirects: 10,
        maxCollectBytes: 64 * 1024,
        onHead: (head) => {
          let append = false;
          if (head.status === 206 && have > 0) {
            const range = parseContentRange(head.headers.get('content-range'));
            if (!range || range.start !== have) {
              // an unusable partial answer: start over
              rmSync(part, { force: true });
              throw new Error('the server answered the resume request with another range');
            }
            total = range.total;
            append = true;
          } else if (head.status === 416 && have > 0) {
            // the part is complete already, or longer than the file: check the size, else start over
            const range = /\/(\d+)$/.exec(head.headers.get('content-range') ?? '');
            if (range && Number(range[1]) === have) {
              total = have;
              complete = true;
              return undefined;
            }
            rmSync(part, { force: true });
            throw new Error('the server refused the resume request');
          } else if (head.status === 200) {
            const len = head.headers.get('content-length');
            total = len !== null && /^\d+$/.test(len) ? Number(len) : undefined;
          } else {
            throw new HttpStatusError(head.status, head.statusText);
          }
          // written as it arrives, synchronously: the connection is never held back by the disk
          fd = openSync(part, append ? 'a' : 'w');
          bytes = append ? have : 0;
          options.onProgress?.({ url, bytes, total });
          const out = fd;
          return (chunk) => {
            writeSync(out, chunk);
            bytes += chunk.byteLength;
            options.onProgress?.({ url, bytes, total });
          };
        },
      });
      if (complete) break;
      if (total !== undefined && bytes < total) throw new Error(`connection closed after ${bytes} of ${total} bytes`);
      if (total !== undefined && bytes > total) {
        closeQuietly(fd);
        fd = undefined;
        await rm(part, { force: true });
        throw new Error(`received ${bytes} bytes, more than the announced ${total}`);
      }
      break;
    } catch (err) {
      closeQuietly(fd);
      fd = undefined;
      if (options.signal?.aborted) throw options.signal.reason ?? err;
      if (err instanceof HttpStatusError && err.status >= 400 && err.status < 500 && err.status !== 408 && err.status !== 429) {
        throw new DatasetError(
          `cannot download ${url}: ${err.message}`,
          'the file is not at that address; with MMX_DATASETS_BASE_URL set, check that the mirror has it',
        );
      }
      const diskError = diskWriteError(err, part);
      if (diskError !== err)
        throw new DatasetError((diskError as Error).message, 'set MMX_DATA_HOME to a writable folder with enough space');
      const progressed = partSize(part) > before;
      failures = progressed ? 1 : failures + 1;
      const reason =
        err instanceof HttpTimeoutError
          ? err.phase === 'body'
            ? `no data for ${formatDuration(idleMs / 1000)}`
            : `${err.message} (${formatDuration(err.ms / 1000)})`
          : err instanceof HttpStatusError
            ? err.message
            : describeNetworkError(err);
      if (failures > retries || attempt > retries * 10) {
        throw new DatasetError(
          `cannot download ${url}: ${reason} (gave up after ${attempt} attempt${attempt === 1 ? '' : 's'})`,
          'check the network connection (HTTPS_PROXY is honoured), set MMX_DATASETS_BASE_URL to a mirror, or point MMX_DATA_HOME at a folder holding the prepared data set',
        );
      }
      const delayMs = progressed ? 0 : backoff * 2 ** (failures - 1);
      options.onRetry?.({ attempt, error: reason, resumeFrom: partSize(part), delayMs });
      if (delayMs > 0) await sleep(delayMs, undefined, options.signal ? { signal: options.signal } : {}).catch(() => undefined);
    } finally {
      closeQuietly(fd);
    }
  }
  await rename(part, dest);
}

function closeQuietly(fd: number | undefined): void {
  if (fd === undefined) return;
  try {
    closeSync(fd);
  } catch {
    /* closed */
  }
}

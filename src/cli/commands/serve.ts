/**
 * `mmx serve RUN_ID|MODEL_DIR`: the model behind an HTTP JSON API (src/serve/server.ts) on 127.0.0.1 by default.
 * It listens once the model is loaded; SIGINT / SIGTERM stop it after the requests in flight are answered.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { BackendRequest } from '../../backend/select.js';
import { Predictor } from '../../inference/predictor.js';
import { createServer, DEFAULT_SERVE_OPTIONS } from '../../serve/server.js';
import { UsageError } from '../user-errors.js';

export interface ServeCommandOptions {
  port: string;
  host: string;
  uri?: string;
  backend?: string;
  files?: string;
  maxRows?: string;
  bodyLimitMb?: string;
  maxBatch?: string;
  batchWaitMs?: string;
  log?: boolean;
}

type IO = { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };

function count(flag: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max || (min >= 1 && !Number.isInteger(n)))
    throw new UsageError(
      `${flag} ${value}: expected ${Number.isInteger(min) && min >= 1 ? 'a whole number' : 'a number'} from ${min} to ${max}`,
    );
  return n;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export async function serveCommand(source: string, o: ServeCommandOptions, io: IO): Promise<number> {
  const port = count('--port', o.port, 8000, 0, 65535);
  const bodyLimit = Math.round(count('--body-limit-mb', o.bodyLimitMb, DEFAULT_SERVE_OPTIONS.bodyLimit / 2 ** 20, 0.001, 1024) * 2 ** 20);
  const maxRows = count('--max-rows', o.maxRows, DEFAULT_SERVE_OPTIONS.maxRows, 1, 1_000_000);
  const maxBatchRows = count('--max-batch', o.maxBatch, DEFAULT_SERVE_OPTIONS.maxBatchRows, 1, 100_000);
  const batchWaitMs = count('--batch-wait-ms', o.batchWaitMs, DEFAULT_SERVE_OPTIONS.batchWaitMs, 0, 10_000);
  // the CLI edge: a model folder, --files and a relative tracking store are relative to the folder the command was typed in
  const cwd = process.cwd();
  if (o.files !== undefined) {
    const dir = path.resolve(cwd, o.files);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--files ${o.files}: not a folder`);
  }
  const predictor = await Predictor.load(source, {
    cwd,
    ...(o.uri ? { trackingUri: o.uri } : {}),
    ...(o.backend ? { backend: o.backend as BackendRequest } : {}),
    ...(o.files !== undefined ? { files: o.files } : {}),
  });
  const app = await createServer(predictor, {
    bodyLimit,
    maxRows,
    maxBatchRows,
    batchWaitMs,
    maxQueuedRows: Math.max(DEFAULT_SERVE_OPTIONS.maxQueuedRows, 4 * maxRows),
    warn: (line) => io.stderr.write(`${line}\n`),
    ...(o.log ? { log: (line: string) => io.stderr.write(`${line}\n`) } : {}),
  });
  let address: string;
  try {
    address = await app.listen({ port, host: o.host });
  } catch (err) {
    predictor.dispose();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UsageError(`port ${port} on ${o.host} is in use: choose another with --port (0 picks a free one)`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new UsageError(`--host ${o.host}: not an address of this machine`);
    throw err;
  }
  const inputs = predictor.columns.map((c) => `${c.name} (${c.modality}${c.required ? '' : ', optional'})`).join(', ');
  io.stderr.write(
    `serving ${predictor.from} — ${predictor.task}, ${predictor.backend.name}\n` +
      `  inputs    ${inputs}\n` +
      `  files     ${o.files !== undefined ? `paths under ${path.resolve(cwd, o.files)}, or inline base64` : 'inline base64 only (--files DIR allows paths under DIR)'}\n` +
      `  listening ${address}  (POST /predict, GET /metadata, GET /health; Ctrl-C stops)\n`,
  );
  if (!LOOPBACK.has(o.host))
    io.stderr.write(`warning: listening on ${o.host}: the API has no authentication; anyone who can reach this address can use it\n`);

  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      io.stderr.write(`\n${signal}: stopping (answering the requests in flight)\n`);
      void app.close().then(resolve, resolve);
    };
    const onInt = (): void => stop('SIGINT');
    const onTerm = (): void => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
  predictor.dispose();
  return 0;
}

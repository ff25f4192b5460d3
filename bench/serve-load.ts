/**
 * `node --import tsx bench/serve-load.ts`: `mmx serve` under load, with autocannon on 127.0.0.1.
 *
 * A model is trained first (configs/avmnist.yaml, image + audio, 1 epoch; or MMX_BENCH_MODEL=<model folder> to serve
 * one you have), then served by `mmx serve` in its own process. Each round is autocannon with 50 connections sending
 * 1,000 requests: one test row each (the PNG and the WAV inline as base64, as a client without access to the
 * server's disk sends them), and every tenth request malformed (an unknown column, bad base64, a wrong type, JSON
 * cut short — in turn). It prints requests/s, latency p50 / p99 and the answers (200 / 400 / other, errors,
 * timeouts) per round, and the server's RSS and tensor count after each round: a leak shows as growth round after
 * round. A second load sends 10 rows per request (batching within and across requests).
 *
 * Environment: MMX_DATA_HOME (default ../shared/data), MMX_BENCH_ROUNDS (default 3), MMX_BENCH_ROWS (rows per request
 * of each load, default 1,10).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { parse } from 'csv-parse/sync';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dataHome = path.resolve(process.env.MMX_DATA_HOME ?? path.join(root, '..', 'shared', 'data'));
const rounds = Number(process.env.MMX_BENCH_ROUNDS ?? 3);
const rowsPerRequest = (process.env.MMX_BENCH_ROWS ?? '1,10').split(',').map(Number);
const work = mkdtempSync(path.join(os.tmpdir(), 'mmx-serve-bench-'));
const cli = [process.execPath, '--import', import.meta.resolve('tsx'), path.join(root, 'src', 'cli', 'main.ts')];

function trainModel(): string {
  if (process.env.MMX_BENCH_MODEL) return path.resolve(process.env.MMX_BENCH_MODEL);
  console.log('training configs/avmnist.yaml (1 epoch) ...');
  const r = spawnSync(
    cli[0]!,
    [
      ...cli.slice(1),
      'run',
      path.join(root, 'configs', 'avmnist.yaml'),
      '--set',
      'training.epochs=1',
      '--set',
      `tracking.uri=${path.join(work, 'runs')}`,
      '--json',
    ],
    { cwd: work, env: { ...process.env, MMX_DATA_HOME: dataHome }, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 },
  );
  if (r.status !== 0) throw new Error(`training failed: ${r.stderr.slice(-2000)}`);
  const summary = JSON.parse(r.stdout.trim().split('\n').pop()!) as { artifact_dir: string; metrics: Record<string, number> };
  console.log(`  test accuracy ${summary.metrics['test_accuracy']?.toFixed(3)}`);
  return path.join(summary.artifact_dir, 'model');
}

function testRows(limit: number): Record<string, unknown>[] {
  const manifest = path.join(dataHome, 'avmnist', 'manifest.csv');
  const rows = parse(readFileSync(manifest, 'utf8'), { columns: true }) as Record<string, string>[];
  const inline = (p: string) => ({ base64: readFileSync(path.resolve(path.dirname(manifest), p)).toString('base64') });
  return rows
    .filter((r) => r['split'] === 'test')
    .slice(0, limit)
    .map((r) => ({ image_path: inline(r['image_path']!), audio_path: inline(r['audio_path']!) }));
}

interface Server {
  url: string;
  stop(): Promise<number | null>;
}

function startServer(model: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const child = spawn(cli[0]!, [...cli.slice(1), 'serve', model, '--port', '0', '--max-rows', '100'], {
      cwd: work,
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      err += chunk;
      const m = /listening (http:\/\/\S+)/.exec(err);
      if (m)
        resolve({
          url: m[1]!,
          stop: () =>
            new Promise((done) => {
              child.once('exit', (code) => done(code));
              child.kill('SIGTERM');
            }),
        });
    });
    child.once('exit', (code) => reject(new Error(`mmx serve exited (${code}): ${err}`)));
  });
}

type Health = {
  memory: { rss_bytes: number; tensors: number };
  batching: { batches: number; requests: number; largestBatchRequests: number };
};
const health = async (url: string): Promise<Health> => (await fetch(`${url}/health`)).json() as Promise<Health>;

async function load(url: string, bodies: string[]): Promise<autocannon.Result> {
  return autocannon({
    url: `${url}/predict`,
    connections: 50,
    amount: 1000,
    timeout: 60,
    requests: bodies.map((body) => ({ method: 'POST', path: '/predict', headers: { 'content-type': 'application/json' }, body })),
  });
}

async function main(): Promise<void> {
  const model = trainModel();
  const rows = testRows(90);
  const good = (i: number, per: number) =>
    JSON.stringify({ rows: Array.from({ length: per }, (_, k) => rows[(i * per + k) % rows.length]) });
  const malformed = [
    JSON.stringify({ rows: [{ imge_path: rows[0]!['image_path'], audio_path: rows[0]!['audio_path'] }] }),
    JSON.stringify({ rows: [{ image_path: { base64: 'bm90IGFuIGltYWdl' }, audio_path: rows[0]!['audio_path'] }] }),
    JSON.stringify({ rows: [{ image_path: 42, audio_path: rows[0]!['audio_path'] }] }),
    '{"rows": [{"image_path": ',
  ];
  // every tenth request malformed: 9 good, then one of the malformed kinds in turn
  const mix = (per: number) =>
    Array.from({ length: 40 }, (_, i) => (i % 10 === 9 ? malformed[Math.floor(i / 10) % malformed.length]! : good(i, per)));
  const server = await startServer(model);
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(
    `\nmmx serve ${model}\n  on ${cpu}, ${os.cpus().length} cores, Node ${process.versions.node}; autocannon in this process, same machine`,
  );
  const start = await health(server.url);
  console.log(`  after start: RSS ${(start.memory.rss_bytes / 2 ** 20).toFixed(0)} MB, ${start.memory.tensors} tensors`);
  for (const per of rowsPerRequest) {
    console.log(`\n${per} row${per > 1 ? 's' : ''} per request, 50 connections, 1,000 requests per round (10% malformed)`);
    console.log('  round  req/s   rows/s  p50 ms  p99 ms   2xx  non-2xx  errors  timeouts  RSS MB  tensors');
    for (let round = 1; round <= rounds; round++) {
      const r = await load(server.url, mix(per));
      const h = await health(server.url);
      console.log(
        `  ${String(round).padStart(5)}  ${(r.requests.total / r.duration).toFixed(0).padStart(5)}  ${((r['2xx'] * per) / r.duration).toFixed(0).padStart(7)}  ${String(r.latency.p50).padStart(6)}  ${String(r.latency.p99).padStart(6)}  ${String(r['2xx']).padStart(4)}  ${String(r.non2xx).padStart(7)}  ${String(r.errors).padStart(6)}  ${String(r.timeouts).padStart(8)}  ${(h.memory.rss_bytes / 2 ** 20).toFixed(0).padStart(6)}  ${String(h.memory.tensors).padStart(7)}`,
      );
    }
  }
  const end = await health(server.url);
  console.log(
    `\nbatching: ${end.batching.requests} requests in ${end.batching.batches} model runs (up to ${end.batching.largestBatchRequests} requests in one)`,
  );
  const code = await server.stop();
  console.log(`server stopped with exit code ${code} (SIGTERM)`);
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => rmSync(work, { recursive: true, force: true }));

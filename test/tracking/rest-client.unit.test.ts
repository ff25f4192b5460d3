import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  MlflowApiError,
  parseWireJson,
  RestClient,
  type RestClientOptions,
  toWireJson,
  TrackingServerUnavailableError,
  wireDouble,
  wireInt,
} from '../../src/tracking/rest/client.js';
import { FakeMlflowServer } from './rest-fake-server.js';
import { tempDir } from './helpers.js';

const fast = { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 5 };

function client(server: FakeMlflowServer, extra: Partial<RestClientOptions> = {}): RestClient {
  return new RestClient({ baseUrl: server.url, env: {}, retry: fast, ...extra });
}

async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('REST client: retries', () => {
  let server: FakeMlflowServer;
  before(async () => {
    server = await new FakeMlflowServer().start();
  });
  after(() => server.stop());

  it('retries 500, 503 and 429 and then succeeds', async () => {
    server.faults.push({ kind: 'status', status: 500 }, { kind: 'status', status: 503 }, { kind: 'status', status: 429, retryAfter: '0' });
    const before = server.requests.length;
    const res = await client(server).api<{ experiment: { name: string } }>('GET', 'experiments/get-by-name', {
      experiment_name: 'Default',
    });
    assert.equal(res.experiment.name, 'Default');
    assert.equal(server.requests.length - before, 4);
  });

  it('retries dropped connections', async () => {
    server.faults.push({ kind: 'drop' }, { kind: 'drop' });
    const res = await client(server).api<{ experiment: { experiment_id: string } }>('GET', 'experiments/get-by-name', {
      experiment_name: 'Default',
    });
    assert.equal(res.experiment.experiment_id, '0');
  });

  it('times out slow answers and retries them', async () => {
    server.faults.push({ kind: 'slow', ms: 400 });
    const t0 = Date.now();
    const res = await client(server, { timeoutMs: 100 }).api<{ experiment: { name: string } }>('GET', 'experiments/get-by-name', {
      experiment_name: 'Default',
    });
    assert.equal(res.experiment.name, 'Default');
    assert.ok(Date.now() - t0 < 2000);
  });

  it('a server that never answers: a write that asks not to retry timeouts fails after one attempt, in words', async () => {
    server.hangOn = (r) => r.path.endsWith('runs/log-batch');
    try {
      const before = server.calls('runs/log-batch').length;
      await assert.rejects(
        client(server, { timeoutMs: 200 }).api('POST', 'runs/log-batch', { run_id: 'r' }, { retryTimeouts: false }),
        (e: unknown) => {
          assert.ok(e instanceof TrackingServerUnavailableError);
          assert.equal(e.attempts, 1);
          assert.match(e.message, /no answer within 0\.2 ?s/);
          return true;
        },
      );
      assert.equal(server.calls('runs/log-batch').length - before, 1);
    } finally {
      server.hangOn = undefined;
    }
  });

  it('no attempt starts once the request has taken maxElapsedMs', async () => {
    server.faults.push(...Array.from({ length: 4 }, () => ({ kind: 'status' as const, status: 503 })));
    const before = server.requests.length;
    let slept = 0;
    const c = client(server, {
      retry: { maxRetries: 10, baseDelayMs: 1000, maxDelayMs: 1000, maxElapsedMs: 2500 },
      // the clock moves only by the backoff: two waits of 1 s fit in 2.5 s, a third does not
      sleep: async (ms) => {
        slept += ms;
      },
      now: () => slept,
      random: () => 0.999,
    });
    await assert.rejects(c.api('GET', 'experiments/get-by-name', { experiment_name: 'Default' }), (e: unknown) => {
      assert.ok(e instanceof TrackingServerUnavailableError);
      assert.equal(e.attempts, 3);
      return true;
    });
    assert.equal(server.requests.length - before, 3);
    server.faults.length = 0;
  });

  it('abortAll ends a request in flight at once and fails later ones without sending them', async () => {
    server.hangOn = () => true;
    try {
      const c = client(server, { timeoutMs: 60_000 });
      const before = server.requests.length;
      const inFlight = c.api('GET', 'runs/get', { run_id: 'r' });
      while (server.requests.length === before) await new Promise((r) => setTimeout(r, 10));
      c.abortAll();
      await assert.rejects(inFlight, (e: unknown) => {
        assert.ok(e instanceof TrackingServerUnavailableError);
        assert.equal(e.attempts, 1);
        assert.match(e.message, /interrupted/);
        return true;
      });
      await assert.rejects(c.api('GET', 'runs/get', { run_id: 'r' }), TrackingServerUnavailableError);
      assert.equal(server.requests.length - before, 1);
    } finally {
      server.hangOn = undefined;
    }
  });

  it('gives up after the configured retries with TrackingServerUnavailableError', async () => {
    server.faults.push(...Array.from({ length: 3 }, () => ({ kind: 'status' as const, status: 503 })));
    const before = server.requests.length;
    await assert.rejects(
      client(server, { retry: { ...fast, maxRetries: 2 } }).api('GET', 'experiments/get-by-name', { experiment_name: 'Default' }),
      (e: unknown) => {
        assert.ok(e instanceof TrackingServerUnavailableError);
        assert.equal(e.status, 503);
        assert.equal(e.attempts, 3);
        assert.match(
          e.message,
          /^The MLflow tracking server at http:\/\/127\.0\.0\.1:\d+ is unavailable: experiments\/get-by-name failed with HTTP 503/,
        );
        assert.match(e.message, /3 attempts/);
        return true;
      },
    );
    assert.equal(server.requests.length - before, 3);
  });

  it('reports a refused connection in words', async () => {
    const port = await closedPort();
    const c = new RestClient({ baseUrl: `http://127.0.0.1:${port}`, env: {}, retry: { ...fast, maxRetries: 1 } });
    await assert.rejects(c.api('GET', 'runs/get', { run_id: 'abc' }), (e: unknown) => {
      assert.ok(e instanceof TrackingServerUnavailableError);
      assert.match(e.message, /connection refused/);
      assert.match(e.message, /2 attempts/);
      return true;
    });
  });

  it('does not retry client errors, and words them as one sentence', async () => {
    const before = server.requests.length;
    await assert.rejects(client(server).api('GET', 'runs/get', { run_id: 'nope' }), (e: unknown) => {
      assert.ok(e instanceof MlflowApiError);
      assert.equal(e.status, 404);
      assert.equal(e.errorCode, 'RESOURCE_DOES_NOT_EXIST');
      assert.equal(e.code, 'RESOURCE_DOES_NOT_EXIST');
      assert.equal(
        e.message,
        `The MLflow tracking server at ${server.url} rejected runs/get (HTTP 404 Not Found, RESOURCE_DOES_NOT_EXIST): Run with id=nope not found.`,
      );
      return true;
    });
    assert.equal(server.requests.length - before, 1);
  });

  it('describes a non-JSON error page (a proxy) without its markup', async () => {
    server.faults.push(...Array.from({ length: 4 }, () => ({ kind: 'status' as const, status: 502 })));
    await assert.rejects(client(server).api('GET', 'runs/get', { run_id: 'x' }), (e: unknown) => {
      assert.ok(e instanceof TrackingServerUnavailableError);
      assert.match(e.message, /HTTP 502 Bad Gateway: 502 Bad Gateway/);
      assert.doesNotMatch(e.message, /<h1>/);
      return true;
    });
  });

  it('asks whether the URI is an MLflow server when the endpoint does not exist', async () => {
    await assert.rejects(client(server).requestJson({ method: 'GET', path: '/nothing-here', what: 'probe' }), (e: unknown) => {
      assert.ok(e instanceof MlflowApiError);
      assert.match(e.message, /Is http:\/\/127\.0\.0\.1:\d+ an MLflow tracking server\?/);
      return true;
    });
  });

  it('backs off exponentially with jitter, capped', () => {
    const lo = new RestClient({
      baseUrl: 'http://x',
      env: {},
      random: () => 0,
      retry: { maxRetries: 5, baseDelayMs: 100, maxDelayMs: 1000 },
    });
    const hi = new RestClient({
      baseUrl: 'http://x',
      env: {},
      random: () => 0.999999,
      retry: { maxRetries: 5, baseDelayMs: 100, maxDelayMs: 1000 },
    });
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((a) => lo.backoffMs(a)),
      [50, 100, 200, 400, 500],
    );
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((a) => hi.backoffMs(a)),
      [100, 200, 400, 800, 1000],
    );
  });

  it('reads retries and timeout from MLflow environment variables', () => {
    const c = new RestClient({ baseUrl: 'http://x', env: { MLFLOW_HTTP_REQUEST_MAX_RETRIES: '2', MLFLOW_HTTP_REQUEST_TIMEOUT: '7' } });
    assert.equal(c.retry.maxRetries, 2);
    assert.equal(c.timeoutMs, 7000);
  });
});

describe('REST client: auth and secrets', () => {
  it('sends a bearer token and never shows it in errors', async () => {
    const server = await new FakeMlflowServer({ authorization: 'Bearer tok-SECRET-123' }).start();
    after(() => server.stop());
    const ok = new RestClient({ baseUrl: server.url, env: { MLFLOW_TRACKING_TOKEN: 'tok-SECRET-123' }, retry: fast });
    await ok.api('GET', 'experiments/get-by-name', { experiment_name: 'Default' });
    assert.equal(server.requests.at(-1)!.headers.authorization, 'Bearer tok-SECRET-123');

    const wrong = new RestClient({ baseUrl: server.url, env: { MLFLOW_TRACKING_TOKEN: 'tok-WRONG-456' }, retry: fast });
    await assert.rejects(wrong.api('GET', 'experiments/get-by-name', { experiment_name: 'Default' }), (e: unknown) => {
      assert.ok(e instanceof MlflowApiError);
      assert.equal(e.status, 401);
      assert.ok(!e.message.includes('tok-WRONG-456'), e.message);
      assert.ok(!JSON.stringify(e).includes('tok-WRONG-456'));
      assert.match(e.message, /Invalid credentials: Bearer \*\*\*/);
      assert.match(e.message, /check MLFLOW_TRACKING_TOKEN/);
      return true;
    });
  });

  it('sends basic auth from MLFLOW_TRACKING_USERNAME/PASSWORD (preferred over a token, as MLflow does)', async () => {
    const b64 = Buffer.from('ann:pa55word!').toString('base64');
    const server = await new FakeMlflowServer({ authorization: `Basic ${b64}` }).start();
    after(() => server.stop());
    const c = new RestClient({
      baseUrl: server.url,
      env: { MLFLOW_TRACKING_USERNAME: 'ann', MLFLOW_TRACKING_PASSWORD: 'pa55word!', MLFLOW_TRACKING_TOKEN: 'unused-token' },
      retry: fast,
    });
    await c.api('GET', 'experiments/get-by-name', { experiment_name: 'Default' });
    assert.equal(server.requests.at(-1)!.headers.authorization, `Basic ${b64}`);

    const wrong = new RestClient({
      baseUrl: server.url,
      env: { MLFLOW_TRACKING_USERNAME: 'ann', MLFLOW_TRACKING_PASSWORD: 'nope-nope' },
      retry: fast,
    });
    await assert.rejects(wrong.api('GET', 'experiments/get-by-name', { experiment_name: 'Default' }), (e: unknown) => {
      assert.ok(e instanceof Error);
      const wrongB64 = Buffer.from('ann:nope-nope').toString('base64');
      assert.ok(!e.message.includes(wrongB64) && !e.message.includes('nope-nope'), e.message);
      return true;
    });
  });

  it('takes credentials out of the URI and keeps them out of its base URL', async () => {
    const b64 = Buffer.from('bob:hunter22').toString('base64');
    const server = await new FakeMlflowServer({ authorization: `Basic ${b64}` }).start();
    after(() => server.stop());
    const c = new RestClient({ baseUrl: `http://bob:hunter22@127.0.0.1:${server.port}/`, env: {}, retry: fast });
    assert.equal(c.baseUrl, server.url);
    await c.api('GET', 'experiments/get-by-name', { experiment_name: 'Default' });
    assert.equal(server.requests.at(-1)!.headers.authorization, `Basic ${b64}`);
  });

  it('sends no Authorization header without credentials', async () => {
    const server = await new FakeMlflowServer().start();
    after(() => server.stop());
    await client(server).api('GET', 'experiments/get-by-name', { experiment_name: 'Default' });
    assert.equal(server.requests.at(-1)!.headers.authorization, undefined);
  });
});

describe('REST client: TLS', () => {
  it('refuses a self-signed certificate unless MLFLOW_TRACKING_INSECURE_TLS is set', async (t) => {
    const dir = tempDir();
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          path.join(dir, 'k.pem'),
          '-out',
          path.join(dir, 'c.pem'),
          '-days',
          '1',
          '-subj',
          '/CN=127.0.0.1',
        ],
        { stdio: 'ignore' },
      );
    } catch {
      t.skip('openssl is not available');
      return;
    }
    const server = https.createServer(
      { key: fs.readFileSync(path.join(dir, 'k.pem')), cert: fs.readFileSync(path.join(dir, 'c.pem')) },
      (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{"experiment":{"experiment_id":"0","name":"Default"}}');
      },
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    after(() => {
      server.closeAllConnections();
      server.close();
    });
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const strict = new RestClient({ baseUrl: url, env: {}, retry: { ...fast, maxRetries: 0 } });
    await assert.rejects(strict.api('GET', 'experiments/get-by-name', { experiment_name: 'Default' }), (e: unknown) => {
      assert.ok(e instanceof TrackingServerUnavailableError);
      assert.match(e.message, /TLS error|certificate/i);
      assert.match(e.message, /MLFLOW_TRACKING_INSECURE_TLS/);
      return true;
    });
    const insecure = new RestClient({ baseUrl: url, env: { MLFLOW_TRACKING_INSECURE_TLS: 'true' }, retry: fast });
    const res = await insecure.api<{ experiment: { name: string } }>('GET', 'experiments/get-by-name', { experiment_name: 'Default' });
    assert.equal(res.experiment.name, 'Default');
  });
});

describe('REST client: protobuf JSON', () => {
  it('writes NaN and infinities as protobuf JSON strings, like the Python client', () => {
    assert.equal(toWireJson({ v: [NaN, Infinity, -Infinity, 1.5] }), '{"v":["NaN","Infinity","-Infinity",1.5]}');
  });

  it('reads doubles and int64 strings back', () => {
    assert.ok(Number.isNaN(wireDouble('NaN')));
    assert.equal(wireDouble('Infinity'), Infinity);
    assert.equal(wireDouble('-Infinity'), -Infinity);
    assert.equal(wireDouble('0.25'), 0.25);
    assert.equal(wireDouble(3), 3);
    assert.equal(wireInt('1700000000000'), 1_700_000_000_000);
    assert.equal(wireInt(undefined, 0), 0);
    assert.deepEqual(parseWireJson('{"a": NaN, "b": [Infinity, -Infinity]}'), { a: 'NaN', b: ['Infinity', '-Infinity'] });
  });
});

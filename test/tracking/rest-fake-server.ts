/**
 * An in-test MLflow tracking server on 127.0.0.1 (random port) for the REST store's tests. It
 * enforces what MLflow 2.x documents and validates (mlflow/server/handlers.py,
 * mlflow/utils/validation.py): JSON content type on POST, runs/log-batch limits (1000 metrics,
 * 100 params, 100 tags, 1000 entities, 1,000,000 bytes), key syntax and length, value lengths,
 * integer timestamps/steps, numeric metric values (protobuf JSON: "NaN"/"Infinity" strings),
 * duplicate keys in one batch, write-once params (same value accepted). It answers the way the
 * real server does: protobuf JSON with int64 as strings and `{error_code, message}` errors.
 * Faults on demand: HTTP statuses, dropped connections, slow answers, and "down" (every
 * connection dropped) until brought back, and hanging (a request read and never answered).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { compileFilter, SearchFilterError, sortRuns } from '../../src/tracking/search-filter.js';
import type { RunData, RunStatus } from '../../src/tracking/tracker.js';
import { pyNormpath } from '../../src/tracking/validation.js';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  json?: Record<string, unknown>;
}

export type Fault = { kind: 'status'; status: number; retryAfter?: string } | { kind: 'drop' } | { kind: 'slow'; ms: number };

interface FakeMetric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

interface FakeRun {
  runId: string;
  experimentId: string;
  runName: string;
  userId: string;
  status: RunStatus;
  startTime: number;
  endTime?: number;
  artifactUri: string;
  params: Map<string, string>;
  tags: Map<string, string>;
  metrics: FakeMetric[];
}

export interface FakeServerOptions {
  /** required Authorization header value (e.g. `Bearer xyz` or `Basic ...`) */
  authorization?: string;
  /** artifact_uri of new runs: proxied (`mlflow-artifacts:/...`, default) or a local folder URI prefix */
  artifactRoot?: string;
}

const KEY_RE = /^[/\p{L}\p{N}_.\- ]*$/u;

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }
}

function bad(message: string): never {
  throw new ApiError(400, 'INVALID_PARAMETER_VALUE', message);
}

function validKey(kind: string, key: unknown): string {
  if (typeof key !== 'string') bad(`Missing value for required parameter '${kind}.key'.`);
  if (!KEY_RE.test(key))
    bad(
      `Invalid ${kind} name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), and slashes (/).`,
    );
  const norm = pyNormpath(key);
  if (norm !== key || norm === '.' || norm.startsWith('..') || norm.startsWith('/'))
    bad(`Invalid ${kind} name: '${key}'. Names cannot resolve to another name.`);
  if (Array.from(key).length > 250) bad(`${kind} name '${key}' had length ${Array.from(key).length}, which exceeded length limit of 250`);
  return key;
}

function int64(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  bad(`Invalid value ${JSON.stringify(v)} for parameter '${what}' supplied. Hint: Value was of type '${typeof v}'.`);
}

function double(v: unknown, what: string): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  bad(
    `Got invalid value ${JSON.stringify(v)} for metric '${what}' (timestamp=..., step=...). Please specify value as a valid double (64-bit floating point)`,
  );
}

function wireDouble(v: number): number | string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}

export class FakeMlflowServer {
  readonly requests: RecordedRequest[] = [];
  readonly experiments = new Map<string, { id: string; name: string; lifecycle: 'active' | 'deleted'; created: number }>();
  readonly runs = new Map<string, FakeRun>();
  readonly artifacts = new Map<string, Buffer>();
  /** faults applied to the next requests, in order */
  readonly faults: Fault[] = [];
  /** while true, every connection is dropped */
  down = false;
  /** delay every answer by this many ms */
  latencyMs = 0;
  /** requests this says yes to are read and never answered (a server that hangs) */
  hangOn: ((r: RecordedRequest) => boolean) | undefined;
  /** called before each request is routed (tests use it to race other clients) */
  beforeRoute: ((r: RecordedRequest) => void) | undefined;
  /** limit on one request body (MLflow: 1,000,000 bytes for log-batch) */
  maxBatchBytes = 1_000_000;
  private server: http.Server;
  private nextExp = 1;
  private nextRun = 1;
  port = 0;

  constructor(readonly options: FakeServerOptions = {}) {
    this.experiments.set('0', { id: '0', name: 'Default', lifecycle: 'active', created: 1 });
    this.server = http.createServer((req, res) => void this.handle(req, res));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** requests to one endpoint (e.g. 'runs/log-batch') */
  calls(endpoint: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path.endsWith(`/${endpoint}`) || r.path.includes(endpoint));
  }

  run(runId: string): FakeRun {
    const r = this.runs.get(runId);
    if (!r) throw new Error(`no run ${runId}`);
    return r;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const u = new URL(req.url ?? '/', 'http://x');
    const rec: RecordedRequest = { method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, headers: req.headers, body };
    this.requests.push(rec);
    if (this.hangOn?.(rec)) return;
    if (this.down) {
      req.socket.destroy();
      return;
    }
    const fault = this.faults.shift();
    if (fault?.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'slow') await new Promise((r) => setTimeout(r, fault.ms));
    if (this.latencyMs) await new Promise((r) => setTimeout(r, this.latencyMs));
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
      if (res.destroyed) return;
      if (Buffer.isBuffer(payload)) {
        res.writeHead(status, { 'Content-Type': 'application/octet-stream', ...headers });
        res.end(payload);
        return;
      }
      const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
      res.writeHead(status, { 'Content-Type': typeof payload === 'string' ? 'text/html' : 'application/json', ...headers });
      res.end(text);
    };
    if (fault?.kind === 'status') {
      const h: Record<string, string> = fault.retryAfter ? { 'Retry-After': fault.retryAfter } : {};
      if (fault.status === 502) send(502, '<html><body><h1>502 Bad Gateway</h1></body></html>', h);
      else
        send(
          fault.status,
          { error_code: fault.status === 429 ? 'REQUEST_LIMIT_EXCEEDED' : 'INTERNAL_ERROR', message: `injected ${fault.status}` },
          h,
        );
      return;
    }
    try {
      if (this.options.authorization !== undefined && req.headers.authorization !== this.options.authorization) {
        // a careless server that echoes what it got: the client must redact it
        throw new ApiError(401, 'UNAUTHENTICATED', `Invalid credentials: ${req.headers.authorization ?? '(none)'}`);
      }
      if (rec.method === 'POST') {
        if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) {
          throw new ApiError(400, 'BAD_REQUEST', "Bad Request. Content-Type must be one of ['application/json'].");
        }
        try {
          rec.json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
        } catch {
          throw new ApiError(400, 'MALFORMED_REQUEST', 'Malformed JSON');
        }
      }
      this.beforeRoute?.(rec);
      const out = this.route(rec);
      send(200, out);
    } catch (e) {
      if (e instanceof ApiError) send(e.status, { error_code: e.errorCode, message: e.message });
      else send(500, { error_code: 'INTERNAL_ERROR', message: String(e) });
    }
  }

  /** create an experiment directly (as another client would) */
  addExperiment(name: string): string {
    const id = String(this.nextExp++);
    this.experiments.set(id, { id, name, lifecycle: 'active', created: Date.now() });
    return id;
  }

  private route(r: RecordedRequest): unknown {
    const api = '/api/2.0/mlflow/';
    const art = '/api/2.0/mlflow-artifacts/artifacts/';
    if (r.path.startsWith(art)) {
      const p = decodeURIComponent(r.path.slice(art.length));
      if (r.method === 'PUT') {
        this.artifacts.set(p, r.body);
        return {};
      }
      if (r.method === 'GET') {
        const b = this.artifacts.get(p);
        if (!b) throw new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', `File ${p} not found`);
        return b;
      }
    }
    if (!r.path.startsWith(api)) throw new ApiError(404, 'ENDPOINT_NOT_FOUND', 'Not found');
    const ep = `${r.method} ${r.path.slice(api.length)}`;
    const j = r.json ?? {};
    const q = r.query;
    switch (ep) {
      case 'GET experiments/get-by-name': {
        const name = q.get('experiment_name');
        const e = [...this.experiments.values()].find((x) => x.name === name);
        if (!e) throw new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', `Could not find experiment with name '${name}'`);
        return { experiment: this.expJson(e) };
      }
      case 'POST experiments/search': {
        const max = Number(j.max_results ?? 1000);
        const offset = Number(j.page_token ?? 0);
        const view = String(j.view_type ?? 'ACTIVE_ONLY');
        const all = [...this.experiments.values()].filter(
          (e) => view === 'ALL' || (view === 'DELETED_ONLY' ? e.lifecycle === 'deleted' : e.lifecycle === 'active'),
        );
        const out: Record<string, unknown> = { experiments: all.slice(offset, offset + max).map((e) => this.expJson(e)) };
        if (offset + max < all.length) out.next_page_token = String(offset + max);
        return out;
      }
      case 'POST experiments/create': {
        const name = j.name;
        if (typeof name !== 'string' || !name) bad("Missing value for required parameter 'name'.");
        if ([...this.experiments.values()].some((x) => x.name === name)) {
          throw new ApiError(400, 'RESOURCE_ALREADY_EXISTS', `Experiment '${name}' already exists.`);
        }
        const id = String(this.nextExp++);
        this.experiments.set(id, { id, name, lifecycle: 'active', created: Date.now() });
        return { experiment_id: id };
      }
      case 'POST runs/create': {
        const expId = String(j.experiment_id ?? '');
        const exp = this.experiments.get(expId);
        if (!exp) throw new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', `No Experiment with id=${expId} exists`);
        const runId = `run${String(this.nextRun++).padStart(4, '0')}abcdef0123456789abcdef`.slice(0, 32);
        const tags = new Map<string, string>();
        for (const t of (j.tags as { key: string; value: string }[] | undefined) ?? []) tags.set(validKey('tag', t.key), t.value);
        const runName = typeof j.run_name === 'string' ? j.run_name : (tags.get('mlflow.runName') ?? 'fake-run');
        tags.set('mlflow.runName', runName);
        const root = this.options.artifactRoot ?? 'mlflow-artifacts:';
        const run: FakeRun = {
          runId,
          experimentId: expId,
          runName,
          userId: String(j.user_id ?? ''),
          status: 'RUNNING',
          startTime: int64(j.start_time, 'start_time'),
          artifactUri: `${root}/${expId}/${runId}/artifacts`,
          params: new Map(),
          tags,
          metrics: [],
        };
        this.runs.set(runId, run);
        return { run: this.runJson(run) };
      }
      case 'POST runs/log-batch':
        this.logBatch(r, j);
        return {};
      case 'POST runs/log-model': {
        // MLflow's _log_model: model_json must parse and hold the mandatory fields; the model is appended to the
        // run's mlflow.log-model.history tag (the real server re-serialises it with json.dumps)
        const run = this.activeRun(j.run_id);
        let model: Record<string, unknown>;
        try {
          model = JSON.parse(String(j.model_json)) as Record<string, unknown>;
        } catch {
          bad(`Malformed model info. \n ${String(j.model_json)} \n is not a valid JSON.`);
        }
        const missing = ['artifact_path', 'flavors', 'utc_time_created', 'run_id'].filter((k) => !(k in model));
        if (missing.length) bad(`Model json is missing mandatory fields: ${missing.join(', ')}`);
        const previous = run.tags.get('mlflow.log-model.history');
        run.tags.set('mlflow.log-model.history', JSON.stringify([...(previous ? (JSON.parse(previous) as unknown[]) : []), model]));
        return {};
      }
      case 'POST runs/update': {
        const run = this.activeRun(j.run_id);
        if (j.status !== undefined) run.status = j.status as RunStatus;
        if (j.end_time !== undefined) run.endTime = int64(j.end_time, 'end_time');
        return { run_info: this.runJson(run).info };
      }
      case 'GET runs/get':
        return { run: this.runJson(this.activeRun(q.get('run_id'))) };
      case 'POST runs/search': {
        const ids = (j.experiment_ids as string[] | undefined) ?? [];
        const max = Number(j.max_results ?? 1000);
        const offset = Number(j.page_token ?? 0);
        const runs = [...this.runs.values()].filter((x) => ids.includes(x.experimentId));
        const data: RunData[] = runs.map((x) => this.runData(x));
        // MLflow answers a filter or order_by it cannot parse with 400 INVALID_PARAMETER_VALUE (never retried)
        let matched: RunData[];
        try {
          matched = sortRuns(data.filter(compileFilter(j.filter as string | undefined)), (j.order_by as string[] | undefined) ?? []);
        } catch (e) {
          if (e instanceof SearchFilterError) bad(e.message);
          throw e;
        }
        const page = matched.slice(offset, offset + max);
        const out: Record<string, unknown> = { runs: page.map((d) => this.runJson(this.run(d.info.runId))) };
        if (offset + max < matched.length) out.next_page_token = String(offset + max);
        return out;
      }
      case 'GET metrics/get-history': {
        const run = this.activeRun(q.get('run_id'));
        const key = q.get('metric_key');
        return {
          metrics: run.metrics
            .filter((m) => m.key === key)
            .map((m) => ({ key: m.key, value: wireDouble(m.value), timestamp: String(m.timestamp), step: String(m.step) })),
        };
      }
      case 'GET artifacts/list': {
        const run = this.activeRun(q.get('run_id'));
        const prefix = `${run.experimentId}/${run.runId}/artifacts/`;
        const sub = q.get('path') ?? '';
        const base = sub ? `${prefix}${sub}/` : prefix;
        const seen = new Map<string, { path: string; is_dir: boolean; file_size?: string }>();
        for (const [p, b] of this.artifacts) {
          if (!p.startsWith(base)) continue;
          const rest = p.slice(base.length);
          const first = rest.split('/')[0]!;
          const rel = sub ? `${sub}/${first}` : first;
          if (rest.includes('/')) seen.set(rel, { path: rel, is_dir: true });
          else seen.set(rel, { path: rel, is_dir: false, file_size: String(b.length) });
        }
        return { root_uri: run.artifactUri, files: [...seen.values()] };
      }
      default:
        throw new ApiError(404, 'ENDPOINT_NOT_FOUND', `No endpoint ${ep}`);
    }
  }

  private activeRun(id: unknown): FakeRun {
    const run = typeof id === 'string' ? this.runs.get(id) : undefined;
    if (!run) throw new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', `Run with id=${String(id)} not found`);
    return run;
  }

  private logBatch(r: RecordedRequest, j: Record<string, unknown>): void {
    if (r.body.length > this.maxBatchBytes) {
      bad(`Batched logging API requests must be at most ${this.maxBatchBytes} bytes, got a request of size ${r.body.length}.`);
    }
    const run = this.activeRun(j.run_id);
    const metrics = (j.metrics as Record<string, unknown>[] | undefined) ?? [];
    const params = (j.params as Record<string, unknown>[] | undefined) ?? [];
    const tags = (j.tags as Record<string, unknown>[] | undefined) ?? [];
    const limit = (name: string, n: number, max: number): void => {
      if (n > max)
        bad(
          `A batch logging request can contain at most ${max} ${name}. Got ${n} ${name}. Please split up ${name} across multiple requests and try again.`,
        );
    };
    limit('metrics', metrics.length, 1000);
    limit('params', params.length, 100);
    limit('tags', tags.length, 100);
    limit('metrics, params, and tags', metrics.length + params.length + tags.length, 1000);
    const parsedMetrics = metrics.map((m) => {
      const key = validKey('metric', m.key);
      return {
        key,
        value: double(m.value, key),
        timestamp: int64(m.timestamp, 'timestamp'),
        step: m.step === undefined ? 0 : int64(m.step, 'step'),
      };
    });
    const seen = new Set<string>();
    const parsedParams = params.map((p) => {
      const key = validKey('param', p.key);
      if (seen.has(key))
        bad(
          `Duplicate parameter keys have been submitted: ['${key}']. Please ensure the request contains only one param value per param key.`,
        );
      seen.add(key);
      if (typeof p.value !== 'string') bad(`Invalid value for param '${key}'`);
      if (Array.from(p.value).length > 6000)
        bad(`Param value '${p.value.slice(0, 20)}...' had length ${Array.from(p.value).length}, which exceeded length limit of 6000`);
      const old = run.params.get(key);
      if (old !== undefined && old !== p.value) {
        bad(
          `Changing param values is not allowed. Param with key='${key}' was already logged with value='${old}' for run ID='${run.runId}'. Attempted logging new value '${p.value}'.`,
        );
      }
      return { key, value: p.value };
    });
    const parsedTags = tags.map((t) => {
      const key = validKey('tag', t.key);
      if (typeof t.value !== 'string') bad(`Invalid value for tag '${key}'`);
      if (Array.from(t.value).length > 5000) bad(`Tag value had length ${Array.from(t.value).length}, which exceeded length limit of 5000`);
      return { key, value: t.value };
    });
    for (const p of parsedParams) run.params.set(p.key, p.value);
    for (const t of parsedTags) {
      run.tags.set(t.key, t.value);
      if (t.key === 'mlflow.runName') run.runName = t.value;
    }
    run.metrics.push(...parsedMetrics);
  }

  private expJson(e: { id: string; name: string; lifecycle: string; created: number }): Record<string, unknown> {
    return {
      experiment_id: e.id,
      name: e.name,
      artifact_location: `mlflow-artifacts:/${e.id}`,
      lifecycle_stage: e.lifecycle,
      creation_time: String(e.created),
      last_update_time: String(e.created),
    };
  }

  latest(run: FakeRun): Map<string, FakeMetric> {
    const out = new Map<string, FakeMetric>();
    for (const m of run.metrics) {
      const b = out.get(m.key);
      if (!b || m.step > b.step || (m.step === b.step && m.timestamp >= b.timestamp)) out.set(m.key, m);
    }
    return out;
  }

  private runData(run: FakeRun): RunData {
    return {
      info: {
        runId: run.runId,
        experimentId: run.experimentId,
        runName: run.runName,
        artifactUri: run.artifactUri,
        status: run.status,
        startTime: run.startTime,
        ...(run.endTime !== undefined ? { endTime: run.endTime } : {}),
      },
      params: Object.fromEntries(run.params),
      tags: Object.fromEntries(run.tags),
      metrics: Object.fromEntries([...this.latest(run)].map(([k, m]) => [k, m.value])),
    };
  }

  private runJson(run: FakeRun): { info: Record<string, unknown>; data: Record<string, unknown> } {
    // protobuf JSON: int64 as strings, proto3 leaves out unset fields
    const info: Record<string, unknown> = {
      run_id: run.runId,
      run_uuid: run.runId,
      run_name: run.runName,
      experiment_id: run.experimentId,
      user_id: run.userId,
      status: run.status,
      start_time: String(run.startTime),
      artifact_uri: run.artifactUri,
      lifecycle_stage: 'active',
    };
    if (run.endTime !== undefined) info.end_time = String(run.endTime);
    return {
      info,
      data: {
        metrics: [...this.latest(run).values()].map((m) => ({
          key: m.key,
          value: wireDouble(m.value),
          timestamp: String(m.timestamp),
          step: String(m.step),
        })),
        params: [...run.params].map(([key, value]) => ({ key, value })),
        tags: [...run.tags].map(([key, value]) => ({ key, value })),
      },
    };
  }
}

/**
 * A tracking store on an MLflow tracking server, over its REST API (`/api/2.0/mlflow/`).
 *
 * Writes: params, metrics and tags go through `runs/log-batch`, split to MLflow's limits (see
 * batch.ts), keys sanitised and long values cut (each time with a warning); runs end with
 * `runs/update`. Artifacts go where the run's `artifact_uri` says: `mlflow-artifacts:/...` (a
 * server started with --serve-artifacts, the default since MLflow 2.0) is uploaded with
 * `PUT /api/2.0/mlflow-artifacts/artifacts/<path>`; a local `file:` location (a server on this
 * machine without artifact proxying) is written directly.
 *
 * Writes are sent one at a time, in the order they were made. If the server becomes
 * unreachable (after the client's retries), the write goes to the run's spool on disk
 * (spool/spool.ts) and the method returns normally, so training goes on; later writes go
 * straight to the spool, and at most every `probeIntervalMs` one quick attempt replays the spool
 * when the server is back. `endRun` replays it with full retries; if the server is still away,
 * the end of the run is spooled too and a warning says to run `mmx sync`.
 *
 * `endRunSync` (exit paths): spawns a short-lived `node` child (spawnSync) that sends
 * `runs/update` (at most 3 s); the request and the Authorization header travel on its stdin,
 * never on its command line. If that fails, or writes are already spooled, the end is appended
 * to the spool synchronously, so `mmx sync` finishes the run later.
 *
 * Reading (`getRun` et al.) never spools; `getRun` of a run this store created answers from
 * what it knows when the server is unreachable.
 */
import { spawnSync } from 'node:child_process';
import fsp from 'node:fs/promises';
import path from 'node:path';

import { writeFileAtomic } from '../atomic-fs.js';
import { TrackingError } from '../errors.js';
import { fileUriToPath } from '../file-uri.js';
import { LOGGED_MODELS_TAG } from '../logged-model.js';
import { pyJson, type PyJsonValue } from '../py-json.js';
import { currentUser } from '../run-context.js';
import type {
  ArtifactEntry,
  CreateRunOptions,
  ExperimentSummary,
  MetricPoint,
  RunData,
  RunInfo,
  RunStatus,
  SearchRunsOptions,
  Tracker,
} from '../tracker.js';
import {
  validateArtifactPath,
  validateExperimentId,
  validateExperimentName,
  validateRunId,
  validateTimestamp,
  validateValueLength,
} from '../validation.js';
import { defaultSpoolDir, type ReplayReport, replaySpool, RunSpool, type SpoolEntry, type TerminalStatus } from '../spool/spool.js';
import {
  type BatchLimits,
  MLFLOW_BATCH_LIMITS,
  type PreparedBatch,
  prepareMetrics,
  prepareParams,
  prepareTags,
  splitBatch,
} from './batch.js';
import {
  isUnavailable,
  MlflowApiError,
  RestClient,
  type RestClientOptions,
  type RetryOptions,
  toWireJson,
  wireDouble,
  wireInt,
} from './client.js';

export interface RestStoreOptions {
  /** environment for credentials and settings (default: process.env) */
  env?: NodeJS.ProcessEnv;
  /** HTTP client settings (retries, timeouts, credentials) */
  client?: Omit<RestClientOptions, 'baseUrl' | 'env'>;
  /** where warnings go (sanitised keys, cut values, spooling); default: stderr */
  onWarning?: (message: string) => void;
  /** spool folder (default: defaultSpoolDir(env)) */
  spoolDir?: string;
  /** spool writes when the server is unreachable (default true) */
  spool?: boolean;
  /** while spooling, how often a write tries the server again (default 10 s) */
  probeIntervalMs?: number;
  /** timeout of that quick attempt (default 5 s) */
  probeTimeoutMs?: number;
  /** limits for runs/log-batch (tests shrink them) */
  batchLimits?: BatchLimits;
  /** user recorded as the run's user_id when tags carry no `mlflow.user` */
  user?: string;
  now?: () => number;
  /** how long endRunSync's child may take (default 3 s) */
  endRunSyncTimeoutMs?: number;
}

const RUN_NAME_TAG = 'mlflow.runName';
const USER_TAG = 'mlflow.user';
const STATUS_BY_NUMBER: Record<number, RunStatus> = { 1: 'RUNNING', 2: 'SCHEDULED', 3: 'FINISHED', 4: 'FAILED', 5: 'KILLED' };
const TERMINAL: ReadonlySet<string> = new Set(['FINISHED', 'FAILED', 'KILLED']);

type WriteOp =
  | { op: 'batch'; batch: PreparedBatch }
  | { op: 'artifact'; path: string; content: Uint8Array }
  | { op: 'end'; status: TerminalStatus; endTime: number };

type Json = Record<string, unknown>;

function obj(v: unknown): Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
}

function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function str(v: unknown, fallback = ''): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : fallback;
}

function parseStatus(v: unknown): RunStatus {
  if (typeof v === 'number') return STATUS_BY_NUMBER[v] ?? 'RUNNING';
  const s = str(v, 'RUNNING').toUpperCase();
  return (['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] as const).find((x) => x === s) ?? 'RUNNING';
}

function localDirOf(artifactUri: string): string | undefined {
  if (artifactUri.startsWith('file:')) {
    try {
      return fileUriToPath(artifactUri);
    } catch {
      return undefined;
    }
  }
  if (artifactUri.startsWith('/')) return artifactUri;
  return undefined;
}

/** `mlflow-artifacts:/1/abc/artifacts` or `mlflow-artifacts://host/1/abc/artifacts` → `1/abc/artifacts` */
function proxiedPathOf(artifactUri: string): string | undefined {
  const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/*(.*)$/i.exec(artifactUri);
  return m ? (m[1] ?? '').replace(/\/+$/, '') : undefined;
}

function encodePath(p: string): string {
  return p
    .split('/')
    .filter((s) => s !== '')
    .map(encodeURIComponent)
    .join('/');
}

const MIME: Record<string, string> = {
  '.json': 'application/json',
  '.yaml': 'text/yaml',
  '.yml': 'text/yaml',
  '.txt': 'text/plain',
  '.csv': 'text/csv',
  '.html': 'text/html',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.md': 'text/markdown',
};

function mimeOf(p: string): string {
  return MIME[path.posix.extname(p).toLowerCase()] ?? 'application/octet-stream';
}

function parseRunInfo(v: unknown): RunInfo {
  const i = obj(v);
  const runId = str(i.run_id) || str(i.run_uuid);
  const info: RunInfo = {
    runId,
    experimentId: str(i.experiment_id),
    runName: str(i.run_name),
    artifactUri: str(i.artifact_uri),
    status: parseStatus(i.status),
    startTime: wireInt(i.start_time),
  };
  const dir = localDirOf(info.artifactUri);
  if (dir !== undefined) info.artifactDir = dir;
  if (i.end_time !== undefined && i.end_time !== null) info.endTime = wireInt(i.end_time);
  if (typeof i.user_id === 'string') info.userId = i.user_id;
  if (i.lifecycle_stage === 'active' || i.lifecycle_stage === 'deleted') info.lifecycleStage = i.lifecycle_stage;
  return info;
}

function kvs(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of arr(v)) {
    const o = obj(e);
    if (typeof o.key === 'string') out[o.key] = str(o.value);
  }
  return out;
}

export function parseRunData(v: unknown): RunData {
  const run = obj(v);
  const data = obj(run.data);
  const info = parseRunInfo(run.info);
  const tags = kvs(data.tags);
  if (!info.runName && tags[RUN_NAME_TAG]) info.runName = tags[RUN_NAME_TAG];
  const metrics: Record<string, number> = {};
  for (const e of arr(data.metrics)) {
    const o = obj(e);
    if (typeof o.key === 'string') metrics[o.key] = wireDouble(o.value);
  }
  return { info, params: kvs(data.params), metrics, tags };
}

function parseExperiment(v: unknown): ExperimentSummary {
  const e = obj(v);
  const out: ExperimentSummary = {
    experimentId: str(e.experiment_id),
    name: str(e.name),
    artifactLocation: str(e.artifact_location),
    lifecycleStage: e.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
  };
  if (e.creation_time !== undefined) out.creationTime = wireInt(e.creation_time);
  if (e.last_update_time !== undefined) out.lastUpdateTime = wireInt(e.last_update_time);
  return out;
}

function parseMetric(v: unknown): MetricPoint {
  const o = obj(v);
  return { key: str(o.key), value: wireDouble(o.value), timestamp: wireInt(o.timestamp), step: wireInt(o.step) };
}

/**
 * A tiny script for endRunSync's child: reads `{url, auth, body, timeoutMs}` from stdin, POSTs,
 * exits 0 (sent), 3 (refused: 4xx) or 2 (unreachable).
 */
const END_RUN_CHILD = `
let d = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (c) => (d += c));
process.stdin.on('end', async () => {
  try {
    const r = JSON.parse(d);
    const headers = { 'Content-Type': 'application/json' };
    if (r.auth) headers.Authorization = r.auth;
    const res = await fetch(r.url, { method: 'POST', headers, body: r.body, signal: AbortSignal.timeout(r.timeoutMs) });
    process.exit(res.ok ? 0 : res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429 ? 3 : 2);
  } catch {
    process.exit(2);
  }
});
`;

export class RestStore implements Tracker {
  readonly uri: string;
  readonly client: RestClient;
  readonly spoolDir: string;

  private readonly warnFn: (message: string) => void;
  private readonly spoolEnabled: boolean;
  private readonly probeIntervalMs: number;
  private readonly probeTimeoutMs: number;
  private readonly limits: BatchLimits;
  private readonly user: string | undefined;
  private readonly now: () => number;
  private readonly endRunSyncTimeoutMs: number;
  private readonly env: NodeJS.ProcessEnv;

  private readonly runs = new Map<string, RunInfo>();
  private readonly spools = new Map<string, RunSpool>();
  private readonly lastProbe = new Map<string, number>();
  private readonly metricKeys = new Map<string, string>();
  private readonly warned = new Set<string>();
  private queue: Promise<unknown> = Promise.resolve();
  /** writes made and not yet sent or spooled, in order (the one in flight included) */
  private readonly pending = new Map<number, { runId: string; op: WriteOp }>();
  private nextWrite = 0;
  /** runs ended synchronously (endRunSync): their queued writes are in the spool, nothing more is sent */
  private readonly closedRuns = new Set<string>();

  constructor(trackingUri: string, options: RestStoreOptions = {}) {
    this.env = options.env ?? process.env;
    this.client = new RestClient({ baseUrl: trackingUri, env: this.env, ...options.client });
    this.uri = this.client.baseUrl;
    this.warnFn = options.onWarning ?? ((m) => process.stderr.write(`warning: ${m}\n`));
    this.spoolEnabled = options.spool ?? true;
    this.spoolDir = options.spoolDir ?? defaultSpoolDir(this.env);
    this.probeIntervalMs = options.probeIntervalMs ?? 10_000;
    this.probeTimeoutMs = options.probeTimeoutMs ?? 5_000;
    this.limits = options.batchLimits ?? MLFLOW_BATCH_LIMITS;
    this.user = options.user;
    this.now = options.now ?? Date.now;
    this.endRunSyncTimeoutMs = options.endRunSyncTimeoutMs ?? 3_000;
  }

  private warn(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.warnFn(this.client.redact(message));
  }

  // ---------------------------------------------------------------- experiments

  /** Active experiments (MLflow's `experiments/search`, page by page). */
  async listExperiments(): Promise<ExperimentSummary[]> {
    const out: ExperimentSummary[] = [];
    let pageToken: string | undefined;
    do {
      const body: Json = { max_results: 1000, view_type: 'ACTIVE_ONLY' };
      if (pageToken) body.page_token = pageToken;
      const res = await this.client.api<Json>('POST', 'experiments/search', body);
      for (const e of arr(res.experiments)) {
        const exp = parseExperiment(e);
        if (exp.lifecycleStage === 'active') out.push(exp);
      }
      pageToken = str(res.next_page_token) || undefined;
    } while (pageToken);
    return out;
  }

  async getExperimentByName(name: string): Promise<ExperimentSummary | undefined> {
    const exp = await this.lookupExperiment(name);
    return exp?.lifecycleStage === 'active' ? exp : undefined;
  }

  private async lookupExperiment(name: string): Promise<ExperimentSummary | undefined> {
    try {
      const res = await this.client.api<Json>('GET', 'experiments/get-by-name', { experiment_name: name });
      return parseExperiment(res.experiment);
    } catch (e) {
      if (e instanceof MlflowApiError && e.code === 'RESOURCE_DOES_NOT_EXIST') return undefined;
      throw e;
    }
  }

  async getOrCreateExperiment(name: string): Promise<string> {
    validateExperimentName(name);
    const found = await this.lookupExperiment(name);
    if (found) return this.activeId(found);
    try {
      const res = await this.client.api<Json>('POST', 'experiments/create', { name });
      const id = str(res.experiment_id);
      if (!id)
        throw new TrackingError(
          `The MLflow tracking server at ${this.uri} created experiment '${name}' but returned no id.`,
          'INTERNAL_ERROR',
        );
      return id;
    } catch (e) {
      // created meanwhile by another process
      if (e instanceof MlflowApiError && e.code === 'RESOURCE_ALREADY_EXISTS') {
        const again = await this.lookupExperiment(name);
        if (again) return this.activeId(again);
      }
      throw e;
    }
  }

  private activeId(exp: ExperimentSummary): string {
    if (exp.lifecycleStage === 'deleted') {
      throw new TrackingError(
        `Experiment '${exp.name}' (ID ${exp.experimentId}) exists in deleted state on the MLflow tracking server at ${this.uri}. ` +
          `Restore it (mlflow experiments restore --experiment-id ${exp.experimentId}) or remove it permanently (mlflow gc) to use this name again.`,
        'RESOURCE_ALREADY_EXISTS',
      );
    }
    return exp.experimentId;
  }

  // ---------------------------------------------------------------- runs

  async createRun(experimentId: string, options: CreateRunOptions): Promise<RunInfo> {
    validateExperimentId(experimentId);
    const tags: Record<string, string> = { ...(options.tags ?? {}) };
    const tagName = tags[RUN_NAME_TAG];
    if (options.runName && tagName !== undefined && tagName !== options.runName) {
      throw new TrackingError(
        `Both 'runName' and the '${RUN_NAME_TAG}' tag are given, with different values ('${options.runName}' and '${tagName}').`,
        'INVALID_PARAMETER_VALUE',
      );
    }
    const runName = options.runName || tagName || '';
    if (runName) tags[RUN_NAME_TAG] = runName;
    for (const [k, v] of Object.entries(tags)) {
      if (typeof v !== 'string') validateValueLength('tag', k, v);
    }
    const startTime = options.startTime ?? this.now();
    validateTimestamp('start time', startTime);
    const body: Json = {
      experiment_id: experimentId,
      user_id: tags[USER_TAG] ?? this.user ?? currentUser(),
      start_time: startTime,
      tags: prepareTags(tags, (m) => this.warn(m)),
    };
    if (runName) body.run_name = runName;
    const res = await this.client.api<Json>('POST', 'runs/create', body);
    const run = parseRunData(res.run);
    if (!run.info.runId)
      throw new TrackingError(`The MLflow tracking server at ${this.uri} created a run but returned no run id.`, 'INTERNAL_ERROR');
    if (!run.info.runName) run.info.runName = runName || run.tags[RUN_NAME_TAG] || '';
    if (!run.info.experimentId) run.info.experimentId = experimentId;
    this.runs.set(run.info.runId, { ...run.info });
    return run.info;
  }

  async logParams(runId: string, params: Record<string, string>): Promise<void> {
    validateRunId(runId);
    for (const [k, v] of Object.entries(params)) {
      if (typeof v !== 'string') validateValueLength('param', k, v);
    }
    if (Object.keys(params).length === 0) return;
    const batch: PreparedBatch = { metrics: [], params: prepareParams(params, (m) => this.warn(m)), tags: [] };
    await this.write(runId, { op: 'batch', batch });
  }

  async logMetrics(runId: string, metrics: MetricPoint[]): Promise<void> {
    validateRunId(runId);
    for (const m of metrics) {
      if (typeof m.value !== 'number') {
        throw new TrackingError(
          `Got invalid value ${String(m.value)} for metric '${m.key}': it must be a number (NaN and ±Infinity are allowed).`,
          'INVALID_PARAMETER_VALUE',
        );
      }
    }
    if (metrics.length === 0) return;
    const batch: PreparedBatch = { metrics: prepareMetrics(metrics, (m) => this.warn(m), this.metricKeys), params: [], tags: [] };
    await this.write(runId, { op: 'batch', batch });
  }

  async setTags(runId: string, tags: Record<string, string>): Promise<void> {
    validateRunId(runId);
    for (const [k, v] of Object.entries(tags)) {
      if (typeof v !== 'string') validateValueLength('tag', k, v);
    }
    if (Object.keys(tags).length === 0) return;
    const batch: PreparedBatch = { metrics: [], params: [], tags: prepareTags(tags, (m) => this.warn(m)) };
    await this.write(runId, { op: 'batch', batch });
    const name = tags[RUN_NAME_TAG];
    const cached = this.runs.get(runId);
    if (name !== undefined && cached) cached.runName = name;
  }

  async logArtifact(runId: string, relativePath: string, content: string | Uint8Array): Promise<void> {
    validateRunId(runId);
    const rel = validateArtifactPath(relativePath);
    const bytes = typeof content === 'string' ? new Uint8Array(Buffer.from(content, 'utf8')) : content;
    const info = await this.runInfo(runId);
    const local = localDirOf(info.artifactUri);
    if (local !== undefined) {
      // a server on this machine with a local artifact root: write there directly
      const target = path.join(local, ...rel.split('/'));
      await fsp.mkdir(path.dirname(target), { recursive: true });
      await writeFileAtomic(target, bytes);
      return;
    }
    this.uploadTarget(info.artifactUri, rel); // fail early on an artifact store mmx cannot reach
    await this.write(runId, { op: 'artifact', path: rel, content: bytes });
  }

  /**
   * MLflow's RestStore.record_logged_model: `POST runs/log-model` with the model's dict as JSON; the server appends
   * it to the run's history tag. While the server is unreachable it is spooled as the tag the server would write
   * for a run's first model.
   */
  async recordLoggedModel(runId: string, model: Record<string, PyJsonValue>): Promise<void> {
    validateRunId(runId);
    await this.enqueue(async () => {
      if (!this.spools.has(runId)) {
        try {
          await this.client.api('POST', 'runs/log-model', { run_id: runId, model_json: pyJson(model) }, {});
          return;
        } catch (e) {
          if (!isUnavailable(e) || !this.spoolEnabled) throw e;
          await this.spoolOp(runId, this.loggedModelTag(model), e);
          return;
        }
      }
      await this.spoolOp(runId, this.loggedModelTag(model));
    });
  }

  private loggedModelTag(model: Record<string, PyJsonValue>): WriteOp {
    return { op: 'batch', batch: { metrics: [], params: [], tags: [{ key: LOGGED_MODELS_TAG, value: pyJson([model]) }] } };
  }

  /** Not spooled: a resume reads the run's checkpoint from the server first, so the server is there. */
  async reopenRun(runId: string): Promise<void> {
    validateRunId(runId);
    await this.enqueue(() => this.client.api('POST', 'runs/update', { run_id: runId, run_uuid: runId, status: 'RUNNING' }));
  }

  async endRun(runId: string, status: TerminalStatus, endTime?: number): Promise<void> {
    validateRunId(runId);
    if (!TERMINAL.has(status)) {
      throw new TrackingError(`Invalid end status '${status}': expected FINISHED, FAILED or KILLED.`, 'INVALID_PARAMETER_VALUE');
    }
    const end = endTime ?? this.now();
    validateTimestamp('end time', end);
    await this.enqueue(async () => {
      let spool = this.spools.get(runId) ?? (await this.existingSpool(runId));
      if (spool) {
        await this.replay(runId, spool, {});
        spool = this.spools.get(runId);
      }
      const op: WriteOp = { op: 'end', status, endTime: end };
      if (spool) {
        await this.spoolOp(runId, op);
      } else {
        try {
          await this.send(runId, op, {});
        } catch (e) {
          if (!isUnavailable(e) || !this.spoolEnabled) throw e;
          await this.spoolOp(runId, op, e);
        }
      }
      const still = this.spools.get(runId);
      if (still) {
        const n = (await still.state()).pending.length;
        this.warnFn(
          `the MLflow tracking server at ${this.uri} is still unreachable: ${n} write${n === 1 ? '' : 's'} of run ${runId} ` +
            `(ending it ${status}) ${n === 1 ? 'is' : 'are'} kept in ${still.file}. Run \`mmx sync\` when the server is back; ` +
            'until then the server shows the run as RUNNING.',
        );
      }
    });
    const cached = this.runs.get(runId);
    if (cached) {
      cached.status = status;
      cached.endTime = end;
    }
  }

  endRunSync(runId: string, status: TerminalStatus, endTime?: number): void {
    validateRunId(runId);
    const end = endTime ?? this.now();
    const cached = this.runs.get(runId);
    if (cached) {
      cached.status = status;
      cached.endTime = end;
    }
    // writes still queued (or in flight: a server that does not answer) go to the spool before the end, in order;
    // nothing more is sent for this run from this process
    const unsent = [...this.pending.values()].filter((p) => p.runId === runId).map((p) => p.op);
    this.closedRuns.add(runId);
    if (unsent.length) this.client.abortAll('the run was ended synchronously');
    const spooled =
      this.spools.get(runId) ??
      (unsent.length && this.spoolEnabled
        ? RunSpool.createSync(this.spoolDir, {
            runId,
            experimentId: cached?.experimentId ?? '',
            artifactUri: cached?.artifactUri ?? '',
            trackingUri: this.uri,
            createdAt: this.now(),
          })
        : undefined);
    if (spooled) for (const op of unsent) spooled.appendSync(op.op === 'batch' ? { op: 'batch', ...op.batch } : op);
    if (!spooled) {
      const outcome = this.sendEndSync(runId, status, end);
      if (outcome === 'sent') return;
      if (outcome === 'refused') {
        // best effort on an exit path: say so rather than throw from a signal handler
        this.warnFn(`the MLflow tracking server at ${this.uri} refused to end run ${runId} as ${status}.`);
        return;
      }
      if (!this.spoolEnabled) return;
    }
    const spool =
      spooled ??
      RunSpool.createSync(this.spoolDir, {
        runId,
        experimentId: cached?.experimentId ?? '',
        artifactUri: cached?.artifactUri ?? '',
        trackingUri: this.uri,
        createdAt: this.now(),
      });
    spool.appendSync({ op: 'end', status, endTime: end });
    this.warnFn(`run ${runId} could not be ended on ${this.uri} now; its end is kept in ${spool.file} (run \`mmx sync\`).`);
  }

  private sendEndSync(runId: string, status: TerminalStatus, endTime: number): 'sent' | 'refused' | 'unreachable' {
    const input = JSON.stringify({
      url: this.client.url('/api/2.0/mlflow/runs/update'),
      auth: this.client.authorizationHeader(),
      body: toWireJson({ run_id: runId, run_uuid: runId, status, end_time: endTime }),
      timeoutMs: Math.max(500, this.endRunSyncTimeoutMs - 500),
    });
    const env: NodeJS.ProcessEnv = { ...process.env };
    if (this.client.insecureTls) env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    const res = spawnSync(process.execPath, ['-e', END_RUN_CHILD], {
      input,
      env,
      timeout: this.endRunSyncTimeoutMs,
      stdio: ['pipe', 'ignore', 'ignore'],
      windowsHide: true,
    });
    if (res.status === 0) return 'sent';
    if (res.status === 3) return 'refused';
    return 'unreachable';
  }

  async getRun(runId: string): Promise<RunInfo> {
    validateRunId(runId);
    const known = this.runs.get(runId);
    // writes of this run are spooled: the server is away, and what this process knows is newer anyway
    if (known && (this.spools.has(runId) || this.closedRuns.has(runId))) return { ...known };
    try {
      const data = await this.getRunData(runId);
      const cached = this.runs.get(runId);
      if (cached) {
        // what this process knows is newer while writes are spooled
        if (this.spools.has(runId)) return { ...cached };
        Object.assign(cached, data.info);
      }
      return data.info;
    } catch (e) {
      const cached = this.runs.get(runId);
      if (isUnavailable(e) && cached) return { ...cached };
      throw e;
    }
  }

  // ---------------------------------------------------------------- read side

  async getRunData(runId: string): Promise<RunData> {
    validateRunId(runId);
    const res = await this.client.api<Json>('GET', 'runs/get', { run_id: runId });
    const data = parseRunData(res.run);
    if (!data.info.runId) throw new TrackingError(`Run '${runId}' not found on ${this.uri}`, 'RESOURCE_DOES_NOT_EXIST');
    return data;
  }

  async searchRuns(experimentIds: string[], options: SearchRunsOptions = {}): Promise<RunData[]> {
    for (const id of experimentIds) validateExperimentId(id);
    const max = options.maxResults ?? 1000;
    const out: RunData[] = [];
    let pageToken: string | undefined;
    do {
      const body: Json = {
        experiment_ids: experimentIds,
        run_view_type: 'ACTIVE_ONLY',
        max_results: Math.min(1000, max - out.length),
      };
      if (options.filter) body.filter = options.filter;
      if (options.orderBy?.length) body.order_by = options.orderBy;
      if (pageToken) body.page_token = pageToken;
      const res = await this.client.api<Json>('POST', 'runs/search', body);
      for (const r of arr(res.runs)) out.push(parseRunData(r));
      pageToken = str(res.next_page_token) || undefined;
    } while (pageToken && out.length < max);
    return out.slice(0, max);
  }

  async getMetricHistory(runId: string, key: string): Promise<MetricPoint[]> {
    validateRunId(runId);
    const out: MetricPoint[] = [];
    let pageToken: string | undefined;
    do {
      const q: Json = { run_id: runId, metric_key: key, max_results: 25000 };
      if (pageToken) q.page_token = pageToken;
      const res = await this.client.api<Json>('GET', 'metrics/get-history', q);
      for (const m of arr(res.metrics)) out.push(parseMetric(m));
      pageToken = str(res.next_page_token) || undefined;
    } while (pageToken);
    return out;
  }

  async listArtifacts(runId: string, dir?: string): Promise<ArtifactEntry[]> {
    validateRunId(runId);
    const rel = dir === undefined || dir === '' || dir === '.' ? undefined : validateArtifactPath(dir);
    const out: ArtifactEntry[] = [];
    let pageToken: string | undefined;
    do {
      const q: Json = { run_id: runId };
      if (rel) q.path = rel;
      if (pageToken) q.page_token = pageToken;
      const res = await this.client.api<Json>('GET', 'artifacts/list', q);
      for (const f of arr(res.files)) {
        const o = obj(f);
        const entry: ArtifactEntry = { path: str(o.path), isDir: o.is_dir === true };
        if (o.file_size !== undefined) entry.fileSize = wireInt(o.file_size);
        out.push(entry);
      }
      pageToken = str(res.next_page_token) || undefined;
    } while (pageToken);
    return out;
  }

  async downloadArtifact(runId: string, artifactPath: string): Promise<Uint8Array> {
    validateRunId(runId);
    const rel = validateArtifactPath(artifactPath);
    const info = await this.runInfo(runId);
    const local = localDirOf(info.artifactUri);
    if (local !== undefined) {
      try {
        return new Uint8Array(await fsp.readFile(path.join(local, ...rel.split('/'))));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        throw new TrackingError(`Run ${runId} has no artifact '${rel}' (in ${local}).`, 'RESOURCE_DOES_NOT_EXIST');
      }
    }
    const proxied = proxiedPathOf(info.artifactUri);
    const what = `the download of artifact '${rel}'`;
    const res =
      proxied !== undefined
        ? await this.client.requestRaw({
            method: 'GET',
            path: `/api/2.0/mlflow-artifacts/artifacts/${encodePath(`${proxied}/${rel}`)}`,
            what,
          })
        : await this.client.requestRaw({ method: 'GET', path: '/get-artifact', query: { run_id: runId, path: rel }, what });
    return res.body;
  }

  // ---------------------------------------------------------------- spool

  /** Replay every spool this store has open (full retries). */
  async flush(): Promise<void> {
    await this.enqueue(async () => {
      for (const [runId, spool] of [...this.spools]) await this.replay(runId, spool, {});
    });
  }

  /**
   * Replay the spool of one run (from any process), as `mmx sync` does. Returns undefined when
   * the run has no spool.
   */
  async syncSpool(runId: string): Promise<ReplayReport | undefined> {
    validateRunId(runId);
    return this.enqueue(async () => {
      const spool = this.spools.get(runId) ?? (await RunSpool.open(this.spoolDir, runId));
      if (!spool) return undefined;
      if (spool.header.artifactUri && !this.runs.has(runId)) {
        this.runs.set(runId, {
          runId,
          experimentId: spool.header.experimentId,
          runName: '',
          artifactUri: spool.header.artifactUri,
          status: 'RUNNING',
          startTime: 0,
        });
      }
      // the caller reports the outcome (mmx sync prints it)
      return this.replay(runId, spool, {}, undefined, false);
    });
  }

  private async existingSpool(runId: string): Promise<RunSpool | undefined> {
    if (!this.spoolEnabled) return undefined;
    return RunSpool.open(this.spoolDir, runId).catch(() => undefined);
  }

  private async replay(
    runId: string,
    spool: RunSpool,
    retry: Partial<RetryOptions>,
    timeoutMs?: number,
    announce = true,
  ): Promise<ReplayReport> {
    const report = await replaySpool(
      spool,
      (entry) => this.sendEntry(runId, spool, entry, retry, timeoutMs),
      (e) => isUnavailable(e),
      { lockTimeoutMs: retry.maxRetries === 0 ? 50 : 15_000 },
    );
    for (const r of announce ? report.rejected : []) {
      this.warn(`the MLflow tracking server at ${this.uri} refused spooled write #${r.seq} (${r.op}) of run ${runId}: ${r.error}`);
    }
    if (report.done) {
      this.spools.delete(runId);
      this.lastProbe.delete(runId);
      const n = report.sent.batches + report.sent.artifacts + (report.sent.end ? 1 : 0);
      if (n > 0 && announce)
        this.warn(
          `the MLflow tracking server at ${this.uri} is reachable again: sent ${n} spooled write${n === 1 ? '' : 's'} of run ${runId}.`,
        );
      if (report.rejectedFile && announce) this.warn(`refused writes of run ${runId} are kept in ${report.rejectedFile}.`);
    } else if (!this.spools.has(runId) && report.pending > 0) {
      this.spools.set(runId, spool);
    }
    return report;
  }

  private async sendEntry(
    runId: string,
    spool: RunSpool,
    entry: SpoolEntry,
    retry: Partial<RetryOptions>,
    timeoutMs?: number,
  ): Promise<void> {
    switch (entry.op) {
      case 'batch':
        return this.sendBatch(runId, { metrics: entry.metrics, params: entry.params, tags: entry.tags }, retry, timeoutMs);
      case 'artifact': {
        const content = await spool.readBlob(entry);
        return this.send(runId, { op: 'artifact', path: entry.path, content }, retry, timeoutMs);
      }
      case 'end':
        return this.send(runId, { op: 'end', status: entry.status, endTime: entry.endTime }, retry, timeoutMs);
    }
  }

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** One write, in order; spooled when the server is unreachable (a write that times out is not retried). */
  private write(runId: string, op: WriteOp): Promise<void> {
    const id = this.nextWrite++;
    this.pending.set(id, { runId, op });
    return this.enqueue(async () => {
      try {
        await this.writeNow(runId, op);
      } finally {
        this.pending.delete(id);
      }
    });
  }

  private async writeNow(runId: string, op: WriteOp): Promise<void> {
    {
      if (this.closedRuns.has(runId)) return;
      let spool = this.spools.get(runId);
      if (spool) {
        const last = this.lastProbe.get(runId) ?? 0;
        if (this.now() - last >= this.probeIntervalMs) {
          this.lastProbe.set(runId, this.now());
          await this.replay(runId, spool, { maxRetries: 0 }, this.probeTimeoutMs);
        }
        spool = this.spools.get(runId);
        if (spool) {
          await this.spoolOp(runId, op);
          return;
        }
      }
      try {
        await this.send(runId, op, {});
      } catch (e) {
        if (this.closedRuns.has(runId)) return;
        if (!isUnavailable(e) || !this.spoolEnabled) throw e;
        await this.spoolOp(runId, op, e);
      }
    }
  }

  private async spoolOp(runId: string, op: WriteOp, cause?: unknown): Promise<void> {
    let spool = this.spools.get(runId);
    if (!spool) {
      const info = this.runs.get(runId);
      spool = await RunSpool.create(this.spoolDir, {
        runId,
        experimentId: info?.experimentId ?? '',
        artifactUri: info?.artifactUri ?? '',
        trackingUri: this.uri,
        createdAt: this.now(),
      });
      this.spools.set(runId, spool);
      this.lastProbe.set(runId, this.now());
      const why = isUnavailable(cause) ? ` (${cause.detail})` : cause instanceof Error ? ` (${cause.message})` : '';
      this.warnFn(
        this.client.redact(
          `the MLflow tracking server at ${this.uri} is unreachable${why}; training goes on and run ${runId}'s ` +
            `writes are kept in ${spool.file} until it is back (\`mmx sync\` sends them later).`,
        ),
      );
    }
    if (op.op === 'batch') await spool.append({ op: 'batch', ...op.batch });
    else if (op.op === 'artifact') await spool.append(op);
    else await spool.append(op);
  }

  private async send(runId: string, op: WriteOp, retry: Partial<RetryOptions>, timeoutMs?: number): Promise<void> {
    // a write that times out goes to the spool at once: retrying a server that does not answer only waits longer
    const extra = { retry, retryTimeouts: false, ...(timeoutMs !== undefined ? { timeoutMs } : {}) };
    switch (op.op) {
      case 'batch':
        return this.sendBatch(runId, op.batch, retry, timeoutMs);
      case 'end':
        await this.client.api('POST', 'runs/update', { run_id: runId, run_uuid: runId, status: op.status, end_time: op.endTime }, extra);
        return;
      case 'artifact': {
        const info = await this.runInfo(runId);
        const target = this.uploadTarget(info.artifactUri, op.path);
        await this.client.requestRaw({
          method: 'PUT',
          path: target,
          body: op.content,
          contentType: mimeOf(op.path),
          what: `the upload of artifact '${op.path}'`,
          ...extra,
        });
        return;
      }
    }
  }

  private async sendBatch(runId: string, batch: PreparedBatch, retry: Partial<RetryOptions>, timeoutMs?: number): Promise<void> {
    for (const body of splitBatch(runId, batch, this.limits)) {
      await this.client.api('POST', 'runs/log-batch', body as unknown as Json, {
        retry,
        retryTimeouts: false,
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      });
    }
  }

  /** The request path an artifact is PUT to. */
  private uploadTarget(artifactUri: string, rel: string): string {
    const proxied = proxiedPathOf(artifactUri);
    if (proxied !== undefined) return `/api/2.0/mlflow-artifacts/artifacts/${encodePath(`${proxied}/${rel}`)}`;
    throw new TrackingError(
      `The run's artifact location '${artifactUri}' is not one mmx can upload to. Start the MLflow server with artifact ` +
        'proxying (mlflow server --serve-artifacts, the default since MLflow 2.0) so that runs get mlflow-artifacts:/ locations, ' +
        'or give it a local --default-artifact-root on this machine.',
      'INVALID_STATE',
    );
  }

  private async runInfo(runId: string): Promise<RunInfo> {
    const cached = this.runs.get(runId);
    if (cached && cached.artifactUri) return cached;
    const data = await this.getRunData(runId);
    this.runs.set(runId, { ...data.info });
    return data.info;
  }
}

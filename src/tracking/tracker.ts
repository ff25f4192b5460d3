/**
 * The one interface every tracking store implements: the MLflow file store (`FileStore`) and an
 * MLflow tracking server over REST (`RestStore`). Everything above it (training loop, CLI) is
 * unaware of which store it talks to.
 *
 * The write side is required. The read side (`searchRuns`, `getRunData`, ...) is optional in the
 * type so that test doubles stay small; both real stores implement all of it, and `asReader`
 * turns a Tracker into one whose read methods are known to exist.
 */
import type { PyJsonValue } from './py-json.js';
import { TrackingError } from './errors.js';

export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

export interface MetricPoint {
  key: string;
  value: number;
  /** integer milliseconds since the epoch */
  timestamp: number;
  step: number;
}

export interface RunInfo {
  runId: string;
  experimentId: string;
  runName: string;
  /** a `file://` URI (file store) or `mlflow-artifacts:/...` (server) */
  artifactUri: string;
  /** local folder artifacts are written to, when the store is local */
  artifactDir?: string;
  status: RunStatus;
  startTime: number;
  endTime?: number;
  /** MLflow's `user_id`, when the store reports it */
  userId?: string;
  /** `active` or `deleted`, when the store reports it */
  lifecycleStage?: 'active' | 'deleted';
}

export interface ExperimentSummary {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: 'active' | 'deleted';
  creationTime?: number;
  lastUpdateTime?: number;
}

/** A run with its data, as `runs/get` and `runs/search` return it. */
export interface RunData {
  info: RunInfo;
  params: Record<string, string>;
  /** the latest value of each metric (highest step, then latest timestamp, then largest value) */
  metrics: Record<string, number>;
  tags: Record<string, string>;
}

export interface SearchRunsOptions {
  /** MLflow's filter syntax: `metrics.acc > 0.9 and params.fusion.type = 'gated'` */
  filter?: string;
  /** MLflow order-by clauses: `['metrics.acc DESC', 'attributes.start_time']` */
  orderBy?: string[];
  /** at most this many runs (default 1000) */
  maxResults?: number;
}

export interface ArtifactEntry {
  /** path relative to the run's artifact root, `/`-separated */
  path: string;
  isDir: boolean;
  fileSize?: number;
}

export interface CreateRunOptions {
  runName: string;
  tags?: Record<string, string>;
  startTime?: number;
}

export interface Tracker {
  /** where the store lives, as a user would write it (path or URI) */
  readonly uri: string;
  getOrCreateExperiment(name: string): Promise<string>;
  createRun(experimentId: string, options: CreateRunOptions): Promise<RunInfo>;
  logParams(runId: string, params: Record<string, string>): Promise<void>;
  logMetrics(runId: string, metrics: MetricPoint[]): Promise<void>;
  setTags(runId: string, tags: Record<string, string>): Promise<void>;
  /** write one artifact at `relativePath` under the run's artifact root */
  logArtifact(runId: string, relativePath: string, content: string | Uint8Array): Promise<void>;
  endRun(runId: string, status: Exclude<RunStatus, 'RUNNING' | 'SCHEDULED'>, endTime?: number): Promise<void>;
  /**
   * Synchronous best-effort end, for paths where the event loop may not run again
   * (a second Ctrl-C, process exit). Stores that cannot do this synchronously may no-op.
   */
  endRunSync?(runId: string, status: Exclude<RunStatus, 'RUNNING' | 'SCHEDULED'>, endTime?: number): void;
  getRun(runId: string): Promise<RunInfo>;
  /**
   * Appends a logged model's description (MLflow's `Model.to_dict()`) to the run's `mlflow.log-model.history` tag,
   * as MLflow's stores record it (the file store: the JSON list in the tag file; a server: `runs/log-model`).
   */
  recordLoggedModel?(runId: string, model: Record<string, PyJsonValue>): Promise<void>;

  /**
   * Sets an ended (or abandoned) run RUNNING again, its end time cleared: `mmx run --resume` continues it. Stores
   * that cannot do this leave it out (resume then says so).
   */
  reopenRun?(runId: string): Promise<void>;

  // ---------------------------------------------------------------- read side (optional)

  /** Active runs of these experiments that match `filter`, ordered by `orderBy`. */
  searchRuns?(experimentIds: string[], options?: SearchRunsOptions): Promise<RunData[]>;
  /** A run's info, params, latest metrics and tags. */
  getRunData?(runId: string): Promise<RunData>;
  /** Every logged point of one metric, in logging order. */
  getMetricHistory?(runId: string, key: string): Promise<MetricPoint[]>;
  /** The direct children of `path` (default: the artifact root). */
  listArtifacts?(runId: string, path?: string): Promise<ArtifactEntry[]>;
  /** The bytes of one artifact file. */
  downloadArtifact?(runId: string, path: string): Promise<Uint8Array>;
  /** The active experiment with this name, if any. */
  getExperimentByName?(name: string): Promise<ExperimentSummary | undefined>;
  /** Every active experiment. */
  listExperiments?(): Promise<ExperimentSummary[]>;

  /**
   * Send anything the store still holds back (the REST store's spool, when the server was
   * unreachable). Resolves when nothing is pending or the server is still unreachable.
   */
  flush?(): Promise<void>;
}

const READ_METHODS = [
  'searchRuns',
  'getRunData',
  'getMetricHistory',
  'listArtifacts',
  'downloadArtifact',
  'getExperimentByName',
  'listExperiments',
] as const;

export type TrackerReader = Tracker & Required<Pick<Tracker, (typeof READ_METHODS)[number]>>;

/** The tracker, with its read methods known to exist (both real stores have them). */
export function asReader(tracker: Tracker): TrackerReader {
  for (const m of READ_METHODS) {
    if (typeof tracker[m] !== 'function') {
      throw new TrackingError(`The tracking store at ${tracker.uri} cannot read runs back (no ${m}).`, 'INVALID_STATE');
    }
  }
  return tracker as TrackerReader;
}

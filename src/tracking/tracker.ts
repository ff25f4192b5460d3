/**
 * The one interface every tracking store implements (file store now, MLflow REST later).
 * Everything above it (training loop, CLI) is unaware of which store it talks to.
 */

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
}

/**
 * One run's lifecycle in the tracking store, owned by one object (as MLflow's fluent `start_run`): creating the
 * run with its start tags, or attaching to one that exists (`mmx run --resume`, a resumed sweep), params, tags,
 * artifacts, metrics in the order they were logged, the heartbeat of a run this process works on, and the end —
 * FINISHED, FAILED with the error as tags, or KILLED with the reason. `mmx run`, the repeats' and the sweep's
 * parent runs and `mmx evaluate --log` record through it.
 *
 * Metrics go out one write after another, never overlapping (epoch 2's lines must not land before epoch 1's),
 * and the caller does not wait for them: `logMetrics` queues, `flushMetrics` waits and throws the first failed
 * write. A failed write also aborts `writeFailed`, so a training loop can stop instead of running unrecorded.
 * A continued run skips the (metric, step) pairs it already has: what the first attempt logged stays.
 */
import type { CreateRunOptions, MetricPoint, RunInfo, Tracker } from '../../tracking/tracker.js';
import { startHeartbeat, type Heartbeat } from '../heartbeat.js';

export type EndStatus = 'FINISHED' | 'FAILED' | 'KILLED';

/** Why a run ended when it did not finish: the error (FAILED) or the reason it was stopped (KILLED). */
export type EndReason = { error: unknown } | { killedReason: string };

/** Per metric key, the steps the run already has (a continued run logs each (metric, step) once). */
export type LoggedSteps = ReadonlyMap<string, ReadonlySet<number>>;

export interface AttachOptions {
  logged?: LoggedSteps;
}

export class RunRecorder {
  private metricChain: Promise<void> = Promise.resolve();
  private metricFailure: { error: unknown } | undefined;
  private readonly failedWrites = new AbortController();
  private heartbeat: Heartbeat | undefined;
  private ended = false;

  private constructor(
    readonly tracker: Tracker,
    readonly run: RunInfo,
    private readonly logged: LoggedSteps | undefined,
  ) {}

  /** Creates a run in the experiment named `experiment` (made when missing). */
  static async start(tracker: Tracker, experiment: string, options: CreateRunOptions): Promise<RunRecorder> {
    return RunRecorder.create(tracker, await tracker.getOrCreateExperiment(experiment), options);
  }

  /** Creates a run in the experiment with this id. */
  static async create(tracker: Tracker, experimentId: string, options: CreateRunOptions): Promise<RunRecorder> {
    return new RunRecorder(tracker, await tracker.createRun(experimentId, options), undefined);
  }

  /** Records into a run that already exists: by id (read from the store), or as the caller has it (reopened for a resume). */
  static async attach(tracker: Tracker, run: string | RunInfo, options: AttachOptions = {}): Promise<RunRecorder> {
    const info = typeof run === 'string' ? await tracker.getRun(run) : run;
    return new RunRecorder(tracker, info, options.logged);
  }

  get runId(): string {
    return this.run.runId;
  }

  get experimentId(): string {
    return this.run.experimentId;
  }

  /** Aborted with the error when a metric write fails. */
  get writeFailed(): AbortSignal {
    return this.failedWrites.signal;
  }

  /** The first metric write that failed, if any. */
  get metricWriteError(): unknown {
    return this.metricFailure?.error;
  }

  logParams(params: Record<string, string>): Promise<void> {
    return this.tracker.logParams(this.runId, params);
  }

  setTags(tags: Record<string, string>): Promise<void> {
    return this.tracker.setTags(this.runId, tags);
  }

  logArtifact(relativePath: string, content: string | Uint8Array): Promise<void> {
    return this.tracker.logArtifact(this.runId, relativePath, content);
  }

  /** Queues a metric write after the ones before it; returns at once. */
  logMetrics(all: readonly MetricPoint[]): void {
    const logged = this.logged;
    const points = logged ? all.filter((p) => !logged.get(p.key)?.has(p.step)) : [...all];
    if (points.length === 0) return;
    this.metricChain = this.metricChain
      .then(() => this.tracker.logMetrics(this.runId, points))
      .catch((err: unknown) => {
        this.metricFailure ??= { error: err };
        this.failedWrites.abort(err);
      });
  }

  /** Waits for the queued metric writes; throws the first that failed. */
  async flushMetrics(): Promise<void> {
    await this.metricChain;
    if (this.metricFailure) throw this.metricFailure.error;
  }

  /**
   * `mmx.process` and `mmx.heartbeat` (src/tracking/liveness.ts), so that `mmx runs` tells this run from one whose
   * process died; stopped when the run ends. A heartbeat that cannot start is no reason to stop the run.
   */
  async startHeartbeat(env: NodeJS.ProcessEnv = process.env): Promise<void> {
    this.heartbeat ??= await startHeartbeat(this.tracker, this.runId, env).catch(() => undefined);
  }

  /** Stops the heartbeat (when the run ends, or when the process leaves it as it is). */
  async stopHeartbeat(): Promise<void> {
    const beat = this.heartbeat;
    this.heartbeat = undefined;
    await beat?.stop();
  }

  /**
   * Ends the run: after the queued metrics, the reason as tags (`mmx.error`/`mmx.error_type` or
   * `mmx.killed_reason`), then the status. Each step on its own: a tag that cannot be written (a full disk) does not
   * keep the status from being recorded. What fails goes to `warn` when given; else the first failure is thrown
   * once every step was tried. The heartbeat stops once the status is written; a status that could not be written
   * can be ended again (FINISHED failed: the run is then recorded FAILED).
   */
  async end(status: EndStatus, reason?: EndReason, warn?: (message: string) => void): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.metricChain;
    const failures: unknown[] = [];
    const attempt = async (what: string, write: () => Promise<void>): Promise<void> => {
      try {
        await write();
      } catch (err) {
        if (warn) warn(`could not record ${what}: ${err instanceof Error ? err.message : String(err)}`);
        else failures.push(err);
      }
    };
    if (reason) await attempt('why the run ended', () => this.setTags(reasonTags(reason)));
    let statusWritten = true;
    await attempt(`the run as ${status}`, async () => {
      try {
        await this.tracker.endRun(this.runId, status);
      } catch (err) {
        statusWritten = false;
        throw err;
      }
    });
    // a status that could not be written may be tried again (a FINISHED run that then fails)
    if (!statusWritten) this.ended = false;
    else await this.stopHeartbeat();
    if (failures.length > 0) throw failures[0];
  }

  /** Ends the run at once, synchronously where the store can (a second Ctrl-C, a shutdown deadline). */
  endNow(status: Exclude<EndStatus, 'FINISHED'>): void {
    this.tracker.endRunSync?.(this.runId, status);
  }

  /** The run as the store has it now (its artifact folder, status). */
  info(): Promise<RunInfo> {
    return this.tracker.getRun(this.runId);
  }
}

/** The tags that say why a run did not finish. */
export function reasonTags(reason: EndReason): Record<string, string> {
  if ('killedReason' in reason) return { 'mmx.killed_reason': reason.killedReason };
  const err = reason.error;
  const message = err instanceof Error ? err.message : String(err);
  return { 'mmx.error': message.slice(0, 5000), 'mmx.error_type': err instanceof Error ? err.name : typeof err };
}

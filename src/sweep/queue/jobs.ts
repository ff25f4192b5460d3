/**
 * What travels through the queue: one BullMQ job per trial (`<parent run id>-<trial>`, so adding it twice is a
 * no-op), carrying everything a worker on another machine needs; the worker's progress goes back as a Redis
 * list of events per trial, its result as the job's return value. A few plain keys beside BullMQ's:
 * a stop request per trial (early termination, Ctrl-C), the attempts' run ids, and the finish claim that
 * keeps a duplicate delivery from finishing a trial twice.
 */
import type { FromWorker } from '../protocol.js';

/** the BullMQ queue every mmx worker takes trials from */
export const QUEUE_NAME = 'mmx-trials';
/** BullMQ's key prefix (and mmx's own keys start with `${PREFIX}:sweep:`) */
export const PREFIX = 'mmx';
/** how long mmx's own per-trial keys live */
export const KEY_TTL_S = 14 * 24 * 3600;

export interface TrialJobData {
  v: 1;
  /** the trial's key (`<parent run id>-<trial>`): its events, runs, stop and finish keys hang off it */
  key: string;
  parentRunId: string;
  trial: number;
  /** the attempt number of this job's first start (a trial re-queued after Redis lost it starts higher) */
  attempt: number;
  /** the trial's whole config (YAML): the sweep's values applied, no `sweep:` section, data paths absolute */
  configYaml: string;
  /** the tracking store every attempt logs to (the coordinator's) */
  trackingUri: string;
  experiment: string;
  seed: number;
  metric: string;
  runName: string;
  tags: Record<string, string>;
  /** the coordinator's host name: a worker elsewhere refuses a local file store unless told it is shared */
  host: string;
  /** the coordinator's working directory (used by a worker on the same host) */
  cwd: string;
  /** secrets the config held (credential ${VAR} values are literal in configYaml): the trial masks them */
  secrets?: string[];
}

/** A worker's report on a trial (in the trial's event list): what the trial process said, and by whom. */
export type TrialEvent = Exclude<FromWorker, { type: 'ready' } | { type: 'done' }> & { attempt: number; seq: number; worker: string };

/** The job's return value. */
export type TrialResult = Extract<FromWorker, { type: 'done' }> & { attempt: number; worker: string };

/** the trial's key, and its first job's id */
export const jobIdFor = (parentRunId: string, trial: number): string => `${parentRunId}-${trial}`;
/**
 * A trial queued again after Redis lost its job gets a new job id (`<key>-r<attempt>`): BullMQ tracks its locks
 * by job id, so a worker still holding the lost job must not share an id with the new one.
 */
export const jobIdForAttempt = (key: string, attempt: number): string => (attempt <= 1 ? key : `${key}-r${attempt}`);
/** the trial's current job id */
export const currentJobKey = (key: string): string => `${PREFIX}:sweep:job:${key}`;
export const stopKey = (jobId: string): string => `${PREFIX}:sweep:stop:${jobId}`;
export const eventsKey = (jobId: string): string => `${PREFIX}:sweep:events:${jobId}`;
export const runsKey = (jobId: string): string => `${PREFIX}:sweep:runs:${jobId}`;
export const finishKey = (jobId: string): string => `${PREFIX}:sweep:finished:${jobId}`;

/** A tracking URI that is a path on this machine (not an MLflow server). */
export const isLocalStore = (uri: string): boolean => !/^https?:\/\//i.test(uri);

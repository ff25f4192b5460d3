/**
 * A tracking store that writes MLflow's file-store layout (the `mlruns` folder), so that
 * `mlflow ui --backend-store-uri <root>` and MLflow's own `FileStore` read what mmx logs.
 *
 * Layout followed: mlflow/store/tracking/file_store.py of MLflow 2.x (mlflow/mlflow commit
 * 001cc178, the 2.14-era store with traces); the layout has been stable since 1.29 added the
 * experiment's creation_time/last_update_time:
 *
 *   <root>/.trash/                          deleted experiments (created at init)
 *   <root>/0/meta.yaml                      the "Default" experiment, created at init
 *   <root>/<exp id>/meta.yaml               artifact_location, creation_time, experiment_id,
 *                                           last_update_time, lifecycle_stage, name
 *   <root>/<exp id>/<run id>/meta.yaml      run info (status as the integer enum, see below)
 *   <root>/<exp id>/<run id>/metrics/<key>  lines "<timestamp ms> <value> <step>", appended
 *   <root>/<exp id>/<run id>/params/<key>   the value, no newline; write-once
 *   <root>/<exp id>/<run id>/tags/<key>     the value, no newline; overwritable
 *   <root>/<exp id>/<run id>/artifacts/...  artifact files
 *
 * Keys with `/` become sub-folders, as in MLflow. meta.yaml files are replaced atomically
 * (temporary file + rename), params are created atomically (temporary file + hard link), and
 * experiment creation is serialised between processes with a lock file at the root.
 */
import { randomInt, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';

import { createFileExclusive, writeFileAtomic, writeFileAtomicSync } from './atomic-fs.js';
import { diskWriteError, isNoSpace, overwriteInPlace, overwriteInPlaceSync } from '../io/disk-errors.js';
import { TrackingError } from './errors.js';
import { withFileLock } from './file-lock.js';
import { fileUriToPath, pathToFileUri } from './file-uri.js';
import { dumpMetaYaml, type MetaRecord, parseMetaYaml } from './mlflow-yaml.js';
import {
  downloadArtifactFromFileStore,
  getMetricHistoryFromFileStore,
  getRunDataFromFileStore,
  listArtifactsInFileStore,
  searchRunsInFileStore,
} from './file-store-read.js';
import { LOGGED_MODELS_TAG } from './logged-model.js';
import { pyJson, type PyJsonValue } from './py-json.js';
import { currentUser } from './run-context.js';
import type { ArtifactEntry, CreateRunOptions, MetricPoint, RunData, RunInfo, RunStatus, SearchRunsOptions, Tracker } from './tracker.js';
import {
  validateArtifactPath,
  validateExperimentId,
  validateExperimentName,
  validateKey,
  validateMetric,
  validateRunId,
  validateTimestamp,
  validateValueLength,
} from './validation.js';

export const DEFAULT_EXPERIMENT_ID = '0';
export const DEFAULT_EXPERIMENT_NAME = 'Default';
export const TRASH_FOLDER = '.trash';
export const META_FILE = 'meta.yaml';
/** a plain file at the root; MLflow lists only folders there, so it never sees it */
export const EXPERIMENT_LOCK_FILE = '.mmx-experiments.lock';
/** MLflow's model registry keeps `models/` at the same root; it is not an experiment */
const MODELS_FOLDER = 'models';
const RUN_NAME_TAG = 'mlflow.runName';
const USER_TAG = 'mlflow.user';

/** MLflow's RunStatus proto enum, as stored in run meta.yaml */
export const RUN_STATUS_CODES: Readonly<Record<RunStatus, number>> = {
  RUNNING: 1,
  SCHEDULED: 2,
  FINISHED: 3,
  FAILED: 4,
  KILLED: 5,
};
const STATUS_BY_CODE = new Map<number, RunStatus>((Object.entries(RUN_STATUS_CODES) as [RunStatus, number][]).map(([k, v]) => [v, k]));
/** MLflow's SourceType.LOCAL; the file store always persists this value */
export const SOURCE_TYPE_LOCAL = 4;

export type TerminalStatus = Exclude<RunStatus, 'RUNNING' | 'SCHEDULED'>;
const TERMINAL: ReadonlySet<string> = new Set(['FINISHED', 'FAILED', 'KILLED']);

export interface ExperimentInfo {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: 'active' | 'deleted';
  creationTime?: number;
  lastUpdateTime?: number;
}

export interface FileStoreOptions {
  /** folder a relative root resolves against (required for a relative root) */
  cwd?: string;
  /** user recorded as the run's user_id when tags carry no `mlflow.user` */
  user?: string;
  /** clock, for tests */
  now?: () => number;
}

interface RunLocation {
  experimentId: string;
  runDir: string;
}

/** MLflow 2.x `_generate_unique_integer_id`: an 18-digit decimal number, no leading zero. */
export function generateExperimentId(): string {
  let id = String(randomInt(1, 10));
  for (let i = 0; i < 17; i++) id += String(randomInt(0, 10));
  return id;
}

/** The metric value as Python's `str(float)` would write it, which `float()` reads back. */
export function formatMetricValue(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (Object.is(v, -0)) return '-0.0';
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return `${v}.0`;
  return String(v); // e.g. 0.1, 1e-7, 1e+21: all valid for Python's float()
}

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

function isNotFound(e: unknown): boolean {
  return errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR';
}

/** `append_to_uri_path` for the simple segments used here */
function appendToUri(base: string, ...parts: string[]): string {
  return [base.replace(/\/+$/, ''), ...parts].join('/');
}

/** The local folder behind an artifact URI, when it is local. */
function localArtifactDir(artifactUri: string): string | undefined {
  if (artifactUri.startsWith('file:')) {
    try {
      return fileUriToPath(artifactUri);
    } catch {
      return undefined;
    }
  }
  if (/^[a-zA-Z][a-zA-Z0-9+.-]+:/.test(artifactUri)) return undefined; // s3:, mlflow-artifacts:, ...
  return path.isAbsolute(artifactUri) ? artifactUri : undefined; // legacy metas hold a bare (absolute) path
}

function keyPath(base: string, key: string): string {
  return path.join(base, ...key.split('/'));
}

function wrapKeyFsError(kind: string, key: string, e: unknown, file: string): never {
  const code = errno(e);
  if (code === 'ENAMETOOLONG') {
    throw new TrackingError(
      `Cannot log ${kind} '${key}': the name is too long for a file name on this file system.`,
      'INVALID_PARAMETER_VALUE',
      {
        cause: e,
      },
    );
  }
  if (code === 'EISDIR' || code === 'ENOTDIR' || code === 'EEXIST') {
    throw new TrackingError(
      `Cannot log ${kind} '${key}': it collides with another ${kind} whose name is a folder prefix of it ` +
        `(e.g. 'a' and 'a/b' cannot both exist).`,
      'INVALID_PARAMETER_VALUE',
      { cause: e },
    );
  }
  throw diskWriteError(e, file);
}

function asInt(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined;
}

/** The fields MLflow's `_make_persisted_run_info_dict` writes (plus `deleted_time`, see below). */
function persistedRunRecord(meta: Record<string, unknown>, where: string): MetaRecord {
  const str = (k: string): string => {
    const v = meta[k];
    if (typeof v === 'string') return v;
    if (typeof v === 'number' && k === 'experiment_id') return String(v); // legacy int ids
    throw new TrackingError(`${where}: field '${k}' is missing or not a string`, 'INVALID_STATE');
  };
  const status = meta.status === undefined ? RUN_STATUS_CODES.RUNNING : asInt(meta.status);
  if (status === undefined || !STATUS_BY_CODE.has(status)) {
    throw new TrackingError(`${where}: invalid run status ${String(meta.status)}`, 'INVALID_STATE');
  }
  const startTime = asInt(meta.start_time);
  if (startTime === undefined) throw new TrackingError(`${where}: invalid start_time`, 'INVALID_STATE');
  const endTime = meta.end_time === null || meta.end_time === undefined ? null : asInt(meta.end_time);
  if (endTime === undefined) throw new TrackingError(`${where}: invalid end_time`, 'INVALID_STATE');
  const runId = str('run_id');
  const record: MetaRecord = {
    artifact_uri: str('artifact_uri'),
    end_time: endTime,
    entry_point_name: '',
    experiment_id: str('experiment_id'),
    lifecycle_stage: typeof meta.lifecycle_stage === 'string' ? meta.lifecycle_stage : 'active',
    run_id: runId,
    run_name: typeof meta.run_name === 'string' ? meta.run_name : null,
    run_uuid: typeof meta.run_uuid === 'string' ? meta.run_uuid : runId,
    source_name: '',
    source_type: SOURCE_TYPE_LOCAL,
    source_version: '',
    start_time: startTime,
    status,
    tags: [],
    user_id: typeof meta.user_id === 'string' ? meta.user_id : String(meta.user_id ?? ''),
  };
  // MLflow keeps deleted_time only while it is set (it writes `deleted_time: null` at creation
  // and drops the key on every later rewrite of a non-deleted run).
  const deleted = asInt(meta.deleted_time);
  if (deleted !== undefined) record.deleted_time = deleted;
  return record;
}

export class FileStore implements Tracker {
  readonly uri: string;
  /** absolute path of the store's root folder */
  readonly root: string;

  private readonly now: () => number;
  private readonly user: string | undefined;
  private initPromise: Promise<void> | undefined;
  private readonly locations = new Map<string, RunLocation>();
  private readonly metaQueues = new Map<string, Promise<unknown>>();

  constructor(root: string, options: FileStoreOptions = {}) {
    if (!path.isAbsolute(root) && options.cwd === undefined) {
      throw new TypeError(`FileStore: '${root}' is a relative path; give an absolute one or options.cwd to resolve it against`);
    }
    this.root = path.resolve(options.cwd ?? '/', root);
    this.uri = this.root;
    this.now = options.now ?? Date.now;
    this.user = options.user;
  }

  // ---------------------------------------------------------------- experiments

  async getOrCreateExperiment(name: string): Promise<string> {
    validateExperimentName(name);
    await this.init();
    const found = await this.lookupExperimentId(name);
    if (found !== undefined) return found;
    return withFileLock(path.join(this.root, EXPERIMENT_LOCK_FILE), async () => {
      const again = await this.lookupExperimentId(name);
      if (again !== undefined) return again;
      return this.createExperimentLocked(name);
    });
  }

  /** Active experiments, then deleted ones (those under `.trash/`). Malformed folders are skipped, as MLflow does. */
  async listExperiments(options: { includeDeleted?: boolean } = {}): Promise<ExperimentInfo[]> {
    const out: ExperimentInfo[] = [];
    for (const dir of await this.experimentDirs(options.includeDeleted ?? false)) {
      const exp = await this.readExperimentDir(dir);
      if (exp) out.push(exp);
    }
    return out;
  }

  /** MLflow's get_experiment_by_name: active experiments only, newest first on a (foreign) duplicate. */
  async getExperimentByName(name: string): Promise<ExperimentInfo | undefined> {
    const hits = (await this.listExperiments()).filter((e) => e.name === name && e.lifecycleStage === 'active');
    hits.sort(
      (a, b) =>
        (b.creationTime ?? 0) - (a.creationTime ?? 0) || (a.experimentId < b.experimentId ? -1 : a.experimentId > b.experimentId ? 1 : 0),
    );
    return hits[0];
  }

  async getExperiment(experimentId: string): Promise<ExperimentInfo> {
    validateExperimentId(experimentId);
    for (const parent of [this.root, path.join(this.root, TRASH_FOLDER)]) {
      const dir = path.join(parent, experimentId);
      const exp = await this.readExperimentDir(dir);
      if (exp) return exp;
    }
    throw new TrackingError(`Could not find experiment with ID ${experimentId} in ${this.root}`, 'RESOURCE_DOES_NOT_EXIST');
  }

  // ---------------------------------------------------------------- runs

  async createRun(experimentId: string, options: CreateRunOptions): Promise<RunInfo> {
    validateExperimentId(experimentId);
    await this.init();
    const exp = await this.getExperiment(experimentId);
    if (exp.lifecycleStage !== 'active') {
      throw new TrackingError(`Could not create run under non-active experiment with ID ${experimentId}.`, 'INVALID_STATE');
    }
    const tags: Record<string, string> = { ...(options.tags ?? {}) };
    const tagName = tags[RUN_NAME_TAG];
    if (options.runName && tagName !== undefined && tagName !== options.runName) {
      throw new TrackingError(
        `Both 'runName' and the '${RUN_NAME_TAG}' tag are given, with different values ` + `('${options.runName}' and '${tagName}').`,
        'INVALID_PARAMETER_VALUE',
      );
    }
    const runId = randomUUID().replace(/-/g, '');
    const runName = options.runName || tagName || `run-${runId.slice(0, 8)}`;
    tags[RUN_NAME_TAG] = runName;
    for (const [k, v] of Object.entries(tags)) {
      validateKey('tag', k);
      validateValueLength('tag', k, v);
    }
    const startTime = options.startTime ?? this.now();
    validateTimestamp('start time', startTime);

    const runDir = path.join(this.root, experimentId, runId);
    const record: MetaRecord = {
      artifact_uri: appendToUri(exp.artifactLocation, runId, 'artifacts'),
      deleted_time: null,
      end_time: null,
      entry_point_name: '',
      experiment_id: experimentId,
      lifecycle_stage: 'active',
      run_id: runId,
      run_name: runName,
      run_uuid: runId,
      source_name: '',
      source_type: SOURCE_TYPE_LOCAL,
      source_version: '',
      start_time: startTime,
      status: RUN_STATUS_CODES.RUNNING,
      tags: [],
      user_id: tags[USER_TAG] ?? this.user ?? currentUser(),
    };
    try {
      await fsp.mkdir(runDir);
      await writeFileAtomic(path.join(runDir, META_FILE), dumpMetaYaml(record), { fsync: true });
      for (const sub of ['metrics', 'params', 'artifacts']) await fsp.mkdir(path.join(runDir, sub), { recursive: true });
    } catch (e) {
      throw diskWriteError(e, runDir, 'create the run folder');
    }
    this.locations.set(runId, { experimentId, runDir });
    await this.writeTags(runDir, tags);
    return this.infoFromRecord(record);
  }

  async logParams(runId: string, params: Record<string, string>): Promise<void> {
    validateRunId(runId);
    const entries = Object.entries(params);
    for (const [k, v] of entries) {
      validateKey('param', k);
      validateValueLength('param', k, v);
    }
    if (entries.length === 0) return;
    const { runDir } = await this.locate(runId);
    for (const [key, value] of entries) {
      const file = keyPath(path.join(runDir, 'params'), key);
      try {
        await fsp.mkdir(path.dirname(file), { recursive: true });
        // temporary file in the run folder, not params/, where MLflow would read it as a param
        if (await createFileExclusive(file, value, { tmpDir: runDir })) continue;
      } catch (e) {
        wrapKeyFsError('param', key, e, file);
      }
      let current: string;
      try {
        current = await fsp.readFile(file, 'utf8');
      } catch (e) {
        wrapKeyFsError('param', key, e, file);
      }
      if (current !== value) {
        throw new TrackingError(
          `Changing param values is not allowed. Param with key='${key}' was already logged with ` +
            `value='${current}' for run ID='${runId}'. Attempted logging new value '${value}'.`,
          'INVALID_PARAMETER_VALUE',
        );
      }
    }
  }

  async logMetrics(runId: string, metrics: MetricPoint[]): Promise<void> {
    validateRunId(runId);
    for (const m of metrics) validateMetric(m.key, m.value, m.timestamp, m.step);
    if (metrics.length === 0) return;
    const { runDir } = await this.locate(runId);
    const byKey = new Map<string, string>();
    for (const m of metrics) {
      byKey.set(m.key, (byKey.get(m.key) ?? '') + `${m.timestamp} ${formatMetricValue(m.value)} ${m.step}\n`);
    }
    for (const [key, lines] of byKey) {
      const file = keyPath(path.join(runDir, 'metrics'), key);
      try {
        await fsp.mkdir(path.dirname(file), { recursive: true });
        // one write per key: small O_APPEND writes land whole, so lines never interleave
        await fsp.appendFile(file, lines);
      } catch (e) {
        wrapKeyFsError('metric', key, e, file);
      }
    }
  }

  async setTags(runId: string, tags: Record<string, string>): Promise<void> {
    validateRunId(runId);
    const entries = Object.entries(tags);
    for (const [k, v] of entries) {
      validateKey('tag', k);
      validateValueLength('tag', k, v);
    }
    if (entries.length === 0) return;
    const { runDir } = await this.locate(runId);
    await this.writeTags(runDir, tags);
    const newName = tags[RUN_NAME_TAG];
    if (newName !== undefined) {
      // MLflow keeps meta.yaml's run_name in step with the mlflow.runName tag
      await this.updateMeta(runId, runDir, (r) => {
        r.run_name = newName;
      });
    }
  }

  /**
   * MLflow's FileStore.record_logged_model: the run must be active; the model's dict is appended to the JSON list in
   * the `mlflow.log-model.history` tag file and the list written back (json.dumps), with no length limit.
   */
  async recordLoggedModel(runId: string, model: Record<string, PyJsonValue>): Promise<void> {
    validateRunId(runId);
    const { runDir } = await this.locate(runId);
    this.assertActive(runId, persistedRunRecord(await this.readRunMeta(runDir), path.join(runDir, META_FILE)));
    const file = keyPath(path.join(runDir, 'tags'), LOGGED_MODELS_TAG);
    const previous = await fsp.readFile(file, 'utf8').then(
      (text) => JSON.parse(text) as PyJsonValue[],
      (e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return [];
        throw e;
      },
    );
    await this.writeTags(runDir, { [LOGGED_MODELS_TAG]: pyJson([...previous, model]) });
  }

  async logArtifact(runId: string, relativePath: string, content: string | Uint8Array): Promise<void> {
    validateRunId(runId);
    const rel = validateArtifactPath(relativePath);
    const { runDir } = await this.locate(runId);
    const meta = await this.readRunMeta(runDir);
    const artifactDir = localArtifactDir(meta.artifact_uri as string);
    if (!artifactDir) {
      throw new TrackingError(
        `The run's artifact location ${String(meta.artifact_uri)} is not a local folder; the file store can only write local artifacts.`,
        'INVALID_STATE',
      );
    }
    const target = path.join(artifactDir, ...rel.split('/'));
    // keep the temporary file out of the artifact tree when the artifacts live in the run folder
    const inRunDir = !path.relative(runDir, artifactDir).startsWith('..');
    try {
      await fsp.mkdir(path.dirname(target), { recursive: true });
      await writeFileAtomic(target, content, inRunDir ? { tmpDir: runDir } : {});
    } catch (e) {
      if (errno(e) === 'EISDIR' || errno(e) === 'ENOTDIR' || errno(e) === 'EEXIST') {
        throw new TrackingError(`Cannot write artifact '${rel}': a folder or file is in the way.`, 'INVALID_PARAMETER_VALUE', { cause: e });
      }
      throw diskWriteError(e, target);
    }
  }

  async endRun(runId: string, status: TerminalStatus, endTime?: number): Promise<void> {
    validateRunId(runId);
    const code = this.terminalCode(status);
    const end = endTime ?? this.now();
    validateTimestamp('end time', end);
    const { runDir } = await this.locate(runId);
    await this.updateMeta(runId, runDir, (r) => {
      r.status = code;
      r.end_time = end;
    });
  }

  async reopenRun(runId: string): Promise<void> {
    validateRunId(runId);
    const { runDir } = await this.locate(runId);
    await this.updateMeta(runId, runDir, (r) => {
      r.status = RUN_STATUS_CODES.RUNNING;
      r.end_time = null;
    });
  }

  /** Synchronous endRun for exit paths (second Ctrl-C, fatal error). Throws TrackingError on failure. */
  endRunSync(runId: string, status: TerminalStatus, endTime?: number): void {
    validateRunId(runId);
    const code = this.terminalCode(status);
    const end = endTime ?? this.now();
    validateTimestamp('end time', end);
    const { runDir } = this.locateSync(runId);
    const file = path.join(runDir, META_FILE);
    const record = persistedRunRecord(parseMetaYaml(fs.readFileSync(file, 'utf8'), file), file);
    this.assertActive(runId, record);
    record.status = code;
    record.end_time = end;
    const text = dumpMetaYaml(record);
    try {
      writeFileAtomicSync(file, text, { fsync: true });
    } catch (e) {
      // a full disk has no block for the temporary file: the status goes into meta.yaml's own blocks
      if (!isNoSpace(e)) throw diskWriteError(e, file);
      try {
        overwriteInPlaceSync(file, text);
      } catch (e2) {
        throw diskWriteError(e2, file);
      }
    }
  }

  async getRun(runId: string): Promise<RunInfo> {
    validateRunId(runId);
    const loc = await this.locate(runId);
    const file = path.join(loc.runDir, META_FILE);
    const record = persistedRunRecord(await this.readRunMeta(loc.runDir), file);
    if (record.experiment_id !== loc.experimentId) {
      throw new TrackingError(`Run '${runId}' metadata is in invalid state (experiment id mismatch).`, 'INVALID_STATE');
    }
    if (!record.run_name) {
      try {
        record.run_name = await fsp.readFile(path.join(loc.runDir, 'tags', RUN_NAME_TAG), 'utf8');
      } catch {
        /* no name */
      }
    }
    return this.infoFromRecord(record);
  }

  // ---------------------------------------------------------------- read side (file-store-read.ts)

  searchRuns(experimentIds: string[], options?: SearchRunsOptions): Promise<RunData[]> {
    return searchRunsInFileStore(this, experimentIds, options);
  }

  getRunData(runId: string): Promise<RunData> {
    return getRunDataFromFileStore(this, runId);
  }

  getMetricHistory(runId: string, key: string): Promise<MetricPoint[]> {
    return getMetricHistoryFromFileStore(this, runId, key);
  }

  listArtifacts(runId: string, dir?: string): Promise<ArtifactEntry[]> {
    return listArtifactsInFileStore(this, runId, dir);
  }

  downloadArtifact(runId: string, artifactPath: string): Promise<Uint8Array> {
    return downloadArtifactFromFileStore(this, runId, artifactPath);
  }

  // ---------------------------------------------------------------- internals

  private init(): Promise<void> {
    this.initPromise ??= this.doInit().catch((e: unknown) => {
      this.initPromise = undefined;
      throw e;
    });
    return this.initPromise;
  }

  private async doInit(): Promise<void> {
    try {
      await fsp.mkdir(this.root, { recursive: true });
    } catch (e) {
      throw new TrackingError(`Cannot create the tracking folder ${this.root}: ${(e as Error).message}`, 'INVALID_STATE', { cause: e });
    }
    const st = await fsp.stat(this.root);
    if (!st.isDirectory()) throw new TrackingError(`'${this.root}' is not a directory.`, 'INVALID_STATE');
    const trash = path.join(this.root, TRASH_FOLDER);
    try {
      await fsp.mkdir(trash, { recursive: true });
    } catch (e) {
      const err = diskWriteError(e, this.root, 'write to the tracking folder');
      if (err === e) throw e;
      throw new TrackingError((err as Error).message, 'INVALID_STATE', { cause: e });
    }
    // MLflow creates experiment 0 "Default" when it creates the root; mmx also adds it to an
    // existing empty root, since the MLflow UI and client expect it to exist.
    const defaultDir = path.join(this.root, DEFAULT_EXPERIMENT_ID);
    const defaultMeta = path.join(defaultDir, META_FILE);
    if (!fs.existsSync(defaultMeta) && !fs.existsSync(path.join(trash, DEFAULT_EXPERIMENT_ID))) {
      await fsp.mkdir(defaultDir, { recursive: true });
      // exclusive: two processes initialising the same root agree on one Default experiment
      await createFileExclusive(defaultMeta, dumpMetaYaml(this.experimentRecord(DEFAULT_EXPERIMENT_ID, DEFAULT_EXPERIMENT_NAME)));
    }
  }

  private experimentRecord(id: string, name: string): MetaRecord {
    const t = this.now();
    return {
      artifact_location: pathToFileUri(path.join(this.root, id)),
      creation_time: t,
      experiment_id: id,
      last_update_time: t,
      lifecycle_stage: 'active',
      name,
    };
  }

  private async createExperimentLocked(name: string): Promise<string> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const id = generateExperimentId();
      if (fs.existsSync(path.join(this.root, TRASH_FOLDER, id))) continue;
      const dir = path.join(this.root, id);
      try {
        await fsp.mkdir(dir);
      } catch (e) {
        if (errno(e) === 'EEXIST') continue;
        throw e;
      }
      await writeFileAtomic(path.join(dir, META_FILE), dumpMetaYaml(this.experimentRecord(id, name)), { fsync: true });
      return id;
    }
    throw new TrackingError('Could not allocate a new experiment id', 'INTERNAL_ERROR');
  }

  /** id of the active experiment with this name; throws when only a deleted one has it */
  private async lookupExperimentId(name: string): Promise<string | undefined> {
    const active = await this.getExperimentByName(name);
    if (active) return active.experimentId;
    const deleted = (await this.listExperiments({ includeDeleted: true })).find((e) => e.name === name && e.lifecycleStage === 'deleted');
    if (deleted) {
      throw new TrackingError(
        `Experiment '${name}' (ID ${deleted.experimentId}) exists in deleted state under ${path.join(this.root, TRASH_FOLDER)}. ` +
          'Restore it (mlflow experiments restore) or remove it permanently (mlflow gc) to use this name again.',
        'RESOURCE_ALREADY_EXISTS',
      );
    }
    return undefined;
  }

  private async subdirs(parent: string): Promise<string[]> {
    let entries: fs.Dirent[];
    try {
      entries = await fsp.readdir(parent, { withFileTypes: true });
    } catch (e) {
      if (isNotFound(e)) return [];
      throw e;
    }
    const out: string[] = [];
    for (const d of entries) {
      if (d.isDirectory()) out.push(d.name);
      else if (d.isSymbolicLink()) {
        const st = await fsp.stat(path.join(parent, d.name)).catch(() => undefined);
        if (st?.isDirectory()) out.push(d.name);
      }
    }
    return out.sort();
  }

  /** experiment folders as MLflow's `_get_active_experiments` / `_get_deleted_experiments` list them */
  private async experimentDirs(includeDeleted: boolean): Promise<string[]> {
    const active = (await this.subdirs(this.root))
      .filter((n) => !n.endsWith(TRASH_FOLDER) && n !== MODELS_FOLDER)
      .map((n) => path.join(this.root, n));
    if (!includeDeleted) return active;
    const trash = path.join(this.root, TRASH_FOLDER);
    return [...active, ...(await this.subdirs(trash)).map((n) => path.join(trash, n))];
  }

  private async readExperimentDir(dir: string): Promise<ExperimentInfo | undefined> {
    let text: string;
    try {
      text = await fsp.readFile(path.join(dir, META_FILE), 'utf8');
    } catch (e) {
      if (isNotFound(e) || errno(e) === 'EISDIR') return undefined;
      throw e;
    }
    let meta: Record<string, unknown>;
    try {
      meta = parseMetaYaml(text, path.join(dir, META_FILE));
    } catch {
      return undefined;
    }
    const id = typeof meta.experiment_id === 'number' ? String(meta.experiment_id) : meta.experiment_id;
    if (id !== path.basename(dir)) return undefined; // MLflow ignores an experiment whose id does not match its folder
    const stage = meta.lifecycle_stage;
    if (typeof meta.artifact_location !== 'string' || (stage !== 'active' && stage !== 'deleted')) return undefined;
    const name = typeof meta.name === 'string' ? meta.name : meta.name === undefined || meta.name === null ? undefined : String(meta.name);
    if (name === undefined) return undefined;
    const info: ExperimentInfo = { experimentId: id, name, artifactLocation: meta.artifact_location, lifecycleStage: stage };
    const created = asInt(meta.creation_time);
    const updated = asInt(meta.last_update_time);
    if (created !== undefined) info.creationTime = created;
    if (updated !== undefined) info.lastUpdateTime = updated;
    return info;
  }

  /** Find a run's folder like MLflow's `_find_run_root`: in every experiment, active then deleted. */
  private async locate(runId: string): Promise<RunLocation> {
    const cached = this.locations.get(runId);
    if (cached) return cached;
    for (const expDir of await this.experimentDirs(true)) {
      const runDir = path.join(expDir, runId);
      const st = await fsp.stat(runDir).catch(() => undefined);
      if (st?.isDirectory()) {
        const loc = { experimentId: path.basename(expDir), runDir };
        this.locations.set(runId, loc);
        return loc;
      }
    }
    throw new TrackingError(`Run '${runId}' not found in ${this.root}`, 'RESOURCE_DOES_NOT_EXIST');
  }

  private locateSync(runId: string): RunLocation {
    const cached = this.locations.get(runId);
    if (cached) return cached;
    const trash = path.join(this.root, TRASH_FOLDER);
    const parents: string[] = [];
    for (const parent of [this.root, trash]) {
      let names: string[] = [];
      try {
        names = fs.readdirSync(parent);
      } catch {
        continue;
      }
      for (const n of names.sort()) {
        if (parent === this.root && (n.endsWith(TRASH_FOLDER) || n === MODELS_FOLDER)) continue;
        parents.push(path.join(parent, n));
      }
    }
    for (const expDir of parents) {
      const runDir = path.join(expDir, runId);
      try {
        if (fs.statSync(runDir).isDirectory()) {
          const loc = { experimentId: path.basename(expDir), runDir };
          this.locations.set(runId, loc);
          return loc;
        }
      } catch {
        /* not here */
      }
    }
    throw new TrackingError(`Run '${runId}' not found in ${this.root}`, 'RESOURCE_DOES_NOT_EXIST');
  }

  private async readRunMeta(runDir: string): Promise<Record<string, unknown>> {
    const file = path.join(runDir, META_FILE);
    let text: string;
    try {
      text = await fsp.readFile(file, 'utf8');
    } catch (e) {
      throw new TrackingError(`Run metadata ${file} cannot be read: ${(e as Error).message}`, 'INVALID_STATE', { cause: e });
    }
    return parseMetaYaml(text, file);
  }

  private async writeTags(runDir: string, tags: Record<string, string>): Promise<void> {
    for (const [key, value] of Object.entries(tags)) {
      const file = keyPath(path.join(runDir, 'tags'), key);
      try {
        await fsp.mkdir(path.dirname(file), { recursive: true });
        await writeFileAtomic(file, value, { tmpDir: runDir });
      } catch (e) {
        wrapKeyFsError('tag', key, e, file);
      }
    }
  }

  /** read-modify-write of a run's meta.yaml, one at a time per run within this process */
  private updateMeta(runId: string, runDir: string, mutate: (r: MetaRecord) => void): Promise<void> {
    const task = async () => {
      const file = path.join(runDir, META_FILE);
      const record = persistedRunRecord(await this.readRunMeta(runDir), file);
      this.assertActive(runId, record);
      mutate(record);
      const text = dumpMetaYaml(record);
      try {
        await writeFileAtomic(file, text, { fsync: true });
      } catch (e) {
        // a full disk has no block for the temporary file: the update goes into meta.yaml's own blocks
        if (!isNoSpace(e)) throw diskWriteError(e, file);
        await overwriteInPlace(file, text).catch((e2: unknown) => {
          throw diskWriteError(e2, file);
        });
      }
    };
    const prev = this.metaQueues.get(runId) ?? Promise.resolve();
    const next = prev.then(task, task);
    const settled = next.catch(() => undefined);
    this.metaQueues.set(runId, settled);
    void settled.then(() => {
      if (this.metaQueues.get(runId) === settled) this.metaQueues.delete(runId);
    });
    return next;
  }

  private assertActive(runId: string, record: MetaRecord): void {
    if (record.lifecycle_stage !== 'active') {
      throw new TrackingError(`The run ${runId} must be in 'active' lifecycle_stage.`, 'INVALID_PARAMETER_VALUE');
    }
  }

  private terminalCode(status: string): number {
    if (!TERMINAL.has(status)) {
      throw new TrackingError(`Invalid end status '${status}': expected FINISHED, FAILED or KILLED.`, 'INVALID_PARAMETER_VALUE');
    }
    return RUN_STATUS_CODES[status as TerminalStatus];
  }

  private infoFromRecord(r: MetaRecord): RunInfo {
    const artifactUri = r.artifact_uri as string;
    const info: RunInfo = {
      runId: r.run_id as string,
      experimentId: r.experiment_id as string,
      runName: typeof r.run_name === 'string' ? r.run_name : '',
      artifactUri,
      status: STATUS_BY_CODE.get(r.status as number) ?? 'RUNNING',
      startTime: r.start_time as number,
    };
    const dir = localArtifactDir(artifactUri);
    if (dir !== undefined) info.artifactDir = dir;
    if (typeof r.end_time === 'number') info.endTime = r.end_time;
    return info;
  }
}

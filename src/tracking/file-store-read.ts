/**
 * The read side of the file store (`mmx runs`, `mmx predict`): runs with their params, latest
 * metrics and tags, metric histories, artifact listings and downloads, and `runs/search` with
 * MLflow's filter language evaluated locally (search-filter.ts). Read as MLflow's FileStore
 * reads the layout (see file-store.ts for it): keys with `/` are sub-folders, metric files hold
 * lines `<timestamp> <value> <step>`, values as Python's `str(float)` writes them.
 */
import type { Dirent } from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';

import { TrackingError } from './errors.js';
import type { FileStore } from './file-store.js';
import { compileFilter, sortRuns } from './search-filter.js';
import type { ArtifactEntry, MetricPoint, RunData, RunInfo, SearchRunsOptions } from './tracker.js';
import { parseMetaYaml } from './mlflow-yaml.js';
import { validateArtifactPath, validateExperimentId, validateKey, validateRunId } from './validation.js';

const TRASH = '.trash';
const MODELS = 'models';

function isNotFound(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

async function readDir(dir: string): Promise<Dirent[]> {
  try {
    return await fsp.readdir(dir, { withFileTypes: true });
  } catch (e) {
    if (isNotFound(e)) return [];
    throw e;
  }
}

/** Python's float() on what MLflow writes: nan, inf, -inf, 1.0, 1e-07, ... */
export function parsePyFloat(s: string): number {
  const t = s.trim().toLowerCase();
  if (t === 'nan' || t === '-nan' || t === '+nan') return NaN;
  if (t === 'inf' || t === '+inf' || t === 'infinity' || t === '+infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  return Number(t);
}

/** Every `key → file content` under a params/ or tags/ folder (keys with `/` are sub-folders). */
async function readKeyValues(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (sub: string, prefix: string): Promise<void> => {
    for (const d of await readDir(sub)) {
      if (d.name.startsWith('.') && d.name.endsWith('.tmp')) continue; // a temporary file being written
      const full = path.join(sub, d.name);
      const key = prefix ? `${prefix}/${d.name}` : d.name;
      if (d.isDirectory()) await walk(full, key);
      else if (d.isFile()) out[key] = await fsp.readFile(full, 'utf8');
    }
  };
  await walk(dir, '');
  return out;
}

function parseMetricLines(key: string, text: string): MetricPoint[] {
  const out: MetricPoint[] = [];
  for (const line of text.split('\n')) {
    const parts = line.trim().split(/\s+/);
    if (parts.length < 2 || parts[0] === '') continue;
    const timestamp = Number(parts[0]);
    const value = parsePyFloat(parts[1]!);
    const step = parts.length >= 3 ? Number(parts[2]) : 0;
    if (!Number.isFinite(timestamp) || !Number.isFinite(step)) continue;
    out.push({ key, value, timestamp, step });
  }
  return out;
}

/** MLflow's latest metric: the highest step, then the latest timestamp, then the largest value (NaN lowest). */
export function latestMetric(points: MetricPoint[]): MetricPoint | undefined {
  let best: MetricPoint | undefined;
  const valueRank = (v: number): number => (Number.isNaN(v) ? -Infinity : v);
  for (const p of points) {
    if (
      best === undefined ||
      p.step > best.step ||
      (p.step === best.step && p.timestamp > best.timestamp) ||
      (p.step === best.step && p.timestamp === best.timestamp && valueRank(p.value) > valueRank(best.value))
    ) {
      best = p;
    }
  }
  return best;
}

async function readLatestMetrics(dir: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const walk = async (sub: string, prefix: string): Promise<void> => {
    for (const d of await readDir(sub)) {
      const full = path.join(sub, d.name);
      const key = prefix ? `${prefix}/${d.name}` : d.name;
      if (d.isDirectory()) await walk(full, key);
      else if (d.isFile()) {
        const latest = latestMetric(parseMetricLines(key, await fsp.readFile(full, 'utf8')));
        if (latest) out[key] = latest.value;
      }
    }
  };
  await walk(dir, '');
  return out;
}

/** The experiment folders of the store: active ones, then those in `.trash`. */
async function experimentDirs(root: string): Promise<string[]> {
  const active = (await readDir(root))
    .filter((d) => d.isDirectory() && !d.name.endsWith(TRASH) && d.name !== MODELS)
    .map((d) => path.join(root, d.name));
  const trash = (await readDir(path.join(root, TRASH))).filter((d) => d.isDirectory()).map((d) => path.join(root, TRASH, d.name));
  return [...active.sort(), ...trash.sort()];
}

async function findRunDir(root: string, runId: string): Promise<string> {
  for (const exp of await experimentDirs(root)) {
    const dir = path.join(exp, runId);
    const st = await fsp.stat(path.join(dir, 'meta.yaml')).catch(() => undefined);
    if (st?.isFile()) return dir;
  }
  throw new TrackingError(`Run '${runId}' not found in ${root}`, 'RESOURCE_DOES_NOT_EXIST');
}

export async function getRunDataFromFileStore(store: FileStore, runId: string): Promise<RunData> {
  validateRunId(runId);
  const info = await store.getRun(runId);
  const runDir = await findRunDir(store.root, runId);
  return runDataFrom(info, runDir);
}

async function runDataFrom(info: RunInfo, runDir: string): Promise<RunData> {
  const [params, tags, metrics] = await Promise.all([
    readKeyValues(path.join(runDir, 'params')),
    readKeyValues(path.join(runDir, 'tags')),
    readLatestMetrics(path.join(runDir, 'metrics')),
  ]);
  try {
    const meta = parseMetaYaml(await fsp.readFile(path.join(runDir, 'meta.yaml'), 'utf8'), path.join(runDir, 'meta.yaml'));
    if (typeof meta.user_id === 'string') info.userId = meta.user_id;
    info.lifecycleStage = meta.lifecycle_stage === 'deleted' ? 'deleted' : 'active';
  } catch {
    /* getRun already read it */
  }
  if (!info.runName && tags['mlflow.runName']) info.runName = tags['mlflow.runName'];
  return { info, params, metrics, tags };
}

/** Active runs of these experiments that match the filter, ordered, at most maxResults (default 1000). */
export async function searchRunsInFileStore(
  store: FileStore,
  experimentIds: string[],
  options: SearchRunsOptions = {},
): Promise<RunData[]> {
  const matches = compileFilter(options.filter); // a bad filter fails before any I/O
  const runs: RunData[] = [];
  for (const id of experimentIds) {
    validateExperimentId(id);
    const expDir = path.join(store.root, id);
    for (const d of await readDir(expDir)) {
      if (!d.isDirectory()) continue;
      const runDir = path.join(expDir, d.name);
      let data: RunData;
      try {
        const info = await store.getRun(d.name);
        if (info.experimentId !== id) continue;
        data = await runDataFrom(info, runDir);
      } catch {
        continue; // not a run folder, or a malformed one: MLflow skips those too
      }
      if (data.info.lifecycleStage === 'deleted') continue;
      if (matches(data)) runs.push(data);
    }
  }
  return sortRuns(runs, options.orderBy).slice(0, options.maxResults ?? 1000);
}

export async function getMetricHistoryFromFileStore(store: FileStore, runId: string, key: string): Promise<MetricPoint[]> {
  validateRunId(runId);
  validateKey('metric', key);
  const runDir = await findRunDir(store.root, runId);
  try {
    return parseMetricLines(key, await fsp.readFile(path.join(runDir, 'metrics', ...key.split('/')), 'utf8'));
  } catch (e) {
    if (isNotFound(e)) return [];
    throw e;
  }
}

async function artifactRoot(store: FileStore, runId: string): Promise<string> {
  const info = await store.getRun(runId);
  if (info.artifactDir === undefined) {
    throw new TrackingError(`Run ${runId}'s artifacts are at ${info.artifactUri}, which is not a local folder.`, 'INVALID_STATE');
  }
  return info.artifactDir;
}

export async function listArtifactsInFileStore(store: FileStore, runId: string, dir?: string): Promise<ArtifactEntry[]> {
  validateRunId(runId);
  const rel = dir === undefined || dir === '' || dir === '.' ? '' : validateArtifactPath(dir);
  const root = await artifactRoot(store, runId);
  const out: ArtifactEntry[] = [];
  for (const d of await readDir(path.join(root, ...rel.split('/').filter(Boolean)))) {
    const p = rel ? `${rel}/${d.name}` : d.name;
    if (d.isDirectory()) out.push({ path: p, isDir: true });
    else if (d.isFile()) {
      const st = await fsp.stat(path.join(root, ...p.split('/')));
      out.push({ path: p, isDir: false, fileSize: st.size });
    }
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export async function downloadArtifactFromFileStore(store: FileStore, runId: string, artifactPath: string): Promise<Uint8Array> {
  validateRunId(runId);
  const rel = validateArtifactPath(artifactPath);
  const root = await artifactRoot(store, runId);
  try {
    return new Uint8Array(await fsp.readFile(path.join(root, ...rel.split('/'))));
  } catch (e) {
    if (isNotFound(e) || (e as NodeJS.ErrnoException).code === 'EISDIR') {
      throw new TrackingError(`Run ${runId} has no artifact file '${rel}' (in ${root}).`, 'RESOURCE_DOES_NOT_EXIST');
    }
    throw e;
  }
}

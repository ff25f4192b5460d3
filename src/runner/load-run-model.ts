/**
 * Finds a trained model and its preprocessing state: a run id (looked up in the tracking store) or a
 * folder (a run's `artifacts/` folder, or a folder holding `model/model.json` + `preprocessing.json`).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '../tf.js';
import type { PreprocessingState } from '../data/dataset.js';
// registers every custom layer a saved model may hold (encoders', fusions', model/layers'), so it loads even
// when nothing else imported the model code (mmx predict and evaluate import only what they use)
import '../model/build.js';
import { DamagedModelError, loadSavedModel } from '../model/saved-model.js';
import { FileReadError, readRegularFileSync } from '../io/regular-file.js';
import { TrackingError } from '../tracking/errors.js';
import { resolveTracker } from '../tracking/resolve.js';
import type { Tracker } from '../tracking/tracker.js';
import { UsageError } from '../errors.js';

export interface LoadedRunModel {
  model: tf.LayersModel;
  state: PreprocessingState;
  /** where it was loaded from: a folder, or the run's artifacts on a tracking server */
  from: string;
  runId?: string;
  experimentId?: string;
  tracker?: Tracker;
}

const RUN_ID = /^[0-9a-f]{32}$/;

function artifactRoot(dir: string): string | undefined {
  if (existsSync(path.join(dir, 'model', 'model.json')) && existsSync(path.join(dir, 'preprocessing.json'))) return dir;
  if (existsSync(path.join(dir, 'artifacts', 'model', 'model.json'))) return path.join(dir, 'artifacts');
  if (existsSync(path.join(dir, 'model.json')) && existsSync(path.join(dir, '..', 'preprocessing.json'))) return path.dirname(dir);
  return undefined;
}

async function loadFromFolder(root: string): Promise<{ model: tf.LayersModel; state: PreprocessingState }> {
  const model = await loadSavedModel(path.join(root, 'model', 'model.json'));
  const stateFile = path.join(root, 'preprocessing.json');
  let state: PreprocessingState;
  try {
    state = JSON.parse(readModelFileText(stateFile)) as PreprocessingState;
  } catch (e) {
    if (e instanceof DamagedModelError) throw e;
    throw new DamagedModelError(stateFile, `preprocessing.json is not valid JSON (${(e as Error).message})`);
  }
  if (typeof state !== 'object' || state === null) throw new DamagedModelError(stateFile, 'preprocessing.json is not an object');
  if (state.version !== 1) throw new UsageError(`${stateFile}: unsupported preprocessing state version ${String(state.version)}`);
  return { model, state };
}

/** preprocessing.json: a regular file of at most 256 MB (it holds vocabularies and statistics). */
function readModelFileText(file: string): string {
  try {
    return readRegularFileSync(file, 256 * 1024 * 1024).toString('utf8');
  } catch (e) {
    if (!(e instanceof FileReadError)) throw e;
    throw new DamagedModelError(file, `preprocessing.json ${e.code === 'missing' ? 'is missing' : e.reason}`);
  }
}

/** `cwd`: the folder a relative `source` folder and tracking URI resolve against (the CLI: its working directory). */
export async function loadRunModel(source: string, options: { trackingUri?: string; cwd: string }): Promise<LoadedRunModel> {
  const cwd = options.cwd;
  const asPath = path.resolve(cwd, source);
  if (existsSync(asPath) && statSync(asPath).isDirectory()) {
    const root = artifactRoot(asPath);
    if (!root)
      throw new UsageError(`${source}: no model here (expected model/model.json and preprocessing.json, as in a run's artifacts folder)`);
    return { ...(await loadFromFolder(root)), from: root };
  }
  if (!RUN_ID.test(source)) {
    throw new UsageError(`'${source}' is neither a run id (32 hex characters) nor a folder with a saved model`);
  }
  const tracker = resolveTracker({ ...(options.trackingUri ? { uri: options.trackingUri } : {}), cwd });
  let info;
  try {
    info = await tracker.getRun(source);
  } catch (err) {
    // only a store that answered "no such run" means the run is not there; a server that is down, refuses the
    // credentials or fails says so itself (its message names the server, without secrets)
    if (err instanceof TrackingError && err.code === 'RESOURCE_DOES_NOT_EXIST') {
      throw new UsageError(`run ${source} not found in ${tracker.uri} (${err.message}); pass --uri to look elsewhere`);
    }
    throw err;
  }
  const root = info.artifactDir;
  const download = (tracker as Tracker & { downloadArtifact?: (runId: string, p: string) => Promise<Uint8Array> }).downloadArtifact;
  const found = { runId: source, experimentId: info.experimentId, tracker };
  if ((!root || !existsSync(root)) && download) {
    // from a server: downloaded into a private folder, loaded into memory, and the folder removed
    const tmp = mkdtempSync(path.join(os.tmpdir(), `mmx-run-${source.slice(0, 8)}-`));
    try {
      const modelJson = await download.call(tracker, source, 'model/model.json');
      mkdirSync(path.join(tmp, 'model'), { recursive: true });
      writeFileSync(path.join(tmp, 'model', 'model.json'), modelJson);
      const manifest = JSON.parse(Buffer.from(modelJson).toString('utf8')) as { weightsManifest: { paths: string[] }[] };
      for (const p of manifest.weightsManifest.flatMap((g) => g.paths))
        writeFileSync(path.join(tmp, 'model', p), await download.call(tracker, source, `model/${p}`));
      writeFileSync(path.join(tmp, 'preprocessing.json'), await download.call(tracker, source, 'preprocessing.json'));
      return { ...(await loadFromFolder(tmp)), from: `${tracker.uri} (run ${source})`, ...found };
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  if (!root || !artifactRoot(root)) throw new UsageError(`run ${source} has no saved model (model/model.json) in its artifacts`);
  return { ...(await loadFromFolder(artifactRoot(root)!)), from: root, ...found };
}

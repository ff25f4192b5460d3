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

/** Where a folder's saved model is: its model folder (model.json, weights), its preprocessing state, and its root. */
interface SavedModelPlace {
  modelDir: string;
  preprocessing: string;
  /** the run's artifacts folder, or the model folder itself when it stands alone */
  root: string;
}

function findSavedModel(dir: string): SavedModelPlace | undefined {
  const at = (modelDir: string, root: string): SavedModelPlace | undefined => {
    const preprocessing = path.join(root, 'preprocessing.json');
    return existsSync(path.join(modelDir, 'model.json')) && existsSync(preprocessing) ? { modelDir, preprocessing, root } : undefined;
  };
  return (
    // a run's artifacts folder, or the run folder holding it
    at(path.join(dir, 'model'), dir) ??
    at(path.join(dir, 'artifacts', 'model'), path.join(dir, 'artifacts')) ??
    // the model folder of a run's artifacts
    at(dir, path.dirname(dir)) ??
    // a model folder on its own (MLmodel, model.json, weights.bin, preprocessing.json), e.g. a downloaded or registered one
    at(dir, dir)
  );
}

async function loadFromFolder(place: SavedModelPlace): Promise<{ model: tf.LayersModel; state: PreprocessingState }> {
  const model = await loadSavedModel(path.join(place.modelDir, 'model.json'));
  const stateFile = place.preprocessing;
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
    const place = findSavedModel(asPath);
    if (!place)
      throw new UsageError(
        `${source}: no model here (expected a run's model folder with MLmodel, model.json and preprocessing.json, or a run's artifacts folder)`,
      );
    return { ...(await loadFromFolder(place)), from: place.root };
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
      const place = { modelDir: path.join(tmp, 'model'), preprocessing: path.join(tmp, 'preprocessing.json'), root: tmp };
      return { ...(await loadFromFolder(place)), from: `${tracker.uri} (run ${source})`, ...found };
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  const place = root ? findSavedModel(root) : undefined;
  if (!root || !place) throw new UsageError(`run ${source} has no saved model (model/model.json) in its artifacts`);
  return { ...(await loadFromFolder(place)), from: root, ...found };
}

/**
 * Logs the trained model as an MLflow model under the run's `model/` artifact folder:
 *
 *   model/model.json, weights.bin   the inference graph (src/model/export/): plain tfjs where possible
 *   model/preprocessing.json        what was learned from the training split (the folder is self-contained, as a
 *                                   registered model version copies only this folder)
 *   model/input_example.json        raw test rows (./input-example.ts)
 *   model/package.json              the requirements: Node, mmx and tfjs versions (./model-requirements.ts)
 *   model/MLmodel                   flavors, signature of the raw inputs, uuid, time (./mlmodel.ts)
 *
 * and records it in the run's `mlflow.log-model.history` tag, so MLflow's UI lists it and can register it.
 */
import type * as tf from '../tf.js';
import { isStreamed, type PreprocessingState, type SplitData, type StreamedSplit } from '../data/dataset.js';
import type { ModelInput } from '../model/build.js';
import { exportInferenceModel, type ExportedModel } from '../model/export/export-model.js';
import { recordLoggedModel } from '../tracking/logged-model.js';
import { pyJson, type PyJsonValue } from '../tracking/py-json.js';
import type { Tracker } from '../tracking/tracker.js';
import { gatherInputs, identityOrder, readInputs } from '../train/batches.js';
import type { InputExample } from './input-example.js';
import { MODEL_ARTIFACT_PATH, MODEL_FILES, mlflowModelDict, mlmodelYaml } from './mlmodel.js';
import { modelRequirements } from './model-requirements.js';
import { MMX_NODE_RANGE } from '../version.js';

export interface LogModelOptions {
  tracker: Tracker;
  runId: string;
  model: tf.LayersModel;
  state: PreprocessingState;
  /** a few real examples (one tensor per input) the saved graph is checked on */
  probe?: tf.Tensor[];
  example?: InputExample;
  versions: { mmx: string; tfjs: string; node: string };
  warn: (message: string) => void;
}

export interface LoggedModel {
  exported: ExportedModel;
  /** MLflow's Model.to_dict() of it (MLmodel's content) */
  mlmodel: Record<string, PyJsonValue>;
  /** whether the history tag was recorded */
  recorded: boolean;
}

export async function logModel(o: LogModelOptions): Promise<LoggedModel> {
  const exported = await exportInferenceModel(o.model, o.probe);
  if (exported.fallback) o.warn(`the model is saved with its training graph (it loads with mmx's layers registered): ${exported.fallback}`);
  const files: [string, string | Uint8Array][] = [
    [MODEL_FILES.modelJson, exported.files['model.json']],
    [MODEL_FILES.weights, exported.files['weights.bin']],
    [MODEL_FILES.preprocessing, JSON.stringify(o.state, null, 2)],
    ...(o.example ? [[MODEL_FILES.inputExample, pyJson({ columns: o.example.columns, data: o.example.data })] as [string, string]] : []),
    [
      MODEL_FILES.requirements,
      modelRequirements({
        runId: o.runId,
        mmxVersion: o.versions.mmx,
        tfjsVersion: o.versions.tfjs,
        nodeRange: MMX_NODE_RANGE,
        nodeVersion: o.versions.node,
      }),
    ],
  ];
  const sizeBytes = files.reduce(
    (n, [, content]) => n + (typeof content === 'string' ? Buffer.byteLength(content) : content.byteLength),
    0,
  );
  const mlmodel = mlflowModelDict({
    runId: o.runId,
    state: o.state,
    tfjsVersion: o.versions.tfjs,
    mmxVersion: o.versions.mmx,
    nodeVersion: o.versions.node,
    customLayers: exported.graph.customClasses,
    sizeBytes,
    inputExample: o.example !== undefined,
  });
  for (const [name, content] of files) await o.tracker.logArtifact(o.runId, `${MODEL_ARTIFACT_PATH}/${name}`, content);
  await o.tracker.logArtifact(o.runId, `${MODEL_ARTIFACT_PATH}/MLmodel`, mlmodelYaml(mlmodel));
  await o.tracker.setTags(o.runId, {
    'mmx.model.custom_layers': exported.graph.customClasses.join(',') || 'none',
    'mmx.model.inference_graph': exported.fallback ? 'training graph (fallback)' : 'yes',
  });
  const recorded = await recordLoggedModel(o.tracker, o.runId, mlmodel, o.warn);
  return { exported, mlmodel, recorded };
}

/** The first `n` examples of a split as model inputs (one tensor per input): what the saved graph is checked on. */
export function probeExamples(split: SplitData | StreamedSplit, inputs: ModelInput[], n = 8): tf.Tensor[] | undefined {
  const k = Math.min(n, split.labels.length);
  if (k === 0) return undefined;
  const order = identityOrder(k);
  return isStreamed(split) ? readInputs(split, inputs, order) : gatherInputs(split, inputs, order, 0, k);
}

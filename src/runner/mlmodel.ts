/**
 * The saved model as an MLflow model: the `MLmodel` file and the dict MLflow 2.12's `Model.to_dict()` gives for it,
 * which is also what goes into the run's `mlflow.log-model.history` tag.
 *
 * MLflow 2.12's to_dict, for a model logged outside Python: the public attributes in the order `Model.__init__`
 * sets them — run_id, artifact_path, utc_time_created (`str(datetime.utcnow())`), flavors, model_uuid
 * (`uuid4().hex`); mlflow_version is left out, as to_dict does when it is None (mmx is not MLflow; its version is
 * in the mmx flavor) — then signature (`ModelSignature.to_dict()`: inputs and outputs as JSON text, params null),
 * saved_input_example_info and model_size_bytes. The MLmodel file is that dict as `yaml.safe_dump` writes it
 * (keys sorted, block style).
 */
import { randomUUID } from 'node:crypto';
import { stringify } from 'yaml';
import type { PreprocessingState } from '../data/dataset.js';
import { rawColumns } from '../data/raw-columns.js';
import { pyJson, type PyJsonValue } from '../tracking/py-json.js';
import { MMX_PACKAGE } from '../version.js';

export const MODEL_ARTIFACT_PATH = 'model';
/** The files of a model folder, beside MLmodel. */
export const MODEL_FILES = {
  modelJson: 'model.json',
  weights: 'weights.bin',
  preprocessing: 'preprocessing.json',
  inputExample: 'input_example.json',
  requirements: 'package.json',
} as const;
/** What the input example's file holds, as MLflow writes it for a DataFrame example. */
export const INPUT_EXAMPLE_INFO = { artifact_path: MODEL_FILES.inputExample, type: 'dataframe', pandas_orient: 'split' } as const;
/** The module that registers mmx's layers for plain tfjs. */
export const LAYERS_MODULE = `${MMX_PACKAGE}/layers`;

/** `str(datetime.utcnow())`: `YYYY-MM-DD HH:MM:SS.ffffff`, the fraction left out when it is zero (JavaScript has milliseconds). */
export function pythonUtcTime(d: Date): string {
  const iso = d.toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const ms = d.getUTCMilliseconds();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${ms === 0 ? '' : `.${String(ms).padStart(3, '0')}000`}`;
}

/** A ColSpec's `to_dict()` (MLflow 2.12): type, name, required. */
const colSpec = (type: string, name: string, required = true): Record<string, PyJsonValue> => ({ type, name, required });

/** The predictions' columns, as `mmx predict` writes them (without the row id and label). */
export function outputColumns(target: PreprocessingState['target']): Record<string, PyJsonValue>[] {
  if (target.task === 'regression') return [colSpec('double', 'predicted')];
  return [colSpec('string', 'predicted'), ...target.classes.map((c) => colSpec('double', `p_${c}`))];
}

/** `ModelSignature.to_dict()`: the raw input columns and the prediction columns, each as Python's JSON text. */
export function modelSignature(state: PreprocessingState): Record<string, PyJsonValue> {
  const inputs = rawColumns(state).map((c) => colSpec(c.type, c.name, c.required));
  return { inputs: pyJson(inputs), outputs: pyJson(outputColumns(state.target)), params: null };
}

export interface MlflowModelOptions {
  runId: string;
  state: PreprocessingState;
  tfjsVersion: string;
  mmxVersion: string;
  nodeVersion: string;
  /** mmx layer classes the saved graph needs (`import 'mmx-ml/layers'`); [] for a plain-tfjs model */
  customLayers: readonly string[];
  /** bytes of the model folder's files (MLflow counts the folder before writing MLmodel) */
  sizeBytes: number;
  /** whether input_example.json was written */
  inputExample: boolean;
  now?: Date;
  uuid?: string;
}

/** `Model.to_dict()` of the saved model, as MLflow 2.12 gives it (see the module comment). */
export function mlflowModelDict(o: MlflowModelOptions): Record<string, PyJsonValue> {
  const custom = [...o.customLayers];
  return {
    run_id: o.runId,
    artifact_path: MODEL_ARTIFACT_PATH,
    utc_time_created: pythonUtcTime(o.now ?? new Date()),
    flavors: {
      tfjs: {
        format: 'layers-model',
        model_json: MODEL_FILES.modelJson,
        weights: [MODEL_FILES.weights],
        tfjs_version: o.tfjsVersion,
        loader: 'tf.loadLayersModel',
        custom_layers: custom,
        ...(custom.length ? { layers_module: LAYERS_MODULE } : {}),
      },
      mmx: {
        package: MMX_PACKAGE,
        mmx_version: o.mmxVersion,
        node_version: o.nodeVersion,
        env: MODEL_FILES.requirements,
        preprocessing: MODEL_FILES.preprocessing,
        task: o.state.target.task,
        inputs: o.state.inputs.map((i) => ({ name: i.name, modality: i.modality, columns: i.columns ?? [i.column] })),
        predict: `mmx predict ${o.runId} DATA`,
        serve: `mmx serve ${o.runId}`,
      },
    },
    model_uuid: o.uuid ?? randomUUID().replace(/-/g, ''),
    signature: modelSignature(o.state),
    ...(o.inputExample ? { saved_input_example_info: { ...INPUT_EXAMPLE_INFO } } : {}),
    model_size_bytes: o.sizeBytes,
  };
}

/** The MLmodel file: the dict as PyYAML's `safe_dump(default_flow_style=False)` lays it out (sorted keys, block style). */
export function mlmodelYaml(dict: Record<string, PyJsonValue>): string {
  return stringify(dict, { sortMapEntries: true, indentSeq: false, lineWidth: 0 });
}

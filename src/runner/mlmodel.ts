/**
 * An `MLmodel` descriptor for the saved tfjs model, in the shape MLflow's model format uses (artifact_path,
 * flavors, run_id, created time, signature), so the MLflow UI shows the folder as a model and tools can see
 * how to load it: `tf.loadLayersModel` on `model.json`, with `preprocessing.json` beside it.
 */
import { randomUUID } from 'node:crypto';
import { stringify } from 'yaml';
import type { PreprocessingState } from '../data/dataset.js';
import { outputUnits } from '../model/heads/tasks.js';
import { MMX_PACKAGE } from '../version.js';

export function mlmodelDescriptor(o: {
  runId: string;
  state: PreprocessingState;
  tfjsVersion: string;
  mmxVersion: string;
  now?: Date;
}): string {
  const now = o.now ?? new Date();
  const inputs = o.state.inputs.map((i) => ({
    name: i.name,
    type: 'tensor',
    'tensor-spec': { dtype: 'float32', shape: [-1, ...i.shape] },
  }));
  const task = o.state.target.task;
  const outputs = [
    {
      name: task === 'regression' ? 'prediction' : 'probabilities',
      type: 'tensor',
      'tensor-spec': { dtype: 'float32', shape: [-1, outputUnits(o.state.target)] },
    },
  ];
  return stringify({
    artifact_path: 'model',
    flavors: {
      tfjs: {
        format: 'layers-model',
        model_json: 'model.json',
        tfjs_version: o.tfjsVersion,
        loader: 'tf.loadLayersModel',
      },
      mmx: {
        package: MMX_PACKAGE,
        mmx_version: o.mmxVersion,
        preprocessing: '../preprocessing.json',
        task: o.state.target.task,
        classes: o.state.target.classes,
        inputs: o.state.inputs.map((i) => ({ name: i.name, modality: i.modality, column: i.column })),
        predict: 'mmx predict <run_id> <data>',
      },
    },
    model_uuid: randomUUID().replace(/-/g, ''),
    run_id: o.runId,
    utc_time_created: now.toISOString().replace('T', ' ').replace('Z', ''),
    signature: { inputs: JSON.stringify(inputs), outputs: JSON.stringify(outputs) },
  });
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import type { PreprocessingState } from '../../src/data/dataset.js';
import { mlflowModelDict, mlmodelYaml, modelSignature, pythonUtcTime } from '../../src/runner/mlmodel.js';
import { pyJson } from '../../src/tracking/py-json.js';

const state: PreprocessingState = {
  version: 1,
  target: { column: 'label', task: 'classification', classes: ['cat', 'dög'] },
  inputs: [
    {
      name: 'image',
      modality: 'image',
      column: 'image_path',
      shape: [8, 8, 1],
      preprocessing: { missing: 'error' },
      normalization: { kind: 'none' },
    },
    { name: 'review', modality: 'text', column: 'text', shape: [4], preprocessing: { missing: 'zeros' }, normalization: { kind: 'none' } },
    {
      name: 'measures',
      modality: 'numeric',
      column: 'age',
      columns: ['age', 'height'],
      shape: [2],
      preprocessing: { missing: 'mean' },
      normalization: { kind: 'none' },
    },
    { name: 'island', modality: 'categorical', column: 'island', shape: [1], preprocessing: {}, normalization: { kind: 'none' } },
  ],
};

const options = {
  runId: '0123456789abcdef0123456789abcdef',
  state,
  tfjsVersion: '4.22.0',
  mmxVersion: '0.1.0',
  nodeVersion: '20.20.2',
  customLayers: ['MmxGatedCombine'],
  sizeBytes: 12345,
  inputExample: true,
  now: new Date(Date.UTC(2024, 4, 1, 12, 34, 56, 789)),
  uuid: 'feedfacefeedfacefeedfacefeedface',
};

describe('MLflow model dict and MLmodel', () => {
  it("is MLflow 2.12's Model.to_dict(): its keys in its order, mlflow_version left out", () => {
    const dict = mlflowModelDict(options);
    assert.deepEqual(Object.keys(dict), [
      'run_id',
      'artifact_path',
      'utc_time_created',
      'flavors',
      'model_uuid',
      'signature',
      'saved_input_example_info',
      'model_size_bytes',
    ]);
    assert.equal(dict.artifact_path, 'model');
    assert.equal(dict.utc_time_created, '2024-05-01 12:34:56.789000');
    assert.deepEqual(dict.saved_input_example_info, { artifact_path: 'input_example.json', type: 'dataframe', pandas_orient: 'split' });
    assert.equal(Object.keys(mlflowModelDict({ ...options, inputExample: false })).includes('saved_input_example_info'), false);
  });

  it('times as str(datetime.utcnow()): microseconds, none when the fraction is zero', () => {
    assert.equal(pythonUtcTime(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6))), '2024-01-02 03:04:05.006000');
    assert.equal(pythonUtcTime(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 0))), '2024-01-02 03:04:05');
  });

  it('signs the raw input columns with their types and whether an empty value is accepted, and the prediction columns', () => {
    const sig = modelSignature(state);
    assert.equal(
      sig.inputs,
      '[{"type": "string", "name": "image_path", "required": true}, {"type": "string", "name": "text", "required": false}, ' +
        '{"type": "double", "name": "age", "required": false}, {"type": "double", "name": "height", "required": false}, ' +
        '{"type": "string", "name": "island", "required": false}]',
    );
    assert.equal(
      sig.outputs,
      '[{"type": "string", "name": "predicted", "required": true}, {"type": "double", "name": "p_cat", "required": true}, ' +
        '{"type": "double", "name": "p_d\\u00f6g", "required": true}]',
    );
    assert.equal(sig.params, null);
    const regression = modelSignature({ ...state, target: { column: 'y', task: 'regression', classes: [] } });
    assert.equal(regression.outputs, '[{"type": "double", "name": "predicted", "required": true}]');
  });

  it('names the flavors: tfjs (how to load it, which mmx layers it needs) and mmx (package, versions, preprocessing)', () => {
    const flavors = mlflowModelDict(options).flavors as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(flavors), ['tfjs', 'mmx']);
    assert.deepEqual(flavors.tfjs!.custom_layers, ['MmxGatedCombine']);
    assert.equal(flavors.tfjs!.layers_module, 'mmx-ml/layers');
    assert.equal(flavors.tfjs!.tfjs_version, '4.22.0');
    assert.equal(flavors.mmx!.package, 'mmx-ml');
    assert.equal(flavors.mmx!.mmx_version, '0.1.0');
    assert.equal(flavors.mmx!.env, 'package.json');
    const plain = mlflowModelDict({ ...options, customLayers: [] }).flavors as Record<string, Record<string, unknown>>;
    assert.deepEqual(plain.tfjs!.custom_layers, []);
    assert.equal('layers_module' in plain.tfjs!, false);
  });

  it('writes MLmodel as YAML with sorted keys that reads back to the dict', () => {
    const dict = mlflowModelDict(options);
    const text = mlmodelYaml(dict);
    assert.deepEqual(parse(text), JSON.parse(JSON.stringify(dict)));
    const top = text
      .split('\n')
      .filter((l) => /^[a-z_]+:/.test(l))
      .map((l) => l.split(':')[0]);
    assert.deepEqual(top, [...top].sort());
    assert.match(text, /^ {2}tfjs:\n {4}custom_layers:\n {4}- MmxGatedCombine$/m);
  });
});

describe("Python's json.dumps", () => {
  it('separators, key order, ASCII escapes and number forms as Python writes them', () => {
    assert.equal(
      pyJson({ a: [1, 2.5, 1.5e-5, 1e20, 0.0001, -3], b: 'é 😀 "q"\n', c: null, d: true, u: undefined }),
      '{"a": [1, 2.5, 1.5e-05, 1e+20, 0.0001, -3], "b": "\\u00e9 \\ud83d\\ude00 \\"q\\"\\n", "c": null, "d": true}',
    );
  });
});

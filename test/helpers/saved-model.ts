/** Saved models in tests: mmx's model.json + weights.bin (src/runner/save-model.ts) loaded back with tf.loadLayersModel. */
import * as tf from '@tensorflow/tfjs';
import { serializeModel, type SavedModelFiles } from '../../src/runner/save-model.js';

/** The model that `files` describe, as tf.loadLayersModel reads it. */
export function loadSavedFiles(files: SavedModelFiles): Promise<tf.LayersModel> {
  const json = JSON.parse(files['model.json']) as { modelTopology: object; weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] };
  const w = files['weights.bin'];
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData: w.buffer.slice(w.byteOffset, w.byteOffset + w.byteLength) as ArrayBuffer,
    }),
  );
}

/** `model` saved as mmx saves it, then loaded back. */
export async function saveAndLoad(model: tf.LayersModel): Promise<tf.LayersModel> {
  return loadSavedFiles(await serializeModel(model));
}

/** Serialises a tfjs LayersModel into `model.json` + `weights.bin` bytes (loadable by tf.loadLayersModel). */
import * as tf from '../tf.js';

export interface SavedModelFiles {
  'model.json': string;
  'weights.bin': Uint8Array;
}

export async function serializeModel(model: tf.LayersModel): Promise<SavedModelFiles> {
  let files: SavedModelFiles | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData;
      const buffers = weightData === undefined ? [] : Array.isArray(weightData) ? weightData : [weightData];
      const total = buffers.reduce((a, b) => a + b.byteLength, 0);
      const bytes = new Uint8Array(total);
      let offset = 0;
      for (const b of buffers) {
        bytes.set(new Uint8Array(b), offset);
        offset += b.byteLength;
      }
      const json = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
      };
      files = { 'model.json': JSON.stringify(json), 'weights.bin': bytes };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!files) throw new Error('model serialisation produced nothing');
  return files;
}

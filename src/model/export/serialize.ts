/** Serialises a tfjs LayersModel into `model.json` + `weights.bin` bytes (loadable by tf.loadLayersModel). */
import * as tf from '../../tf.js';

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

/** The parsed parts of a saved `model.json` that loading needs. */
export interface ModelJson {
  modelTopology: unknown;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/** Loads `model.json` + `weights.bin` bytes (as `serializeModel` writes them) back into a LayersModel. */
export async function deserializeModel(files: SavedModelFiles): Promise<tf.LayersModel> {
  const json = JSON.parse(files['model.json']) as ModelJson;
  const bytes = files['weights.bin'];
  const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'],
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData,
    }),
  );
}

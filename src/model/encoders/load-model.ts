/** Loads a tfjs LayersModel saved as `model.json` + weight files from disk (tf.loadLayersModel has no file:// handler without tfjs-node). */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '../../tf.js';
import { DataError } from '../../data/errors.js';

export async function loadLayersModelFile(file: string): Promise<tf.LayersModel> {
  if (!existsSync(file))
    throw new DataError(
      'pretrained model not found',
      { file },
      'a tfjs LayersModel model.json (weights beside it); relative paths resolve from the config file',
    );
  let json: { modelTopology?: object; weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
  try {
    json = JSON.parse(readFileSync(file, 'utf8')) as typeof json;
  } catch (err) {
    throw new DataError(`not a tfjs model.json: ${(err as Error).message}`, { file });
  }
  if (!json.modelTopology) throw new DataError('not a tfjs LayersModel model.json (no modelTopology)', { file });
  const groups = json.weightsManifest ?? [];
  const buffers = groups.flatMap((g) =>
    g.paths.map((p) => {
      const wf = path.resolve(path.dirname(file), p);
      if (!existsSync(wf)) throw new DataError(`weights file '${p}' named by the model is missing`, { file });
      return readFileSync(wf);
    }),
  );
  const joined = Buffer.concat(buffers);
  const weightData = joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength) as ArrayBuffer;
  try {
    return await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: groups.flatMap((g) => g.weights), weightData }),
    );
  } catch (err) {
    throw new DataError(`cannot load the model: ${(err as Error).message.split('\n')[0]}`, { file });
  }
}

/**
 * Loads a tfjs LayersModel saved as `model.json` + weight files from disk (tf.loadLayersModel has no file:// handler
 * without tfjs-node); damaged files are a `DamagedModelError` (src/model/saved-model.ts).
 */
import { existsSync } from 'node:fs';
import type * as tf from '../../tf.js';
import { DataError } from '../../data/errors.js';
import { loadSavedModel } from '../saved-model.js';

export async function loadLayersModelFile(file: string): Promise<tf.LayersModel> {
  if (!existsSync(file))
    throw new DataError(
      'pretrained model not found',
      { file },
      'a tfjs LayersModel model.json (weights beside it); relative paths resolve from the config file',
    );
  return loadSavedModel(file);
}

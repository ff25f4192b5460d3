/** Serialising a model to `model.json` + `weights.bin`: src/model/export/serialize.ts (re-exported for existing callers). */
export { serializeModel, type SavedModelFiles } from '../model/export/serialize.js';

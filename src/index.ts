/**
 * mmx as a library: the `mmx-ml` package's main export. Run, validate and load experiments, and predict with
 * trained models, from TypeScript or JavaScript; everything else in the package is internal. The custom tfjs layers
 * a saved model may need are the separate `mmx-ml/layers` export (src/layers.ts). The published type declarations
 * come from src/public/index.ts, which declares these same exports (a type test holds the two together).
 */
export { loadConfig } from './experiment/load.js';
export { ConfigError } from './config/issues.js';
export { DataError } from './data/errors.js';
export { UsageError } from './errors.js';
export { RowError } from './inference/row-error.js';
export { runExperiment } from './api/run.js';
export { validateConfig } from './api/validate.js';
export { predict, loadPredictor } from './api/predict.js';
export { MMX_VERSION } from './version.js';
export type * from './public/types.js';

/**
 * The model's requirements, as a Node project (`package.json` in the model folder): the Node version range mmx
 * supports, and the exact mmx and tfjs versions it was trained with. `npm install` in a downloaded model folder
 * gives what loading it (`@tensorflow/tfjs`, plus `mmx-ml/layers` for mmx's layers) or serving it (`npx mmx serve .`)
 * needs — the Node counterpart of the requirements.txt / python_env.yaml MLflow writes for Python models.
 */
import { MMX_PACKAGE } from '../version.js';

export interface RequirementsOptions {
  runId: string;
  mmxVersion: string;
  tfjsVersion: string;
  /** the Node range mmx supports (its package.json `engines.node`) */
  nodeRange: string;
  /** the Node version the model was trained with */
  nodeVersion: string;
}

export function modelRequirements(o: RequirementsOptions): string {
  const pkg = {
    name: `mmx-model-${o.runId.slice(0, 12).toLowerCase()}`,
    version: '1.0.0',
    private: true,
    description: `An mmx model (run ${o.runId}), trained with mmx ${o.mmxVersion} and @tensorflow/tfjs ${o.tfjsVersion} on Node ${o.nodeVersion}`,
    type: 'module',
    engines: { node: o.nodeRange },
    dependencies: { '@tensorflow/tfjs': o.tfjsVersion, [MMX_PACKAGE]: o.mmxVersion },
  };
  return JSON.stringify(pkg, null, 2) + '\n';
}

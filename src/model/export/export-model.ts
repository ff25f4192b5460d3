/**
 * Saving a trained model for inference: serialised, rewritten into its inference graph (./inference-graph.ts),
 * loaded back and checked against the trained model on real examples before it is kept. Should the check ever
 * fail, the trained graph is saved as it is (it loads with `import 'mmx-ml/layers'`), and `fallback` says why.
 */
import * as tf from '../../tf.js';
import '../layers/index.js'; // the check loads the rewritten graph, which may hold mmx layers
import { toInferenceGraph, type InferenceGraphReport } from './inference-graph.js';
import { deserializeModel, serializeModel, type SavedModelFiles } from './serialize.js';

/** Largest difference between the trained model's and the saved model's outputs that counts as the same. */
export const EXPORT_TOLERANCE = 1e-4;

export interface ExportedModel {
  files: SavedModelFiles;
  graph: InferenceGraphReport;
  /** the check: outputs of the saved model on `examples` probe examples, against the trained model's */
  check?: { examples: number; maxAbsDiff: number };
  /** set when the inference graph was not used: why (the files are then the trained graph) */
  fallback?: string;
}

/** Largest |a − b| over two models' outputs on the same inputs. */
async function maxDifference(a: tf.LayersModel, b: tf.LayersModel, probe: tf.Tensor[]): Promise<number> {
  const x = probe.length === 1 ? probe[0]! : probe;
  const ya = a.predict(x) as tf.Tensor;
  const yb = b.predict(x) as tf.Tensor;
  try {
    if (ya.shape.join() !== yb.shape.join()) return Infinity;
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(ya, yb))));
    const value = (await diff.data())[0]!;
    diff.dispose();
    return Number.isNaN(value) ? Infinity : value;
  } finally {
    tf.dispose([ya, yb]);
  }
}

/**
 * `probe`: a few real examples (one tensor per model input, in input order) to check the saved model on; without
 * them the rewrite is only checked to load.
 */
export async function exportInferenceModel(model: tf.LayersModel, probe?: tf.Tensor[]): Promise<ExportedModel> {
  const trained = await serializeModel(model);
  const { files, report } = toInferenceGraph(trained);
  let loaded: tf.LayersModel | undefined;
  try {
    loaded = await deserializeModel(files);
    if (!probe) return { files, graph: report };
    const maxAbsDiff = await maxDifference(model, loaded, probe);
    const check = { examples: probe[0]?.shape[0] ?? 0, maxAbsDiff };
    if (maxAbsDiff <= EXPORT_TOLERANCE) return { files, graph: report, check };
    return {
      files: trained,
      graph: { removed: [], converted: [], droppedWeights: [], customClasses: toInferenceGraph(trained).report.customClasses },
      check,
      fallback: `the inference graph's outputs differ from the trained model's by ${maxAbsDiff} (more than ${EXPORT_TOLERANCE})`,
    };
  } catch (err) {
    return {
      files: trained,
      graph: { removed: [], converted: [], droppedWeights: [], customClasses: toInferenceGraph(trained).report.customClasses },
      fallback: `the inference graph could not be loaded back: ${err instanceof Error ? err.message : String(err)}`,
    };
  } finally {
    loaded?.dispose();
  }
}

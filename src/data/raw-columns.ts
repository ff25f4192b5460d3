/**
 * The raw inputs a trained model reads, as columns: what a manifest row (or a served request's row) must hold
 * for `featuresFromState` to turn it into the model's features. The MLflow signature, the input example, the
 * served request schema and the library's `predict` all describe inputs this way.
 */
import type { PreprocessingState } from './dataset.js';
import { findModality } from './modalities/index.js';
import type { RawColumn } from './raw-column.js';

export type { RawColumn } from './raw-column.js';

function missingPolicy(preprocessing: unknown): string | undefined {
  if (typeof preprocessing !== 'object' || preprocessing === null || !('missing' in preprocessing)) return undefined;
  const missing = preprocessing.missing;
  return typeof missing === 'string' ? missing : undefined;
}

/**
 * The columns of a saved preprocessing state's inputs, in input order (an input with several columns gives several;
 * a column two inputs read is listed once, for the first).
 */
export function rawColumns(state: Pick<PreprocessingState, 'inputs'>): RawColumn[] {
  const seen = new Set<string>();
  return state.inputs.flatMap((s) => {
    const missing = missingPolicy(s.preprocessing);
    const required = missing === 'error' || missing === 'drop_row';
    const file = findModality(s.modality).files;
    const names = (s.columns ?? [s.column]).filter((name) => !seen.has(name) && seen.add(name));
    return names.map((name) => ({
      name,
      input: s.name,
      modality: s.modality,
      type: s.modality === 'numeric' ? ('double' as const) : ('string' as const),
      required,
      ...(file ? { file } : {}),
    }));
  });
}

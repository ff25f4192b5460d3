/** One raw input column a trained model reads (see ./raw-columns.ts): a leaf type module, part of the public API. */
export interface RawColumn {
  /** the manifest column */
  name: string;
  /** the model input that reads it */
  input: string;
  modality: string;
  /** MLflow's column type: a number (numeric inputs) or text (everything else, file paths included) */
  type: 'double' | 'string';
  /**
   * false where an empty value still gives a prediction: imputed numbers, the reserved index of a categorical
   * input, `missing: zeros` (text, image, audio); true where it stops (`missing: error`) or drops the row
   */
  required: boolean;
  /** the cell names a file of this kind: a path, or (served, or through `predict`) the file's bytes */
  file?: 'image' | 'audio';
}

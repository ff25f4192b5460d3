/**
 * The two self-attention layers mmx had before MultiHeadAttention replaced them, kept so that models saved with
 * them still load with tf.loadLayersModel (a saved model.json names its layers' classes, and its weights by
 * name). Both are MultiHeadAttention under their old class names; nothing new is built with them.
 * - `MmxMultiHeadSelfAttention` (the attention and transformer fusions): input [x]; weights query_kernel, ...
 * - `MmxMaskedSelfAttention` (the text transformer encoder): inputs [x, token ids]; weights wq, bq, wk, ...
 * The one difference in results: a query whose keys are all PAD now attends to nothing rather than averaging the
 * padding; the text encoder pooled such positions away, so a saved model predicts what it predicted before
 * (test/model/legacy-models.test.ts).
 */
import * as tf from '../../tf.js';
import { MultiHeadAttention, type AttentionPart } from './multi-head-attention.js';

export class LegacyMultiHeadSelfAttention extends MultiHeadAttention {
  static override className = 'MmxMultiHeadSelfAttention';
}
tf.serialization.registerClass(LegacyMultiHeadSelfAttention);

export class LegacyMaskedSelfAttention extends MultiHeadAttention {
  static override className = 'MmxMaskedSelfAttention';

  protected override weightName(part: AttentionPart, kind: 'kernel' | 'bias'): string {
    return `${kind === 'kernel' ? 'w' : 'b'}${part}`;
  }
}
tf.serialization.registerClass(LegacyMaskedSelfAttention);

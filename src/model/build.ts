/**
 * Builds the tfjs model a config describes: one input and encoder per modality (looked up in the encoder
 * registry), the fusion method (fusion registry), and the task head.
 */
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../config/schema.js';
import { encoderRegistry } from './encoders/index.js';
import { findEncoder } from './encoders/registry.js';
import { fusionRegistry } from './fusions/index.js';
import { findFusion } from './fusions/registry.js';
import { classificationHead } from './heads/classification.js';
import { LayerContext } from './layers-context.js';

export interface ModelInput {
  name: string;
  modality: string;
  shape: number[];
}

export interface BuiltModel {
  model: tf.LayersModel;
  /** input names in the order the model takes them */
  inputs: ModelInput[];
  /** embedding size per input */
  embeddingDims: Record<string, number>;
}

export function buildModel(config: ExperimentConfig, inputs: ModelInput[], numClasses: number): BuiltModel {
  const root = new LayerContext('mmx', config.seed);
  const symbolic: tf.SymbolicTensor[] = [];
  const embeddings: { name: string; tensor: tf.SymbolicTensor }[] = [];
  const embeddingDims: Record<string, number> = {};
  for (const input of inputs) {
    const cfg = config.inputs[input.name]!;
    const x = tf.input({ shape: input.shape, name: input.name });
    symbolic.push(x);
    const encoder = findEncoder(encoderRegistry, cfg.type, cfg.encoder.type);
    const emb = encoder.build({ input: x, featureShape: input.shape, options: cfg.encoder as never, ctx: root.child(input.name) });
    embeddings.push({ name: input.name, tensor: emb });
    embeddingDims[input.name] = emb.shape[emb.shape.length - 1] ?? 0;
  }
  const fusion = findFusion(fusionRegistry, config.fusion.type);
  const fused = fusion.build({ embeddings, options: config.fusion as never, ctx: root.child('fusion') });
  const output = classificationHead(fused, numClasses, root.child('head'));
  const model = tf.model({ inputs: symbolic, outputs: output, name: config.name.replace(/[^A-Za-z0-9_]/g, '_') });
  return { model, inputs, embeddingDims };
}

export function createOptimizer(o: ExperimentConfig['training']['optimizer']): tf.Optimizer {
  switch (o.type) {
    case 'adam':
      return tf.train.adam(o.learning_rate);
    case 'sgd':
      return o.momentum ? tf.train.momentum(o.learning_rate, o.momentum) : tf.train.sgd(o.learning_rate);
    case 'rmsprop':
      return tf.train.rmsprop(o.learning_rate, 0.9, o.momentum ?? 0);
  }
}

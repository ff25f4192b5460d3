/** Shared by the data-parallel tests: a config + prepared real data, a compiled model, K training steps. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadConfig } from '../../src/experiment/load.js';
import type { ExperimentConfig } from '../../src/experiment/schema.js';
import { checkSemantics } from '../../src/experiment/semantic.js';
import { modelInputs, prepareData, type PreparedData } from '../../src/data/dataset.js';
import { buildModel, compileModel, createOptimizer, type BuiltModel } from '../../src/model/build.js';
import { gatherInputs, gatherTargets } from '../../src/train/batches.js';
import type { TrainStep } from '../../src/train/step.js';
import { tempDir } from '../helpers/tmp.js';

export interface Prepared {
  config: ExperimentConfig;
  data: PreparedData;
}

export async function prepare(yaml: string, files: Record<string, string> = {}): Promise<Prepared> {
  const dir = tempDir('mmx-parallel-');
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  const file = path.join(dir, 'exp.yaml');
  writeFileSync(file, yaml);
  const checked = checkSemantics(loadConfig(file));
  const data = await prepareData(checked);
  return { config: checked.config, data };
}

export function compiled(p: Prepared): BuiltModel {
  const built = buildModel(p.config, modelInputs(p.data), p.data.state.target);
  compileModel(built, createOptimizer(p.config.training.optimizer));
  return built;
}

/** `steps` optimiser steps on consecutive training batches (no shuffling); returns what each step returned. */
export async function trainSteps(
  p: Prepared,
  built: BuiltModel,
  step: TrainStep,
  steps: number,
  batchSize = p.config.training.batch_size,
): Promise<number[][]> {
  const n = p.data.train.labels.length;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const out: number[][] = [];
  for (let s = 0; s < steps; s++) {
    const start = (s * batchSize) % n;
    const end = Math.min(n, start + batchSize);
    const xs = gatherInputs(p.data.train, built.inputs, order, start, end);
    const ys = gatherTargets(p.data.train, order, start, end, p.data.state.target.classes.length);
    out.push(await step.run(xs, ys));
    tf.dispose([...xs, ys]);
  }
  return out;
}

/** The largest absolute difference between two models' weights (same architecture). */
export function maxWeightDiff(a: tf.LayersModel, b: tf.LayersModel): number {
  const wa = a.getWeights();
  const wb = b.getWeights();
  if (wa.length !== wb.length) throw new Error(`${wa.length} vs ${wb.length} weights`);
  let max = 0;
  wa.forEach((w, i) => {
    const x = w.dataSync();
    const y = wb[i]!.dataSync();
    for (let k = 0; k < x.length; k++) max = Math.max(max, Math.abs(x[k]! - y[k]!));
  });
  return max;
}

/** Per weight: name, largest absolute difference, largest magnitude (for messages). */
export function weightDiffs(a: tf.LayersModel, b: tf.LayersModel): string {
  return a.weights
    .map((w, i) => {
      const x = w.read().dataSync();
      const y = b.weights[i]!.read().dataSync();
      let d = 0;
      let m = 0;
      for (let k = 0; k < x.length; k++) {
        d = Math.max(d, Math.abs(x[k]! - y[k]!));
        m = Math.max(m, Math.abs(x[k]!));
      }
      return `${w.name} Δ${d.toExponential(1)} |w|≤${m.toFixed(2)}`;
    })
    .join('; ');
}

export function maxDiff(a: number[][], b: number[][]): number {
  let max = 0;
  a.forEach((row, i) => row.forEach((v, k) => (max = Math.max(max, Math.abs(v - b[i]![k]!)))));
  return max;
}

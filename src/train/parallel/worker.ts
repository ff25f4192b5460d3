/**
 * A data-parallel training worker thread: rebuilds the stepped model from its JSON (the custom layers register
 * themselves when build.ts is imported), compiles it with the task's loss, and for every `step` message
 * computes its shard's loss, metrics and gradients (`shardGradients`) with the weights the main thread last
 * published. It never applies an optimiser: the main thread does, once, with the averaged gradients.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '../../tf.js';
import { initBackend, type BackendRequest } from '../../backend/select.js';
import { compileModel, compileTrainingGraph, type BuiltModel } from '../../model/build.js';
import { allLayers, offsets, packWeights, syncedWeights, unpackWeights, weightLayout, type WeightLayout } from './layout.js';
import type { WorkerStart } from './pool.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { shardGradients } from './shard.js';

/** how far apart the random seeds of different workers' layers are */
const SEED_STRIDE = 1_000_003;

interface State {
  model: tf.LayersModel;
  layout: WeightLayout;
  synced: number[];
  at: number[];
  weights: Float32Array;
  grads: Float32Array;
  version: Int32Array;
  seen: number;
}

let state: State | undefined;
/** wall-clock ms (epoch), comparable across threads */
const now = (): number => performance.timeOrigin + performance.now();
const loaded = now();
const port = parentPort;
if (!port) throw new Error('src/train/parallel/worker.ts runs as a worker thread');
const send = (m: FromWorker): void => port.postMessage(m);

// The backend starts as soon as the thread does (the main thread may still be preparing data): the
// single-threaded wasm build in each worker, the parallelism comes from the workers themselves.
const start = workerData as WorkerStart;
let backendReady = 0;
const backend = initBackend(start.backend as BackendRequest, undefined, { threads: 1 }).then(() => {
  backendReady = now();
});
backend.catch(() => undefined); // reported by init()

async function init(m: Extract<ToWorker, { type: 'init' }>): Promise<void> {
  await backend;
  const model = await tf.models.modelFromJSON({ modelTopology: m.topology as tf.io.ModelJSON['modelTopology'] });
  const optimizer = tf.train.sgd(0); // never applied: compile needs one
  const built = { model, target: m.target } as unknown as BuiltModel;
  if (m.lossWeights) compileTrainingGraph({ ...built, training: { model, lossWeights: m.lossWeights, auxiliary: [] } }, optimizer);
  else compileModel(built, optimizer);
  if (model.weights.length !== m.weights.length)
    throw new Error(`rebuilt model has ${model.weights.length} weights, the main thread's ${m.weights.length}`);
  model.weights.forEach((w, i) => {
    const t = tf.tensor(m.weights[i]!, w.shape as number[], 'float32');
    w.write(t);
    t.dispose();
  });
  for (const layer of allLayers(model)) {
    const l = layer as unknown as { seed?: unknown };
    if (typeof l.seed === 'number') l.seed = l.seed + m.index * SEED_STRIDE;
  }
  const layout = weightLayout(model);
  const synced = syncedWeights(layout);
  state = {
    model,
    layout,
    synced,
    at: offsets(layout, synced),
    weights: new Float32Array(m.sharedWeights),
    grads: new Float32Array(m.sharedGrads),
    version: new Int32Array(m.version),
    seen: 0,
  };
  send({ type: 'ready', layout, timings: { loaded, backend: backendReady, model: now() } });
}

function step(m: Extract<ToWorker, { type: 'step' }>): void {
  const s = state;
  if (!s) throw new Error('step before init');
  const t0 = performance.now();
  // the atomic read orders this thread after the main thread's writes to the shared weights
  const version = Atomics.load(s.version, 0);
  if (version !== s.seen) {
    unpackWeights(s.model, s.layout, s.synced, s.weights);
    s.seen = version;
  }
  const xs = m.xs.map((x) => tf.tensor(x.data, x.shape, 'float32'));
  const ys = tf.tensor(m.ys.data, m.ys.shape, 'float32');
  const r = shardGradients(s.model, xs, ys);
  const hasGrad: boolean[] = [];
  r.variables.forEach((v, i) => {
    const g = r.grads[v.name];
    const region = s.grads.subarray(s.at[i]!, s.at[i + 1]!);
    if (g) region.set(g.dataSync() as Float32Array);
    else region.fill(0);
    hasGrad.push(g != null);
  });
  const nTrain = s.layout.trainable.length;
  if (s.layout.stateful.length) packWeights(s.model, s.layout.stateful, s.grads.subarray(s.at[nTrain]!));
  const values = r.values.map((v) => (v.dataSync() as Float32Array)[0]!);
  tf.dispose([...xs, ys, ...r.values, ...Object.values(r.grads).filter((g): g is tf.Tensor => g != null)]);
  send({ type: 'done', id: m.id, values, hasGrad, seconds: (performance.now() - t0) / 1000 });
}

port.on('message', (m: ToWorker) => {
  const id = m.type === 'step' ? m.id : undefined;
  const fail = (err: unknown): void =>
    send({
      type: 'error',
      ...(id !== undefined ? { id } : {}),
      message: err instanceof Error ? err.message : String(err),
      ...(err instanceof Error && err.stack ? { stack: err.stack } : {}),
    });
  try {
    if (m.type === 'init') init(m).catch(fail);
    else step(m);
  } catch (err) {
    fail(err);
  }
});

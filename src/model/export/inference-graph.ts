/**
 * The saved inference model: the trained graph rewritten so that plain tfjs loads as much of it as it can.
 *
 * - Layers that are the identity at inference are left out, their consumers wired to their input: dropout of every
 *   kind (tfjs's and mmx's MmxDropout) and mmx's modality dropout gate (a training-only layer; a loaded model is
 *   never masked). Their weights (the gate's learned missing token) leave the weight file with them. The token
 *   fusions' ModalityTokenGate stays: at inference it is not an identity but turns the encoder's mask into the
 *   fusion's token mask (those models need mmx's attention layers anyway).
 * - mmx layers with a stock tfjs equivalent of the same maths and weights become that layer: MmxLSTM → LSTM,
 *   MmxGRU → GRU (mmx's fast recurrent layers compute tfjs's LSTM/GRU with fewer kernel calls), MmxLayerNorm →
 *   LayerNormalization.
 * - What remains of mmx's own (fusion layers, text attention, ...) is listed in `customClasses`: those models load
 *   after `import 'mmx-ml/layers'` (src/layers.ts), the others with @tensorflow/tfjs alone.
 *
 * It works on the JSON topology and the weight bytes, without building anything; `exportInferenceModel`
 * (./export-model.ts) loads the result back and checks its predictions against the trained model.
 */
import type { SavedModelFiles } from './serialize.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** What the rewrite did. */
export interface InferenceGraphReport {
  /** layers left out (identities at inference), by name */
  removed: { name: string; className: string }[];
  /** mmx layers replaced by their stock tfjs equivalent */
  converted: { name: string; from: string; to: string }[];
  /** mmx layer classes the saved graph still needs (`import 'mmx-ml/layers'`), sorted; [] for a plain-tfjs model */
  customClasses: string[];
  /** weights left out with the removed layers */
  droppedWeights: string[];
}

/** Layer classes that pass their input through unchanged when not training. */
export const INFERENCE_IDENTITIES: ReadonlySet<string> = new Set([
  'Dropout',
  'SpatialDropout1D',
  'GaussianNoise',
  'GaussianDropout',
  'AlphaDropout',
  'MmxModalityDropout',
  'MmxDropout',
]);

/** Every mmx layer class name starts with this (tfjs's own never do). */
export const MMX_CLASS_PREFIX = 'Mmx';

const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

const initializer = (className: string): JsonObject => ({ class_name: className, config: {} });

/** The config of tfjs's LSTM / GRU for an MmxLSTM / MmxGRU one (same units, direction, initialisers; tfjs's activations). */
function recurrentConfig(c: JsonObject, extra: JsonObject): JsonObject {
  return {
    name: c['name'] ?? null,
    trainable: c['trainable'] ?? true,
    units: c['units'] ?? null,
    activation: 'tanh',
    recurrent_activation: 'hard_sigmoid',
    use_bias: true,
    kernel_initializer: c['kernel_initializer'] ?? initializer('GlorotUniform'),
    recurrent_initializer: c['recurrent_initializer'] ?? initializer('Orthogonal'),
    bias_initializer: initializer('Zeros'),
    kernel_regularizer: null,
    recurrent_regularizer: null,
    bias_regularizer: null,
    activity_regularizer: null,
    kernel_constraint: null,
    recurrent_constraint: null,
    bias_constraint: null,
    dropout: 0,
    recurrent_dropout: 0,
    implementation: null,
    ...extra,
    return_sequences: c['return_sequences'] ?? false,
    return_state: false,
    go_backwards: c['go_backwards'] ?? false,
    stateful: false,
    unroll: false,
  };
}

/** mmx layers that are a stock tfjs layer in disguise: the class to save instead and its config. */
const STOCK_EQUIVALENTS: Record<string, { className: string; config: (c: JsonObject) => JsonObject }> = {
  MmxLSTM: { className: 'LSTM', config: (c) => recurrentConfig(c, { unit_forget_bias: null }) },
  MmxGRU: { className: 'GRU', config: (c) => recurrentConfig(c, { reset_after: false }) },
  MmxLayerNorm: {
    className: 'LayerNormalization',
    config: (c) => ({
      name: c['name'] ?? null,
      trainable: c['trainable'] ?? true,
      axis: -1,
      epsilon: c['epsilon'] ?? 1e-3,
      center: true,
      scale: true,
      beta_initializer: initializer('Zeros'),
      gamma_initializer: initializer('Ones'),
      beta_regularizer: null,
      gamma_regularizer: null,
    }),
  },
};

/** Replaces mmx classes with their stock equivalents, anywhere (inside Bidirectional, nested models, ...). */
function convertClasses(node: Json, report: InferenceGraphReport): Json {
  if (Array.isArray(node)) return node.map((n) => convertClasses(n, report));
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(node)) out[k] = convertClasses(v, report);
  const cls = out['class_name'];
  const config = out['config'];
  const equivalent = typeof cls === 'string' ? STOCK_EQUIVALENTS[cls] : undefined;
  if (equivalent && isObject(config)) {
    report.converted.push({ name: String(config['name'] ?? out['name'] ?? ''), from: cls as string, to: equivalent.className });
    out['class_name'] = equivalent.className;
    out['config'] = equivalent.config(config);
  }
  return out;
}

/** An inbound tensor reference: [layer name, node index, tensor index, kwargs?]. */
type Ref = Json[];

const refKey = (layer: string, node: number, tensor: number): string => `${layer}\u0000${node}\u0000${tensor}`;

/** Removes identity layers from one functional graph (`config` of a Model / Functional), recursing into nested models. */
function pruneGraph(config: JsonObject, report: InferenceGraphReport): void {
  const layers = config['layers'];
  if (!Array.isArray(layers)) return;
  for (const l of layers) if (isObject(l)) pruneNested(l, report);
  // where each output of a removed layer's call comes from: the input of that call
  const replaced = new Map<string, Ref>();
  const kept: Json[] = [];
  for (const l of layers) {
    const nodes = isObject(l) ? l['inbound_nodes'] : undefined;
    const name = isObject(l) ? l['name'] : undefined;
    const cls = isObject(l) ? l['class_name'] : undefined;
    const removable =
      typeof name === 'string' &&
      typeof cls === 'string' &&
      INFERENCE_IDENTITIES.has(cls) &&
      Array.isArray(nodes) &&
      nodes.every((n) => Array.isArray(n) && n.length === 1 && Array.isArray(n[0]));
    if (!removable) {
      kept.push(l);
      continue;
    }
    (nodes as Json[][]).forEach((node, k) => replaced.set(refKey(name, k, 0), node[0] as Ref));
    report.removed.push({ name, className: cls });
  }
  if (replaced.size === 0) return;
  const resolve = (ref: Ref): Ref => {
    let current = ref;
    for (let hops = 0; hops <= replaced.size; hops++) {
      const [layer, node, tensor] = current;
      const next = replaced.get(refKey(String(layer), Number(node), Number(tensor)));
      if (!next) return current;
      // the consumer keeps its own call arguments (kwargs); only the tensor it reads changes
      current = [next[0]!, next[1]!, next[2]!, ...current.slice(3)];
    }
    throw new Error('inference graph: a cycle of identity layers');
  };
  for (const l of kept) {
    if (!isObject(l) || !Array.isArray(l['inbound_nodes'])) continue;
    l['inbound_nodes'] = l['inbound_nodes'].map((node) =>
      Array.isArray(node) ? node.map((ref) => (Array.isArray(ref) ? resolve(ref) : ref)) : node,
    );
  }
  const outputs = config['output_layers'];
  if (Array.isArray(outputs)) config['output_layers'] = outputs.map((ref) => (Array.isArray(ref) ? resolve(ref) : ref));
  config['layers'] = kept;
}

/** Sequential containers: identity layers are simply left out of the list. */
function pruneSequential(config: JsonObject, report: InferenceGraphReport): void {
  const layers = config['layers'];
  if (!Array.isArray(layers)) return;
  config['layers'] = layers.filter((l) => {
    if (!isObject(l)) return true;
    pruneNested(l, report);
    const cls = l['class_name'];
    const inner = l['config'];
    if (typeof cls !== 'string' || !INFERENCE_IDENTITIES.has(cls)) return true;
    report.removed.push({ name: String((isObject(inner) ? inner['name'] : undefined) ?? l['name'] ?? ''), className: cls });
    return false;
  });
}

/** A layer that is itself a model (a pretrained encoder): prune its graph too. */
function pruneNested(layer: JsonObject, report: InferenceGraphReport): void {
  const cls = layer['class_name'];
  const config = layer['config'];
  if (!isObject(config)) return;
  if (cls === 'Model' || cls === 'Functional') pruneGraph(config, report);
  else if (cls === 'Sequential') pruneSequential(config, report);
}

/** Class names anywhere in the topology that are mmx's own. */
function customClassesOf(node: Json, found: Set<string>): Set<string> {
  if (Array.isArray(node)) for (const n of node) customClassesOf(n, found);
  else if (isObject(node)) {
    const cls = node['class_name'];
    if (typeof cls === 'string' && cls.startsWith(MMX_CLASS_PREFIX)) found.add(cls);
    for (const v of Object.values(node)) customClassesOf(v, found);
  }
  return found;
}

const BYTES_PER_ELEMENT: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };

/** The bytes one weight takes in the weight file, from its manifest entry. */
function specBytes(spec: JsonObject): number {
  const name = String(spec['name']);
  const shape = spec['shape'];
  if (spec['quantization'] !== undefined) throw new Error(`inference graph: quantised weight '${name}' is not supported`);
  const per = BYTES_PER_ELEMENT[String(spec['dtype'])];
  if (per === undefined || !Array.isArray(shape)) throw new Error(`inference graph: weight '${name}' has dtype '${String(spec['dtype'])}'`);
  return shape.reduce<number>((a, b) => a * Number(b), 1) * per;
}

/**
 * The inference model of a saved trained model (`serializeModel`'s files): identities left out, stock equivalents
 * in, weights of removed layers dropped. The input files are not changed.
 */
export function toInferenceGraph(files: SavedModelFiles): { files: SavedModelFiles; report: InferenceGraphReport } {
  const json = JSON.parse(files['model.json']) as JsonObject;
  const report: InferenceGraphReport = { removed: [], converted: [], customClasses: [], droppedWeights: [] };
  const topology = json['modelTopology'];
  if (!isObject(topology)) throw new Error('inference graph: model.json has no modelTopology');
  // the topology is { class_name, config, keras_version, backend } (or wraps it in model_config)
  const root = isObject(topology['model_config']) ? topology['model_config'] : topology;
  pruneNested(root, report);
  const converted = convertClasses(topology, report);
  report.customClasses = [...customClassesOf(converted, new Set())].sort();

  const removedNames = new Set(report.removed.map((r) => r.name));
  const manifest = json['weightsManifest'];
  if (!Array.isArray(manifest)) throw new Error('inference graph: model.json has no weightsManifest');
  const specs = manifest.flatMap((g) => (isObject(g) && Array.isArray(g['weights']) ? g['weights'] : [])).filter(isObject);
  const bytes = files['weights.bin'];
  const keptSpecs: JsonObject[] = [];
  const pieces: Uint8Array[] = [];
  let offset = 0;
  for (const spec of specs) {
    const size = specBytes(spec);
    const name = String(spec['name']);
    if (removedNames.has(name.split('/')[0] ?? '')) report.droppedWeights.push(name);
    else {
      keptSpecs.push(spec);
      pieces.push(bytes.subarray(offset, offset + size));
    }
    offset += size;
  }
  if (offset !== bytes.byteLength)
    throw new Error(`inference graph: the weight specs describe ${offset} bytes, weights.bin has ${bytes.byteLength}`);
  const weights = new Uint8Array(pieces.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of pieces) {
    weights.set(p, at);
    at += p.byteLength;
  }
  const out = {
    ...json,
    modelTopology: converted,
    weightsManifest: [{ paths: ['weights.bin'], weights: keptSpecs }],
  };
  return { files: { 'model.json': JSON.stringify(out), 'weights.bin': weights }, report };
}

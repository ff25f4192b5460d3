/**
 * What a model costs before it is built: each encoder and fusion definition says, from its options and its input's
 * shape, how many parameters its layers hold and how many activations (floats per example) a training step keeps
 * for the backward pass. The builders here mirror the layer helpers the definitions build with (dense stacks,
 * convolution stacks, recurrent stacks, attention), so that an estimate sits next to the code it describes.
 *
 * A part names the option that sets its size (`path`, relative to the encoder's or fusion's options), so that a
 * model that is too large can be told what to lower.
 */

export type OptionPath = readonly (string | number)[];

export interface SizePart {
  /** the option that sets this part's size, relative to the encoder / fusion options ([] for the whole) */
  path: OptionPath;
  /** e.g. 'dense 256 → 128', 'conv 3×3, 32 → 64 filters' */
  what: string;
  /** weights, trainable or not (what `model.countParams()` counts) */
  params: number;
  /** floats per example kept for the backward pass (layer outputs) */
  activations: number;
  /** attention scores per example (heads · queries · keys) of an attention layer, for the attention-size check */
  scores?: number;
}

export interface SizeEstimate {
  /** size of the vector this part hands on (an encoder's embedding, or each step of its sequence; a fusion's fused features) */
  outputDim: number;
  /** an encoder with `output: sequence`: the steps it hands on (tokens of a token fusion); absent: one pooled vector */
  steps?: number;
  parts: SizePart[];
}

const fmt = (n: number): string => n.toLocaleString('en-US');
export const product = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);

/** A cost builder: add parts in build order, follow the running shape. */
export class Cost {
  readonly parts: SizePart[] = [];

  add(path: OptionPath, what: string, params: number, activations: number, scores?: number): void {
    this.parts.push({ path, what, params, activations, ...(scores !== undefined ? { scores } : {}) });
  }

  /** dense in → units (with bias unless `bias: false`) + its output, applied to each of `steps` steps */
  dense(path: OptionPath, inDim: number, units: number, bias = true, steps = 1): number {
    this.add(path, `dense ${fmt(inDim)} → ${fmt(units)}`, inDim * units + (bias ? units : 0), steps * units);
    return units;
  }

  /** batch normalisation over `channels` (γ, β, moving mean and variance), output `size` floats */
  batchNorm(path: OptionPath, channels: number, size: number): void {
    this.add(path, `batch norm (${fmt(channels)})`, 4 * channels, size);
  }

  /** an elementwise layer (activation, dropout, add, ...): no weights, `size` floats out */
  elementwise(path: OptionPath, what: string, size: number): void {
    this.add(path, what, 0, size);
  }

  /** hidden dense layers, each followed by dropout when `dropout > 0` (fusion `hidden`, encoder `layers`) */
  denseStack(path: OptionPath, inDim: number, layers: readonly number[], o: { dropout: number; batchNorm?: boolean }): number {
    let d = inDim;
    layers.forEach((units, i) => {
      if (o.batchNorm) {
        this.dense([...path, i], d, units, false);
        this.batchNorm([...path, i], units, units);
        this.elementwise([...path, i], 'activation', units);
      } else {
        this.dense([...path, i], d, units);
      }
      if (o.dropout > 0) this.elementwise([...path, i], 'dropout', units);
      d = units;
    });
    return d;
  }

  /** [dropout →] dense(output_dim): the projection most encoders end with (of each step with `output: sequence`) */
  project(inDim: number, o: { dropout: number; output_dim: number }, steps = 1): number {
    if (o.dropout > 0) this.elementwise(['dropout'], 'dropout', steps * inDim);
    return this.dense(['output_dim'], inDim, o.output_dim, true, steps);
  }

  /** a token embedding table: vocab × dim weights, steps × dim out */
  embedding(path: OptionPath, vocab: number, dim: number, steps: number): void {
    this.add(path, `embedding ${fmt(vocab)} × ${fmt(dim)}`, vocab * dim, steps * dim);
  }

  /**
   * multi-head self-attention over `tokens` of size d: 4 (d² + d) weights; q, k, v, scores, output kept. With
   * `source` (cross-attention), the keys and values come from its `tokens` of size `dim`: 2d² + 2·dim·d + 4d weights.
   */
  attention(path: OptionPath, tokens: number, d: number, heads: number, source?: { tokens: number; dim: number }): void {
    const keys = source?.tokens ?? tokens;
    const e = source?.dim ?? d;
    const scores = heads * tokens * keys;
    this.add(
      path,
      `${source ? 'cross' : 'self'}-attention (${fmt(d)}, ${heads} heads, ${fmt(tokens)} × ${fmt(keys)} tokens)`,
      2 * d * d + 2 * e * d + 4 * d,
      3 * tokens * d + 2 * keys * d + 2 * scores,
      scores,
    );
  }

  /**
   * one transformer block over `tokens` of size d (src/model/layers/transformer-block.ts): attention (self, or
   * cross to `source`), the feed-forward sublayer d → ff → d, residuals, dropout and layer norms (post-norm: two;
   * pre-norm: two, and one more for a cross-attention source). `at` names the options that set its size.
   */
  transformerBlock(
    at: { block: OptionPath; ff: OptionPath },
    tokens: number,
    d: number,
    o: { heads: number; ffDim: number; dropout: number; norm: 'pre' | 'post' },
    source?: { tokens: number; dim: number },
  ): void {
    const size = tokens * d;
    if (o.norm === 'pre') {
      this.layerNorm(at.block, d, size);
      if (source) this.layerNorm(at.block, source.dim, source.tokens * source.dim);
    }
    this.attention(at.block, tokens, d, o.heads, source);
    if (o.dropout > 0) this.elementwise(at.block, 'dropout', size);
    this.elementwise(at.block, 'residual', size);
    this.layerNorm(at.block, d, size);
    this.add(at.ff, `feed-forward ${fmt(d)} → ${fmt(o.ffDim)}`, (d + 1) * o.ffDim, tokens * o.ffDim);
    this.add(at.ff, `feed-forward ${fmt(o.ffDim)} → ${fmt(d)}`, (o.ffDim + 1) * d, size);
    if (o.dropout > 0) this.elementwise(at.block, 'dropout', size);
    this.elementwise(at.block, 'residual', size);
    if (o.norm === 'post') this.layerNorm(at.block, d, size);
  }

  /** layer normalisation over the last axis (γ, β) */
  layerNorm(path: OptionPath, d: number, size: number): void {
    this.add(path, `layer norm (${fmt(d)})`, 2 * d, size);
  }

  /**
   * LSTM / GRU layers over `steps` × `features` (mmx's FastLSTM / FastGRU; bidirectional doubles them): kernel
   * features × g·units, recurrent kernel units × g·units, bias g·units per direction (g = 4 LSTM, 3 GRU).
   * Returns the last state's size.
   */
  recurrent(
    path: OptionPath,
    cell: 'lstm' | 'gru',
    bidirectional: boolean,
    o: { units: number; layers: number; recurrent_dropout: number },
    steps: number,
    features: number,
  ): number {
    const gates = cell === 'lstm' ? 4 : 3;
    const dirs = bidirectional ? 2 : 1;
    let d = features;
    for (let l = 0; l < o.layers; l++) {
      const last = l === o.layers - 1;
      const g = gates * o.units;
      const params = dirs * (d * g + o.units * g + g);
      // per step and direction: the gates and the state are kept for backpropagation through time
      this.add(path, `${bidirectional ? 'bi' : ''}${cell} ${fmt(d)} → ${fmt(o.units)}`, params, dirs * steps * (g + 2 * o.units));
      d = dirs * o.units;
      if (!last && o.recurrent_dropout > 0) this.elementwise(path, 'dropout', steps * d);
    }
    return d;
  }

  /**
   * Convolutional blocks (conv → [batch norm → activation] → [pool]) as `convStack` builds them, 'same' padding;
   * `spatial` is the input's spatial size ([steps] for 1-D, [height, width] for 2-D). Returns the last feature map.
   */
  convBlocks(
    path: OptionPath,
    spatial: number[],
    channels: number,
    o: { filters: number[]; kernel_size: number; pooling: string; pool_size: number; batch_norm: boolean },
  ): { spatial: number[]; channels: number } {
    let s = [...spatial];
    let c = channels;
    o.filters.forEach((f, i) => {
      const here = [...path, i];
      const k = o.kernel_size;
      const size = product(s) * f;
      this.add(
        here,
        `conv ${s.map(() => k).join('×')}, ${fmt(c)} → ${fmt(f)} filters`,
        k ** s.length * c * f + (o.batch_norm ? 0 : f),
        size,
      );
      if (o.batch_norm) {
        this.batchNorm(here, f, size);
        this.elementwise(here, 'activation', size);
      }
      c = f;
      if (o.pooling !== 'none' && (s[0] ?? 0) >= o.pool_size) {
        s = s.map((d) => Math.floor((d - o.pool_size) / o.pool_size) + 1);
        this.elementwise(here, 'pooling', product(s) * c);
      }
    });
    return { spatial: s, channels: c };
  }
}

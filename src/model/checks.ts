/**
 * Checks of the model a config describes that need the inputs' feature shapes (known from the config alone,
 * before any data is read): each encoder's own checks (a patch size that divides the image, ...), and the size
 * of the attention the model implies.
 *
 * Attention cost is quadratic in tokens: one attention layer over Tq queries and Tk keys holds heads · Tq · Tk
 * scores per example, and training keeps several such tensors per layer (scores, softmax, their gradients). The
 * check reads the model size estimate (src/model/size/): each attention layer's part there carries its scores, the
 * encoders' estimates say how many tokens each input brings. It adds up the scores of one training batch over
 * every attention layer — the fusion's over the modalities' tokens and the encoders' own (text transformer, patch)
 * — and rejects a model over {@link MAX_ATTENTION_SCORES}, saying which part costs most and what to lower, like
 * tensor fusion's size check.
 */
import type { ExperimentConfig, InputConfig } from '../experiment/schema.js';
import { encoderRegistry } from './encoders/index.js';
import { findEncoder, type EncoderDefinition } from './encoders/registry.js';
import { fusionRegistry } from './fusions/index.js';
import { findFusion, type EstimatedEmbedding, type FusionIssue } from './fusions/registry.js';
import type { SizeEstimate, SizePart } from './size/cost.js';
import { estimateInputs, type InputEstimate } from './size/estimate.js';

/** Most attention scores one training batch may hold, summed over the attention layers: 2^27 (512 MiB as float32). */
export const MAX_ATTENTION_SCORES = 2 ** 27;

const fmt = (n: number): string => n.toLocaleString('en-US');

interface InputInfo {
  name: string;
  input: InputConfig;
  encoder: EncoderDefinition;
  /** the encoder's size estimate; undefined: not known before the data is prepared (a pretrained model) */
  estimate: SizeEstimate | undefined;
  /** tokens the input brings to a token fusion; undefined: not known before the data is prepared */
  tokens: number | undefined;
}

/** How an input's token count is lowered, in words (its sequence length's knob). */
function shortenHint(i: InputInfo): string {
  const at = `inputs.${i.name}`;
  const knob =
    i.input.type === 'text'
      ? `${at}.preprocessing.max_length`
      : i.encoder.type === 'patch'
        ? `a larger ${at}.encoder.patch_size`
        : i.input.type === 'audio'
          ? `a longer ${at}.preprocessing.hop_ms or more pooling in ${at}.encoder`
          : `more pooling in ${at}.encoder`;
  return `shorten ${i.name}'s ${fmt(i.tokens ?? 0)} tokens (${knob}, or ${at}.encoder.output: pooled for one token)`;
}

export function checkModel(config: ExperimentConfig): FusionIssue[] {
  let estimates: InputEstimate[];
  try {
    estimates = estimateInputs(config);
  } catch (err) {
    if (err instanceof RangeError) return []; // options the modality's own checks refuse (an audio window under one sample)
    throw err;
  }
  const issues: FusionIssue[] = [];
  const infos: InputInfo[] = estimates.map((e) => {
    const input = config.inputs[e.name]!;
    const encoder = findEncoder(encoderRegistry, input.type, input.encoder.type);
    for (const issue of encoder.check?.(input.encoder as never, e.shape) ?? [])
      issues.push({ ...issue, path: ['inputs', e.name, 'encoder', ...issue.path] });
    return { name: e.name, input, encoder, estimate: e.estimate, tokens: e.estimate ? (e.estimate.steps ?? 1) : undefined };
  });
  if (issues.length) return issues;
  return attentionSize(config, infos);
}

const scoresOf = (parts: readonly SizePart[]): number => parts.reduce((n, p) => n + (p.scores ?? 0), 0);

/** The attention scores per example of fusion `type` with `options` over the inputs' tokens (undefined: some are unknown). */
function fusionScores(type: string, options: Record<string, unknown>, infos: InputInfo[]): number | undefined {
  const fusion = findFusion(fusionRegistry, type);
  if (!fusion.tokens) return 0;
  const embeddings: EstimatedEmbedding[] = [];
  for (const i of infos) {
    if (!i.estimate) return undefined;
    embeddings.push({ name: i.name, dim: i.estimate.outputDim, tokens: i.estimate.steps ?? 1 });
  }
  return scoresOf(fusion.estimate({ options: options as never, embeddings, outputUnits: 1 }).parts);
}

/**
 * For a fusion over all tokens together (transformer, attention): the token fusions whose attention over the same
 * tokens would fit, as a hint ("" when none would, or the fusion is already one of them).
 */
function cheaperFusions(config: ExperimentConfig, infos: InputInfo[], batch: number): string {
  const f = config.fusion;
  if (f.type !== 'transformer' && f.type !== 'attention') return '';
  // the same width, heads and depth (one layer for attention); the other options only change the weights
  const base = { ...f, layers: 'layers' in f ? f.layers : 1, attention_dropout: 0, n_bottleneck: 4, pooling: 'mean' };
  const fits = ['bottleneck', 'cross_attention'].flatMap((type) => {
    if (infos.length < (findFusion(fusionRegistry, type).minModalities ?? 1)) return [];
    const perExample = fusionScores(type, { ...base, type }, infos);
    if (perExample === undefined) return [];
    const scores = perExample * batch;
    return scores <= MAX_ATTENTION_SCORES ? [`${type} (${fmt(scores)} scores)`] : [];
  });
  const total = infos.reduce((a, b) => a + (b.tokens ?? 0), 0);
  return fits.length ? `, or fusion.type: ${fits.join(' or ')}, which do not attend over all ${fmt(total)} tokens together` : '';
}

function attentionSize(config: ExperimentConfig, infos: InputInfo[]): FusionIssue[] {
  const batch = config.training.batch_size;
  const parts: { path: string[]; what: string; scores: number; hint: string }[] = [];
  const perExample = fusionScores(config.fusion.type, config.fusion, infos);
  if (perExample) {
    const longest = infos.reduce((a, b) => ((b.tokens ?? 0) > (a.tokens ?? 0) ? b : a));
    const total = infos.reduce((a, b) => a + (b.tokens ?? 0), 0);
    const counts = infos.map((i) => `${i.name} ${fmt(i.tokens ?? 0)}`).join(', ');
    parts.push({
      path: ['fusion', 'type'],
      what: `the ${config.fusion.type} fusion over ${fmt(total)} tokens (${counts}): ${fmt(perExample)} per example`,
      scores: perExample * batch,
      hint: `${shortenHint(longest)}${cheaperFusions(config, infos, batch)}`,
    });
  }
  for (const i of infos) {
    const own = scoresOf(i.estimate?.parts ?? []);
    if (own > 0)
      parts.push({
        path: ['inputs', i.name, 'encoder'],
        what: `the ${i.name} ${i.encoder.type} encoder: ${fmt(own)} per example`,
        scores: own * batch,
        hint:
          i.input.type === 'text'
            ? `shorten inputs.${i.name}.preprocessing.max_length, or fewer inputs.${i.name}.encoder.layers / heads`
            : `a larger inputs.${i.name}.encoder.patch_size, or fewer inputs.${i.name}.encoder.layers / heads`,
      });
  }
  const total = parts.reduce((n, p) => n + p.scores, 0);
  if (total <= MAX_ATTENTION_SCORES) return [];
  const worst = parts.reduce((a, b) => (b.scores > a.scores ? b : a));
  const fitting = Math.floor((MAX_ATTENTION_SCORES / total) * batch);
  const lowerBatch = fitting >= 1 ? `lower training.batch_size to ${fitting} or less, or ` : '';
  return [
    {
      path: worst.path,
      message: `the model's attention holds ${fmt(total)} scores per training batch of ${batch} (${parts.map((p) => p.what).join('; ')}), over the limit of ${fmt(MAX_ATTENTION_SCORES)} (512 MiB as float32, and training keeps several such tensors)`,
      hint: `${lowerBatch}${worst.hint}`,
    },
  ];
}

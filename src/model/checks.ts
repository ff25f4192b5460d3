/**
 * Checks of the model a config describes that need the inputs' feature shapes (known from the config alone,
 * before any data is read): each encoder's own checks (a patch size that divides the image, ...), and the size
 * of the attention the model implies.
 *
 * Attention cost is quadratic in tokens: one attention layer over T queries and T keys holds heads · T² scores
 * per example, and training keeps several such tensors per layer (scores, softmax, their gradients). The check
 * adds up the scores of one training batch over every attention layer — the fusion's over the modalities' tokens
 * and the encoders' own (text transformer, patch) — and rejects a model over {@link MAX_ATTENTION_SCORES}, saying
 * which part costs most and what to lower, like tensor fusion's size check.
 */
import type { ExperimentConfig, InputConfig } from '../config/schema.js';
import { findModality } from '../data/modalities/index.js';
import { encoderRegistry } from './encoders/index.js';
import type { EncoderDefinition } from './encoders/registry.js';
import { fusionRegistry } from './fusions/index.js';
import type { FusionIssue } from './fusions/registry.js';

/** Most attention scores one training batch may hold, summed over the attention layers: 2^27 (512 MiB as float32). */
export const MAX_ATTENTION_SCORES = 2 ** 27;

const fmt = (n: number): string => n.toLocaleString('en-US');

interface InputInfo {
  name: string;
  input: InputConfig;
  encoder: EncoderDefinition;
  shape: number[];
  /** tokens the input brings to a token fusion; undefined: not known before the build */
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
  const issues: FusionIssue[] = [];
  const infos: InputInfo[] = [];
  for (const [name, input] of Object.entries(config.inputs)) {
    let shape: number[];
    try {
      shape = findModality(input.type).featureShape(input.preprocessing, input);
    } catch (err) {
      if (err instanceof RangeError) return issues; // options the modality's own checks refuse (an audio window under one sample)
      throw err;
    }
    const encoder = encoderRegistry.find((e) => e.modality === input.type && e.type === input.encoder.type);
    if (!encoder) return issues; // the schema reports it
    for (const issue of encoder.check?.(input.encoder as never, shape) ?? [])
      issues.push({ ...issue, path: ['inputs', name, 'encoder', ...issue.path] });
    infos.push({ name, input, encoder, shape, tokens: encoder.sequenceLength ? encoder.sequenceLength(input.encoder as never, shape) : 1 });
  }
  if (issues.length) return issues;
  return attentionSize(config, infos);
}

/**
 * For a fusion over all tokens together (transformer, attention): the token fusions whose attention over the same
 * tokens would fit, as a hint ("" when none would, or the fusion is already one of them).
 */
function cheaperFusions(config: ExperimentConfig, tokens: number[], batch: number): string {
  if (config.fusion.type !== 'transformer' && config.fusion.type !== 'attention') return '';
  const f = config.fusion;
  const options = { heads: 'heads' in f ? f.heads : 4, layers: 'layers' in f ? f.layers : 1, n_bottleneck: 4, pooling: 'mean' };
  const fits = ['bottleneck', 'cross_attention'].flatMap((type) => {
    const def = fusionRegistry.find((f) => f.type === type);
    if (!def?.attentionScores || tokens.length < (def.minModalities ?? 1)) return [];
    const scores = def.attentionScores(options as never, tokens) * batch;
    return scores <= MAX_ATTENTION_SCORES ? [`${type} (${fmt(scores)} scores)`] : [];
  });
  const total = tokens.reduce((a, b) => a + b, 0);
  return fits.length ? `, or fusion.type: ${fits.join(' or ')}, which do not attend over all ${fmt(total)} tokens together` : '';
}

function attentionSize(config: ExperimentConfig, infos: InputInfo[]): FusionIssue[] {
  const batch = config.training.batch_size;
  const fusion = fusionRegistry.find((f) => f.type === config.fusion.type);
  const parts: { path: string[]; what: string; scores: number; hint: string }[] = [];
  const tokens = infos.map((i) => i.tokens);
  if (fusion?.tokens && fusion.attentionScores && tokens.every((t): t is number => t !== undefined)) {
    const perExample = fusion.attentionScores(config.fusion as never, tokens);
    const longest = infos.reduce((a, b) => ((b.tokens ?? 0) > (a.tokens ?? 0) ? b : a));
    const total = tokens.reduce((a, b) => a + b, 0);
    const counts = infos.map((i) => `${i.name} ${fmt(i.tokens ?? 0)}`).join(', ');
    const alternative = cheaperFusions(config, tokens, batch);
    parts.push({
      path: ['fusion', 'type'],
      what: `the ${config.fusion.type} fusion over ${fmt(total)} tokens (${counts}): ${fmt(perExample)} per example`,
      scores: perExample * batch,
      hint: `${shortenHint(longest)}${alternative}`,
    });
  }
  for (const i of infos) {
    const perExample = i.encoder.attentionScores?.(i.input.encoder as never, i.shape) ?? 0;
    if (perExample > 0)
      parts.push({
        path: ['inputs', i.name, 'encoder'],
        what: `the ${i.name} ${i.encoder.type} encoder: ${fmt(perExample)} per example`,
        scores: perExample * batch,
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

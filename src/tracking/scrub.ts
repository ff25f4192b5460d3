/**
 * A tracking store that masks secrets in everything written to it (src/config/secrets.ts): param and tag values,
 * the run's name and tags at creation, and text artifacts (config files, report.html, JSON, YAML, CSV, logs).
 * Binary artifacts (weights, images) are written as they are. Every other method is the store's own, so the
 * wrapper is the store for every caller (`resolveTracker` hands it out).
 */
import path from 'node:path';
import type { CreateRunOptions, Tracker } from './tracker.js';

export type Scrub = (text: string) => string;

/** Artifacts that are text (by extension, or MLflow's extension-less descriptor): masked before they are written. */
const TEXT_ARTIFACT = /\.(?:ya?ml|json|jsonl|html?|txt|csv|tsv|md|log|svg|xml|py|ts|js|cfg|ini|toml)$/i;

function isTextArtifact(relativePath: string): boolean {
  return TEXT_ARTIFACT.test(relativePath) || path.posix.basename(relativePath) === 'MLmodel';
}

function scrubValues(values: Record<string, string>, scrub: Scrub): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) out[k] = scrub(v);
  return out;
}

function scrubArtifact(relativePath: string, content: string | Uint8Array, scrub: Scrub): string | Uint8Array {
  if (!isTextArtifact(relativePath)) return content;
  if (typeof content === 'string') return scrub(content);
  const text = Buffer.from(content.buffer, content.byteOffset, content.byteLength).toString('utf8');
  const clean = scrub(text);
  return clean === text ? content : Buffer.from(clean, 'utf8');
}

/** `tracker`, with every value written through it passed through `scrub`. */
export function scrubbingTracker<T extends Tracker>(tracker: T, scrub: Scrub): T {
  const own: Partial<Tracker> = {
    createRun: (experimentId: string, options: CreateRunOptions) =>
      tracker.createRun(experimentId, {
        ...options,
        runName: scrub(options.runName),
        ...(options.tags ? { tags: scrubValues(options.tags, scrub) } : {}),
      }),
    logParams: (runId: string, params: Record<string, string>) => tracker.logParams(runId, scrubValues(params, scrub)),
    setTags: (runId: string, tags: Record<string, string>) => tracker.setTags(runId, scrubValues(tags, scrub)),
    logArtifact: (runId: string, relativePath: string, content: string | Uint8Array) =>
      tracker.logArtifact(runId, relativePath, scrubArtifact(relativePath, content, scrub)),
  };
  return new Proxy(tracker, {
    get(target, prop) {
      if (typeof prop === 'string' && Object.hasOwn(own, prop)) return own[prop as keyof Tracker];
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

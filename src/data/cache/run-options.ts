/** From `runtime:` to the data options of a run, and what the run records about the cache. */
import type { CacheReport, DataOptions } from '../dataset.js';
import type { StreamMode } from './options.js';
import { featureCacheDir } from './location.js';
import { FeatureCache } from './store.js';

export function dataOptions(
  runtime: { cache?: boolean; stream?: StreamMode; memory_budget_mb?: number },
  env: NodeJS.ProcessEnv = process.env,
): DataOptions {
  return {
    ...(runtime.cache !== false ? { cache: new FeatureCache(featureCacheDir(env)) } : {}),
    stream: runtime.stream ?? 'auto',
    memoryBudgetBytes: (runtime.memory_budget_mb ?? 2048) * 2 ** 20,
  };
}

/** hit (every cached input found), miss (some decoded now), off, or none (no cacheable input). */
export function cacheStatus(report: CacheReport | undefined): 'hit' | 'miss' | 'off' | 'none' {
  if (!report) return 'off';
  const cached = report.inputs.filter((i) => i.status === 'hit' || i.status === 'miss');
  if (cached.length === 0) return 'none';
  return cached.every((i) => i.status === 'hit') ? 'hit' : 'miss';
}

/** The run's tags: `mmx.cache` (hit | miss | off | none), `mmx.data.streamed`. */
export function cacheTags(report: CacheReport | undefined, streamed: boolean): Record<string, string> {
  return { 'mmx.cache': cacheStatus(report), 'mmx.data.streamed': String(streamed) };
}

const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`;

/** One log line: what came from the cache, what was decoded and stored, where. */
export function cacheLogLine(report: CacheReport | undefined, streamed: boolean): string {
  const mode = streamed ? '; training streams from the cache' : '';
  if (!report) return `feature cache: off (--no-cache / runtime.cache: false)${mode}`;
  const parts = report.inputs
    .filter((i) => i.status === 'hit' || i.status === 'miss')
    .map((i) => `${i.input} ${i.status === 'hit' ? 'hit' : `decoded and stored (${mb(i.bytes ?? 0)})`}`);
  if (!parts.length) return `feature cache: no input needs decoding (nothing cached)${mode}`;
  return `feature cache: ${parts.join(', ')} — ${report.dir ?? ''}${mode}`;
}

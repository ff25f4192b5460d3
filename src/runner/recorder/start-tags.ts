/**
 * The tags a run starts with, written in one place for `mmx run`, the repeats' and the sweep's parent runs and
 * `mmx evaluate --log`: MLflow's system tags (source, user, commit), mmx's version and the config's hash, the
 * kind's own tags (backend and task for a run, method and metric for a sweep), the `--set` overrides, then the
 * config's `tracking.tags` and the caller's extra tags — in that order, so a tag the user writes wins over mmx's.
 */
import { createHash } from 'node:crypto';
import { gitCommit, systemTags } from '../../tracking/run-context.js';
import { MMX_VERSION } from '../../version.js';
import { overridesTag } from '../run-name.js';

/** `mmx.config_hash`: the SHA-256 of the resolved config as JSON. */
export const configHash = (config: unknown): string => createHash('sha256').update(JSON.stringify(config)).digest('hex');

export interface StartTagsSpec {
  runName: string;
  /** the folder whose git commit is recorded (the config file's; for `mmx evaluate` the data's or the cwd) */
  commitFrom: string | readonly string[];
  /** how the source is shown (mlflow.source.name) */
  sourceName: string;
  /** the resolved config (hashed into `mmx.config_hash`); none for a run without one */
  config?: unknown;
  /** the kind's own tags: `mmx.backend`, `mmx.task`, ... or `mmx.sweep.*` */
  kind: Record<string, string>;
  /** the `--set` overrides, as given */
  overrides?: readonly string[];
  /** the config's `tracking.tags` */
  user?: Record<string, string>;
  /** the caller's (a sweep trial's parent and number) */
  extra?: Record<string, string>;
}

export function startTags(spec: StartTagsSpec): Record<string, string> {
  const folders = typeof spec.commitFrom === 'string' ? [spec.commitFrom] : spec.commitFrom;
  // the first folder that is in a git repository
  let commit: string | undefined;
  for (const folder of folders) {
    commit = gitCommit(folder);
    if (commit !== undefined) break;
  }
  return {
    ...systemTags({ runName: spec.runName, sourceName: spec.sourceName, ...(commit ? { gitCommit: commit } : {}) }),
    'mmx.version': MMX_VERSION,
    ...(spec.config !== undefined ? { 'mmx.config_hash': configHash(spec.config) } : {}),
    ...spec.kind,
    ...overridesTag(spec.overrides ?? []),
    ...spec.user,
    ...spec.extra,
  };
}

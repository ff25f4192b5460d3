/**
 * The tracking store a run would log to, checked before any work: a URI mmx cannot use, or a local folder it
 * cannot write (read-only, no permission, a file in the way), is a config issue at `tracking.uri` — or at the
 * top of the config when MLFLOW_TRACKING_URI or the default `./runs` names it — instead of a failure after the
 * data is loaded.
 */
import type { ConfigIssue } from '../config/issues.js';
import type { CheckedConfig } from '../experiment/semantic.js';
import { TrackingUriError } from '../tracking/errors.js';
import { resolveTrackingTarget } from '../tracking/resolve.js';
import { storeWriteProblem } from '../tracking/writable.js';

export function trackingIssues(checked: CheckedConfig, cwd: string, env: NodeJS.ProcessEnv = process.env): ConfigIssue[] {
  const uri = checked.config.tracking.uri;
  const at = (from: string) =>
    from === 'tracking.uri' ? (checked.sources.locate(['tracking', 'uri']) ?? { file: checked.file }) : { file: checked.file };
  let target;
  try {
    target = resolveTrackingTarget({ ...(uri !== undefined ? { uri } : {}), env, cwd });
  } catch (err) {
    if (!(err instanceof TrackingUriError)) throw err;
    const fromConfig = uri !== undefined && uri.trim() !== '';
    return [{ ...at(fromConfig ? 'tracking.uri' : 'env'), path: 'tracking.uri', message: err.message }];
  }
  if (target.kind !== 'file') return [];
  const problem = storeWriteProblem(target.root);
  if (!problem) return [];
  const named =
    target.from === 'tracking.uri'
      ? ''
      : target.from === 'MLFLOW_TRACKING_URI'
        ? ' (named by MLFLOW_TRACKING_URI)'
        : ' (the default ./runs)';
  return [
    {
      ...at(target.from),
      path: 'tracking.uri',
      message: `the tracking folder ${target.root}${named} is not writable: ${problem}`,
      hint: 'point tracking.uri (or MLFLOW_TRACKING_URI) at a folder this user can write, or at an MLflow server (http://...)',
    },
  ];
}

/**
 * The `mlflow.log-model.history` run tag: a JSON list of the models logged in the run, each MLflow's
 * `Model.to_dict()` (run_id, artifact_path, utc_time_created, flavors, model_uuid, signature, ...). MLflow's UI
 * reads it for the runs table's Models column, the run page's logged models and "Register model".
 */
import { pyJson, type PyJsonValue } from './py-json.js';
import type { Tracker } from './tracker.js';
import { MAX_TAG_VALUE_LENGTH, pyLength } from './validation.js';

export const LOGGED_MODELS_TAG = 'mlflow.log-model.history';

/**
 * Records a logged model in the run's history tag the way the store's MLflow counterpart does. A store without
 * `recordLoggedModel` gets the tag set to a one-model list (a new run has no earlier models), when it fits MLflow's
 * tag length. As MLflow's own client does, a failure only warns: the model's files are logged already.
 */
export async function recordLoggedModel(
  tracker: Tracker,
  runId: string,
  model: Record<string, PyJsonValue>,
  warn: (message: string) => void,
): Promise<boolean> {
  try {
    if (tracker.recordLoggedModel) {
      await tracker.recordLoggedModel(runId, model);
      return true;
    }
    const value = pyJson([model]);
    if (pyLength(value) > MAX_TAG_VALUE_LENGTH) {
      warn(`the model's description (${pyLength(value)} characters) is longer than an MLflow tag holds; ${LOGGED_MODELS_TAG} is not set`);
      return false;
    }
    await tracker.setTags(runId, { [LOGGED_MODELS_TAG]: value });
    return true;
  } catch (err) {
    warn(
      `the model was logged, but recording it in the run's ${LOGGED_MODELS_TAG} tag failed (${err instanceof Error ? err.message : String(err)}); ` +
        "MLflow's UI will not list it as a logged model",
    );
    return false;
  }
}

/**
 * The artifacts a run can do without: plots, the report, the predictions and the confusion matrix files. They are
 * written after the model and the metrics, each on its own: one that fails (too large, a renderer's error) is a
 * warning naming it, and the run still ends FINISHED with what matters saved.
 */
import type { Tracker } from '../tracking/tracker.js';

export interface OptionalArtifact {
  /** artifact path, or a name for a group of artifacts (the report's files) */
  name: string;
  /** the artifacts under their paths; undefined or {} when there is nothing to write */
  build: () => Promise<Record<string, string | Uint8Array> | undefined> | Record<string, string | Uint8Array> | undefined;
}

/** Writes each artifact in turn; returns the names of those that failed (each warned about). */
export async function logOptionalArtifacts(
  tracker: Pick<Tracker, 'logArtifact'>,
  runId: string,
  artifacts: readonly OptionalArtifact[],
  warn: (message: string) => void,
): Promise<string[]> {
  const failed: string[] = [];
  for (const a of artifacts) {
    try {
      const files = await a.build();
      for (const [p, content] of Object.entries(files ?? {})) await tracker.logArtifact(runId, p, content);
    } catch (err) {
      failed.push(a.name);
      const why = err instanceof Error ? err.message : String(err);
      warn(`could not write ${a.name} (${why}); the model and the metrics are saved, the run goes on without it`);
    }
  }
  return failed;
}

/**
 * The artifacts of a run's test evaluation that the run can do without (src/runner/optional-artifacts.ts): the
 * confusion matrix, the binary thresholds table, the ablation table, the test predictions and the report.
 * Each one builds its files only when written, so that one that fails is a warning naming it.
 */
import { stringify as toYaml } from 'yaml';
import type { ExperimentConfig } from '../../experiment/schema.js';
import type { SplitData, TargetState } from '../../data/dataset.js';
import { ablationCsv } from '../../evaluate/ablation.js';
import { confusionCsv, confusionJson } from '../../evaluate/confusion-artifacts.js';
import type { Predictions } from '../../evaluate/predict.js';
import { predictionsCsv } from '../../evaluate/predictions-csv.js';
import type { EvaluationResult, RunSummary, ThresholdRow, TrainingOutcome } from '../../core/run-events.js';
import type { EpochRecord } from '../../train/trainer-state.js';
import type { OptionalArtifact } from '../optional-artifacts.js';

/** `thresholds.csv`: precision, recall and F1 of a binary classifier at each decision threshold. */
export function thresholdsCsv(rows: readonly ThresholdRow[]): string {
  return ['threshold,precision,recall,f1', ...rows.map((r) => [r.threshold, r.precision, r.recall, r.f1].join(','))].join('\n') + '\n';
}

export interface TestArtifactsInput {
  config: ExperimentConfig;
  runId: string;
  test: EvaluationResult;
  split: Pick<SplitData, 'rows' | 'labels' | 'targets'>;
  preds: Predictions;
  target: TargetState;
  history: readonly EpochRecord[];
  outcome: TrainingOutcome;
  summary: RunSummary;
  /** seconds the run has taken so far (the report's header) */
  seconds: () => number;
}

export function testArtifacts(a: TestArtifactsInput): OptionalArtifact[] {
  const { test } = a;
  return [
    {
      name: 'the confusion matrix (confusion_matrix.json, .csv)',
      build: () => {
        const json = confusionJson(test);
        const csv = confusionCsv(test);
        return json && csv ? { 'confusion_matrix.json': JSON.stringify(json, null, 2), 'confusion_matrix.csv': csv } : undefined;
      },
    },
    { name: 'thresholds.csv', build: () => test.thresholds && { 'thresholds.csv': thresholdsCsv(test.thresholds) } },
    {
      name: 'the ablation table (ablation.csv, .json)',
      build: () => test.ablation && { 'ablation.csv': ablationCsv(test.ablation), 'ablation.json': JSON.stringify(test.ablation, null, 2) },
    },
    {
      name: 'predictions/test.csv',
      build: () => ({ 'predictions/test.csv': predictionsCsv(a.split, a.preds.probabilities, a.preds.predicted, a.target, true) }),
    },
    {
      name: 'the report (report.html and plots/)',
      build: async () => {
        // the report's renderers (vega, vega-lite, resvg: ~1 s of imports) load when the run reaches them
        const { buildRunReport } = await import('../../report/index.js');
        return buildRunReport({
          run: {
            name: a.config.name,
            id: a.runId,
            experiment: a.config.tracking.experiment,
            status: 'FINISHED',
            durationSeconds: a.seconds(),
          },
          history: a.history,
          outcome: a.outcome,
          test,
          configYaml: toYaml(a.config),
          summary: a.summary,
        });
      },
    },
  ];
}

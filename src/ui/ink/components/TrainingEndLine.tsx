import { Text } from 'ink';
import type { TrainingOutcome } from '../../../core/run-events.js';
import { trainingEndText } from '../../sections.js';

/** The best epoch and whose weights were evaluated, as the trainer decided it. */
export function TrainingEndLine({ outcome }: { outcome: TrainingOutcome }) {
  return <Text color="green">★ {trainingEndText(outcome)}</Text>;
}

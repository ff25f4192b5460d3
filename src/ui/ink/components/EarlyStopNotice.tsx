import { Text } from 'ink';
import type { EarlyStop } from '../../run-state.js';
import { earlyStopText } from '../../sections.js';

export function EarlyStopNotice({ earlyStop }: { earlyStop: EarlyStop }) {
  return <Text color="yellow">■ {earlyStopText(earlyStop)}</Text>;
}

import { Text } from 'ink';
import { phaseText } from '../../sections.js';

export function PhaseLine({ name, detail }: { name: string; detail?: string | undefined }) {
  return (
    <Text wrap="truncate-end">
      <Text color="cyan">▸ </Text>
      {phaseText(name, detail)}
    </Text>
  );
}

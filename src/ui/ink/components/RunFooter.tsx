import { Box, Text } from 'ink';
import type { RunEnd } from '../../run-state.js';
import { endHeadline, labelWidth, whereToSee } from '../../sections.js';

/** How the run ended, its id, and where to look at it (MLflow UI command, artifact folder). */
export function RunFooter({ end }: { end: RunEnd }) {
  const ok = end.status === 'FINISHED';
  const fields = whereToSee(end);
  const width = labelWidth(fields);
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text bold color={ok ? 'green' : 'red'}>
        {ok ? '✔' : '✖'} {endHeadline(end)}
      </Text>
      {fields.map((f) => (
        <Text key={f.label}>
          {'  '}
          <Text dimColor>{f.label.padEnd(width)}</Text>
          {'  '}
          <Text color="cyan">{f.lines.join(' ')}</Text>
        </Text>
      ))}
    </Box>
  );
}

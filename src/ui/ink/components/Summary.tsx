import { Box, Text } from 'ink';
import type { RunSummary } from '../../../core/run-events.js';
import { labelWidth, summaryFields, summaryTitle } from '../../sections.js';

/** The run's configuration at a glance: inputs and encoders, fusion, backend, data, parameters. */
export function Summary({ summary }: { summary: RunSummary }) {
  const fields = summaryFields(summary);
  const width = labelWidth(fields);
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="cyan" paddingX={1} alignSelf="flex-start">
      <Text bold color="cyan">
        {summaryTitle(summary)}
      </Text>
      {fields.flatMap((f) =>
        f.lines.map((line, i) => (
          <Text key={`${f.label}-${i}`} wrap="truncate-end">
            <Text dimColor>{(i === 0 ? f.label : '').padEnd(width)}</Text>
            {'  '}
            {line}
          </Text>
        )),
      )}
    </Box>
  );
}

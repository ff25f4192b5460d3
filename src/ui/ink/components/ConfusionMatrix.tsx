import { Box, Text } from 'ink';
import type { EvaluationResult } from '../../../core/run-events.js';
import { confusionTable, confusionTitle } from '../../sections.js';
import { Table } from './Table.js';

/** Confusion matrix: correct predictions (the diagonal) green, mistakes yellow, zeros dim. */
export function ConfusionMatrix({ result }: { result: EvaluationResult }) {
  if (result.labels.length === 0) return null;
  const table = confusionTable(result);
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text dimColor={!table}>{confusionTitle(result)}</Text>
      {table ? (
        <Table
          columns={table.columns}
          rows={table.rows}
          indent={2}
          cellColor={(i, j) => {
            if (j === 0) return { dim: true };
            const count = result.confusion[i]?.[j - 1] ?? 0;
            if (i === j - 1) return { color: 'green' };
            return count === 0 ? { dim: true } : { color: 'yellow' };
          }}
        />
      ) : null}
    </Box>
  );
}

import { Box, Text } from 'ink';
import type { EpochRecord } from '../../run-state.js';
import { epochTable } from '../../sections.js';
import { Table } from './Table.js';

export interface EpochTableProps {
  records: EpochRecord[];
  bestEpoch?: number | undefined;
  /** most recent epochs shown (the best one is kept too) */
  limit?: number;
}

/** Completed epochs, bounded so long runs don't grow the screen; the best epoch is marked. */
export function EpochTable({ records, bestEpoch, limit = 10 }: EpochTableProps) {
  if (records.length === 0) return null;
  const view = epochTable(records, bestEpoch, limit);
  return (
    <Box flexDirection="column">
      <Table
        columns={view.columns}
        rows={view.rows}
        rowColor={(i) => (view.kinds[i] === 'best' ? 'green' : undefined)}
        rowDim={(i) => view.kinds[i] === 'gap'}
      />
      {view.hidden > 0 ? (
        <Text dimColor>
          ({view.hidden} earlier epoch{view.hidden === 1 ? '' : 's'} not shown)
        </Text>
      ) : null}
    </Box>
  );
}

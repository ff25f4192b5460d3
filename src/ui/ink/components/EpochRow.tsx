import { Text } from 'ink';
import type { EpochRecord } from '../../run-state.js';
import { epochHeaderLine, epochRowLine, type EpochLayout } from '../../sections.js';

/** The epoch table's column names, written once above the rows that follow. */
export function EpochHeader({ layout }: { layout: EpochLayout }) {
  return (
    <Text bold wrap="truncate-end">
      {epochHeaderLine(layout)}
    </Text>
  );
}

/** One completed epoch, written once when it ends; an epoch that improved the monitored metric is green. */
export function EpochRow({ layout, record }: { layout: EpochLayout; record: EpochRecord }) {
  return (
    <Text color={record.best ? 'green' : undefined} wrap="truncate-end">
      {epochRowLine(layout, record)}
    </Text>
  );
}

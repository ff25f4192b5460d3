import { Box, Text } from 'ink';
import { Fragment } from 'react';
import { TABLE_GAP, joinCells, layoutTable, type TableColumn } from '../../format.js';

export interface TableProps {
  columns: TableColumn[];
  rows: string[][];
  /** show the header row (default true) */
  header?: boolean;
  indent?: number;
  rowColor?: (row: number) => string | undefined;
  rowDim?: (row: number) => boolean;
  /** colour single cells (then the row is drawn cell by cell) */
  cellColor?: (row: number, column: number) => { color?: string; dim?: boolean } | undefined;
}

/** A fixed-width table laid out by format.ts's layoutTable, the same one the plain lines use. */
export function Table({ columns, rows, header = true, indent = 0, rowColor, rowDim, cellColor }: TableProps) {
  const layout = layoutTable(columns, rows, { header });
  return (
    <Box flexDirection="column" marginLeft={indent}>
      {header ? (
        <Text bold wrap="truncate-end">
          {joinCells(layout.header)}
        </Text>
      ) : null}
      {layout.rows.map((cells, i) => (
        <Text key={i} color={rowColor?.(i)} dimColor={rowDim?.(i) ?? false} wrap="truncate-end">
          {cellColor
            ? cells.map((cell, j) => {
                const style = cellColor(i, j);
                return (
                  <Fragment key={j}>
                    {j > 0 ? TABLE_GAP : ''}
                    <Text color={style?.color} dimColor={style?.dim ?? false}>
                      {cell}
                    </Text>
                  </Fragment>
                );
              })
            : joinCells(cells)}
        </Text>
      ))}
    </Box>
  );
}

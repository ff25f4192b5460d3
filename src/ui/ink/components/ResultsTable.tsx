import { Box, Text } from 'ink';
import type { EvaluationResult } from '../../../core/run-events.js';
import {
  ABLATION_TITLE,
  ablationTable,
  metricsTable,
  perClassNote,
  perClassTable,
  resultsTitle,
  thresholdsTable,
  thresholdsTitle,
} from '../../sections.js';
import { Table } from './Table.js';

/** Evaluation metrics, per-class precision, recall, F1 and support, and (binary) the metrics by decision threshold. */
export function ResultsTable({ result }: { result: EvaluationResult }) {
  const metrics = metricsTable(result);
  const perClass = perClassTable(result);
  const macroRow = result.perClass.length > 1 ? perClass.rows.length - 1 : -1;
  const note = perClassNote(result);
  const ablation = ablationTable(result);
  const thresholds = thresholdsTable(result);
  return (
    <Box flexDirection="column">
      <Text bold underline>
        {resultsTitle(result)}
      </Text>
      <Table
        columns={metrics.columns}
        rows={metrics.rows}
        header={false}
        indent={2}
        cellColor={(_, j) => (j === 1 ? { color: 'cyan' } : undefined)}
      />
      {result.perClass.length > 0 ? (
        <Box marginTop={1} flexDirection="column">
          <Table columns={perClass.columns} rows={perClass.rows} indent={2} rowDim={(i) => i === macroRow} />
          {note ? <Text dimColor>{`  (${note})`}</Text> : null}
        </Box>
      ) : null}
      {thresholds ? (
        <Box marginTop={1} flexDirection="column">
          <Text bold>{thresholdsTitle(result)}</Text>
          <Table
            columns={thresholds.columns}
            rows={thresholds.rows}
            indent={2}
            rowColor={(i) => (i === thresholds.used ? 'cyan' : undefined)}
          />
        </Box>
      ) : null}
      {ablation ? (
        <Box marginTop={1} flexDirection="column">
          <Text bold>{ABLATION_TITLE}</Text>
          <Table columns={ablation.columns} rows={ablation.rows} indent={2} />
        </Box>
      ) : null}
    </Box>
  );
}

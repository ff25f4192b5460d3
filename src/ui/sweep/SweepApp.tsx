import { Box, Text } from 'ink';
import { ProgressBar } from '../ink/components/ProgressBar.js';
import { Table } from '../ink/components/Table.js';
import { formatEta, type TableColumn } from '../format.js';
import { headerLines, summaryLines } from './lines.js';
import { bestLine, etaSeconds, progress, trialTable, type SweepViewState } from './state.js';

export interface SweepAppProps {
  state: SweepViewState;
  now: number;
  /** rows shown while running (the running ones, the best and the latest) */
  rowLimit?: number;
}

const STATUS_COLOR: Record<string, string | undefined> = {
  FINISHED: 'green',
  FAILED: 'red',
  PRUNED: 'yellow',
  KILLED: 'gray',
  RUNNING: 'cyan',
};

/** The live sweep view: header, overall progress with ETA, the trials table, the best so far, warnings. */
export function SweepApp({ state, now, rowLimit = 20 }: SweepAppProps) {
  if (!state.info) return <Text dimColor>preparing the sweep…</Text>;
  if (state.end) {
    return (
      <Box flexDirection="column">
        {headerLines(state.info).map((l, i) => (
          <Text key={`h${i}`}>{l}</Text>
        ))}
        {summaryLines(state, now).map((l, i) => (
          <Text key={`s${i}`}>{l}</Text>
        ))}
      </Box>
    );
  }
  const { done, total, running } = progress(state);
  const t = trialTable(state, now, rowLimit);
  const columns: TableColumn[] = t.header.map((h, i) => ({
    header: h,
    align: i === 0 || i >= t.header.length - 3 ? 'right' : 'left',
    maxWidth: 28,
  }));
  const best = bestLine(state);
  return (
    <Box flexDirection="column">
      {headerLines(state.info).map((l, i) => (
        <Text key={`h${i}`}>{l}</Text>
      ))}
      <Box marginTop={1}>
        <ProgressBar
          label={`trials ${done}/${total}`}
          done={done}
          total={Math.max(1, total)}
          suffix={`${running} running  ${formatEta(etaSeconds(state, now))}`}
        />
      </Box>
      <Box marginTop={1}>
        <Table columns={columns} rows={t.rows} rowColor={(i) => (i === t.bestIndex ? 'green' : STATUS_COLOR[t.rowStatus[i] ?? ''])} />
      </Box>
      {best ? (
        <Box marginTop={1}>
          <Text color="green">{best}</Text>
        </Box>
      ) : null}
      {state.logs
        .filter((l) => l.level === 'warn')
        .slice(-3)
        .map((l, i) => (
          <Text key={`w${i}`} color="yellow">
            warning: {l.message}
          </Text>
        ))}
    </Box>
  );
}

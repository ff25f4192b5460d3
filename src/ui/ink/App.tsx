/**
 * The live run view. Output that is final (the summary, log lines, the epoch history, results,
 * the run's id) is written once through <Static>, so it stays in the terminal's scrollback; the
 * live area below it (phase, data progress, epoch table, progress bars) is redrawn in place and
 * disappears when the run ends, leaving the final results on screen.
 */
import { Box, Static } from 'ink';
import { formatCount } from '../format.js';
import { estimateEtas, type Block, type RunState } from '../run-state.js';
import { ConfusionMatrix } from './components/ConfusionMatrix.js';
import { EarlyStopNotice } from './components/EarlyStopNotice.js';
import { EpochTable } from './components/EpochTable.js';
import { LogLine } from './components/LogLine.js';
import { PhaseLine } from './components/PhaseLine.js';
import { ProgressBar } from './components/ProgressBar.js';
import { ResultsTable } from './components/ResultsTable.js';
import { RunFooter } from './components/RunFooter.js';
import { Summary } from './components/Summary.js';
import { TrainingProgress } from './components/TrainingProgress.js';
import { useLiveEpochLimit } from './hooks/use-live-epoch-limit.js';
import { useRunState } from './hooks/use-run-state.js';
import type { RunStore } from './store.js';

export interface AppProps {
  store: RunStore;
  /** completed epochs kept in the table (plus the best one) */
  epochLimit?: number;
}

export function App({ store, epochLimit = 10 }: AppProps) {
  const state = useRunState(store);
  return (
    <>
      <Static items={state.blocks}>{(block) => <BlockView key={block.key} block={block} epochLimit={epochLimit} />}</Static>
      {state.finished ? null : <Live state={state} epochLimit={epochLimit} />}
    </>
  );
}

function BlockView({ block, epochLimit }: { block: Block; epochLimit: number }) {
  switch (block.kind) {
    case 'summary':
      return <Summary summary={block.summary} />;
    case 'log':
      return <LogLine level={block.level} message={block.message} />;
    case 'history':
      return (
        <Box flexDirection="column" marginTop={1}>
          <EpochTable records={block.epochs} bestEpoch={block.bestEpoch} limit={epochLimit} />
          {block.earlyStop ? <EarlyStopNotice earlyStop={block.earlyStop} /> : null}
        </Box>
      );
    case 'results':
      return (
        <Box flexDirection="column" marginTop={1}>
          <ResultsTable result={block.result} />
          <ConfusionMatrix result={block.result} />
        </Box>
      );
    case 'end':
      return <RunFooter end={block.end} />;
  }
}

const LOADING_PHASES = new Set(['loading', 'preprocessing']);

function Live({ state, epochLimit }: { state: RunState; epochLimit: number }) {
  const liveLimit = useLiveEpochLimit(epochLimit);
  const data = state.dataProgress;
  const showData = data !== undefined && (state.phase === undefined || LOADING_PHASES.has(state.phase.name));
  const showEpochs = !state.historyWritten && state.epochs.length > 0;
  return (
    <Box flexDirection="column" marginTop={state.blocks.length > 0 ? 1 : 0}>
      {state.phase ? <PhaseLine name={state.phase.name} detail={state.phase.detail} /> : null}
      {showData ? (
        <ProgressBar
          label={`  ${data.detail}`}
          done={data.done}
          total={data.total}
          suffix={`${formatCount(data.done)}/${formatCount(data.total)}`}
        />
      ) : null}
      {showEpochs ? (
        <Box marginTop={1}>
          <EpochTable records={state.epochs} bestEpoch={state.bestEpoch} limit={liveLimit} />
        </Box>
      ) : null}
      {state.earlyStop && !state.historyWritten ? <EarlyStopNotice earlyStop={state.earlyStop} /> : null}
      {state.live ? (
        <Box marginTop={1}>
          <TrainingProgress live={state.live} etas={estimateEtas(state)} />
        </Box>
      ) : null}
    </Box>
  );
}

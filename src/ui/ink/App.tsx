/**
 * The live run view. Output that is final (the summary, log lines, every completed epoch, the
 * training verdict, results, the run's id) is written once through <Static>, so the terminal's
 * scrollback holds each of them exactly once, in order; the live area below it (phase, data
 * progress, the epoch in progress) is redrawn in place and disappears when the run ends.
 */
import { Box, Static } from 'ink';
import { formatCount } from '../format.js';
import { estimateEtas, type Block, type RunState } from '../run-state.js';
import { ConfusionMatrix } from './components/ConfusionMatrix.js';
import { EarlyStopNotice } from './components/EarlyStopNotice.js';
import { EpochHeader, EpochRow } from './components/EpochRow.js';
import { LogLine } from './components/LogLine.js';
import { PhaseLine } from './components/PhaseLine.js';
import { ProgressBar } from './components/ProgressBar.js';
import { ResultsTable } from './components/ResultsTable.js';
import { RunFooter } from './components/RunFooter.js';
import { Summary } from './components/Summary.js';
import { TrainingEndLine } from './components/TrainingEndLine.js';
import { TrainingProgress } from './components/TrainingProgress.js';
import { useRunState } from './hooks/use-run-state.js';
import type { RunStore } from './store.js';

export interface AppProps {
  store: RunStore;
}

export function App({ store }: AppProps) {
  const state = useRunState(store);
  return (
    <>
      <Static items={state.blocks}>{(block) => <BlockView key={block.key} block={block} />}</Static>
      {state.finished ? null : <Live state={state} />}
    </>
  );
}

function BlockView({ block }: { block: Block }) {
  switch (block.kind) {
    case 'summary':
      return <Summary summary={block.summary} />;
    case 'log':
      return <LogLine level={block.level} message={block.message} />;
    case 'epoch_header':
      return (
        <Box marginTop={1}>
          <EpochHeader layout={block.layout} />
        </Box>
      );
    case 'epoch':
      return <EpochRow layout={block.layout} record={block.record} />;
    case 'early_stop':
      return <EarlyStopNotice earlyStop={block.earlyStop} />;
    case 'training_end':
      return <TrainingEndLine outcome={block.outcome} />;
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

function Live({ state }: { state: RunState }) {
  const data = state.dataProgress;
  const showData = data !== undefined && (state.phase === undefined || LOADING_PHASES.has(state.phase.name));
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
      {state.live ? (
        <Box marginTop={1}>
          <TrainingProgress live={state.live} etas={estimateEtas(state)} />
        </Box>
      ) : null}
    </Box>
  );
}

import { Box, Text } from 'ink';
import { formatEta, formatMetric, formatRate } from '../../format.js';
import type { Etas, LiveEpoch } from '../../run-state.js';
import { ProgressBar } from './ProgressBar.js';

/** Epoch and batch progress bars with ETAs, and the live training loss, accuracy and throughput. */
export function TrainingProgress({ live, etas }: { live: LiveEpoch; etas: Etas }) {
  const epochs = String(live.epochs);
  const batches = String(live.batches);
  const width = Math.max(epochs.length, batches.length) * 2 + 1;
  const epochCounter = `${String(live.epoch).padStart(epochs.length)}/${epochs}`.padStart(width);
  const batchCounter = `${String(live.batch).padStart(batches.length)}/${batches}`.padStart(width);
  const inEpoch = live.batches > 0 ? live.batch / live.batches : 0;
  const overall = live.epochs > 0 ? (live.epoch - 1 + inEpoch) / live.epochs : 0;
  return (
    <Box flexDirection="column">
      <ProgressBar label={`epoch ${epochCounter}`} done={overall} total={1} color="cyan" suffix={formatEta(etas.run)} />
      <ProgressBar label={`batch ${batchCounter}`} done={inEpoch} total={1} color="green" suffix={formatEta(etas.epoch)} />
      <Text wrap="truncate-end">
        <Text dimColor>train </Text>
        loss <Text bold>{live.loss === undefined ? '--' : formatMetric(live.loss)}</Text>
        {live.accuracy !== undefined && Number.isNaN(live.accuracy) ? '' : '  acc '}
        {live.accuracy !== undefined && Number.isNaN(live.accuracy) ? (
          ''
        ) : (
          <Text bold>{live.accuracy === undefined ? '--' : formatMetric(live.accuracy)}</Text>
        )}
        {live.samplesPerSec === undefined ? '' : `  ${formatRate(live.samplesPerSec)}`}
      </Text>
    </Box>
  );
}

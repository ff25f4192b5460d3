import { Text } from 'ink';
import { formatPercent, progressBar } from '../../format.js';

export interface ProgressBarProps {
  /** text before the bar, already padded by the caller so bars line up */
  label: string;
  done: number;
  total: number;
  width?: number;
  color?: string;
  /** text after the percentage, e.g. the ETA */
  suffix?: string;
}

export function ProgressBar({ label, done, total, width = 30, color = 'green', suffix }: ProgressBarProps) {
  const f = total > 0 ? done / total : 0;
  return (
    <Text wrap="truncate-end">
      {label} <Text color={color}>{progressBar(f, width)}</Text> {formatPercent(f, 1).padStart(4)}
      {suffix ? `  ${suffix}` : ''}
    </Text>
  );
}

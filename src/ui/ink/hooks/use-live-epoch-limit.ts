import { useStdout } from 'ink';

/** Lines the live area needs besides the epoch table's rows (phase, header, notes, bars, margins). */
const LIVE_CHROME_LINES = 14;

/**
 * How many recent epochs the live table may show: `limit`, or fewer on a short terminal, so the
 * redrawn area never outgrows the screen (Ink then has to clear the whole terminal per frame).
 */
export function useLiveEpochLimit(limit: number): number {
  const { stdout } = useStdout();
  const rows = stdout.rows;
  if (!rows || rows <= 0) return limit;
  return Math.max(3, Math.min(limit, rows - LIVE_CHROME_LINES));
}

/**
 * The one way mmx writes a duration for people: the run and sweep UIs, plain lines, the run report, `mmx runs`,
 * `mmx cache` ages and messages all use it, so a time reads the same everywhere. No imports: every layer may use it.
 *
 * `0.4s`, `4.1s`, `42s`, `1m 05s`, `2h 03m`, `3d 04h`; `--` for an unknown or negative value.
 */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '--';
  if (seconds < 9.95) return `${seconds.toFixed(1)}s`;
  const total = Math.round(seconds);
  if (total < 60) return `${total}s`;
  const d = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (d > 0) return `${d}d ${String(h).padStart(2, '0')}h`;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  return `${m}m ${String(s).padStart(2, '0')}s`;
}

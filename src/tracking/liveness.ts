/**
 * Whether a run MLflow shows as RUNNING is still being worked on. MLflow leaves a run RUNNING for ever when its
 * process dies without ending it (power cut, OOM killer, `kill -9`), so mmx records, while a run works:
 *  - `mmx.process`: `PID@HOST` of the process (set when it starts or resumes the run);
 *  - `mmx.heartbeat`: the time of its latest heartbeat (ISO 8601), renewed every few seconds.
 * A RUNNING run is dead when its process is known gone (same host, no such PID) or its heartbeat is older than
 * `staleMs`. A run without a heartbeat (an older mmx, another tool) is not judged.
 */
import os from 'node:os';

export const PROCESS_TAG = 'mmx.process';
export const HEARTBEAT_TAG = 'mmx.heartbeat';

/** Seconds between heartbeats: MMX_HEARTBEAT_S, default 30. */
export function heartbeatSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env['MMX_HEARTBEAT_S']);
  return Number.isFinite(v) && v > 0 ? v : 30;
}

/** How old a heartbeat may be before its run counts as dead: 10 heartbeats, at least 5 minutes (a slow batch). */
export function staleAfterMs(env: NodeJS.ProcessEnv = process.env): number {
  const s = heartbeatSeconds(env);
  return Math.max(10 * s, env['MMX_HEARTBEAT_S'] ? 0 : 300) * 1000;
}

export function processTag(): string {
  return `${process.pid}@${os.hostname()}`;
}

export interface Liveness {
  dead: boolean;
  /** the latest heartbeat (ms since the epoch), when there is one */
  lastHeartbeat?: number;
  /** why it is judged dead: `process 123 on this host is gone`, `no heartbeat for 2 h` */
  reason?: string;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const ago = (ms: number): string => {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} days`;
};

/** Judges a run from its status and tags. */
export function liveness(
  status: string,
  tags: Readonly<Record<string, string>>,
  options: { now?: number; staleMs?: number; host?: string; alive?: (pid: number) => boolean } = {},
): Liveness {
  if (status !== 'RUNNING') return { dead: false };
  const beat = tags[HEARTBEAT_TAG] ? Date.parse(tags[HEARTBEAT_TAG]) : Number.NaN;
  if (!Number.isFinite(beat)) return { dead: false };
  const now = options.now ?? Date.now();
  const [pid, host] = (tags[PROCESS_TAG] ?? '').split('@');
  if (pid && host === (options.host ?? os.hostname()) && !(options.alive ?? pidAlive)(Number(pid)))
    return { dead: true, lastHeartbeat: beat, reason: `its process ${pid} on this host is gone` };
  const stale = options.staleMs ?? staleAfterMs();
  if (now - beat > stale) return { dead: true, lastHeartbeat: beat, reason: `no heartbeat for ${ago(now - beat)}` };
  return { dead: false, lastHeartbeat: beat };
}

/**
 * The heartbeat of a run this process works on (src/tracking/liveness.ts): `mmx.process` once, `mmx.heartbeat`
 * now and every heartbeatSeconds() after, until stopped. A failed write is retried at the next beat (a tracking
 * server may be away for a while); the timer never keeps the process alive.
 */
import { HEARTBEAT_TAG, heartbeatSeconds, PROCESS_TAG, processTag } from '../tracking/liveness.js';
import type { Tracker } from '../tracking/tracker.js';

export interface Heartbeat {
  stop(): Promise<void>;
}

export async function startHeartbeat(tracker: Tracker, runId: string, env: NodeJS.ProcessEnv = process.env): Promise<Heartbeat> {
  await tracker.setTags(runId, { [PROCESS_TAG]: processTag(), [HEARTBEAT_TAG]: new Date().toISOString() });
  let pending: Promise<void> = Promise.resolve();
  const timer = setInterval(
    () => {
      pending = pending.then(() => tracker.setTags(runId, { [HEARTBEAT_TAG]: new Date().toISOString() })).catch(() => undefined);
    },
    heartbeatSeconds(env) * 1000,
  );
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await pending;
    },
  };
}

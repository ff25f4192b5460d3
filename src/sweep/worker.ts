/**
 * A sweep trial's process: started by the coordinator with `child_process.fork`, it waits for one `start`
 * message, runs the experiment with the trial's overrides (exactly as `mmx run CONFIG --set ...` would,
 * minus the `sweep:` section), reports per-epoch metrics over IPC and ends. A `stop` message (early
 * termination or Ctrl-C), SIGINT/SIGTERM, or losing the coordinator aborts the run after the current batch:
 * it ends KILLED with the reason as `mmx.killed_reason`. The loop is src/sweep/trial-process.ts.
 */
import { serveTrial } from './trial-process.js';

serveTrial({ disconnectReason: 'the sweep coordinator went away' });

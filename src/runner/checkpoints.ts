/**
 * A run's checkpoints, kept as its artifacts under `checkpoints/`:
 *   checkpoints/last.json           which folder holds the last complete checkpoint: {"folder": "last-b", "epoch": 7}
 *   checkpoints/last-a/, last-b/    the last two (weights, optimiser state, trainer state, preprocessing state)
 *   checkpoints/best.json           the same for the best epoch by the monitored metric
 *   checkpoints/best-a/, best-b/    (weights and trainer state, no optimiser state)
 * A checkpoint goes into the folder the pointer does not name, its `state.json` (the other files' hashes) last,
 * then the pointer moves: the store writes each file atomically (the file store by rename), so a process killed
 * at any moment leaves the pointer on a complete checkpoint (src/train/checkpoint/format.ts checks the hashes).
 *
 * Writes run one after another in the background while training goes on; `flush` waits for them and reports the
 * first failure.
 */
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from '../train/checkpoint/format.js';
import type { Tracker } from '../tracking/tracker.js';

export type CheckpointKind = 'last' | 'best';

export interface CheckpointPointer {
  folder: string;
  epoch: number;
}

const ROOT = 'checkpoints';
const pointerPath = (kind: CheckpointKind): string => `${ROOT}/${kind}.json`;

export class CheckpointWriter {
  private chain: Promise<void> = Promise.resolve();
  private error: unknown;
  private readonly current = new Map<CheckpointKind, string>();

  constructor(
    private readonly tracker: Tracker,
    private readonly runId: string,
    /** the folders the pointers name now (a resumed run's) */
    current: Partial<Record<CheckpointKind, string>> = {},
  ) {
    for (const [k, v] of Object.entries(current)) if (v) this.current.set(k as CheckpointKind, v);
  }

  /** Queues `checkpoint` (already copied: the caller keeps no reference that training changes). */
  save(kind: CheckpointKind, checkpoint: Checkpoint): void {
    const folder = this.current.get(kind) === `${kind}-a` ? `${kind}-b` : `${kind}-a`;
    this.current.set(kind, folder);
    this.chain = this.chain.then(async () => {
      if (this.error !== undefined) return;
      try {
        const files = encodeCheckpoint(checkpoint);
        const names = Object.keys(files).filter((n) => n !== 'state.json');
        for (const name of [...names, 'state.json']) await this.tracker.logArtifact(this.runId, `${ROOT}/${folder}/${name}`, files[name]!);
        const pointer: CheckpointPointer = { folder, epoch: checkpoint.epoch };
        await this.tracker.logArtifact(this.runId, pointerPath(kind), JSON.stringify(pointer));
      } catch (err) {
        this.error = err;
      }
    });
  }

  /** Waits for the queued writes; throws the first failure. */
  async flush(): Promise<void> {
    await this.chain;
    if (this.error !== undefined) throw this.error;
  }
}

/** The pointer of a run's `kind` checkpoint, or undefined when it has none (yet). */
export async function readPointer(tracker: Tracker, runId: string, kind: CheckpointKind): Promise<CheckpointPointer | undefined> {
  if (!tracker.downloadArtifact || !tracker.listArtifacts)
    throw new Error(`the tracking store at ${tracker.uri} cannot read artifacts back`);
  const entries = await tracker.listArtifacts(runId, ROOT).catch(() => []);
  if (!entries.some((e) => e.path === pointerPath(kind) || e.path === `${kind}.json`)) return undefined;
  const p = JSON.parse(new TextDecoder().decode(await tracker.downloadArtifact(runId, pointerPath(kind)))) as Partial<CheckpointPointer>;
  if (typeof p.folder !== 'string' || !/^(last|best)-[ab]$/.test(p.folder) || typeof p.epoch !== 'number')
    throw new Error(`${pointerPath(kind)} of run ${runId} is not a checkpoint pointer`);
  return { folder: p.folder, epoch: p.epoch };
}

/** The run's `kind` checkpoint, read and checked, or undefined when it has none. */
export async function readCheckpoint(
  tracker: Tracker,
  runId: string,
  kind: CheckpointKind,
): Promise<{ pointer: CheckpointPointer; checkpoint: Checkpoint } | undefined> {
  const pointer = await readPointer(tracker, runId, kind);
  if (!pointer) return undefined;
  const download = tracker.downloadArtifact!.bind(tracker);
  const checkpoint = await decodeCheckpoint((name) => download(runId, `${ROOT}/${pointer.folder}/${name}`), `${ROOT}/${pointer.folder}`);
  return { pointer, checkpoint };
}

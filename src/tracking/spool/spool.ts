/**
 * The spool: what a run could not send to its MLflow tracking server, kept on disk until it can.
 *
 * One file per run, `<spool dir>/<run id>.jsonl`, append-only JSON lines:
 *
 *   {"type":"header","version":1,"runId":..,"experimentId":..,"artifactUri":..,"trackingUri":..,"createdAt":..}
 *   {"seq":1,"at":..,"op":"batch","metrics":[..],"params":[..],"tags":[..]}     a log-batch write
 *   {"seq":2,"at":..,"op":"artifact","path":"model/weights.bin","blob":"2-weights.bin","size":..}
 *   {"seq":3,"at":..,"op":"end","status":"FINISHED","endTime":..}                runs/update
 *   {"op":"ack","seq":1}                                                         sent
 *   {"op":"reject","seq":2,"error":"..."}                                        refused by the server
 *
 * Artifact contents sit beside it in `<run id>.blobs/`. Metric values use protobuf JSON (NaN as
 * "NaN"), exactly what goes on the wire. The tracking URI is stored without credentials; `mmx sync`
 * takes those from the environment. A spool whose entries are all acknowledged is deleted; one
 * with entries the server refused is renamed `<run id>.rejected.jsonl` and kept for inspection.
 *
 * Replay is idempotent: each entry is acknowledged once it is sent, params are write-once on the
 * server (the same value again is accepted), and replays of one spool are serialised with a lock
 * file, so a run still training and a `mmx sync` never send the same entry twice (a crash between
 * sending an entry and writing its ack can repeat that one entry; MLflow's SQL stores ignore a
 * repeated metric point).
 *
 * Where: $MMX_SPOOL_DIR, else $XDG_STATE_HOME/mmx/spool, else ~/.local/state/mmx/spool
 * (%LOCALAPPDATA%\mmx\spool on Windows), so `mmx sync` finds spools from any folder.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { writeFileAtomic, writeFileAtomicSync } from '../atomic-fs.js';
import { TrackingError } from '../errors.js';
import { withFileLock } from '../file-lock.js';
import type { RunStatus } from '../tracker.js';
import { parseWireJson, toWireJson } from '../rest/client.js';
import type { WireKV, WireMetric } from '../rest/batch.js';
import { folderFromEnv } from '../../env-folders.js';

export const SPOOL_VERSION = 1;
const SUFFIX = '.jsonl';
const REJECTED_SUFFIX = '.rejected.jsonl';

export type TerminalStatus = Exclude<RunStatus, 'RUNNING' | 'SCHEDULED'>;

export interface SpoolHeader {
  type: 'header';
  version: number;
  runId: string;
  experimentId: string;
  /** the run's artifact location on the server ('' when unknown) */
  artifactUri: string;
  /** the tracking server, without credentials */
  trackingUri: string;
  createdAt: number;
}

export type SpoolOp =
  | { op: 'batch'; metrics: WireMetric[]; params: WireKV[]; tags: WireKV[] }
  | { op: 'artifact'; path: string; blob: string; size: number }
  | { op: 'end'; status: TerminalStatus; endTime: number };

export type SpoolEntry = SpoolOp & { seq: number; at: number };

export interface SpoolState {
  header: SpoolHeader;
  /** entries neither acknowledged nor rejected, in order */
  pending: SpoolEntry[];
  rejected: { entry: SpoolEntry; error: string }[];
  acked: number;
}

/** Where spools live: $MMX_SPOOL_DIR, $XDG_STATE_HOME/mmx/spool, ~/.local/state/mmx/spool. */
export function defaultSpoolDir(env: NodeJS.ProcessEnv = process.env): string {
  const own = folderFromEnv(env, 'MMX_SPOOL_DIR'); // absolute: the CLI makes a relative value absolute
  if (own) return own;
  if (env.XDG_STATE_HOME && path.isAbsolute(env.XDG_STATE_HOME)) return path.join(env.XDG_STATE_HOME, 'mmx', 'spool');
  if (process.platform === 'win32' && env.LOCALAPPDATA) return path.join(env.LOCALAPPDATA, 'mmx', 'spool');
  return path.join(os.homedir(), '.local', 'state', 'mmx', 'spool');
}

export function spoolFileFor(dir: string, runId: string): string {
  return path.join(dir, `${runId}${SUFFIX}`);
}

/** Run ids with a spool (pending or not yet cleaned up) in `dir`. */
export async function listSpooledRuns(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return names
    .filter((n) => n.endsWith(SUFFIX) && !n.endsWith(REJECTED_SUFFIX) && !n.startsWith('.'))
    .map((n) => n.slice(0, -SUFFIX.length))
    .sort();
}

function safeBlobName(seq: number, artifactPath: string): string {
  const base = path.posix
    .basename(artifactPath)
    .replace(/[^\w.-]/g, '_')
    .slice(0, 80);
  return `${seq}-${base || 'artifact'}`;
}

type Line = SpoolEntry | { op: 'ack'; seq: number } | { op: 'reject'; seq: number; error: string };

function parseLines(text: string, file: string): { header: SpoolHeader | undefined; lines: Line[] } {
  let header: SpoolHeader | undefined;
  const lines: Line[] = [];
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue;
    let rec: unknown;
    try {
      rec = parseWireJson(raw);
    } catch {
      continue; // a line cut short by a crash
    }
    if (!rec || typeof rec !== 'object') continue;
    const r = rec as Record<string, unknown>;
    if (r.type === 'header') {
      if (typeof r.version === 'number' && r.version > SPOOL_VERSION) {
        throw new TrackingError(
          `Spool ${file} was written by a newer mmx (format ${r.version}); update mmx to replay it.`,
          'INVALID_STATE',
        );
      }
      header ??= r as unknown as SpoolHeader;
      continue;
    }
    lines.push(r as unknown as Line);
  }
  return { header, lines };
}

/** The spool of one run. The writer (the run's own process) appends; replays ack and reject. */
export class RunSpool {
  readonly file: string;
  readonly blobDir: string;
  readonly header: SpoolHeader;
  private nextSeq: number;

  private constructor(
    readonly dir: string,
    header: SpoolHeader,
    nextSeq: number,
  ) {
    this.header = header;
    this.file = spoolFileFor(dir, header.runId);
    this.blobDir = path.join(dir, `${header.runId}.blobs`);
    this.nextSeq = nextSeq;
  }

  /** The existing spool of a run, or undefined. */
  static async open(dir: string, runId: string): Promise<RunSpool | undefined> {
    const file = spoolFileFor(dir, runId);
    let text: string;
    try {
      text = await fsp.readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    const { header, lines } = parseLines(text, file);
    if (!header) throw new TrackingError(`Spool ${file} has no header line; it is not an mmx spool.`, 'INVALID_STATE');
    // a line cut short by a crash: end it, so the next record starts on a line of its own
    if (text.length > 0 && !text.endsWith('\n')) await fsp.appendFile(file, '\n');
    const maxSeq = lines.reduce((m, l) => ('seq' in l && typeof l.seq === 'number' ? Math.max(m, l.seq) : m), 0);
    return new RunSpool(dir, header, maxSeq + 1);
  }

  /** Open the run's spool, or start one with this header. */
  static async create(dir: string, header: Omit<SpoolHeader, 'type' | 'version'>): Promise<RunSpool> {
    const existing = await RunSpool.open(dir, header.runId);
    if (existing) return existing;
    await fsp.mkdir(dir, { recursive: true });
    const full: SpoolHeader = { type: 'header', version: SPOOL_VERSION, ...header };
    await fsp.writeFile(spoolFileFor(dir, header.runId), toWireJson(full) + '\n', { flag: 'a' });
    return new RunSpool(dir, full, 1);
  }

  /** Synchronous `create`, for exit paths. */
  static createSync(dir: string, header: Omit<SpoolHeader, 'type' | 'version'>): RunSpool {
    const file = spoolFileFor(dir, header.runId);
    if (fs.existsSync(file)) {
      const { header: h, lines } = parseLines(fs.readFileSync(file, 'utf8'), file);
      if (h) {
        const maxSeq = lines.reduce((m, l) => ('seq' in l && typeof l.seq === 'number' ? Math.max(m, l.seq) : m), 0);
        return new RunSpool(dir, h, maxSeq + 1);
      }
    }
    fs.mkdirSync(dir, { recursive: true });
    const full: SpoolHeader = { type: 'header', version: SPOOL_VERSION, ...header };
    fs.writeFileSync(file, toWireJson(full) + '\n', { flag: 'a' });
    return new RunSpool(dir, full, 1);
  }

  private headerLineIfMissing(): string {
    // a concurrent `mmx sync` may have finished (deleted) the spool: start it again
    return fs.existsSync(this.file) ? '' : toWireJson(this.header) + '\n';
  }

  /** Append one operation (with the artifact's bytes for `artifact`). Returns its sequence number. */
  async append(op: Exclude<SpoolOp, { op: 'artifact' }> | { op: 'artifact'; path: string; content: Uint8Array }): Promise<number> {
    const seq = this.nextSeq++;
    let entry: SpoolEntry;
    if (op.op === 'artifact') {
      await fsp.mkdir(this.blobDir, { recursive: true });
      const blob = safeBlobName(seq, op.path);
      await writeFileAtomic(path.join(this.blobDir, blob), op.content);
      entry = { seq, at: Date.now(), op: 'artifact', path: op.path, blob, size: op.content.byteLength };
    } else {
      entry = { ...op, seq, at: Date.now() };
    }
    await fsp.mkdir(this.dir, { recursive: true });
    await fsp.appendFile(this.file, this.headerLineIfMissing() + toWireJson(entry) + '\n');
    return seq;
  }

  appendSync(op: Exclude<SpoolOp, { op: 'artifact' }> | { op: 'artifact'; path: string; content: Uint8Array }): number {
    const seq = this.nextSeq++;
    let entry: SpoolEntry;
    if (op.op === 'artifact') {
      fs.mkdirSync(this.blobDir, { recursive: true });
      const blob = safeBlobName(seq, op.path);
      writeFileAtomicSync(path.join(this.blobDir, blob), op.content);
      entry = { seq, at: Date.now(), op: 'artifact', path: op.path, blob, size: op.content.byteLength };
    } else {
      entry = { ...op, seq, at: Date.now() };
    }
    fs.mkdirSync(this.dir, { recursive: true });
    fs.appendFileSync(this.file, this.headerLineIfMissing() + toWireJson(entry) + '\n');
    return seq;
  }

  async state(): Promise<SpoolState> {
    let text = '';
    try {
      text = await fsp.readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const { lines } = parseLines(text, this.file);
    const entries = new Map<number, SpoolEntry>();
    const done = new Set<number>();
    const rejectedErr = new Map<number, string>();
    let acked = 0;
    for (const l of lines) {
      if (l.op === 'ack') {
        if (!done.has(l.seq)) acked++;
        done.add(l.seq);
      } else if (l.op === 'reject') {
        done.add(l.seq);
        rejectedErr.set(l.seq, l.error);
      } else if (typeof (l as SpoolEntry).seq === 'number') {
        entries.set((l as SpoolEntry).seq, l as SpoolEntry);
      }
    }
    const pending = [...entries.values()].filter((e) => !done.has(e.seq)).sort((a, b) => a.seq - b.seq);
    const rejected = [...rejectedErr].flatMap(([seq, error]) => {
      const entry = entries.get(seq);
      return entry ? [{ entry, error }] : [];
    });
    return { header: this.header, pending, rejected, acked };
  }

  async readBlob(entry: Extract<SpoolEntry, { op: 'artifact' }>): Promise<Uint8Array> {
    try {
      return new Uint8Array(await fsp.readFile(path.join(this.blobDir, entry.blob)));
    } catch (e) {
      throw new TrackingError(
        `The spooled content of artifact '${entry.path}' (${path.join(this.blobDir, entry.blob)}) cannot be read: ${(e as Error).message}`,
        'INVALID_STATE',
      );
    }
  }

  async ack(seq: number): Promise<void> {
    await fsp.appendFile(this.file, JSON.stringify({ op: 'ack', seq }) + '\n');
    const entryBlob = await this.blobOf(seq);
    if (entryBlob) await fsp.rm(entryBlob, { force: true });
  }

  async reject(seq: number, error: string): Promise<void> {
    await fsp.appendFile(this.file, JSON.stringify({ op: 'reject', seq, error }) + '\n');
  }

  private async blobOf(seq: number): Promise<string | undefined> {
    const prefix = `${seq}-`;
    try {
      const hit = (await fsp.readdir(this.blobDir)).find((n) => n.startsWith(prefix));
      return hit ? path.join(this.blobDir, hit) : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Once nothing is pending: delete the spool (or keep it as `<run id>.rejected.jsonl` when the
   * server refused entries). Returns the kept file, if any.
   */
  async finish(): Promise<string | undefined> {
    const st = await this.state();
    if (st.pending.length > 0) return undefined;
    if (st.rejected.length > 0) {
      const kept = path.join(this.dir, `${this.header.runId}${REJECTED_SUFFIX}`);
      await fsp.rename(this.file, kept);
      return kept;
    }
    await fsp.rm(this.file, { force: true });
    await fsp.rm(this.blobDir, { recursive: true, force: true });
    return undefined;
  }

  /** Run `fn` holding this spool's replay lock; undefined when another process holds it past `timeoutMs`. */
  async withReplayLock<T>(fn: () => Promise<T>, timeoutMs: number): Promise<T | undefined> {
    await fsp.mkdir(this.dir, { recursive: true });
    const lock = `${this.file}.lock`;
    try {
      return await withFileLock(lock, fn, { timeoutMs, staleMs: 10 * 60_000 });
    } catch (e) {
      if (e instanceof TrackingError && /Timed out waiting for the lock/.test(e.message)) return undefined;
      throw e;
    }
  }
}

export interface ReplayReport {
  runId: string;
  /** entries sent in this replay, by kind */
  sent: { batches: number; metrics: number; params: number; tags: number; artifacts: number; end?: TerminalStatus };
  /** entries the server refused in this replay */
  rejected: { seq: number; op: SpoolOp['op']; error: string }[];
  /** entries still waiting */
  pending: number;
  /** the error that stopped the replay (server still unreachable), if any */
  stoppedBy?: Error;
  /** another process was replaying this spool */
  busy?: boolean;
  /** the spool is gone (everything sent) */
  done: boolean;
  /** where refused entries are kept */
  rejectedFile?: string;
}

/**
 * Send a spool's pending entries in order. `send` throws; `isTransient(e)` says whether the
 * error means "try later" (stop here, keep the rest) or "refused" (record and go on).
 */
export async function replaySpool(
  spool: RunSpool,
  send: (entry: SpoolEntry) => Promise<void>,
  isTransient: (e: unknown) => boolean,
  options: { lockTimeoutMs?: number } = {},
): Promise<ReplayReport> {
  const report: ReplayReport = {
    runId: spool.header.runId,
    sent: { batches: 0, metrics: 0, params: 0, tags: 0, artifacts: 0 },
    rejected: [],
    pending: 0,
    done: false,
  };
  const result = await spool.withReplayLock(async () => {
    const st = await spool.state();
    let i = 0;
    for (; i < st.pending.length; i++) {
      const entry = st.pending[i]!;
      try {
        await send(entry);
      } catch (e) {
        if (isTransient(e)) {
          report.stoppedBy = e as Error;
          break;
        }
        const message = e instanceof Error ? e.message : String(e);
        await spool.reject(entry.seq, message);
        report.rejected.push({ seq: entry.seq, op: entry.op, error: message });
        continue;
      }
      await spool.ack(entry.seq);
      if (entry.op === 'batch') {
        report.sent.batches++;
        report.sent.metrics += entry.metrics.length;
        report.sent.params += entry.params.length;
        report.sent.tags += entry.tags.length;
      } else if (entry.op === 'artifact') report.sent.artifacts++;
      else report.sent.end = entry.status;
    }
    report.pending = st.pending.length - i;
    if (report.pending === 0) {
      // entries appended while replaying are picked up by the next replay
      const again = await spool.state();
      report.pending = again.pending.length;
      if (report.pending === 0) {
        const kept = await spool.finish();
        report.done = true;
        if (kept) report.rejectedFile = kept;
      }
    }
    return true;
  }, options.lockTimeoutMs ?? 15_000);
  if (result === undefined) {
    report.busy = true;
    report.pending = (await spool.state()).pending.length;
  }
  return report;
}

/**
 * `mmx sync [RUN_ID...] [--uri URI] [--spool-dir DIR]`: send what runs spooled while their MLflow
 * tracking server was unreachable (see src/tracking/spool/spool.ts). Each spool goes to the
 * server it was recorded for, or to `--uri` (a server that moved). Credentials come from the
 * environment, as for `mmx run`. Exit 0 when everything was sent, 1 when something is still
 * spooled or the server refused part of it, 2 on usage errors.
 */
import { TrackingError } from '../../tracking/errors.js';
import { parseTrackingUri } from '../../tracking/resolve.js';
import { RestStore } from '../../tracking/rest/rest-store.js';
import { defaultSpoolDir, listSpooledRuns, type ReplayReport, RunSpool } from '../../tracking/spool/spool.js';
import { EXIT_OK, EXIT_RUN_FAILED, UsageError } from '../user-errors.js';

export interface SyncOptions {
  uri?: string;
  spoolDir?: string;
  json?: boolean;
}

interface SyncIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function describe(r: ReplayReport): string {
  const parts: string[] = [];
  if (r.sent.metrics) parts.push(plural(r.sent.metrics, 'metric point'));
  if (r.sent.params) parts.push(plural(r.sent.params, 'param'));
  if (r.sent.tags) parts.push(plural(r.sent.tags, 'tag'));
  if (r.sent.artifacts) parts.push(plural(r.sent.artifacts, 'artifact'));
  if (r.sent.end) parts.push(`ended ${r.sent.end}`);
  return parts.length ? parts.join(', ') : 'nothing new';
}

export async function syncCommand(
  runIds: string[],
  opts: SyncOptions,
  io: SyncIo,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): Promise<number> {
  const dir = opts.spoolDir ?? defaultSpoolDir(env);
  let override: string | undefined;
  if (opts.uri !== undefined) {
    const target = parseTrackingUri(opts.uri, cwd);
    if (target.kind !== 'rest') {
      throw new UsageError(`--uri must be an MLflow tracking server (http:// or https://), got '${opts.uri}'.`);
    }
    override = target.url;
  }
  const spooled = await listSpooledRuns(dir);
  const wanted = runIds.length ? runIds : spooled;
  const missing = runIds.filter((id) => !spooled.includes(id));
  for (const id of missing) io.stderr.write(`run ${id}: nothing spooled in ${dir}\n`);
  const todo = wanted.filter((id) => spooled.includes(id));
  if (todo.length === 0) {
    if (opts.json) io.stdout.write(JSON.stringify({ spool_dir: dir, runs: [] }) + '\n');
    else if (missing.length === 0) io.stdout.write(`nothing to sync: no spooled runs in ${dir}\n`);
    return missing.length ? EXIT_RUN_FAILED : EXIT_OK;
  }

  const stores = new Map<string, RestStore>();
  const storeFor = (uri: string): RestStore => {
    let s = stores.get(uri);
    if (!s) {
      s = new RestStore(uri, { env, spoolDir: dir, onWarning: (m) => io.stderr.write(`warning: ${m}\n`) });
      stores.set(uri, s);
    }
    return s;
  };

  let failed = missing.length > 0;
  const results: Record<string, unknown>[] = [];
  for (const runId of todo) {
    let spool: RunSpool | undefined;
    try {
      spool = await RunSpool.open(dir, runId);
    } catch (e) {
      failed = true;
      io.stderr.write(`run ${runId}: ${(e as Error).message}\n`);
      continue;
    }
    if (!spool) continue; // finished by someone else meanwhile
    const uri = override ?? spool.header.trackingUri;
    let target: string;
    try {
      const t = parseTrackingUri(uri, cwd);
      if (t.kind !== 'rest') throw new TrackingError(`spool ${spool.file} names '${uri}', which is not a tracking server`, 'INVALID_STATE');
      target = t.url;
    } catch (e) {
      failed = true;
      io.stderr.write(`run ${runId}: ${(e as Error).message}\n`);
      continue;
    }
    const store = storeFor(target);
    let report: ReplayReport | undefined;
    try {
      report = await store.syncSpool(runId);
    } catch (e) {
      failed = true;
      io.stderr.write(`run ${runId}: ${(e as Error).message}\n`);
      continue;
    }
    if (!report) continue;
    const ok = report.done && report.rejected.length === 0;
    if (!ok) failed = true;
    results.push({
      run_id: runId,
      tracking_uri: store.uri,
      sent: report.sent,
      rejected: report.rejected,
      pending: report.pending,
      done: report.done,
      ...(report.stoppedBy ? { error: report.stoppedBy.message } : {}),
      ...(report.rejectedFile ? { rejected_file: report.rejectedFile } : {}),
    });
    if (opts.json) continue;
    if (report.busy) {
      io.stdout.write(`run ${runId}: another mmx process is sending this spool now; ${plural(report.pending, 'write')} left\n`);
    } else if (report.done) {
      io.stdout.write(
        `run ${runId} -> ${store.uri}: ${describe(report)}${report.rejected.length ? `; ${plural(report.rejected.length, 'write')} refused` : ''}\n`,
      );
      for (const r of report.rejected) io.stderr.write(`  refused #${r.seq} (${r.op}): ${r.error}\n`);
      if (report.rejectedFile) io.stderr.write(`  refused writes kept in ${report.rejectedFile}\n`);
    } else {
      io.stdout.write(
        `run ${runId} -> ${store.uri}: ${describe(report)}; ${plural(report.pending, 'write')} still spooled` +
          (report.stoppedBy ? ` (${report.stoppedBy.message})` : '') +
          '\n',
      );
    }
  }
  if (opts.json) io.stdout.write(JSON.stringify({ spool_dir: dir, runs: results }) + '\n');
  return failed ? EXIT_RUN_FAILED : EXIT_OK;
}

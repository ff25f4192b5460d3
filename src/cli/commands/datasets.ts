/**
 * `mmx datasets list | get NAME... | path NAME`: the built-in data sets. `get` downloads, verifies and
 * prepares into the data home (`MMX_DATA_HOME`, else `~/.cache/mmx/datasets`), with a progress bar on a
 * terminal and plain lines otherwise; a copy already there is used without network access.
 */
import path from 'node:path';
import { ensureDataset, type DatasetProgress } from '../../datasets/ensure.js';
import { DatasetError } from '../../datasets/errors.js';
import { defaultDataHome } from '../../datasets/home.js';
import { checkPrepared, datasetDir, datasetManifestPath } from '../../datasets/local.js';
import { formatBytes, getDataset, listDatasets, totalSize } from '../../datasets/registry.js';
import { formatCount, formatDuration, formatTable, progressBar } from '../../ui/format.js';
import { EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE } from '../user-errors.js';

export interface DatasetsIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env?: NodeJS.ProcessEnv;
}

/** A relative MMX_DATA_HOME is relative to the working directory the command was typed in (the CLI edge). */
const homeOf = (io: DatasetsIo): string => defaultDataHome(io.env ?? process.env, process.cwd());

/** A DatasetError is a user error: one message, exit 2 (also handled by the CLI's error edge). */
function userError(err: unknown, io: DatasetsIo): number {
  if (!(err instanceof DatasetError)) throw err;
  io.stderr.write(`error: ${err.message}\n`);
  return EXIT_USAGE;
}

export function datasetsListCommand(opts: { json?: boolean }, io: DatasetsIo): number {
  const home = homeOf(io);
  const entries = listDatasets();
  const status = (name: string) => checkPrepared(name, home).ok;
  if (opts.json) {
    const out = entries.map((e) => ({
      name: e.name,
      title: e.title,
      description: e.description,
      modalities: e.modalities,
      examples: e.examples,
      classes: e.classes,
      size_bytes: totalSize(e),
      licence: e.licence,
      citation: e.citation,
      homepage: e.homepage,
      version: e.version,
      sources: e.sources.map((s) => s.url),
      depends_on: e.dependsOn,
      prepared: status(e.name),
      path: path.join(home, e.name),
    }));
    io.stdout.write(JSON.stringify({ data_home: home, datasets: out }, null, 2) + '\n');
    return EXIT_OK;
  }
  const rows = entries.map((e) => [
    e.name,
    e.modalities.join(' + '),
    formatCount(e.examples),
    String(e.classes),
    formatBytes(totalSize(e)),
    e.licence.replace(/ \(.*\)$/, ''),
    status(e.name) ? 'ready' : '-',
  ]);
  const lines = formatTable(
    [
      { header: 'name' },
      { header: 'modalities' },
      { header: 'examples', align: 'right' },
      { header: 'classes', align: 'right' },
      { header: 'size', align: 'right' },
      { header: 'licence' },
      { header: 'here' },
    ],
    rows,
  );
  lines.push('', `data home: ${home}  (MMX_DATA_HOME; 'here' = prepared there)`, '');
  for (const e of entries) {
    lines.push(`${e.name} — ${e.title}`);
    lines.push(
      `  source    ${e.homepage.join(', ')}${/^[0-9a-f]{40}$/.test(e.version) ? ` @ ${e.version.slice(0, 12)}` : ` (${e.version})`}`,
    );
    if (e.dependsOn.length) lines.push(`  needs     ${e.dependsOn.join(', ')}`);
    lines.push(`  licence   ${e.licence}`);
    lines.push(`  citation  ${e.citation}`);
  }
  io.stdout.write(lines.join('\n') + '\n');
  return EXIT_OK;
}

/** Prints DatasetProgress events: one redrawn line with a bar on a terminal, plain lines otherwise. */
export function createDatasetProgressPrinter(
  stream: DatasetsIo['stderr'],
  tty = stream.isTTY === true,
): { onProgress: (e: DatasetProgress) => void; done: () => void } {
  let live = false;
  let last = 0;
  let lastPhase = '';
  const clear = (): void => {
    if (live) stream.write('\r\x1b[2K');
    live = false;
  };
  const line = (text: string): void => {
    clear();
    stream.write(text + '\n');
  };
  const redraw = (text: string, force = false): void => {
    const now = Date.now();
    if (!force && now - last < 100) return;
    last = now;
    const width = Math.max(20, (stream.columns ?? 80) - 1);
    stream.write('\r\x1b[2K' + (text.length > width ? text.slice(0, width - 1) + '…' : text));
    live = true;
  };
  const bar = (done: number, total: number | undefined): string =>
    total ? `${progressBar(done / total, 24)} ${Math.floor((100 * done) / total)}%` : '';
  const onProgress = (e: DatasetProgress): void => {
    const phaseKey = `${e.dataset}:${e.type}:${'file' in e ? e.file : ''}`;
    const first = phaseKey !== lastPhase;
    lastPhase = phaseKey;
    switch (e.type) {
      case 'present':
        line(`${e.dataset}: present in ${e.dir}`);
        return;
      case 'ready':
        line(`${e.dataset}: ready in ${e.dir}`);
        return;
      case 'retry':
        line(
          `${e.dataset}: connection problem (${e.error}); retrying${e.resumeFrom > 0 ? ` from byte ${formatCount(e.resumeFrom)}` : ''}${e.delayMs ? ` in ${formatDuration(e.delayMs / 1000)}` : ''}`,
        );
        return;
      case 'extract':
        line(`${e.dataset}: extracting ${e.file}`);
        return;
      case 'download': {
        const amount = `${formatBytes(e.bytes)}${e.total ? ` / ${formatBytes(e.total)}` : ''}`;
        const complete = e.total !== undefined && e.bytes >= e.total;
        if (tty) {
          redraw(`${e.dataset}: downloading ${e.file}  ${bar(e.bytes, e.total)}  ${amount}`, complete);
          if (complete) clear();
        } else if (first) {
          line(`${e.dataset}: downloading ${e.url}${e.total ? ` (${formatBytes(e.total)})` : ''}`);
        }
        return;
      }
      case 'prepare':
      case 'verify': {
        const what = e.type === 'prepare' ? 'preparing' : 'verifying';
        if (tty) {
          redraw(
            `${e.dataset}: ${what}  ${bar(e.done, e.total)}  ${formatCount(e.done)} / ${formatCount(e.total)} files`,
            e.done === e.total,
          );
          if (e.done === e.total) clear();
        } else if (first) {
          line(`${e.dataset}: ${what} (${formatCount(e.total)} files)`);
        }
        return;
      }
    }
  };
  return { onProgress, done: clear };
}

export async function datasetsGetCommand(
  names: string[],
  opts: { force?: boolean; verify?: boolean; baseUrl?: string },
  io: DatasetsIo,
): Promise<number> {
  try {
    for (const n of names) getDataset(n); // every name checked before anything is downloaded
  } catch (err) {
    return userError(err, io);
  }
  const home = homeOf(io);
  const controller = new AbortController();
  const onSigint = (): void => controller.abort(new DatasetError('interrupted'));
  process.once('SIGINT', onSigint);
  const printer = createDatasetProgressPrinter(io.stderr);
  try {
    for (const name of names) {
      const manifest = await ensureDataset(name, {
        dataHome: home,
        onProgress: printer.onProgress,
        signal: controller.signal,
        ...(opts.force ? { force: true } : {}),
        ...(opts.verify ? { verify: true } : {}),
        ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}),
        env: io.env ?? process.env,
      });
      printer.done();
      io.stdout.write(`${name}\t${manifest}\n`);
    }
    return EXIT_OK;
  } catch (err) {
    printer.done();
    if (controller.signal.aborted) {
      io.stderr.write('interrupted; partial downloads are kept and resumed by the next `mmx datasets get`\n');
      return EXIT_INTERRUPTED;
    }
    return userError(err, io);
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

export function datasetsPathCommand(name: string, opts: { manifest?: boolean }, io: DatasetsIo): number {
  const home = homeOf(io);
  try {
    const p = opts.manifest ? datasetManifestPath(name, home) : datasetDir(name, home);
    io.stdout.write(p + '\n');
    if (!checkPrepared(name, home).ok) io.stderr.write(`note: ${name} is not prepared there yet; run: mmx datasets get ${name}\n`);
    return EXIT_OK;
  } catch (err) {
    return userError(err, io);
  }
}

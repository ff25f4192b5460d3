/**
 * `mmx cache`: lists the feature cache's entries (input, modality, rows, size, age; the folder), and
 * `mmx cache clear` removes them and says how much it freed. The cache is $MMX_CACHE_DIR, else
 * $XDG_CACHE_HOME/mmx, else ~/.cache/mmx (entries in its `features/` folder; downloaded data sets beside it are
 * not touched).
 */
import path from 'node:path';
import { featureCacheDir } from '../../data/cache/location.js';
import { FeatureCache } from '../../data/cache/store.js';
import { EXIT_OK } from '../user-errors.js';
import { formatDuration } from '../../format/duration.js';

interface CacheIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const size = (bytes: number): string => (bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(2)} GB` : `${(bytes / 2 ** 20).toFixed(1)} MB`);

function age(from: Date, now = Date.now()): string {
  return formatDuration(Math.max(0, (now - from.getTime()) / 1000));
}

export function cacheListCommand(o: { json?: boolean }, io: CacheIo, env: NodeJS.ProcessEnv = process.env): number {
  const cache = new FeatureCache(featureCacheDir(env));
  const entries = cache.list();
  if (o.json) {
    io.stdout.write(
      JSON.stringify({
        dir: cache.dir,
        entries: entries.map((e) => ({
          file: e.file,
          bytes: e.bytes,
          created: e.created.toISOString(),
          ...(e.info
            ? { input: e.info.input, modality: e.info.modality, rows: e.info.rows, shape: e.info.shape, manifest: e.info.manifest }
            : {}),
          ...(e.problem ? { problem: e.problem } : {}),
        })),
      }) + '\n',
    );
    return EXIT_OK;
  }
  if (!entries.length) {
    io.stdout.write(`the feature cache is empty (${cache.dir})\n`);
    return EXIT_OK;
  }
  const rows = entries.map((e) => [
    e.info ? `${e.info.input} (${e.info.modality} ${e.info.shape.join('×')})` : path.basename(e.file),
    e.info ? e.info.rows.toLocaleString('en-US') : '',
    size(e.bytes),
    age(e.created),
    // shown relative to the folder the command was typed in (the CLI edge)
    e.problem ? `unusable: ${e.problem}` : e.info ? path.relative(process.cwd(), e.info.manifest) || e.info.manifest : '',
  ]);
  const header = ['input', 'rows', 'size', 'age', 'manifest'];
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
  const line = (r: string[]): string =>
    r
      .map((c, j) => (j === 1 || j === 2 ? c.padStart(widths[j]!) : c.padEnd(widths[j]!)))
      .join('  ')
      .trimEnd() + '\n';
  io.stdout.write(line(header));
  for (const r of rows) io.stdout.write(line(r));
  const total = entries.reduce((a, e) => a + e.bytes, 0);
  io.stdout.write(`${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}, ${size(total)} in ${cache.dir}\n`);
  return EXIT_OK;
}

export function cacheClearCommand(o: { json?: boolean }, io: CacheIo, env: NodeJS.ProcessEnv = process.env): number {
  const cache = new FeatureCache(featureCacheDir(env));
  const freed = cache.clear();
  if (o.json) io.stdout.write(JSON.stringify({ dir: cache.dir, files: freed.files, bytes: freed.bytes }) + '\n');
  else io.stdout.write(`removed ${freed.files} entr${freed.files === 1 ? 'y' : 'ies'}, freed ${size(freed.bytes)} (${cache.dir})\n`);
  return EXIT_OK;
}

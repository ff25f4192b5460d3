/**
 * Measurements for the feature cache and streaming (not a test; numbers for the targets):
 *
 *   node --import tsx bench/cache-measure.ts first-batch CONFIG [--set k=v ...]
 *       one `mmx run` in this process, stopped at the first training batch: seconds from process start and
 *       from the run's start to the first `batch` event, peak RSS, cache status. Run it twice: miss, then hit.
 *   node --import tsx bench/cache-measure.ts rss CONFIG [--set k=v ...]
 *       one epoch: peak RSS, RSS before data preparation, and the size of the decoded training tensors.
 *   node --import tsx bench/cache-measure.ts prep-rss CONFIG [--set k=v ...]
 *       data preparation alone (first thing after the imports): RSS before, peak RSS during, and the size of the
 *       decoded tensors (training split; all splits).
 *   node --import tsx bench/cache-measure.ts big MANIFEST REPEAT BATCHES
 *       a manifest of MANIFEST's rows repeated REPEAT times (same files) streamed (runtime.stream: always):
 *       RSS sampled while decoding into the cache and for BATCHES training batches.
 *
 * Uses $MMX_CACHE_DIR (set it to a scratch folder) and a temp tracking store.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/experiment/load.js';
import { checkSemantics } from '../src/experiment/semantic.js';
import { runExperiment } from '../src/runner/run-experiment.js';
import { prepareTrainingData } from '../src/data/dataset.js';
import { dataOptions } from '../src/data/cache/run-options.js';
import type { RunEvent } from '../src/core/run-events.js';

const mb = (b: number): string => (b / 2 ** 20).toFixed(0);
const peakRss = (): number => process.resourceUsage().maxRSS * 1024;
const [mode, arg1, arg2, arg3] = process.argv.slice(2);
const sets = process.argv.flatMap((a, i) => (process.argv[i - 1] === '--set' ? [a] : []));
const store = mkdtempSync(path.join(os.tmpdir(), 'mmx-measure-'));

async function run(config: string, overrides: string[], onEvent: (e: RunEvent, stop: () => void) => void): Promise<void> {
  const checked = checkSemantics(loadConfig(config, { overrides: [...overrides, `tracking.uri=${store}`], baseDir: process.cwd() }));
  const controller = new AbortController();
  try {
    await runExperiment(checked, { emit: (e) => onEvent(e, () => controller.abort()), signal: controller.signal });
  } catch (err) {
    if (!controller.signal.aborted) throw err;
  }
}

if (mode === 'first-batch') {
  const t0 = performance.now();
  let first: number | undefined;
  const logs: string[] = [];
  await run(arg1!, sets, (e, stop) => {
    if (e.type === 'log' && e.message.startsWith('feature cache')) logs.push(e.message);
    if (e.type === 'batch' && first === undefined) {
      first = performance.now();
      stop();
    }
  });
  console.log(
    JSON.stringify({
      fromProcessStartS: +(first! / 1000).toFixed(2),
      fromRunStartS: +((first! - t0) / 1000).toFixed(2),
      peakRssMb: +mb(peakRss()),
      cache: logs.join(' | '),
    }),
  );
} else if (mode === 'prep-rss') {
  const checked = checkSemantics(loadConfig(arg1!, { overrides: sets, baseDir: process.cwd() }));
  const before = process.memoryUsage().rss;
  const peakBefore = peakRss();
  const t = performance.now();
  const data = await prepareTrainingData(checked, dataOptions(checked.config.runtime));
  const seconds = (performance.now() - t) / 1000;
  const width = data.state.inputs.reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0) * 4;
  const all = data.train.labels.length + data.validation.labels.length + data.test.labels.length;
  console.log(
    JSON.stringify({
      streamed: 'streamed' in data,
      cache: data.cache?.inputs.map((i) => `${i.input}:${i.status}`).join(' ') ?? 'off',
      rssBeforeMb: +mb(before),
      peakRssBeforeMb: +mb(peakBefore),
      peakRssMb: +mb(peakRss()),
      growthMb: +mb(peakRss() - before),
      decodedTrainMb: +mb(data.train.labels.length * width),
      decodedAllMb: +mb(all * width),
      seconds: +seconds.toFixed(2),
    }),
  );
} else if (mode === 'rss') {
  const before = process.memoryUsage().rss;
  let trainBytes = 0;
  let prepStart = 0;
  let prepS = 0;
  let rssAfterPrep = 0;
  await run(arg1!, [...sets, 'training.epochs=1'], (e) => {
    if (e.type === 'phase' && e.phase === 'loading') prepStart ||= performance.now();
    if (e.type === 'start') {
      prepS = (performance.now() - prepStart) / 1000;
      rssAfterPrep = process.memoryUsage().rss;
      trainBytes = e.summary.data.train * e.summary.modalities.reduce((a, m) => a + m.featureShape.reduce((x, y) => x * y, 1), 0) * 4;
    }
  });
  console.log(
    JSON.stringify({
      rssBeforeMb: +mb(before),
      rssAfterPrepMb: +mb(rssAfterPrep),
      peakRssMb: +mb(peakRss()),
      decodedTrainMb: +mb(trainBytes),
      prepS: +prepS.toFixed(2),
    }),
  );
} else if (mode === 'big') {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mmx-big-'));
  const src = path.resolve(arg1!);
  const base = path.dirname(src);
  const lines = readFileSync(src, 'utf8').trimEnd().split('\n');
  const header = lines[0]!.split(',');
  const [ii, ai] = [header.indexOf('image_path'), header.indexOf('audio_path')];
  const out = [lines[0]!];
  for (let r = 0; r < Number(arg2); r++) {
    for (const line of lines.slice(1)) {
      const cells = line.split(',');
      cells[ii] = path.resolve(base, cells[ii]!);
      cells[ai] = path.resolve(base, cells[ai]!);
      out.push(cells.join(','));
    }
  }
  writeFileSync(path.join(dir, 'manifest.csv'), out.join('\n') + '\n');
  const config = path.join(dir, 'big.yaml');
  writeFileSync(
    config,
    `name: big
data: {path: manifest.csv, split: {column: split}}
target: {column: label, task: classification}
inputs:
  image: {type: image, column: image_path, encoder: {type: cnn, filters: [16, 32], kernel_size: 3, output_dim: 128}}
  speech: {type: audio, column: audio_path, preprocessing: {sample_rate: 8000, features: log_mel, n_mels: 40, window_ms: 25, hop_ms: 10, max_duration_s: 1.0}, encoder: {type: cnn1d, filters: [32, 64], kernel_size: 5, output_dim: 128}}
training: {epochs: 1, batch_size: 64}
runtime: {backend: wasm, stream: auto, memory_budget_mb: 256}
`,
  );
  const samples: { t: number; rssMb: number; phase: string }[] = [];
  let phase = 'start';
  const t0 = performance.now();
  const timer = setInterval(
    () => samples.push({ t: +((performance.now() - t0) / 1000).toFixed(1), rssMb: +mb(process.memoryUsage().rss), phase }),
    2000,
  );
  let batches = 0;
  let rows = 0;
  let streamed = '';
  await run(config, sets, (e, stop) => {
    if (e.type === 'phase') phase = e.phase;
    if (e.type === 'start') rows = e.summary.data.train;
    if (e.type === 'log' && e.message.startsWith('feature cache')) streamed = e.message;
    if (e.type === 'batch' && ++batches >= Number(arg3)) stop();
  });
  clearInterval(timer);
  const byPhase = (p: string) => samples.filter((s) => s.phase === p).map((s) => s.rssMb);
  console.log(
    JSON.stringify({
      rows: out.length - 1,
      trainRows: rows,
      decodedTrainMb: +mb(rows * (784 + 4040) * 4),
      cache: streamed,
      rssLoadingMb: { min: Math.min(...byPhase('loading')), max: Math.max(...byPhase('loading')) },
      rssTrainingMb: { min: Math.min(...byPhase('training')), max: Math.max(...byPhase('training')) },
      peakRssMb: +mb(peakRss()),
      samples,
    }),
  );
}

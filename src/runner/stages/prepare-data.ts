/**
 * Prepare-data: a named data set downloaded on first use, the rows read, split, preprocessed (or read from the
 * cache), and what the run records about them — the data set's and the cache's tags, the data hash and split
 * sizes, `preprocessing.json` and the rows that were skipped. A resumed run's data must be its checkpoint's.
 */
import path from 'node:path';
import { checkDataColumns } from '../../experiment/semantic.js';
import { cacheLogLine, cacheTags, dataOptions } from '../../data/cache/run-options.js';
import { prepareTrainingData, type PreparedData, type StreamedData } from '../../data/dataset.js';
import { datasetTags, ensureDataset } from '../../datasets/index.js';
import { TrainingAborted } from '../../train/trainer.js';
import { resumedDataCheck } from '../resume.js';
import type { RunContext } from './context.js';

export type RunData = PreparedData | StreamedData;

export async function prepareData(ctx: RunContext, onOpen: (close: () => void) => void): Promise<RunData> {
  const { checked, config, recorder, emit } = ctx;
  const signal = ctx.options.signal;
  if (checked.dataset) await ensureNamedDataset(ctx, checked.dataset);
  emit({ type: 'phase', phase: 'loading', detail: path.relative(checked.baseDir, checked.dataPath) || checked.dataPath });
  const data = await prepareTrainingData(checked, dataOptions(config.runtime, ctx.env), emit, signal);
  // a streamed data set holds its cache files open until the run ends, however it ends
  if ('streamed' in data) onOpen(() => data.close());
  ctx.info(cacheLogLine(data.cache, 'streamed' in data));
  await recorder.setTags(cacheTags(data.cache, 'streamed' in data));
  if (signal?.aborted) throw new TrainingAborted();
  if (ctx.plan) resumedDataCheck(ctx.plan, data.dataHash, data.state);
  await recorder.setTags({
    'mmx.data_hash': data.dataHash,
    'mmx.data.path': checked.dataPath,
    'mmx.data.train': String(data.train.labels.length),
    'mmx.data.validation': String(data.validation.labels.length),
    'mmx.data.test': String(data.test.labels.length),
    ...(data.skipped.length ? { 'mmx.data.skipped_rows': String(new Set(data.skipped.map((s) => s.row)).size) } : {}),
  });
  await recorder.logArtifact('preprocessing.json', JSON.stringify(data.state, null, 2));
  if (data.skipped.length) await recorder.logArtifact('skipped_rows.json', JSON.stringify(data.skipped, null, 2));
  return data;
}

/** `data.dataset: NAME`: downloaded into the data home on first use, then its columns checked; tagged on the run. */
async function ensureNamedDataset(ctx: RunContext, ds: NonNullable<RunContext['checked']['dataset']>): Promise<void> {
  const { checked, emit } = ctx;
  const signal = ctx.options.signal;
  if (!ds.prepared) {
    emit({ type: 'phase', phase: 'loading', detail: `data set ${ds.name} (first use: downloading into ${ds.dataHome})` });
    await ensureDataset(ds.name, {
      dataHome: ds.dataHome,
      ...(signal ? { signal } : {}),
      onProgress: (e) => {
        if (e.type === 'download' && e.total)
          emit({ type: 'data_progress', done: e.bytes, total: e.total, detail: `downloading ${e.file ?? ds.name}` });
      },
    });
    checkDataColumns(checked);
  }
  await ctx.recorder.setTags(datasetTags(ds.name));
}

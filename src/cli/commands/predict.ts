/**
 * `mmx predict RUN_OR_MODEL DATA [--out FILE]` and `mmx evaluate RUN_OR_MODEL DATA`: a trained model and
 * its preprocessing state applied to new rows, exactly as at training time.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { initBackend } from '../../backend/select.js';
import { featuresFromState } from '../../data/dataset.js';
import { DataError } from '../../data/errors.js';
import { readManifest } from '../../data/manifest.js';
import { evaluateTask } from '../../evaluate/task-metrics.js';
import { outputUnits } from '../../model/heads/tasks.js';
import { isTaskName } from '../../core/tasks.js';
import { defaultMetrics } from '../../metrics/registry.js';
import { MANIFEST_ROW_ID, predictionsCsv, type IdColumn } from '../../evaluate/predictions-csv.js';
import { confusionJson } from '../../evaluate/confusion-artifacts.js';
import { suggestion } from '../../config/did-you-mean.js';
import type { Manifest } from '../../data/manifest.js';
import { predictSplit } from '../../evaluate/predict.js';
import { loadRunModel } from '../../runner/load-run-model.js';
import { RunRecorder } from '../../runner/recorder/run-recorder.js';
import { startTags } from '../../runner/recorder/start-tags.js';
import { resultsLines } from '../../ui/sections.js';
import { UsageError } from '../user-errors.js';
import { trainingRowsWarning } from './training-rows.js';

export interface PredictOptions {
  out?: string;
  /** the data's column that identifies a row, copied into the predictions (default: the manifest row) */
  idColumn?: string;
  split?: string;
  uri?: string;
  backend?: string;
  json?: boolean;
  log?: boolean;
}

type IO = { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };

async function predictRows(source: string, dataFile: string, o: PredictOptions, io: IO) {
  const backend = await initBackend((o.backend ?? 'auto') as 'auto');
  // the CLI edge: a run folder, the tracking store and the data file are relative to the folder the command was typed in
  const loaded = await loadRunModel(source, { ...(o.uri ? { trackingUri: o.uri } : {}), cwd: process.cwd() });
  const manifest = readManifest(path.resolve(process.cwd(), dataFile));
  let rows: number[] | undefined;
  if (o.split !== undefined) {
    const col = loaded.state.split?.column;
    if (!col) throw new UsageError('--split needs a model trained with data.split.column (its rows name their split)');
    if (!manifest.columns.includes(col)) throw new DataError(`split column '${col}' is not in the manifest`, { file: dataFile });
    const values = loaded.state.split?.values;
    const wanted = values?.[o.split as 'train' | 'validation' | 'test'] ?? o.split;
    rows = manifest.rows.flatMap((r, i) => ((r[col] ?? '').trim() === wanted ? [i] : []));
    if (rows.length === 0) throw new DataError(`no rows have ${col} = '${wanted}'`, { file: dataFile });
  }
  const { data, hasLabels, skipped } = await featuresFromState(manifest, loaded.state, rows ? { rows } : {});
  if (skipped.length) io.stderr.write(`warning: skipped ${skipped.length} unreadable input(s)\n`);
  const target = loaded.state.target;
  const preds = await predictSplit(
    loaded.model,
    data,
    loaded.state.inputs.map((s) => ({ name: s.name, modality: s.modality, shape: s.shape })),
    target,
  );
  return { loaded, manifest, data, hasLabels, preds, classes: target.classes, backend };
}

/** The id column `--id-column` names (a column of the data), or the manifest row. */
function idColumn(manifest: Manifest, name: string | undefined, dataFile: string): IdColumn {
  if (name === undefined) return MANIFEST_ROW_ID;
  if (!manifest.columns.includes(name))
    throw new DataError(
      `--id-column ${name}: the data has no column '${name}'`,
      { file: dataFile },
      suggestion(name, manifest.columns, 'one of the columns'),
    );
  return { name, of: (row) => manifest.rows[row]?.[name] ?? '' };
}

export async function predictCommand(source: string, dataFile: string, o: PredictOptions, io: IO): Promise<number> {
  const { loaded, manifest, data, hasLabels, preds } = await predictRows(source, dataFile, o, io);
  const id = idColumn(manifest, o.idColumn, dataFile);
  const csv = predictionsCsv(data, preds.probabilities, preds.predicted, loaded.state.target, hasLabels, id);
  if (o.out) {
    writeFileSync(o.out, csv);
    io.stderr.write(`wrote ${data.rows.length} predictions to ${o.out}\n`);
  } else {
    io.stdout.write(csv);
  }
  return 0;
}

export async function evaluateCommand(source: string, dataFile: string, o: PredictOptions, io: IO): Promise<number> {
  const { loaded, manifest, data, hasLabels, preds, backend } = await predictRows(source, dataFile, o, io);
  if (o.split === undefined) {
    const warning = await trainingRowsWarning(loaded, manifest);
    if (warning) io.stderr.write(`warning: ${warning}\n`);
  }
  if (!hasLabels)
    throw new DataError(
      `the manifest has no '${loaded.state.target.column}' column to evaluate against`,
      { file: dataFile },
      'use mmx predict for unlabelled rows',
    );
  const labelled = Array.from(data.labels.keys()).filter((i) => data.labels[i]! >= 0);
  if (labelled.length === 0) throw new DataError('no row has a label', { file: dataFile });
  const target = loaded.state.target;
  const units = outputUnits(target);
  const width = data.targets.length / data.labels.length;
  const rowsOf = (a: Float32Array, w: number): Float32Array => {
    const out = new Float32Array(labelled.length * w);
    labelled.forEach((i, k) => out.set(a.subarray(i * w, (i + 1) * w), k * w));
    return out;
  };
  const subset = { labels: Int32Array.from(labelled, (i) => data.labels[i]!), targets: rowsOf(data.targets, width) };
  const metrics = defaultMetrics(isTaskName(target.task) ? target.task : 'classification');
  const report = evaluateTask(
    o.split ?? 'evaluation',
    target,
    subset,
    rowsOf(preds.probabilities, units),
    target.task === 'binary' ? [...metrics, 'precision', 'recall'] : metrics,
  ).result;
  if (o.json) {
    io.stdout.write(
      JSON.stringify({
        rows: labelled.length,
        task: target.task,
        metrics: report.metrics,
        ...(report.perClass.length ? { per_class: report.perClass } : {}),
        ...(report.labels.length ? { confusion_matrix: confusionJson(report) } : {}),
      }) + '\n',
    );
  } else {
    io.stdout.write(resultsLines(report).join('\n') + '\n');
  }
  if (o.log && loaded.tracker && loaded.runId && loaded.experimentId) {
    const dataPath = path.resolve(process.cwd(), dataFile);
    const runName = `evaluate-${loaded.runId.slice(0, 8)}`;
    const recorder = await RunRecorder.create(loaded.tracker, loaded.experimentId, {
      runName,
      tags: startTags({
        runName,
        commitFrom: [path.dirname(dataPath), process.cwd()],
        sourceName: 'mmx evaluate',
        kind: {
          'mmx.backend': backend.name,
          'mmx.task': target.task,
          'mmx.evaluated_run_id': loaded.runId,
          'mmx.evaluation.data': dataPath,
          'mmx.evaluation.split': o.split ?? 'all',
          'mmx.evaluation.rows': String(labelled.length),
          'mmx.data_hash': createHash('sha256').update(readFileSync(dataPath)).digest('hex'),
        },
      }),
    });
    try {
      const now = Date.now();
      recorder.logMetrics(Object.entries(report.metrics).map(([k, value]) => ({ key: `eval_${k}`, value, timestamp: now, step: 0 })));
      await recorder.flushMetrics();
      const confusion = confusionJson(report);
      if (confusion) await recorder.logArtifact('confusion_matrix.json', JSON.stringify(confusion, null, 2));
    } catch (err) {
      // the evaluation run is not left RUNNING: it is recorded FAILED with the error
      await recorder.end('FAILED', { error: err }, (m) => io.stderr.write(`warning: ${m}\n`));
      throw err;
    }
    await recorder.end('FINISHED');
    io.stderr.write(`logged evaluation run ${recorder.runId} (linked to ${loaded.runId})\n`);
  }
  return 0;
}

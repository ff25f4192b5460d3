/**
 * The HTTP API of a served model (Fastify):
 *
 *   POST /predict    rows of raw inputs (./request-schema.ts) → {"predictions": [{prediction, probabilities}, ...]}
 *   GET  /metadata   the model, its input columns and the request schema
 *   GET  /health     {"status": "ok", ...} once the model is loaded (the server listens only then)
 *
 * Bodies are validated against the schema by Fastify (Ajv) before anything runs; each request's rows are then
 * prepared with the run's preprocessing state on their own, so a bad row fails only its request, with 400 and
 * a message naming the field; prepared requests are batched through the model (./batcher.ts). Other answers:
 * 413 for a body over the limit, 415 for a body that is not JSON, 503 when too many rows wait, 500 for a fault
 * (logged, never a stack in the answer).
 */
import { Ajv, type ValidateFunction } from 'ajv';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { RowError } from '../inference/row-error.js';
import type { Predictor, PreparedRows } from '../inference/predictor.js';
import type { Prediction, RawRow } from '../inference/types.js';
import { MMX_VERSION } from '../version.js';
import { Batcher, Busy } from './batcher.js';
import { predictBodySchema, rowSchema } from './request-schema.js';
import { describeSchemaError, mostTelling, type SchemaError } from './validation-errors.js';
import * as tf from '../tf.js';

export interface ServeOptions {
  /** largest request body, in bytes */
  bodyLimit: number;
  /** most rows in one request */
  maxRows: number;
  /** most rows run through the model at once */
  maxBatchRows: number;
  /** how long the first request of a batch waits for others, in ms */
  batchWaitMs: number;
  /** rows waiting beyond this are refused with 503 */
  maxQueuedRows: number;
  /** one line per request (method, path, status, ms) */
  log?: (line: string) => void;
  /** where faults are reported (500s) */
  warn: (line: string) => void;
}

export const DEFAULT_SERVE_OPTIONS: Omit<ServeOptions, 'warn'> = {
  bodyLimit: 20 * 2 ** 20,
  maxRows: 1000,
  maxBatchRows: 64,
  batchWaitMs: 2,
  maxQueuedRows: 4096,
};

type Body = { rows?: RawRow[]; dataframe_records?: RawRow[]; dataframe_split?: { columns: string[]; data: unknown[][] } };

/** The error answer: a kind, one message, and the field it is about (for 400s). */
const problem = (error: string, message: string, field?: string) => ({ error, message, ...(field ? { field } : {}) });

export async function createServer(predictor: Predictor, options: ServeOptions): Promise<FastifyInstance> {
  const target = predictor.state.target.column;
  const columns = predictor.columns;
  const columnNames = columns.map((c) => c.name);
  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimit,
    // the schema decides: nothing coerced, nothing removed, no defaults filled in
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: true, allowUnionTypes: true } },
  });
  // JSON only: a text body is 415, not a string that fails the schema
  app.removeContentTypeParser('text/plain');
  const bodySchema = predictBodySchema(columns, target, options.maxRows);
  // dataframe_split's rows are checked with the same row schema once they are records
  const rowValidator = new Ajv({ allErrors: true, strict: false }).compile<RawRow>(rowSchema(columns, target));

  const batcher = new Batcher<PreparedRows, Prediction[]>((items) => predictor.infer(items), {
    maxRows: options.maxBatchRows,
    maxWaitMs: options.batchWaitMs,
    maxQueuedRows: options.maxQueuedRows,
  });
  const started = Date.now();
  const counts = { requests: 0, predicted_rows: 0, bad_requests: 0, errors: 0 };

  app.setErrorHandler((err: FastifyError, _request, reply) => {
    if (err.validation) {
      counts.bad_requests += 1;
      const first = mostTelling(err.validation);
      const { field, message } = first ? describeSchemaError(first, columnNames) : { field: 'body', message: err.message };
      return reply.code(400).send(problem('bad_request', `${field}: ${message}`, field));
    }
    if (err instanceof RowError) {
      counts.bad_requests += 1;
      const field = err.field(currentList(_request.body));
      return reply.code(400).send(problem('bad_request', `${field}: ${err.message}${err.hint ? ` (${err.hint})` : ''}`, field));
    }
    if (err instanceof Busy) return reply.code(503).header('retry-after', '1').send(problem('busy', err.message));
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      counts.bad_requests += 1;
      const message =
        status === 413
          ? `the body is larger than ${options.bodyLimit} bytes (mmx serve --body-limit-mb)`
          : status === 415
            ? 'send the body as JSON (Content-Type: application/json)'
            : err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError
              ? `the body is not valid JSON: ${err.message}`
              : err.message;
      return reply.code(status).send(problem(status === 413 ? 'too_large' : 'bad_request', message));
    }
    counts.errors += 1;
    options.warn(`error: ${err.stack ?? err.message}`);
    return reply.code(500).send(problem('internal', 'the model failed on this request; the server log has the details'));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(problem('not_found', `no ${request.method} ${request.url}: POST /predict, GET /metadata, GET /health`)),
  );
  if (options.log) {
    const log = options.log;
    app.addHook('onResponse', async (request, reply) => {
      log(`${request.method} ${request.url} ${reply.statusCode} ${reply.elapsedTime.toFixed(1)} ms`);
    });
  }

  app.get('/health', async () => ({
    status: 'ok',
    uptime_s: Math.round((Date.now() - started) / 1000),
    ...counts,
    batching: { ...batcher.stats },
    memory: { rss_bytes: process.memoryUsage().rss, tensors: tf.memory().numTensors },
  }));

  app.get('/metadata', async () => ({
    model: {
      source: predictor.from,
      run_id: predictor.runId ?? null,
      task: predictor.task,
      classes: predictor.classes,
      target: target,
      backend: predictor.backend.description,
    },
    mmx_version: MMX_VERSION,
    inputs: columns,
    outputs: predictor.task === 'regression' ? { prediction: 'number' } : { prediction: 'string', probabilities: predictor.classes },
    request: {
      formats: ['rows', 'dataframe_records', 'dataframe_split'],
      max_rows: options.maxRows,
      body_limit_bytes: options.bodyLimit,
      schema: bodySchema,
    },
    batching: { max_batch_rows: options.maxBatchRows, batch_wait_ms: options.batchWaitMs, max_queued_rows: options.maxQueuedRows },
  }));

  app.post<{ Body: Body }>('/predict', { schema: { body: bodySchema } }, async (request) => {
    counts.requests += 1;
    const rows = rowsOf(request.body, rowValidator, columnNames);
    const prepared = await predictor.prepare(rows);
    const predictions = await batcher.submit(prepared, rows.length);
    counts.predicted_rows += rows.length;
    return { predictions };
  });

  return app;
}

/** Which list a body's rows are in (for the field names of errors). */
function currentList(body: unknown): string {
  if (typeof body === 'object' && body !== null) {
    if ('dataframe_records' in body) return 'dataframe_records';
    if ('dataframe_split' in body) return 'dataframe_split.data';
  }
  return 'rows';
}

/** The rows of a validated body; dataframe_split's become records and are checked against the row schema. */
function rowsOf(body: Body, validate: ValidateFunction<RawRow>, columns: readonly string[]): RawRow[] {
  if (body.rows) return body.rows;
  if (body.dataframe_records) return body.dataframe_records;
  const split = body.dataframe_split!;
  return split.data.map((values, i) => {
    if (values.length !== split.columns.length)
      throw new RowError(i, undefined, `holds ${values.length} values for ${split.columns.length} columns`);
    const row: Record<string, unknown> = {};
    split.columns.forEach((c, j) => (row[c] = values[j]));
    if (validate(row)) return row;
    const e: SchemaError = mostTelling(validate.errors ?? []) ?? { keyword: 'type', instancePath: '', params: {} };
    const { message } = describeSchemaError(e, columns);
    const column =
      e.keyword === 'required'
        ? String(e.params['missingProperty'])
        : e.keyword === 'additionalProperties'
          ? String(e.params['additionalProperty'])
          : e.instancePath.slice(1);
    throw new RowError(i, column || undefined, message);
  });
}

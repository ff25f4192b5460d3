/**
 * `mmx worker --queue URL [--concurrency N] [--backend NAME] [--shared-store]`: takes sweep trials from a Redis
 * queue (what `mmx sweep --queue URL` enqueues) and runs each in its own process. Ctrl-C: take no new trials,
 * finish the running ones; a second Ctrl-C stops them now and leaves them to be retried by another worker.
 */
import { UsageError } from '../../errors.js';
import { redact } from '../../sweep/queue/connection.js';
import { runQueueWorker } from '../../sweep/queue/worker.js';
import { EXIT_INTERRUPTED, EXIT_OK, reportError } from '../user-errors.js';

export interface WorkerCommandOptions {
  queue: string;
  concurrency?: string;
  backend?: string;
  sharedStore?: boolean;
}

const BACKENDS = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

export async function workerCommand(
  opts: WorkerCommandOptions,
  io: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream },
): Promise<number> {
  const soft = new AbortController();
  const hard = new AbortController();
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts += 1;
    if (interrupts === 1) {
      io.stderr.write(
        '\nstopping: running trials finish, no new ones are taken (Ctrl-C again to stop them now; they are retried elsewhere)\n',
      );
      soft.abort();
      return;
    }
    hard.abort();
    setTimeout(() => process.exit(EXIT_INTERRUPTED), 2000).unref();
  };
  try {
    const concurrency = opts.concurrency === undefined ? 1 : Number(opts.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new UsageError(`--concurrency must be a whole number >= 1, got '${opts.concurrency}'`);
    if (opts.backend !== undefined && !BACKENDS.includes(opts.backend))
      throw new UsageError(`--backend must be one of ${BACKENDS.join(', ')}, got '${opts.backend}'`);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    await runQueueWorker({
      url: opts.queue,
      concurrency,
      ...(opts.backend ? { backend: opts.backend } : {}),
      ...(opts.sharedStore ? { sharedStore: true } : {}),
      log: (line) => io.stderr.write(`${new Date().toISOString()} ${line}\n`),
      signal: soft.signal,
      hardSignal: hard.signal,
    });
    return interrupts > 1 ? EXIT_INTERRUPTED : EXIT_OK;
  } catch (err) {
    if (err instanceof Error) err.message = redact(err.message);
    return reportError(err, io.stderr);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

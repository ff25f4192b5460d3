/**
 * `mmx worker --queue URL [--concurrency N] [--backend NAME] [--shared-store]`: takes sweep trials from a Redis
 * queue (what `mmx sweep --queue URL` enqueues) and runs each in its own process. Ctrl-C (SIGTERM, SIGHUP): take no
 * new trials, finish the running ones; a second signal stops them now and leaves them to be retried by another worker.
 */
import { UsageError } from '../../errors.js';
import { redact } from '../../sweep/queue/connection.js';
import { runQueueWorker } from '../../sweep/queue/worker.js';
import { onStopSignals, shutdownDeadlineMs, type StopListener } from '../shutdown.js';
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
  let forced = false;
  let stop: StopListener | undefined;
  const listen = (): StopListener =>
    onStopSignals({
      onStop: (signal) => {
        io.stderr.write(
          `\n${signal === 'SIGINT' ? 'Ctrl-C' : signal}: stopping: running trials finish, no new ones are taken ` +
            `(${signal === 'SIGINT' ? 'Ctrl-C again' : 'a second signal'} to stop them now; they are retried elsewhere)\n`,
        );
        soft.abort();
      },
      // a second signal: the running trials stop now (their jobs go back to the queue); the exit follows
      onForce: () => {
        forced = true;
        hard.abort();
      },
      // finishing the running trials takes as long as they take: only a second signal cuts it short
      deadlineMs: Infinity,
      exit: () => setTimeout(() => process.exit(EXIT_INTERRUPTED), 2000).unref(),
    });
  try {
    const concurrency = opts.concurrency === undefined ? 1 : Number(opts.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new UsageError(`--concurrency must be a whole number >= 1, got '${opts.concurrency}'`);
    if (opts.backend !== undefined && !BACKENDS.includes(opts.backend))
      throw new UsageError(`--backend must be one of ${BACKENDS.join(', ')}, got '${opts.backend}'`);
    stop = listen();
    await runQueueWorker({
      url: opts.queue,
      concurrency,
      ...(opts.backend ? { backend: opts.backend } : {}),
      ...(opts.sharedStore ? { sharedStore: true } : {}),
      log: (line) => io.stderr.write(`${new Date().toISOString()} ${line}\n`),
      signal: soft.signal,
      hardSignal: hard.signal,
      closeDeadlineMs: shutdownDeadlineMs(),
    });
    return forced ? EXIT_INTERRUPTED : EXIT_OK;
  } catch (err) {
    if (err instanceof Error) err.message = redact(err.message);
    return reportError(err, io.stderr);
  } finally {
    stop?.dispose();
  }
}

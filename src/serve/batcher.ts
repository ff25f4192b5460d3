/**
 * Request batching: prepared rows of concurrent requests are run through the model together. The first request
 * to arrive waits at most `maxWaitMs` for others; while the model runs, new requests queue and go together in the
 * next batch; a batch holds at most `maxRows` rows (a request is never split). Beyond `maxQueuedRows` waiting rows,
 * a request is refused at once (Busy) instead of waiting without bound.
 */

export class Busy extends Error {
  constructor(readonly queuedRows: number) {
    super(`the server is busy (${queuedRows} rows waiting); try again shortly`);
    this.name = 'Busy';
  }
}

export interface BatcherOptions {
  maxRows: number;
  maxWaitMs: number;
  maxQueuedRows: number;
}

export interface BatchStats {
  batches: number;
  requests: number;
  rows: number;
  /** the most requests one batch held */
  largestBatchRequests: number;
}

interface Pending<I, O> {
  item: I;
  rows: number;
  resolve: (value: O) => void;
  reject: (reason: unknown) => void;
}

export class Batcher<I, O> {
  private queue: Pending<I, O>[] = [];
  private queuedRows = 0;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  readonly stats: BatchStats = { batches: 0, requests: 0, rows: 0, largestBatchRequests: 0 };

  constructor(
    /** runs one batch: one output per item, in order */
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly options: BatcherOptions,
  ) {}

  submit(item: I, rows: number): Promise<O> {
    if (this.queuedRows > 0 && this.queuedRows + rows > this.options.maxQueuedRows) return Promise.reject(new Busy(this.queuedRows));
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, rows, resolve, reject });
      this.queuedRows += rows;
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running) return;
    if (this.queuedRows >= this.options.maxRows) {
      this.flushSoon(0);
      return;
    }
    this.flushSoon(this.options.maxWaitMs);
  }

  private flushSoon(ms: number): void {
    if (this.timer !== undefined) {
      if (ms > 0) return;
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, ms);
  }

  private async flush(): Promise<void> {
    if (this.running || this.queue.length === 0) return;
    this.running = true;
    const batch: Pending<I, O>[] = [];
    let rows = 0;
    while (this.queue.length > 0 && (batch.length === 0 || rows + this.queue[0]!.rows <= this.options.maxRows)) {
      const next = this.queue.shift()!;
      batch.push(next);
      rows += next.rows;
    }
    this.queuedRows -= rows;
    try {
      const outputs = await this.run(batch.map((p) => p.item));
      batch.forEach((p, i) => p.resolve(outputs[i]!));
      this.stats.batches += 1;
      this.stats.requests += batch.length;
      this.stats.rows += rows;
      this.stats.largestBatchRequests = Math.max(this.stats.largestBatchRequests, batch.length);
    } catch (err) {
      for (const p of batch) p.reject(err);
    } finally {
      this.running = false;
      // what queued while the model ran goes next, without waiting for more
      if (this.queue.length > 0) this.flushSoon(0);
    }
  }
}

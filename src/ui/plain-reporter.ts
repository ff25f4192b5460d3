/**
 * Plain-line reporter for pipes and CI logs: a header, one line per phase and per epoch, a few
 * data-loading lines, then the results block and where to look at the run. No ANSI codes and
 * nothing per batch. In quiet mode (`--json`, where stdout must stay one JSON document) it writes
 * only warnings and progress lines, and only to stderr.
 */
import type { RunEvent } from '../core/run-events.js';
import type { Reporter } from './reporter.js';
import {
  dataProgressText,
  earlyStopText,
  endHeadline,
  epochLine,
  fieldLines,
  resultsLines,
  summaryFields,
  summaryTitle,
  trainingEndText,
  whereToSee,
} from './sections.js';

type Writable = NodeJS.WritableStream;

export interface PlainReporterOptions {
  stdout: Writable;
  stderr: Writable;
  /** warnings and progress lines only, all on stderr */
  quiet?: boolean;
}

/** Data-loading progress is reported at most at these fractions of each step. */
const DATA_STEPS = 4;

function canWrite(stream: Writable): boolean {
  const s = stream as Writable & { destroyed?: boolean; writableEnded?: boolean };
  return !s.destroyed && !s.writableEnded;
}

function drained(stream: Writable): Promise<void> {
  if (!canWrite(stream)) return Promise.resolve();
  return new Promise((resolve) => {
    stream.write('', () => resolve());
  });
}

export function createPlainReporter(options: PlainReporterOptions): Reporter {
  const quiet = options.quiet ?? false;
  const out = quiet ? undefined : options.stdout;
  const err = options.stderr;
  const dataSteps = new Map<string, number>();
  let closed = false;

  const write = (stream: Writable | undefined, lines: string | readonly string[]): void => {
    if (!stream || !canWrite(stream)) return;
    const list = typeof lines === 'string' ? [lines] : lines;
    if (list.length > 0) stream.write(list.join('\n') + '\n');
  };
  /** progress goes to stdout normally, to stderr in quiet mode */
  const progress = quiet ? err : out;

  const handle = (e: RunEvent): void => {
    switch (e.type) {
      case 'phase':
        write(out, `[${e.phase}]${e.detail ? ` ${e.detail}` : ''}`);
        return;
      case 'data_progress': {
        if (e.total <= 0) return;
        const step = Math.floor((Math.min(e.done, e.total) / e.total) * DATA_STEPS);
        if (step <= (dataSteps.get(e.detail) ?? 0)) return;
        dataSteps.set(e.detail, step);
        write(out, `  ${dataProgressText(e)}`);
        return;
      }
      case 'start':
        write(out, [summaryTitle(e.summary), ...fieldLines(summaryFields(e.summary), '  ')]);
        return;
      case 'epoch_start':
      case 'batch':
        return;
      case 'epoch_end':
        write(progress, epochLine(e));
        return;
      case 'early_stop':
        write(progress, earlyStopText(e));
        return;
      case 'training_end':
        write(progress, trainingEndText(e));
        return;
      case 'evaluation':
        write(out, ['', ...resultsLines(e.result)]);
        return;
      case 'end':
        write(out, ['', endHeadline(e), ...fieldLines(whereToSee(e), '  ')]);
        if (quiet && e.status !== 'FINISHED') write(err, endHeadline(e));
        return;
      case 'log':
        if (e.level === 'warn') write(err, `warning: ${e.message}`);
        else write(out, `info: ${e.message}`);
        return;
    }
  };

  return {
    emit(e) {
      if (!closed) handle(e);
    },
    async close() {
      closed = true;
      await Promise.all([out ? drained(out) : Promise.resolve(), drained(err)]);
    },
  };
}

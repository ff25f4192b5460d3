/**
 * Structured config problems. Errors are values with a location and a key path; they are turned into text
 * only at the edge (`formatIssues`), like zod's issues. Locations hold absolute file paths; a path is shown
 * relative to a folder only when the caller that prints it says which (the CLI: its working directory).
 */
import path from 'node:path';

export interface SourceLocation {
  /** the config file's absolute path, or `--set ...` for a command-line override */
  file: string;
  /** 1-based */
  line?: number;
  /** 1-based */
  column?: number;
}

export interface ConfigIssue extends SourceLocation {
  /** dotted key path, e.g. `inputs.image.encoder.filters` ('' for the whole file) */
  path: string;
  message: string;
  /** how to fix it: a did-you-mean or the expected form */
  hint?: string;
}

/** A user error in a config: carries every issue found, so one run of `mmx validate` shows them all. */
export class ConfigError extends Error {
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[]) {
    // in reading order: by file, then line and column (command-line overrides last)
    const sorted = [...issues].sort(
      (a, b) =>
        Number(a.file.startsWith('--set')) - Number(b.file.startsWith('--set')) ||
        a.file.localeCompare(b.file) ||
        (a.line ?? 0) - (b.line ?? 0) ||
        (a.column ?? 0) - (b.column ?? 0),
    );
    super(formatIssues(sorted));
    this.issues = sorted;
    this.name = 'ConfigError';
  }

  /** The message with file paths relative to `relativeTo` (the folder a person reads them from). */
  format(relativeTo?: string): string {
    return formatIssues(this.issues, relativeTo);
  }
}

/**
 * A file for a message: relative to `relativeTo` when given and the file is an absolute path (`--set ...` and
 * other labels stay as they are), else as held.
 */
export function displayFile(file: string, relativeTo?: string): string {
  if (relativeTo === undefined || !path.isAbsolute(file)) return file;
  return path.relative(relativeTo, file) || file;
}

export function formatLocation(l: SourceLocation, relativeTo?: string): string {
  const file = displayFile(l.file, relativeTo);
  if (l.line === undefined) return file;
  return l.column === undefined ? `${file}:${l.line}` : `${file}:${l.line}:${l.column}`;
}

export function formatIssue(issue: ConfigIssue, relativeTo?: string): string {
  const where = formatLocation(issue, relativeTo);
  const key = issue.path ? `${issue.path}: ` : '';
  const hint = issue.hint ? ` (${issue.hint})` : '';
  return `${where}: ${key}${issue.message}${hint}`;
}

/** The issues as lines of text; file paths absolute, or relative to `relativeTo` when given. */
export function formatIssues(issues: readonly ConfigIssue[], relativeTo?: string): string {
  return issues.map((i) => formatIssue(i, relativeTo)).join('\n');
}

/** Key path segments → `a.b[0].c` for messages. */
export function dotted(path: readonly (string | number)[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out;
}

/**
 * Structured config problems. Errors are values with a location and a key path; they are turned into text
 * only at the edge (`formatIssues`), like zod's issues.
 */

export interface SourceLocation {
  /** the config file, or `--set` for a command-line override */
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
}

export function formatLocation(l: SourceLocation): string {
  if (l.line === undefined) return l.file;
  return l.column === undefined ? `${l.file}:${l.line}` : `${l.file}:${l.line}:${l.column}`;
}

export function formatIssue(issue: ConfigIssue): string {
  const where = formatLocation(issue);
  const path = issue.path ? `${issue.path}: ` : '';
  const hint = issue.hint ? ` (${issue.hint})` : '';
  return `${where}: ${path}${issue.message}${hint}`;
}

export function formatIssues(issues: readonly ConfigIssue[]): string {
  return issues.map(formatIssue).join('\n');
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

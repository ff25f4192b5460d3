import { displayFile } from '../config/issues.js';

/** A problem with the user's data (manifest or a file it names): a clear message, exit code 2. */
export class DataError extends Error {
  constructor(
    message: string,
    readonly where: { file: string; line?: number; row?: number; column?: string } = { file: '' },
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'DataError';
  }

  /**
   * `manifest.csv:12 (row 11, column image_path): cannot decode image ...`; the file as held (absolute), or
   * relative to `relativeTo` when given.
   */
  describe(relativeTo?: string): string {
    const w = { ...this.where, file: displayFile(this.where.file, relativeTo) };
    const parts: string[] = [];
    if (w.row !== undefined) parts.push(`row ${w.row}`);
    if (w.column !== undefined) parts.push(`column ${w.column}`);
    const loc = `${w.file}${w.line !== undefined ? `:${w.line}` : ''}${parts.length ? ` (${parts.join(', ')})` : ''}`;
    return `${loc ? `${loc}: ` : ''}${this.message}${this.hint ? `\n  hint: ${this.hint}` : ''}`;
  }
}

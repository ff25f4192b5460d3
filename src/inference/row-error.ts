/** A problem with one row of raw inputs handed to a model: names the row (0-based, as in the list) and the column. */
import { DataError } from '../data/errors.js';

export class RowError extends DataError {
  constructor(
    /** index of the row in the rows given (0-based) */
    readonly index: number,
    /** the column (a key of the row), when the problem is one value */
    readonly columnName: string | undefined,
    message: string,
    hint?: string,
  ) {
    super(message, { file: '', row: index + 1, ...(columnName !== undefined ? { column: columnName } : {}) }, hint || undefined);
    this.name = 'RowError';
  }

  /** `rows[3].age`: where the problem is, as a path into the request */
  field(list = 'rows'): string {
    const c = this.columnName;
    return `${list}[${this.index}]${c === undefined ? '' : /^[A-Za-z_$][\w$]*$/.test(c) ? `.${c}` : `[${JSON.stringify(c)}]`}`;
  }
}

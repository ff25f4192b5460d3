/**
 * A problem getting a built-in data set that the person can act on: an unknown name, no network, a
 * server error, a checksum mismatch, an archive with an unsafe entry. One clear message, exit code 2.
 */
export class DatasetError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(hint ? `${message}\n  hint: ${hint}` : message);
    this.name = 'DatasetError';
  }
}

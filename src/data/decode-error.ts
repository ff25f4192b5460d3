/**
 * A media file (image or audio) that cannot be read or decoded.
 *
 * The message is meant for people: "cannot decode image: file not found", "cannot decode audio:
 * truncated WAV: ...". It never carries a library's stack or internal error text verbatim; the
 * offending path is kept apart in `file` so a caller can print it however it likes (relative to
 * the manifest, with a row number, ...).
 */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';

  constructor(
    message: string,
    /** the file that failed (as given by the caller); '' when the bytes came from memory */
    public readonly file: string,
  ) {
    super(message);
  }
}

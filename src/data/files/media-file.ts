/**
 * The files a manifest names (images, audio): read only if they are regular files of at most
 * `data.max_file_mb.<kind>` MB, and checked by kind from their first bytes. The decode path (`readMediaFile`) and
 * `mmx validate` (`mediaFileProblem`) use the same checks, so validate refuses what a run would.
 */
import { Type } from '@sinclair/typebox';
import { Closed, Default } from '../../config/schema-kit.js';
import { FileReadError, readHeadSync, readRegularFile } from '../../io/regular-file.js';
import { WAV_HEADER_BYTES, wavHeaderProblem } from '../audio/wav.js';
import { DecodeError } from '../decode-error.js';
import { IMAGE_HEADER_BYTES, imageHeaderProblem } from '../image/format.js';

export type MediaKind = 'image' | 'audio';

/** 1 MB, as `data.max_file_mb` counts (decimal, like file managers and `ls -h --si`). */
export const MB = 1_000_000;

/**
 * Default largest file per kind, in MB: an image of 50 MB is a ~100-megapixel photo; 100 MB of WAV is ~9 minutes
 * of 48 kHz 16-bit stereo (clips are cut to `max_duration_s`, at most 600 s, anyway).
 */
export const DEFAULT_MAX_FILE_MB: Record<MediaKind, number> = { image: 50, audio: 100 };

const limit = (kind: MediaKind) =>
  Default(
    Type.Number({
      exclusiveMinimum: 0,
      maximum: 1_000_000,
      description: `largest ${kind} file read, in MB (10^6 bytes); a larger one is an error naming its row (or skipped with on_error: skip)`,
    }),
    DEFAULT_MAX_FILE_MB[kind],
  );

/** `data.max_file_mb`: the per-file size limits. */
export const MaxFileMbOption = Default(
  Closed(
    { image: limit('image'), audio: limit('audio') },
    {
      description:
        'largest image / audio file a manifest row may name, in MB; only regular files are read (a device, a FIFO or a directory is refused per row)',
    },
  ),
  {} as never,
);

/** The limit in bytes for a kind, from `data.max_file_mb` (defaults where not written). */
export function maxFileBytes(data: { max_file_mb?: Partial<Record<MediaKind, number>> } | undefined, kind: MediaKind): number {
  return (data?.max_file_mb?.[kind] ?? DEFAULT_MAX_FILE_MB[kind]) * MB;
}

const HEADERS: Record<MediaKind, { bytes: number; problem: (head: Uint8Array, size: number) => string | undefined }> = {
  image: { bytes: IMAGE_HEADER_BYTES, problem: imageHeaderProblem },
  audio: { bytes: WAV_HEADER_BYTES, problem: wavHeaderProblem },
};

function readReason(err: FileReadError, kind: MediaKind): string {
  return err.code === 'too-large' ? `file ${err.reason} (data.max_file_mb.${kind}: raise it for larger files)` : err.reason;
}

/**
 * Reads the file a cell names, for a loader: `cell` as the manifest holds it, `baseDir` the manifest's folder.
 * Returns the bytes and the name errors give the file. The default reads `path.resolve(baseDir, cell)` with
 * `readMediaFile`; a served model passes one that also takes inline (base64) files and keeps paths in a folder.
 */
export type MediaReader = (
  cell: string,
  baseDir: string,
  kind: MediaKind,
  maxBytes: number,
) => Promise<{ bytes: Uint8Array; name: string }>;

/**
 * Reads a media file whole: a regular file of at most `maxBytes` bytes.
 * @throws DecodeError "cannot decode <kind>: <reason>"
 */
export async function readMediaFile(file: string, kind: MediaKind, maxBytes = DEFAULT_MAX_FILE_MB[kind] * MB): Promise<Buffer> {
  try {
    return await readRegularFile(file, maxBytes);
  } catch (err) {
    if (err instanceof FileReadError) throw new DecodeError(`cannot decode ${kind}: ${readReason(err, kind)}`, file);
    throw err;
  }
}

/**
 * What a run would find wrong with a media file before decoding it — missing, not a regular file, too large, or
 * not of the kind (from its first bytes) — as the run's message ("cannot decode image: ..."); undefined when the
 * file looks right. Reads a few bytes per file.
 */
export function mediaFileProblem(file: string, kind: MediaKind, maxBytes = DEFAULT_MAX_FILE_MB[kind] * MB): string | undefined {
  const { bytes, problem } = HEADERS[kind];
  let reason: string | undefined;
  try {
    const { head, size } = readHeadSync(file, bytes, maxBytes);
    reason = problem(head, size);
  } catch (err) {
    if (!(err instanceof FileReadError)) throw err;
    reason = readReason(err, kind);
  }
  return reason === undefined ? undefined : `cannot decode ${kind}: ${reason}`;
}

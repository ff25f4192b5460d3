/**
 * How a model reading raw rows gets the images and audio they name: inline bytes (a base64 `data:` URI) always;
 * a path only under a folder the caller allows (`mmx serve --files DIR`), checked after symlinks are resolved so
 * that a link cannot lead out of it. Sizes are capped as in training (`data.max_file_mb`'s defaults).
 */
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { DecodeError } from '../data/decode-error.js';
import { isDataUri, parseDataUri } from '../data/files/data-uri.js';
import { MB, readMediaFile, type MediaReader } from '../data/files/media-file.js';

export interface MediaAccess {
  /** the folder paths are resolved against and must stay in; absent: paths are refused, only inline data is read */
  root?: string;
}

const within = (folder: string, file: string): boolean => {
  const rel = path.relative(folder, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
};

export function mediaReader(access: MediaAccess): MediaReader {
  let realRoot: Promise<string> | undefined;
  return async (cell, _baseDir, kind, maxBytes) => {
    if (isDataUri(cell)) {
      const bytes = parseDataUri(cell);
      if (!bytes) throw new DecodeError(`cannot decode ${kind}: the data: URI does not hold base64 data`, '');
      if (bytes.byteLength > maxBytes)
        throw new DecodeError(
          `cannot decode ${kind}: the file is ${(bytes.byteLength / MB).toFixed(1)} MB, over the ${maxBytes / MB} MB limit`,
          '',
        );
      return { bytes, name: '' };
    }
    if (access.root === undefined)
      throw new DecodeError(`file paths are not accepted here: send the ${kind} inline, as {"base64": "..."} or a data: URI`, '');
    realRoot ??= realpath(access.root);
    const root = await realRoot;
    const file = path.resolve(root, cell);
    let real: string;
    try {
      real = await realpath(file);
    } catch {
      throw new DecodeError(`cannot decode ${kind}: no such file under the served folder`, '');
    }
    if (!within(root, real)) throw new DecodeError(`cannot decode ${kind}: the path leads outside the folder files are read from`, '');
    return { bytes: await readMediaFile(real, kind, maxBytes), name: cell };
  };
}

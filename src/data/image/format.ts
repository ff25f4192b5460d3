/**
 * What kind of file an image cell names, from its first bytes: the check `decodeImage` starts with, and what
 * `mmx validate` runs on every image file of a manifest (reading a few bytes each). The formats accepted are the
 * ones the image decoder (sharp's prebuilt libvips) reads: PNG, JPEG, WebP, GIF, TIFF, AVIF and SVG.
 */

/** Bytes of a file that {@link imageHeaderProblem} looks at. */
export const IMAGE_HEADER_BYTES = 32;

const ascii = (b: Uint8Array, at: number, n: number): string => String.fromCharCode(...b.subarray(at, at + n));
const startsWith = (b: Uint8Array, bytes: readonly number[]): boolean => bytes.every((v, i) => b[i] === v);

/** The image format of a file's first bytes, or undefined when it is none mmx reads. */
export function imageFormatOf(head: Uint8Array): string | undefined {
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'PNG';
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'JPEG';
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 4) === 'WEBP') return 'WebP';
  if (ascii(head, 0, 6) === 'GIF87a' || ascii(head, 0, 6) === 'GIF89a') return 'GIF';
  if (ascii(head, 0, 4) === 'II*\0' || ascii(head, 0, 4) === 'MM\0*') return 'TIFF';
  if (ascii(head, 4, 4) === 'ftyp' && ['avif', 'avis', 'mif1', 'msf1'].includes(ascii(head, 8, 4))) return 'AVIF';
  // SVG is text: an XML declaration, a comment or the <svg> element, after an optional BOM and white space
  const text = ascii(head, 0, head.length)
    .replace(/^\xef\xbb\xbf/, '')
    .trimStart();
  if (text.startsWith('<?xml') || text.startsWith('<svg') || text.startsWith('<!--') || text.startsWith('<!DOCTYPE svg')) return 'SVG';
  return undefined;
}

/** A guess at what a file that is not a readable image is, for the message. */
function lookalike(head: Uint8Array): string | undefined {
  const four = ascii(head, 0, 4);
  if (four === 'RIFF' && ascii(head, 8, 4) === 'WAVE') return 'a WAV audio file';
  if (four === 'fLaC' || four === 'OggS' || four.startsWith('ID3')) return 'an audio file';
  if (ascii(head, 4, 4) === 'ftyp')
    return ['heic', 'heix', 'hevc'].includes(ascii(head, 8, 4)) ? 'HEIC (convert it to JPEG or PNG)' : 'a video or HEIF file';
  if (four === '%PDF') return 'a PDF document';
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) return 'a zip archive';
  if (startsWith(head, [0x1f, 0x8b])) return 'a gzip file';
  if (ascii(head, 0, 2) === 'BM') return 'a BMP image (not supported: convert it to PNG)';
  if (head.length > 0 && head.every((b) => b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b < 0x7f) || b >= 0x80)) return 'text';
  return undefined;
}

/**
 * What is wrong with a file's first bytes for an image, or undefined when they start an image mmx reads.
 * `size`: the whole file's size, when `head` holds only its start.
 */
export function imageHeaderProblem(head: Uint8Array, size = head.length): string | undefined {
  if (size === 0) return 'file is empty';
  if (imageFormatOf(head) !== undefined) return undefined;
  const like = lookalike(head);
  return `not an image mmx reads (PNG, JPEG, WebP, GIF, TIFF, AVIF, SVG)${like ? `: it looks like ${like}` : ''}`;
}

/**
 * Files sent inline: `data:[<media type>][;base64],<data>` URIs (RFC 2397), as the input example and served
 * requests carry images and audio. Only base64 data URIs hold binary files.
 */

const DATA_URI = /^data:([^,;]*)((?:;[^,;]*)*?);base64,/i;

/** The media type to name for bytes of a file mmx reads, from its first bytes. */
export function mediaTypeOf(bytes: Uint8Array): string {
  const b = (i: number): number => bytes[i] ?? -1;
  if (b(0) === 0x89 && b(1) === 0x50 && b(2) === 0x4e && b(3) === 0x47) return 'image/png';
  if (b(0) === 0xff && b(1) === 0xd8) return 'image/jpeg';
  if (b(0) === 0x52 && b(1) === 0x49 && b(2) === 0x46 && b(3) === 0x46 && b(8) === 0x57) {
    if (b(9) === 0x45 && b(10) === 0x42) return 'image/webp'; // RIFF....WEBP
    if (b(9) === 0x41 && b(10) === 0x56) return 'audio/wav'; // RIFF....WAVE
  }
  if (b(0) === 0x47 && b(1) === 0x49 && b(2) === 0x46) return 'image/gif';
  return 'application/octet-stream';
}

export function toDataUri(bytes: Uint8Array): string {
  return `data:${mediaTypeOf(bytes)};base64,${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}`;
}

export const isDataUri = (text: string): boolean => /^data:/i.test(text);

/** The bytes of a base64 data URI; undefined when `text` is not one (or its data is not base64). */
export function parseDataUri(text: string): Uint8Array | undefined {
  const m = DATA_URI.exec(text);
  if (!m) return undefined;
  const data = text.slice(m[0].length).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(data) || data.length % 4 === 1) return undefined;
  return new Uint8Array(Buffer.from(data, 'base64'));
}

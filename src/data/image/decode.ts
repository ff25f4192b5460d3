import type { OutputInfo } from 'sharp';
import { DecodeError } from '../decode-error.js';
import { readMediaFile } from '../files/media-file.js';
import { imageHeaderProblem } from './format.js';

/** How an image whose aspect ratio differs from the target is fitted (sharp's `fit`). */
export type ResizeMode = 'fill' | 'contain' | 'cover';

export interface ImageDecodeOptions {
  height: number;
  width: number;
  /** 1 = grayscale, 3 = RGB, 4 = RGBA */
  channels: 1 | 3 | 4;
  /**
   * `fill` (default): stretch to exactly height x width, ignoring the aspect ratio.
   * `contain`: scale to fit inside and pad the rest with black (alpha 1).
   * `cover`: scale to cover and crop the overflow, keeping the centre.
   */
  resize?: ResizeMode;
  /** largest file read, in bytes (default: `data.max_file_mb.image`'s default) */
  maxBytes?: number;
}

/**
 * Read an image file (PNG, JPEG, WebP, GIF, TIFF, AVIF, SVG: whatever sharp reads) and return its
 * pixels as a Float32Array of `height * width * channels` values in [0, 1], HWC order
 * (row-major, channels interleaved). Values are the 8-bit sample divided by 255, so an 8-bit
 * image of the right size and channel count round-trips exactly; 16-bit images are reduced to 8 bits.
 *
 * - EXIF orientation is applied (a phone photo comes out upright).
 * - Colour → grayscale uses ITU-R BT.601 luma on the gamma-encoded values, rounded to 8 bits,
 *   exactly as Pillow's `convert('L')` (and close to `tf.image.rgb_to_grayscale`), so features
 *   match the usual Python pipelines. Grayscale → colour replicates the gray value.
 * - An alpha channel is dropped for 1 or 3 channels (not composited); 4 channels adds an opaque
 *   alpha when the source has none.
 * - An image already of the target size is not resampled.
 *
 * @throws DecodeError "cannot decode image: <reason>" for a missing, unreadable, empty, corrupt
 *   or unsupported file, one that is not a regular file (a device, a FIFO, a directory), or one over `maxBytes`.
 */
export async function loadImage(file: string, opts: ImageDecodeOptions): Promise<Float32Array> {
  checkOptions(opts, file);
  const bytes = await readMediaFile(file, 'image', opts.maxBytes);
  return decodeImage(bytes, opts, file);
}

/**
 * Decode image bytes already in memory; same output and errors as {@link loadImage}.
 * `file` only labels the error.
 */
export async function decodeImage(bytes: Uint8Array, opts: ImageDecodeOptions, file = ''): Promise<Float32Array> {
  checkOptions(opts, file);
  const problem = imageHeaderProblem(bytes);
  if (problem !== undefined) throw imageError(problem, file);
  const { height, width, channels } = opts;

  // sharp (libvips) takes ~170 ms to load: only when an image is decoded, not on a feature-cache hit
  const { default: sharp } = await import('sharp');
  let raw: { data: Buffer; info: OutputInfo };
  try {
    let pipeline = sharp(bytes, { failOn: 'error' })
      .autoOrient()
      .resize({ width, height, fit: opts.resize ?? 'fill', background: { r: 0, g: 0, b: 0, alpha: 1 } })
      .toColourspace('srgb');
    pipeline = channels === 4 ? pipeline.ensureAlpha() : pipeline.removeAlpha();
    raw = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw imageError(sharpReason(err), file);
  }

  const { data, info } = raw;
  const expectedChannels = channels === 4 ? 4 : 3;
  if (info.width !== width || info.height !== height || info.channels !== expectedChannels) {
    // sharp honours the requested size and colourspace; anything else is a bug worth a clear report.
    throw imageError(`unexpected decoder output ${info.width}x${info.height}x${info.channels}`, file);
  }
  return channels === 1 ? toGrayFloats(data, width * height) : toFloats(data);
}

const INV_255 = 1 / 255;

/** 8-bit samples → [0,1] floats, same layout. */
function toFloats(data: Uint8Array): Float32Array {
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]! * INV_255;
  return out;
}

/**
 * Interleaved 8-bit RGB → 8-bit BT.601 luma → [0,1] floats. Integer arithmetic identical to
 * Pillow's `convert('L')`: (R*19595 + G*38470 + B*7471 + 0x8000) >> 16, so gray stays gray exactly.
 */
function toGrayFloats(rgb: Uint8Array, pixels: number): Float32Array {
  const out = new Float32Array(pixels);
  for (let p = 0, i = 0; p < pixels; p++, i += 3) {
    const luma = (rgb[i]! * 19595 + rgb[i + 1]! * 38470 + rgb[i + 2]! * 7471 + 0x8000) >> 16;
    out[p] = luma * INV_255;
  }
  return out;
}

function checkOptions(opts: ImageDecodeOptions, file: string): void {
  const { height, width, channels } = opts;
  const ok = Number.isInteger(height) && height > 0 && Number.isInteger(width) && width > 0 && [1, 3, 4].includes(channels);
  if (!ok) {
    // A programming error in the caller rather than bad data, but reported in the same words.
    throw new DecodeError(`cannot decode image: invalid target shape ${String(height)}x${String(width)}x${String(channels)}`, file);
  }
}

function imageError(reason: string, file: string): DecodeError {
  return new DecodeError(`cannot decode image: ${reason}`, file);
}

/** Turn a sharp/libvips error into a short reason without library internals. */
function sharpReason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const first = (text.split('\n')[0] ?? '').trim();
  if (/unsupported image format/i.test(first)) return 'not an image, or an image format that is not supported';
  if (/exceeds pixel limit/i.test(first)) return 'image is too large (pixel limit exceeded)';
  const detail = first
    .replace(/^Input (buffer|file) (has |is )?/i, '')
    .replace(/\b(lib)?vips\w*:\s*/gi, '')
    .replace(/[:\s]+$/, '');
  return detail.length > 0 ? `corrupt or truncated image data (${detail})` : 'corrupt or truncated image data';
}

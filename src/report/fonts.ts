/**
 * Fonts for rendering plots without a browser.
 *
 * resvg-js ships no fonts, and Vega in Node (no canvas) only guesses text widths. So we look for one
 * sans-serif TrueType family on the machine (DejaVu Sans first — Debian's `fonts-dejavu-core`), hand its
 * files to resvg, and measure text with the same font's advance widths so that Vega's layout (axis
 * title offsets, legend spacing, label truncation) matches what resvg draws. With no font at all,
 * rendering still works: resvg draws no text and Vega falls back to an estimate.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** advance widths of one face, in em (1 = font size) */
export interface FaceMetrics {
  file: string;
  family: string;
  /** code point → advance width in em */
  advance: Map<number, number>;
  /** width used for code points the face lacks */
  fallback: number;
}

export interface PlotFont {
  family: string;
  regular: FaceMetrics;
  bold: FaceMetrics | undefined;
}

/** sans-serif families we know how to find, best first: [family, regular file, bold file] */
const CANDIDATES: ReadonlyArray<readonly [string, string, string]> = [
  ['DejaVu Sans', 'DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'],
  ['Liberation Sans', 'LiberationSans-Regular.ttf', 'LiberationSans-Bold.ttf'],
  ['Noto Sans', 'NotoSans-Regular.ttf', 'NotoSans-Bold.ttf'],
  ['FreeSans', 'FreeSans.ttf', 'FreeSansBold.ttf'],
  ['Arial', 'Arial.ttf', 'Arial Bold.ttf'],
  ['Arial', 'arial.ttf', 'arialbd.ttf'],
];

function fontDirs(): string[] {
  const home = os.homedir();
  return [
    '/usr/share/fonts',
    '/usr/local/share/fonts',
    path.join(home, '.fonts'),
    path.join(home, '.local/share/fonts'),
    '/Library/Fonts',
    '/System/Library/Fonts/Supplemental',
    path.join(process.env.WINDIR ?? 'C:\\Windows', 'Fonts'),
  ];
}

/** every file under `dir` (a few levels deep), by base name; first one wins */
function indexFiles(dir: string, into: Map<string, string>, depth = 0): void {
  if (depth > 4) return;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries) {
    const full = path.join(dir, name);
    let isDir = false;
    try {
      isDir = statSync(full).isDirectory();
    } catch {
      continue;
    }
    if (isDir) indexFiles(full, into, depth + 1);
    else if (/\.(ttf|otf)$/i.test(name) && !into.has(name)) into.set(name, full);
  }
}

const cache = new Map<string, PlotFont | null>();

/**
 * The font plots use, or null when the machine has none we can use. `MMX_PLOT_FONT` may name a
 * TrueType file (regular weight) to use instead; `MMX_PLOT_FONT=none` turns font loading off.
 */
export function plotFont(): PlotFont | null {
  const key = process.env.MMX_PLOT_FONT ?? '';
  let font = cache.get(key);
  if (font === undefined) cache.set(key, (font = findFont()));
  return font;
}

function findFont(): PlotFont | null {
  const override = process.env.MMX_PLOT_FONT;
  if (override === 'none') return null;
  if (override) {
    const regular = tryLoadFace(override);
    if (regular) return { family: regular.family, regular, bold: undefined };
  }
  const files = new Map<string, string>();
  for (const dir of fontDirs()) indexFiles(dir, files);
  for (const [family, regularName, boldName] of CANDIDATES) {
    const regularFile = files.get(regularName);
    if (!regularFile) continue;
    const regular = tryLoadFace(regularFile, family);
    if (!regular) continue;
    const boldFile = files.get(boldName);
    const bold = boldFile ? tryLoadFace(boldFile, family) : undefined;
    return { family: regular.family, regular, bold };
  }
  return null;
}

function tryLoadFace(file: string, family?: string): FaceMetrics | undefined {
  try {
    return parseFace(readFileSync(file), file, family);
  } catch {
    return undefined;
  }
}

/**
 * Reads what text measurement needs from a TrueType/OpenType file: the family name (`name` table),
 * units per em (`head`), advance widths (`hhea` + `hmtx`) and the Unicode → glyph map (`cmap`
 * format 4 or 12). No kerning: a few tenths of a pixel per label do not change a layout.
 */
export function parseFace(buf: Buffer, file: string, familyHint?: string): FaceMetrics {
  const u16 = (o: number): number => buf.readUInt16BE(o);
  const u32 = (o: number): number => buf.readUInt32BE(o);
  const numTables = u16(4);
  const tables = new Map<string, number>();
  for (let i = 0; i < numTables; i++) {
    const rec = 12 + i * 16;
    tables.set(buf.toString('latin1', rec, rec + 4), u32(rec + 8));
  }
  const need = (tag: string): number => {
    const off = tables.get(tag);
    if (off === undefined) throw new Error(`${file}: no '${tag}' table`);
    return off;
  };
  const unitsPerEm = u16(need('head') + 18);
  const numberOfHMetrics = u16(need('hhea') + 34);
  const hmtx = need('hmtx');
  const glyphAdvance = (glyph: number): number => u16(hmtx + 4 * Math.min(glyph, numberOfHMetrics - 1)) / unitsPerEm;

  const cmap = need('cmap');
  let format4: number | undefined;
  let format12: number | undefined;
  const numSub = u16(cmap + 2);
  for (let i = 0; i < numSub; i++) {
    const platform = u16(cmap + 4 + i * 8);
    const encoding = u16(cmap + 6 + i * 8);
    const sub = cmap + u32(cmap + 8 + i * 8);
    const format = u16(sub);
    const unicode = platform === 0 || (platform === 3 && (encoding === 1 || encoding === 10));
    if (!unicode) continue;
    if (format === 12 && format12 === undefined) format12 = sub;
    if (format === 4 && format4 === undefined) format4 = sub;
  }
  const advance = new Map<number, number>();
  if (format12 !== undefined) {
    const groups = u32(format12 + 12);
    for (let g = 0; g < groups; g++) {
      const rec = format12 + 16 + g * 12;
      const start = u32(rec);
      const end = Math.min(u32(rec + 4), start + 0xffff, 0x2ffff);
      const glyph0 = u32(rec + 8);
      for (let c = start; c <= end; c++) advance.set(c, glyphAdvance(glyph0 + c - start));
    }
  } else if (format4 !== undefined) {
    const segX2 = u16(format4 + 6);
    const ends = format4 + 14;
    const starts = ends + segX2 + 2;
    const deltas = starts + segX2;
    const rangeOffsets = deltas + segX2;
    for (let s = 0; s < segX2 / 2; s++) {
      const end = u16(ends + 2 * s);
      const start = u16(starts + 2 * s);
      const delta = u16(deltas + 2 * s);
      const ro = u16(rangeOffsets + 2 * s);
      for (let c = start; c <= end && c !== 0xffff; c++) {
        let glyph: number;
        if (ro === 0) glyph = (c + delta) & 0xffff;
        else {
          const at = rangeOffsets + 2 * s + ro + 2 * (c - start);
          glyph = u16(at);
          if (glyph !== 0) glyph = (glyph + delta) & 0xffff;
        }
        if (glyph !== 0) advance.set(c, glyphAdvance(glyph));
      }
    }
  } else {
    throw new Error(`${file}: no Unicode cmap`);
  }
  const family = familyHint ?? readFamilyName(buf, tables.get('name')) ?? path.basename(file).replace(/\.[^.]+$/, '');
  return { file, family, advance, fallback: advance.get(0x6f /* o */) ?? 0.6 };
}

function readFamilyName(buf: Buffer, nameTable: number | undefined): string | undefined {
  if (nameTable === undefined) return undefined;
  const count = buf.readUInt16BE(nameTable + 2);
  const strings = nameTable + buf.readUInt16BE(nameTable + 4);
  for (let i = 0; i < count; i++) {
    const rec = nameTable + 6 + i * 12;
    const platform = buf.readUInt16BE(rec);
    const nameId = buf.readUInt16BE(rec + 6);
    if (nameId !== 1) continue;
    const len = buf.readUInt16BE(rec + 8);
    const off = strings + buf.readUInt16BE(rec + 10);
    if (platform === 3 || platform === 0) {
      const chars: number[] = [];
      for (let j = 0; j + 1 < len; j += 2) chars.push(buf.readUInt16BE(off + j));
      return String.fromCharCode(...chars);
    }
    if (platform === 1) return buf.toString('latin1', off, off + len);
  }
  return undefined;
}

/** width of `text` in px at `fontSize`, measured with `face` (or estimated when there is none) */
export function measureText(text: string, fontSize: number, face: FaceMetrics | undefined): number {
  if (!face) return 0.6 * fontSize * [...text].length;
  let em = 0;
  for (const ch of text) em += face.advance.get(ch.codePointAt(0)!) ?? face.fallback;
  return em * fontSize;
}

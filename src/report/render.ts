/**
 * Vega-Lite → SVG and PNG, without a browser: vega-lite compiles the spec to Vega, a headless Vega
 * View (renderer 'none') lays it out and writes SVG, and resvg rasterises that SVG.
 */
import { Resvg, type ResvgRenderOptions } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { measureText, plotFont, type PlotFont } from './fonts.js';

export interface RenderedPlot {
  svg: string;
  png: Uint8Array;
  /** size of the SVG in CSS pixels; the PNG is `scale` times that */
  width: number;
  height: number;
}

export interface RenderOptions {
  /** PNG pixels per SVG pixel (default 2, sharp on high-DPI screens and in print) */
  scale?: number;
}

/** the font-family list written into plots: the font we render with first, then common fallbacks */
export function fontStack(font: PlotFont | null = plotFont()): string {
  const generic = 'Helvetica, Arial, sans-serif';
  return font ? `${font.family}, ${generic}` : `DejaVu Sans, ${generic}`;
}

interface TextItem {
  text?: unknown;
  fontSize?: number;
  fontWeight?: string | number;
}

/** Vega's text measurement, replaced by one that uses the font resvg will draw with. */
function installTextMetrics(font: PlotFont | null): void {
  const metrics = (vega as unknown as { textMetrics?: { width: (item: TextItem, text?: unknown) => number } }).textMetrics;
  if (!metrics) return;
  metrics.width = (item: TextItem, text?: unknown): number => {
    const value = text ?? item.text;
    if (value === null || value === undefined) return 0;
    const size = typeof item.fontSize === 'number' ? item.fontSize : 11;
    const w = item.fontWeight;
    const bold = w === 'bold' || w === 'bolder' || (typeof w === 'number' && w >= 600) || (typeof w === 'string' && Number(w) >= 600);
    const face = bold ? (font?.bold ?? font?.regular) : font?.regular;
    const widen = bold && font && !font.bold ? 1.08 : 1;
    const lines = Array.isArray(value) ? value.map(String) : [String(value)];
    return Math.max(0, ...lines.map((line) => measureText(line, size, face) * widen));
  };
}

function resvgOptions(font: PlotFont | null, scale: number): ResvgRenderOptions {
  const fontFiles = font ? [font.regular.file, ...(font.bold ? [font.bold.file] : [])] : [];
  return {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    shapeRendering: 2,
    textRendering: 1,
    logLevel: 'off',
    font: font
      ? { loadSystemFonts: false, fontFiles, defaultFontFamily: font.family, sansSerifFamily: font.family }
      : // nothing found by name: let resvg look for itself; if the machine has no font, text is simply not drawn
        { loadSystemFonts: process.env.MMX_PLOT_FONT !== 'none' },
  };
}

/** Compiles a Vega-Lite spec and renders it to SVG (1x) and PNG (`scale`x, default 2). */
export async function renderVegaLite(spec: TopLevelSpec, options: RenderOptions = {}): Promise<RenderedPlot> {
  const scale = options.scale ?? 2;
  const font = plotFont();
  installTextMetrics(font);
  const withFont = { ...spec, config: { font: fontStack(font), ...spec.config } } as TopLevelSpec;
  const warnings: string[] = [];
  const logger = {
    level: () => logger,
    error: (...args: readonly unknown[]) => {
      throw new Error(`vega-lite: ${args.map(String).join(' ')}`);
    },
    warn: (...args: readonly unknown[]) => (warnings.push(args.map(String).join(' ')), logger),
    info: () => logger,
    debug: () => logger,
  };
  const vgSpec = compile(withFont, { logger: logger as never }).spec;
  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none', logLevel: vega.Error });
  try {
    await view.runAsync();
    const svg = await view.toSVG();
    const size = /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
    const width = size ? Number(size[1]) : view.width();
    const height = size ? Number(size[2]) : view.height();
    const png = new Resvg(svg, resvgOptions(font, scale)).render().asPng();
    return { svg, png: new Uint8Array(png.buffer, png.byteOffset, png.byteLength), width, height };
  } finally {
    view.finalize();
  }
}

/**
 * Convolution (NHWC) on mmx's SIMD kernels (c/conv.c): forward with optional bias and relu, the filter gradient,
 * and the input gradient (stride 1: a forward convolution of dy with the flipped filter; otherwise the product
 * dy·Wᵀ scattered back). Callers own the output tensors; scratch is allocated and freed here.
 */
import type { ConvGradGeometry } from '../wasm-kernels/conv-geometry.js';
import { geometryInts, withInts, withScratch } from './call.js';
import { GEMM_RELU, type SimdKernels } from './module.js';

/** y = act(conv(x, w) + bias); `bias` 0 for none. Pointers are byte offsets on the backend's heap. */
export function simdConv2d(k: SimdKernels, g: ConvGradGeometry, x: number, w: number, bias: number, y: number, relu: boolean): void {
  withInts(k, geometryInts(g), (gp) =>
    withScratch(k, [k.fn.conv2d_scratch(gp)], ([scratch]) => k.fn.conv2d(gp, x, w, bias, y, scratch!, relu ? GEMM_RELU : 0)),
  );
}

/** dw = the filter gradient of conv(x, w) given dy. */
export function simdConv2dBackpropFilter(k: SimdKernels, g: ConvGradGeometry, x: number, dy: number, dw: number): void {
  withInts(k, geometryInts(g), (gp) =>
    withScratch(k, [k.fn.conv2d_scratch(gp)], ([scratch]) => k.fn.conv2d_backprop_filter(gp, x, dy, dw, scratch!)),
  );
}

/** Padding of the stride-1 forward convolution of dy that gives dx; undefined where it does not apply. */
export function transposedPadding(g: ConvGradGeometry): [number, number, number, number] | undefined {
  if (g.strideH !== 1 || g.strideW !== 1) return undefined;
  const eh = (g.fh - 1) * g.dilationH + 1;
  const ew = (g.fw - 1) * g.dilationW + 1;
  const p: [number, number, number, number] = [eh - 1 - g.padTop, eh - 1 - g.padBottom, ew - 1 - g.padLeft, ew - 1 - g.padRight];
  if (p.some((v) => v < 0)) return undefined;
  // With stride 1 this always gives back inH × inW; checked anyway so a mismatch can never write out of bounds.
  if (g.outH + p[0] + p[1] - eh + 1 !== g.inH || g.outW + p[2] + p[3] - ew + 1 !== g.inW) return undefined;
  return p;
}

/** dx = the input gradient of conv(x, w) given dy. */
export function simdConv2dBackpropInput(k: SimdKernels, g: ConvGradGeometry, dy: number, w: number, dx: number): void {
  const tpad = transposedPadding(g);
  // The forward convolution has g.inC output channels: under one SIMD vector (4 lanes) it wastes most of each
  // vector, and dy·Wᵀ scattered back is faster (a first layer, 1 to 3 channels: ~3x)
  if (tpad === undefined || g.inC < 4) {
    withInts(k, geometryInts(g), (gp) =>
      withScratch(k, [k.fn.conv2d_backprop_input_scratch(gp)], ([scratch]) => k.fn.conv2d_backprop_input(gp, dy, w, dx, scratch!)),
    );
    return;
  }
  // dx = conv(dy, W') with W'[i, j, co, ci] = W[fh−1−i, fw−1−j, ci, co], stride 1, the same dilations
  const t: ConvGradGeometry = {
    ...g,
    inH: g.outH,
    inW: g.outW,
    inC: g.outC,
    outH: g.inH,
    outW: g.inW,
    outC: g.inC,
    padTop: tpad[0],
    padBottom: tpad[1],
    padLeft: tpad[2],
    padRight: tpad[3],
    inShape: [g.batch, g.outH, g.outW, g.outC],
    filterShape: [g.fh, g.fw, g.outC, g.inC],
  };
  withScratch(k, [g.fh * g.fw * g.inC * g.outC], ([flipped]) => {
    k.fn.flip_filter(w, g.fh, g.fw, g.inC, g.outC, flipped!);
    simdConv2d(k, t, dy, flipped!, 0, dx, false);
  });
}

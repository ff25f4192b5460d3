/**
 * Shape validation and geometry for the Conv2D gradient kernels (`Conv2DBackpropFilter`, `Conv2DBackpropInput`),
 * NHWC: given the forward input shape, the filter shape and dy's shape (each either an input tensor's shape or an
 * attribute, depending on the kernel), checks them against each other and resolves the geometry with tfjs-core's
 * own `computeConv2DInfo`.
 */
import * as tf from '../../tf.js';
import { pair } from './heap.js';

/** Everything the loops need, resolved from shapes and attributes. */
export interface ConvGradGeometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  fh: number;
  fw: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
  /** The forward input's shape [batch, inH, inW, inC]. */
  inShape: [number, number, number, number];
  /** The filter's shape [fh, fw, inC, outC]. */
  filterShape: [number, number, number, number];
}

/** The attributes both kernels share. */
export interface ConvGradAttrsLike {
  strides?: number | number[];
  pad?: 'valid' | 'same' | number | number[][];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dilations?: number | number[];
}

/** A shape as the kernel receives it, with the name its messages use. */
export interface NamedShape {
  shape: readonly number[] | undefined;
  name: string;
  /** Set when the shape is an attribute that is required: a missing one is reported as such, not as a rank error. */
  requiredAttribute?: boolean;
}

export interface ConvGradShapes {
  /** The forward input, [batch, inH, inW, inC]. */
  input: NamedShape;
  /** The filter, [fh, fw, inC, outC]. */
  filter: NamedShape;
  /** The gradient of the forward output, [batch, outH, outW, outC]. */
  dy: readonly number[];
}

function shape4(kernel: string, s: NamedShape): [number, number, number, number] {
  if (s.shape === undefined && s.requiredAttribute === true) throw new Error(`${kernel}: attribute ${s.name} is missing`);
  const shape = s.shape ?? [];
  const [a, b, c, d] = shape;
  if (shape.length !== 4 || a === undefined || b === undefined || c === undefined || d === undefined) {
    throw new Error(`${kernel}: ${s.name} must be rank 4, got shape [${shape.join(', ')}]`);
  }
  return [a, b, c, d];
}

function positiveInts(kernel: string, values: readonly number[], what: string): void {
  for (const v of values) {
    if (!Number.isInteger(v) || v < 1) {
      throw new Error(`${kernel}: ${what} must be positive integers, got [${values.join(', ')}]`);
    }
  }
}

/** Validates shapes/attributes (NHWC) and resolves the geometry; `kernel` names the kernel in error messages. */
export function convGradGeometry(kernel: string, shapes: ConvGradShapes, attrs: ConvGradAttrsLike): ConvGradGeometry {
  const inShape = shape4(kernel, shapes.input);
  const dy4 = shape4(kernel, { shape: shapes.dy, name: 'dy' });
  const filterShape = shape4(kernel, shapes.filter);
  const inName = shapes.input.name;
  const filterName = shapes.filter.name;
  const strides = pair(attrs.strides, 1, `${kernel}: strides`);
  const dilations = pair(attrs.dilations, 1, `${kernel}: dilations`);
  positiveInts(kernel, strides, 'strides');
  positiveInts(kernel, dilations, 'dilations');
  positiveInts(kernel, filterShape, filterName);
  const pad = attrs.pad ?? 'valid';
  if (filterShape[2] !== inShape[3]) {
    throw new Error(
      `${kernel}: ${filterName} [${filterShape.join(', ')}] has ${filterShape[2]} input channels ` +
        `but ${inName} [${inShape.join(', ')}] has ${inShape[3]}`,
    );
  }
  const info = tf.backend_util.computeConv2DInfo(
    inShape,
    filterShape,
    strides,
    dilations,
    pad as Parameters<typeof tf.backend_util.computeConv2DInfo>[4],
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const expected = [info.batchSize, info.outHeight, info.outWidth, info.outChannels];
  if (expected.some((v, i) => v !== dy4[i])) {
    throw new Error(
      `${kernel}: dy has shape [${dy4.join(', ')}] but ${inName} [${inShape.join(', ')}] with filter ` +
        `[${filterShape.join(', ')}], strides [${strides.join(', ')}], pad ${JSON.stringify(pad)} gives [${expected.join(', ')}]`,
    );
  }
  return geometryOf(info);
}

/** The loops' geometry from tfjs-core's conv info (NHWC). */
export function geometryOf(info: tf.backend_util.Conv2DInfo): ConvGradGeometry {
  return {
    batch: info.batchSize,
    inH: info.inHeight,
    inW: info.inWidth,
    inC: info.inChannels,
    outH: info.outHeight,
    outW: info.outWidth,
    outC: info.outChannels,
    fh: info.filterHeight,
    fw: info.filterWidth,
    strideH: info.strideHeight,
    strideW: info.strideWidth,
    dilationH: info.dilationHeight,
    dilationW: info.dilationWidth,
    padTop: info.padInfo.top,
    padBottom: info.padInfo.bottom,
    padLeft: info.padInfo.left,
    padRight: info.padInfo.right,
    inShape: [info.batchSize, info.inHeight, info.inWidth, info.inChannels],
    filterShape: [info.filterHeight, info.filterWidth, info.inChannels, info.outChannels],
  };
}

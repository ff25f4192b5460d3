/** Pooling geometry (NHWC) for mmx's pooling kernels, from tfjs-core's computePool2DInfo. */
import * as tf from '../../tf.js';

export interface PoolAttrsLike {
  filterSize?: number | [number, number];
  strides?: number | [number, number];
  pad?: 'valid' | 'same' | number | number[][];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** tfjs-core's pool geometry for an NHWC input under a pooling kernel's attributes (checked). */
export function poolInfo(kernel: string, xShape: readonly number[], attrs: tf.NamedAttrMap | undefined): tf.backend_util.Conv2DInfo {
  const [n, h, w, c] = xShape;
  if (xShape.length !== 4 || n === undefined || h === undefined || w === undefined || c === undefined) {
    throw new Error(`${kernel}: input must be rank 4 (NHWC), got [${xShape.join(', ')}]`);
  }
  const a = (attrs ?? {}) as PoolAttrsLike;
  if (a.filterSize === undefined || a.strides === undefined || a.pad === undefined) {
    throw new Error(`${kernel}: attributes filterSize, strides and pad are required`);
  }
  return tf.backend_util.computePool2DInfo(
    [n, h, w, c],
    a.filterSize,
    a.strides,
    1,
    a.pad as Parameters<typeof tf.backend_util.computePool2DInfo>[4],
    a.dimRoundingMode,
  );
}

/** The 14 int32 values c/pool.c reads: the number of taps per side (filterHeight/Width), not the dilated extent. */
export function poolInts(info: tf.backend_util.Conv2DInfo): number[] {
  return [
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    info.padInfo.top,
    info.padInfo.left,
  ];
}

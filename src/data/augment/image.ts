/**
 * Random image augmentation for training batches (HWC, values in [0, 1]): horizontal/vertical flip, rotation,
 * shift and brightness, each drawn per example from the seeded generator. Geometry is one inverse affine map
 * sampled bilinearly; pixels that come from outside the image are 0.
 */
import type { BatchAugmenter } from '../modalities/modality.js';

export interface ImageAugmentation {
  flip: 'none' | 'horizontal' | 'vertical' | 'both';
  /** maximum rotation in degrees (uniform in ±rotation) */
  rotation: number;
  /** maximum shift as a fraction of height / width (uniform in ±shift) */
  shift: number;
  /** maximum brightness change added to every value (uniform in ±brightness), then clipped to [0, 1] */
  brightness: number;
}

export function isImageAugmentationActive(a: ImageAugmentation): boolean {
  return a.flip !== 'none' || a.rotation > 0 || a.shift > 0 || a.brightness > 0;
}

export function imageAugmenter(a: ImageAugmentation, shape: number[]): BatchAugmenter {
  const [h = 1, w = 1, c = 1] = shape;
  const size = h * w * c;
  const tmp = new Float32Array(size);
  return (batch, n, random) => {
    for (let e = 0; e < n; e++) {
      const img = batch.subarray(e * size, (e + 1) * size);
      const flipX = (a.flip === 'horizontal' || a.flip === 'both') && random() < 0.5;
      const flipY = (a.flip === 'vertical' || a.flip === 'both') && random() < 0.5;
      const angle = a.rotation > 0 ? ((random() * 2 - 1) * a.rotation * Math.PI) / 180 : 0;
      const dx = a.shift > 0 ? (random() * 2 - 1) * a.shift * w : 0;
      const dy = a.shift > 0 ? (random() * 2 - 1) * a.shift * h : 0;
      const delta = a.brightness > 0 ? (random() * 2 - 1) * a.brightness : 0;
      if (flipX || flipY || angle !== 0 || dx !== 0 || dy !== 0) {
        tmp.set(img);
        const cy = (h - 1) / 2;
        const cx = (w - 1) / 2;
        const cos = Math.cos(angle);
        const sin = Math.sin(angle);
        for (let y = 0; y < h; y++) {
          for (let x = 0; x < w; x++) {
            // output (x, y) ← source: undo shift, then rotation about the centre, then flips
            const ox = x - dx - cx;
            const oy = y - dy - cy;
            let sx = cos * ox + sin * oy + cx;
            let sy = -sin * ox + cos * oy + cy;
            if (flipX) sx = w - 1 - sx;
            if (flipY) sy = h - 1 - sy;
            const x0 = Math.floor(sx);
            const y0 = Math.floor(sy);
            const fx = sx - x0;
            const fy = sy - y0;
            for (let ch = 0; ch < c; ch++) {
              const at = (yy: number, xx: number): number => (yy < 0 || yy >= h || xx < 0 || xx >= w ? 0 : tmp[(yy * w + xx) * c + ch]!);
              const v =
                (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1)) + fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1));
              img[(y * w + x) * c + ch] = v;
            }
          }
        }
      }
      if (delta !== 0) for (let i = 0; i < size; i++) img[i] = Math.min(1, Math.max(0, img[i]! + delta));
    }
  };
}

/**
 * ResizeMix's resampling (plan kind 3) on the host: the partner's whole image resized to the box, as
 * PyTorch's `F.interpolate(size=(bh, bw), align_corners=False)` computes it without antialiasing
 * (`mode='bilinear'`, the default, or `'nearest'`), every step rounded to float32 as the WGSL kernel
 * (shaders/resize_paste.wgsl) rounds it. The CPU reference uses these per-axis taps; the GPU gets
 * the per-axis scales from {@link resizeScale} and derives the same taps itself.
 */
import type { ResizeMode } from './types.js';

const fround = Math.fround;

/**
 * `fround(n / o)`: PyTorch's float32 scale of an axis of `n` input pixels resized to `o` (its
 * `area_pixel_compute_scale` without align_corners). The double quotient rounded once more to float32
 * is the correctly rounded float32 quotient (a double has more than twice float32's precision).
 */
export function resizeScale(n: number, o: number): number {
  return fround(n / o);
}

/**
 * One axis of a resize: for destination index d in [0, o), the source taps `i0[d]`, `i1[d]` and
 * their weights `l0[d]`, `l1[d]` (nearest: `i0 = i1`, `l0 = 1`, `l1 = 0`, and the value is the tap
 * itself, not a weighted sum).
 */
export interface AxisTaps {
  i0: Int32Array;
  i1: Int32Array;
  l0: Float32Array;
  l1: Float32Array;
}

/**
 * The taps of an axis of `n` input pixels resized to `o` (o >= 1):
 * - bilinear: `src = max(fround(fround(scale · fround(d + 0.5)) − 0.5), 0)`, `i0 = ⌊src⌋`,
 *   `i1 = i0 + (i0 < n − 1 ? 1 : 0)`, `l1 = fround(src − i0)`, `l0 = fround(1 − l1)`;
 * - nearest: `i0 = min(⌊fround(d · scale)⌋, n − 1)`.
 */
export function axisTaps(n: number, o: number, mode: ResizeMode): AxisTaps {
  const scale = resizeScale(n, o);
  const taps: AxisTaps = {
    i0: new Int32Array(o),
    i1: new Int32Array(o),
    l0: new Float32Array(o).fill(1),
    l1: new Float32Array(o),
  };
  for (let d = 0; d < o; d++) {
    if (mode === 'nearest') {
      const i = Math.min(Math.floor(fround(d * scale)), n - 1);
      taps.i0[d] = i;
      taps.i1[d] = i;
      continue;
    }
    const src = Math.max(fround(fround(scale * fround(d + 0.5)) - 0.5), 0);
    const i0 = Math.floor(src);
    taps.i0[d] = i0;
    taps.i1[d] = i0 < n - 1 ? i0 + 1 : i0;
    taps.l1[d] = fround(src - i0);
    taps.l0[d] = fround(1 - taps.l1[d]);
  }
  return taps;
}

/**
 * The value at destination (dy, dx) of the resized image, from `pixel(y, x)` of the input (one
 * channel): nearest is the tap itself; bilinear is
 * `h0·(w0·p[y0][x0] + w1·p[y0][x1]) + h1·(w0·p[y1][x0] + w1·p[y1][x1])`, every product and sum
 * rounded to float32, in this order (PyTorch CUDA's `upsample_bilinear2d_out_frame`).
 */
export function resampled(
  rows: AxisTaps,
  cols: AxisTaps,
  mode: ResizeMode,
  dy: number,
  dx: number,
  pixel: (y: number, x: number) => number,
): number {
  const y0 = rows.i0[dy];
  const x0 = cols.i0[dx];
  if (mode === 'nearest') return pixel(y0, x0);
  const y1 = rows.i1[dy];
  const x1 = cols.i1[dx];
  const w0 = cols.l0[dx];
  const w1 = cols.l1[dx];
  const top = fround(fround(w0 * pixel(y0, x0)) + fround(w1 * pixel(y0, x1)));
  const bottom = fround(fround(w0 * pixel(y1, x0)) + fround(w1 * pixel(y1, x1)));
  return fround(fround(rows.l0[dy] * top) + fround(rows.l1[dy] * bottom));
}

// ResizeMix (plan kind 3) in the CPU reference. Expected values come from PyTorch's formulas for
// F.interpolate(size=(bh, bw), align_corners=False), worked by hand here, or from an independent
// implementation of those formulas written in this file (never from src/resize.ts).
import { describe, expect, it } from 'vitest';
import { mixBatchCpu, mixTargetsCpu } from '../../src/reference.js';
import type { BatchShape, MixPlan, ResizeMode } from '../../src/types.js';

const f = Math.fround;

/** Sample 0 is kind 3 with `box` (y0, y1, x0, x1) and partner 1; sample 1 is kind 0. */
function resizePlan(box: number[], lam: number, resize?: ResizeMode): MixPlan {
  const plan: MixPlan = {
    kind: Uint8Array.from([3, 0]),
    lam: Float32Array.from([lam, 1]),
    partner: Uint32Array.from([1, 1]),
    box: Int32Array.from([...box, 0, 0, 0, 0]),
  };
  if (resize) plan.resize = resize;
  return plan;
}

/**
 * A batch of two single-channel H x W images: sample 0 all `own`, sample 1 (the partner) holding
 * `partner(y, x)`.
 */
function batch(H: number, W: number, own: number, partner: (y: number, x: number) => number) {
  const data = new Float32Array(2 * H * W).fill(own);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data[H * W + y * W + x] = partner(y, x);
  const shape: BatchShape = { layout: 'NCHW', batch: 2, channels: 1, height: H, width: W };
  return { data, dtype: 'float32' as const, shape };
}

/** Rows [y0, y1) x columns [x0, x1) of sample 0 of an NCHW single-channel output. */
function boxOf(out: ArrayLike<number>, W: number, [y0, y1, x0, x1]: number[]): number[][] {
  const rows: number[][] = [];
  for (let y = y0; y < y1; y++) rows.push(Array.from({ length: x1 - x0 }, (_, k) => out[y * W + x0 + k]));
  return rows;
}

describe('ResizeMix in the CPU reference: hand-computed cases (p[y][x] = 10y + x)', () => {
  const linear = (y: number, x: number) => 10 * y + x;

  it('a 4x4 partner into a 2x2 box, bilinear: each output is the mean of a 2x2 block', () => {
    // scale = 4 / 2 = 2; src = 2 (d + 0.5) - 0.5 = 0.5, 2.5: taps (0, 1) and (2, 3), weights 1/2 each.
    const box = [1, 3, 2, 4];
    const out = mixBatchCpu(batch(4, 4, -1, linear), resizePlan(box, 0.75));
    expect(boxOf(out, 4, box)).toEqual([
      [5.5, 7.5],
      [25.5, 27.5],
    ]);
    // Outside the box: the sample's own pixels; the partner (kind 0) is a copy.
    expect(Array.from(out.subarray(0, 4))).toEqual([-1, -1, -1, -1]);
    expect(out[4 + 1]).toBe(-1);
    expect(Array.from(out.subarray(16))).toEqual(Array.from({ length: 16 }, (_, e) => linear(e >> 2, e & 3)));
  });

  it('a 4x6 partner into a 3x5 box at the bottom-left corner, bilinear', () => {
    // Rows 4 -> 3: scale 4/3, src = (4/3)(d + 1/2) - 1/2 = 1/6, 3/2, 17/6.
    // Columns 6 -> 5: scale 6/5, src = 0.1, 1.3, 2.5, 3.7, 4.9 (the last taps columns 4 and 5).
    // p is linear in y and x, so the bilinear value is 10 src_y + src_x (up to float32 rounding).
    const box = [1, 4, 0, 5];
    const out = mixBatchCpu(batch(4, 6, -1, linear), resizePlan(box, 1 - 15 / 24));
    const srcY = [1 / 6, 1.5, 17 / 6];
    const srcX = [0.1, 1.3, 2.5, 3.7, 4.9];
    const got = boxOf(out, 6, box);
    for (let dy = 0; dy < 3; dy++)
      for (let dx = 0; dx < 5; dx++) expect(got[dy][dx], `(${dy}, ${dx})`).toBeCloseTo(10 * srcY[dy] + srcX[dx], 5);
    expect(out[5]).toBe(-1); // column 5 of row 1 is outside the box
  });

  it('edges: a box the size of the image is the identity, a 5 -> 4 axis, a 1-pixel box', () => {
    // A box is never larger than the image (scale >= 1), so src = scale (d + 1/2) - 1/2 >= 0 and the
    // clamps at 0 and at n - 1 only act where scale = 1: then src = d, and the last tap's
    // neighbour is clamped with weight 0.
    const same = mixBatchCpu(batch(3, 3, 0, linear), resizePlan([0, 3, 0, 3], 0));
    expect(Array.from(same.subarray(0, 9))).toEqual([0, 1, 2, 10, 11, 12, 20, 21, 22]);
    // A 2x5 partner into a 2x4 box: columns 5 -> 4, scale 1.25, src = 0.125, 1.375, 2.625, 3.875.
    const out = mixBatchCpu(batch(2, 5, 0, linear), resizePlan([0, 2, 1, 5], 0.2));
    const got = boxOf(out, 5, [0, 2, 1, 5]);
    [0.125, 1.375, 2.625, 3.875].forEach((sx, dx) => {
      expect(got[0][dx]).toBeCloseTo(sx, 5);
      expect(got[1][dx]).toBeCloseTo(10 + sx, 5);
    });
    // A 1x1 box of a 2x1 partner: scale 2, src = 0.5: the mean of rows 0 and 1.
    const thin = mixBatchCpu(batch(2, 1, 0, linear), resizePlan([1, 2, 0, 1], 0.5));
    expect(thin[1]).toBe(5);
  });

  it('nearest: src = min(floor(d · scale), n − 1)', () => {
    // Rows 4 -> 3: floor(0, 4/3, 8/3) = 0, 1, 2. Columns 6 -> 5: floor(0, 1.2, 2.4, 3.6, 4.8) = 0..4.
    const box = [0, 3, 1, 6];
    const out = mixBatchCpu(batch(4, 6, -1, linear), resizePlan(box, 1 - 15 / 24, 'nearest'));
    expect(boxOf(out, 6, box)).toEqual([
      [0, 1, 2, 3, 4],
      [10, 11, 12, 13, 14],
      [20, 21, 22, 23, 24],
    ]);
    // 4 -> 2: scale 2, floor(0, 2) = 0, 2 (bilinear would average).
    const two = mixBatchCpu(batch(4, 4, -1, linear), resizePlan([0, 2, 0, 2], 0.75, 'nearest'));
    expect(boxOf(two, 4, [0, 2, 0, 2])).toEqual([
      [0, 2],
      [20, 22],
    ]);
  });

  it('an empty box pastes nothing (bh or bw 0)', () => {
    for (const box of [
      [2, 2, 0, 4],
      [0, 4, 3, 3],
    ]) {
      const out = mixBatchCpu(batch(4, 4, -1, linear), resizePlan(box, 1));
      expect(Array.from(out.subarray(0, 16))).toEqual(new Array(16).fill(-1));
    }
  });
});

describe('ResizeMix in the CPU reference: layouts, dtypes, normalisation', () => {
  it('NHWC resizes each channel on its own, like NCHW', () => {
    // Channel c of the partner holds 100c + 10y + x; 4x4 into the 2x2 box [0,2) x [0,2).
    const H = 4;
    const W = 4;
    const C = 3;
    const nchw = new Float32Array(2 * C * H * W);
    const nhwc = new Float32Array(2 * C * H * W);
    for (let c = 0; c < C; c++)
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) {
          nchw[C * H * W + (c * H + y) * W + x] = 100 * c + 10 * y + x;
          nhwc[C * H * W + (y * W + x) * C + c] = 100 * c + 10 * y + x;
        }
    const plan = resizePlan([0, 2, 0, 2], 0.75);
    const a = mixBatchCpu(
      { data: nchw, dtype: 'float32', shape: { layout: 'NCHW', batch: 2, channels: C, height: H, width: W } },
      plan,
    );
    const b = mixBatchCpu(
      { data: nhwc, dtype: 'float32', shape: { layout: 'NHWC', batch: 2, channels: C, height: H, width: W } },
      plan,
    );
    for (let c = 0; c < C; c++) {
      // (0,0) is the mean of rows 0-1, columns 0-1: 100c + 5.5; (1,1) of rows 2-3, columns 2-3: 100c + 27.5.
      expect(a[(c * H + 0) * W + 0]).toBe(100 * c + 5.5);
      expect(b[(0 * W + 0) * C + c]).toBe(100 * c + 5.5);
      expect(a[(c * H + 1) * W + 1]).toBe(100 * c + 27.5);
      expect(b[(1 * W + 1) * C + c]).toBe(100 * c + 27.5);
      expect(a[(c * H + 3) * W + 3]).toBe(0); // outside: own (zeros)
    }
  });

  it('uint8 output rounds the resampled value half to even', () => {
    // Partner 10y + x + 1: block means 6.5, 8.5, 26.5, 28.5 round to 6, 8, 26, 28 (to even).
    const H = 4;
    const data = new Uint8Array(2 * H * H);
    for (let e = 0; e < H * H; e++) data[H * H + e] = 10 * (e >> 2) + (e & 3) + 1;
    const shape: BatchShape = { layout: 'NCHW', batch: 2, channels: 1, height: H, width: H };
    const out = mixBatchCpu({ data, dtype: 'uint8', shape }, resizePlan([0, 2, 0, 2], 0.75));
    expect(out).toBeInstanceOf(Uint8Array);
    expect(boxOf(out, 4, [0, 2, 0, 2])).toEqual([
      [6, 8],
      [26, 28],
    ]);
  });

  it('normalisation applies after the resample: (mean / 255 − m) / s of the resampled bytes', () => {
    const H = 4;
    const data = new Uint8Array(2 * H * H);
    for (let e = 0; e < H * H; e++) data[H * H + e] = 10 * (e >> 2) + (e & 3) + 1;
    const shape: BatchShape = { layout: 'NCHW', batch: 2, channels: 1, height: H, width: H };
    const out = mixBatchCpu({ data, dtype: 'uint8', shape }, resizePlan([0, 2, 0, 2], 0.75), {
      normalize: { mean: [0.5], std: [0.25] },
    });
    // 6.5 (not rounded: normalised values are float) -> (6.5 / 255 - 0.5) / 0.25.
    expect(out[0]).toBeCloseTo((6.5 / 255 - 0.5) / 0.25, 5);
    expect(out[5]).toBeCloseTo((28.5 / 255 - 0.5) / 0.25, 5);
    expect(out[15]).toBeCloseTo(-2, 5); // own pixel 0
  });

  it('targets of kind 3 blend with lam like every other kind', () => {
    const plan = resizePlan([0, 2, 0, 2], 0.75);
    const t = mixTargetsCpu({ data: Int32Array.from([0, 1]), dtype: 'int32' }, plan, {
      numClasses: 2,
      labelSmoothing: 0,
    });
    expect(Array.from(t)).toEqual([0.75, 0.25, 0, 1]);
    const soft = mixTargetsCpu({ data: Float32Array.from([1, 0, 0, 1]), dtype: 'float32' }, plan, { numClasses: 2 });
    expect(Array.from(soft)).toEqual([0.75, 0.25, 0, 1]);
  });
});

// An independent implementation of PyTorch's CUDA upsample_bilinear2d_out_frame / nearest for one
// channel, float32 at every step, written from the formulas (DESIGN-11.md), for random images.
function torchResize(p: Float32Array, n: number, m: number, oh: number, ow: number, mode: ResizeMode): number[] {
  const sy = f(n / oh);
  const sx = f(m / ow);
  const at = (y: number, x: number) => p[y * m + x];
  const out: number[] = [];
  for (let dy = 0; dy < oh; dy++) {
    for (let dx = 0; dx < ow; dx++) {
      if (mode === 'nearest') {
        out.push(at(Math.min(Math.floor(f(dy * sy)), n - 1), Math.min(Math.floor(f(dx * sx)), m - 1)));
        continue;
      }
      const hr = Math.max(f(f(sy * f(dy + 0.5)) - 0.5), 0);
      const h1 = Math.floor(hr);
      const h1p = h1 < n - 1 ? 1 : 0;
      const h1l = f(hr - h1);
      const h0l = f(1 - h1l);
      const wr = Math.max(f(f(sx * f(dx + 0.5)) - 0.5), 0);
      const w1 = Math.floor(wr);
      const w1p = w1 < m - 1 ? 1 : 0;
      const w1l = f(wr - w1);
      const w0l = f(1 - w1l);
      const top = f(f(w0l * at(h1, w1)) + f(w1l * at(h1, w1 + w1p)));
      const bottom = f(f(w0l * at(h1 + h1p, w1)) + f(w1l * at(h1 + h1p, w1 + w1p)));
      out.push(f(f(h0l * top) + f(h1l * bottom)));
    }
  }
  return out;
}

describe('ResizeMix in the CPU reference: random images against the formulas', () => {
  it('every box of a 5x7 image, both modes, bit for bit', () => {
    const H = 5;
    const W = 7;
    let seed = 12345;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const partner = Float32Array.from({ length: H * W }, () => f(rand() * 8 - 4));
    const input = batch(H, W, 0, (y, x) => partner[y * W + x]);
    let checked = 0;
    for (const mode of ['bilinear', 'nearest'] as const)
      for (let y0 = 0; y0 < H; y0++)
        for (let y1 = y0 + 1; y1 <= H; y1++)
          for (let x0 = 0; x0 < W; x0 += 2)
            for (let x1 = x0 + 1; x1 <= W; x1++) {
              const box = [y0, y1, x0, x1];
              const out = mixBatchCpu(input, resizePlan(box, 0.5, mode));
              expect(boxOf(out, W, box).flat(), `${mode} ${box}`).toEqual(
                torchResize(partner, H, W, y1 - y0, x1 - x0, mode),
              );
              checked++;
            }
    expect(checked).toBeGreaterThan(300);
  });
});

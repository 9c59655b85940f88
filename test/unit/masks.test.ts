// Masks of the user's own (issue 11.3) on the CPU: bit packing by hand-computed words, the exact
// lam from formulas written here, the plans maskPlan / withMasks build (and what they reject,
// leaving the plan as it was), the CPU reference's kind 4 on hand-computed pixels, and two mask
// families built on the API: GridMix's grid (bits, a cell a mask pixel) and SmoothMix's Gaussian (soft).
import { describe, expect, it } from 'vitest';
import type { CheckContext, CheckedCall } from '../../src/gpu/checks.js';
import { possibleKernels } from '../../src/gpu/layout.js';
import { maskLam, maskPlan, packBits, withMasks } from '../../src/masks.js';
import type { UserMasks } from '../../src/masks.js';
import { emptyPlan, validatePlan } from '../../src/plan.js';
import { resolveOptions } from '../../src/options.js';
import { mixBatchCpu } from '../../src/reference.js';
import { checkShape } from '../../src/shape.js';
import type { ImageBatchShape } from '../../src/types.js';

const fround = Math.fround;

describe('packBits', () => {
  it('packs pixel p of mask m into bit p & 31 of word m·⌈hw/32⌉ + (p >> 5)', () => {
    // 2 x 3: pixels 0, 2, 3, 4 set -> 1 + 4 + 8 + 16.
    expect(Array.from(packBits([1, 0, 1, 1, 1, 0], 2, 3))).toEqual([29]);
    // Booleans work the same.
    expect(Array.from(packBits([true, false, true, true, true, false], 2, 3))).toEqual([29]);
    // 33 pixels: a full word and one bit of the next.
    expect(Array.from(packBits(new Array(33).fill(1), 3, 11))).toEqual([0xffffffff, 1]);
    // Two masks of 5 pixels, a word each: pixels 0, 1, 4 -> 19; pixel 4 -> 16.
    expect(Array.from(packBits([1, 1, 0, 0, 1, 0, 0, 0, 0, 1], 1, 5))).toEqual([19, 16]);
    // Bit 31 is the top bit of an unsigned word.
    const last = new Array(32).fill(0);
    last[31] = 1;
    expect(Array.from(packBits(last, 4, 8))).toEqual([0x80000000]);
    // Two masks of 40 pixels: two words each, the second mask starting at word 2.
    const two = new Array(80).fill(0);
    two[39] = 1; // mask 0, pixel 39: word 1, bit 7
    two[40 + 32] = 1; // mask 1, pixel 32: word 3, bit 0
    expect(Array.from(packBits(two, 5, 8))).toEqual([0, 128, 0, 1]);
  });

  it('rejects values that are not 0 / 1 and lengths that are not whole masks', () => {
    expect(() => packBits([1, 0, 2, 1], 2, 2)).toThrow(/values\[2\] must be 0, 1, false or true, got 2/);
    expect(() => packBits([1, 0, 0.5, 1], 2, 2)).toThrow(/values\[2\] must be 0, 1, false or true, got 0\.5/);
    expect(() => packBits([1, 0, 1, 1, 1, 0, 1], 2, 3)).toThrow(
      /values must be a whole number \(>= 1\) of masks of 2 x 3 = 6 pixels, got 7 values/,
    );
    expect(() => packBits([], 2, 3)).toThrow(/values must be a whole number/);
    expect(() => packBits([1], 0, 1)).toThrow(/height must be an integer >= 1, got 0/);
  });
});

describe('maskLam: the mask mean over the image pixels', () => {
  const size = { height: 5, width: 5 };
  it('full resolution bits: own pixels / H·W', () => {
    const m = { format: 'bits', height: 2, width: 3, data: packBits([1, 0, 1, 1, 1, 0], 2, 3) } as const;
    expect(maskLam(m, 0, { height: 2, width: 3 })).toBe(4 / 6);
  });

  it('a 2 x 2 mask on 5 x 5 images: rows and columns 0-2 use mask row / column 0, 3-4 use 1', () => {
    // ⌊y·2/5⌋ for y = 0..4 is 0, 0, 0, 1, 1: mask pixel (0, 0) covers 3 x 3 image pixels, (0, 1) 3 x 2, (1, 1) 2 x 2.
    const bits = (v: number[]) => ({ format: 'bits', height: 2, width: 2, data: packBits(v, 2, 2) }) as const;
    expect(maskLam(bits([1, 0, 0, 0]), 0, size)).toBe(9 / 25);
    expect(maskLam(bits([0, 1, 1, 1]), 0, size)).toBe(16 / 25);
    expect(maskLam(bits([0, 0, 0, 1]), 0, size)).toBe(4 / 25);
    const soft = { format: 'soft', height: 2, width: 2, data: Float32Array.of(0.5, 0.25, 1, 0) } as const;
    expect(maskLam(soft, 0, size)).toBe((0.5 * 9 + 0.25 * 6 + 1 * 6 + 0 * 4) / 25);
    // A 1 x 1 mask is the whole image.
    expect(maskLam({ format: 'bits', height: 1, width: 1, data: Uint32Array.of(1) }, 0, size)).toBe(1);
  });

  it('reads mask m, not mask 0', () => {
    const m = { format: 'bits', height: 1, width: 2, data: packBits([1, 1, 0, 1, 0, 0], 1, 2) } as const;
    expect([0, 1, 2].map((i) => maskLam(m, i, { height: 3, width: 4 }))).toEqual([1, 0.5, 0]);
  });
});

describe('maskPlan and withMasks', () => {
  const size = { height: 4, width: 4 };
  const soft = (values: number[]): UserMasks => ({
    format: 'soft',
    height: 2,
    width: 2,
    data: Float32Array.from(values),
  });

  it('per-sample masks: kind 4 and the exact lam; a sample paired with itself passes through', () => {
    // 2 x 2 masks on 4 x 4 images: each mask pixel covers 2 x 2 image pixels, so lam is the plain mean.
    const plan = maskPlan([1, 0, 2], soft([1, 0, 0, 0, 0.5, 0.5, 1, 0, 0.2, 0.2, 0.2, 0.2]), size);
    expect(Array.from(plan.kind)).toEqual([4, 4, 0]);
    expect(Array.from(plan.lam)).toEqual([0.25, fround(0.5), 1]);
    expect(Array.from(plan.partner)).toEqual([1, 0, 2]);
    expect(plan.masks?.count).toBe(3);
    expect(Array.from(plan.masks!.index)).toEqual([0, 1, 2]);
    expect(() => validatePlan(plan, 3, size)).not.toThrow();
  });

  it('one mask for the batch, or masks shared by an explicit index', () => {
    const batch = maskPlan([3, 2, 1, 0], soft([1, 1, 1, 0]), size);
    expect(Array.from(batch.masks!.index)).toEqual([0, 0, 0, 0]);
    expect(Array.from(batch.lam)).toEqual([0.75, 0.75, 0.75, 0.75]);
    const shared = maskPlan([3, 2, 1, 0], { ...soft([1, 1, 1, 0, 0, 0, 0, 1]), index: [1, 0, 0, 1] }, size);
    expect(Array.from(shared.lam)).toEqual([0.25, 0.75, 0.75, 0.25]);
    expect(() => maskPlan([3, 2, 1, 0], soft([1, 1, 1, 0, 0, 0, 0, 1]), size)).toThrow(
      /masks\.index must be the mask of each sample \(given 2 masks: neither 1, a per-batch mask, nor 4, one per sample\)/,
    );
  });

  it('withMasks changes only the chosen samples', () => {
    const plan = emptyPlan(3);
    plan.partner.set([1, 2, 0]);
    plan.kind.set([1, 1, 1]);
    plan.lam.set([0.3, 0.3, 0.3]);
    const out = withMasks(plan, soft([0, 0, 0, 1]), size, [1]);
    expect(out).toBe(plan);
    expect(Array.from(plan.kind)).toEqual([1, 4, 1]);
    expect(Array.from(plan.lam)).toEqual([fround(0.3), 0.25, fround(0.3)]);
  });

  it('rejects bad masks, naming the field, and leaves the plan as it was', () => {
    const plan = emptyPlan(2);
    plan.partner.set([1, 0]);
    const before = JSON.stringify([Array.from(plan.kind), Array.from(plan.lam)]);
    const bad: [UserMasks, RegExp][] = [
      [
        { ...soft([0, 0, 0, 1]), data: new Float32Array(3) },
        /masks\.data must be a Float32Array of whole masks of 4 weights/,
      ],
      [soft([0, 0, 1.5, 1]), /masks\.data\[2\] must be a weight in \[0, 1\], got 1\.5/],
      [soft([0, Number.NaN, 1, 1]), /masks\.data\[1\] must be a weight in \[0, 1\], got NaN/],
      [{ ...soft([0, 0, 0, 1]), height: 5 }, /masks\.height must be an integer in \[1, 4\], got 5/],
      [{ ...soft([0, 0, 0, 1]), format: 'bits' }, /masks\.data must be a Uint32Array of whole masks of 1 words/],
      [{ ...soft([0, 0, 0, 1]), index: [0, 1] }, /masks\.index\[1\] must be a mask in \[0, 0\], got 1/],
      [{ ...soft([0, 0, 0, 1]), format: 'grey' as 'soft' }, /masks\.format must be 'bits' or 'soft', got "grey"/],
    ];
    for (const [masks, message] of bad) {
      expect(() => withMasks(plan, masks, size)).toThrow(message);
      expect(JSON.stringify([Array.from(plan.kind), Array.from(plan.lam)])).toBe(before);
      expect(plan.masks).toBeUndefined();
    }
    // Good masks, a bad plan: rejected by the plan check, after the kinds were worked out.
    plan.partner[1] = 5;
    expect(() => withMasks(plan, soft([0, 0, 0, 1]), size)).toThrow(
      /plan\.partner\[1\] must be an integer in \[0, 1\], got 5/,
    );
    expect(JSON.stringify([Array.from(plan.kind), Array.from(plan.lam)])).toBe(before);
    expect(plan.masks).toBeUndefined();
    expect(() => withMasks(plan, soft([0, 0, 0, 1]), size, [2])).toThrow(
      /samples\[0\] must be a sample index in \[0, 1\], got 2/,
    );
    expect(() => maskPlan([1, 2], soft([0, 0, 0, 1]), size)).toThrow(
      /partner\[1\] must be a sample index in \[0, 1\], got 2/,
    );
  });
});

describe('the CPU reference executes kind 4', () => {
  const nchw: ImageBatchShape = { layout: 'NCHW', batch: 2, channels: 1, height: 2, width: 2 };

  it('bits: 1 keeps the sample, 0 takes the partner (NCHW, per-sample masks)', () => {
    const plan = maskPlan(
      [1, 0],
      { format: 'bits', height: 2, width: 2, data: packBits([1, 0, 0, 1, 0, 0, 1, 1], 2, 2) },
      nchw,
    );
    const data = Float32Array.of(1, 2, 3, 4, 10, 20, 30, 40);
    const out = mixBatchCpu({ data, dtype: 'float32', shape: nchw }, plan);
    expect(Array.from(out)).toEqual([1, 20, 30, 4, 1, 2, 30, 40]);
  });

  it('mask rows are `width` pixels apart (a 2 x 3 mask, row-major)', () => {
    const shape: ImageBatchShape = { layout: 'NCHW', batch: 2, channels: 1, height: 2, width: 3 };
    const bits = packBits([1, 0, 1, 0, 1, 1, 0, 0, 0, 1, 1, 1], 2, 3);
    const plan = maskPlan([1, 0], { format: 'bits', height: 2, width: 3, data: bits }, shape);
    const data = Float32Array.of(1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 60);
    const out = mixBatchCpu({ data, dtype: 'float32', shape }, plan);
    expect(Array.from(out)).toEqual([1, 20, 3, 40, 5, 6, 1, 2, 3, 40, 50, 60]);
  });

  it('a lower resolution maps by integer nearest, every channel alike (NHWC)', () => {
    // 1 x 2 mask on 2 x 2 images, 2 channels: column x uses mask column x, own on the left.
    const shape: ImageBatchShape = { layout: 'NHWC', batch: 2, channels: 2, height: 2, width: 2 };
    const plan = maskPlan([1, 0], { format: 'bits', height: 1, width: 2, data: packBits([1, 0], 1, 2) }, shape);
    const data = Float32Array.from({ length: 16 }, (_, i) => (i < 8 ? i : 100 + i - 8));
    const out = mixBatchCpu({ data, dtype: 'float32', shape }, plan);
    expect(Array.from(out.subarray(0, 8))).toEqual([0, 1, 102, 103, 4, 5, 106, 107]);
    expect(Array.from(out.subarray(8))).toEqual([100, 101, 2, 3, 104, 105, 6, 7]);
  });

  it("soft: the mixup blend's rounding with the weight in place of lam", () => {
    const w = [0.3, 0.7, 0.1, 1];
    const plan = maskPlan([1, 0], { format: 'soft', height: 2, width: 2, data: Float32Array.from(w) }, nchw);
    const data = Float32Array.of(1, 2, 3, 4, 10, 20, 30, 40);
    const out = mixBatchCpu({ data, dtype: 'float32', shape: nchw }, plan);
    const blend = (a: number, b: number, v: number) =>
      fround(fround(a * fround(v)) + fround(b * fround(1 - fround(v))));
    expect(Array.from(out)).toEqual([
      blend(1, 10, w[0]),
      blend(2, 20, w[1]),
      blend(3, 30, w[2]),
      blend(4, 40, w[3]),
      blend(10, 1, w[0]),
      blend(20, 2, w[1]),
      blend(30, 3, w[2]),
      blend(40, 4, w[3]),
    ]);
  });

  it('uint8: the blend on 0..255, then rounding half to even', () => {
    const plan = maskPlan([1, 0], { format: 'soft', height: 1, width: 2, data: Float32Array.of(0.5, 0.25) }, nchw);
    const data = Uint8Array.of(100, 100, 100, 100, 201, 201, 201, 201);
    const out = mixBatchCpu({ data, dtype: 'uint8', shape: nchw }, plan);
    // 0.5·100 + 0.5·201 = 150.5 -> 150 (even); 0.25·100 + 0.75·201 = 175.75 -> 176; and the partner's
    // side: 0.25·201 + 0.75·100 = 125.25 -> 125.
    expect(Array.from(out)).toEqual([150, 176, 150, 176, 150, 125, 150, 125]);
  });
});

describe('mask families built on the API', () => {
  it("GridMix's grid: a bits mask with a pixel per cell, on an image the grid does not divide", () => {
    // 3 x 3 cells on 10 x 10 images (cells of 4, 3, 3 rows and columns), a checkerboard of own cells.
    const H = 10;
    const W = 10;
    const cells = Array.from({ length: 9 }, (_, p) => (Math.floor(p / 3) + (p % 3)) % 2);
    const plan = maskPlan(
      [1, 0],
      { format: 'bits', height: 3, width: 3, data: packBits(cells, 3, 3) },
      { height: H, width: W },
    );
    // The definition, pixel by pixel: image pixel (y, x) is in cell (⌊3y / 10⌋, ⌊3x / 10⌋).
    let own = 0;
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) own += cells[Math.floor((3 * y) / H) * 3 + Math.floor((3 * x) / W)];
    // Own cells (0, 1), (1, 0), (1, 2), (2, 1) of the 4, 3, 3 split: 4·3 + 3·4 + 3·3 + 3·3 pixels.
    expect(own).toBe(42);
    expect(Array.from(plan.lam)).toEqual([fround(own / 100), fround(own / 100)]);
    const shape: ImageBatchShape = { layout: 'NCHW', batch: 2, channels: 1, height: H, width: W };
    const data = Float32Array.from({ length: 200 }, (_, i) => (i < 100 ? 1 : 2));
    const out = mixBatchCpu({ data, dtype: 'float32', shape }, plan);
    // Sample 0 keeps its 1s in own cells and takes its partner's 2s elsewhere.
    expect(out.subarray(0, 100).filter((v) => v === 1).length).toBe(own);
  });

  it("SmoothMix's Gaussian: a soft mask, lam its float32 weights' mean", () => {
    const H = 8;
    const W = 8;
    const sigma = 2;
    // SmoothMix pastes the partner under a Gaussian centred at (3, 5): the sample's own weight is 1 − G.
    const data = Float32Array.from({ length: H * W }, (_, p) => {
      const dy = Math.floor(p / W) - 3;
      const dx = (p % W) - 5;
      return 1 - Math.exp(-(dy * dy + dx * dx) / (2 * sigma * sigma));
    });
    const plan = maskPlan([1, 0], { format: 'soft', height: H, width: W, data }, { height: H, width: W });
    let sum = 0;
    for (const v of data) sum += v;
    expect(plan.lam[0]).toBe(fround(sum / 64));
    expect(plan.lam[0]).toBeGreaterThan(0.5); // most of the image stays the sample's own
    expect(plan.masks!.data[3 * W + 5]).toBe(0); // the centre is all partner
    const shape: ImageBatchShape = { layout: 'NCHW', batch: 2, channels: 1, height: H, width: W };
    const pixels = Float32Array.from({ length: 128 }, (_, i) => (i < 64 ? 0 : 1));
    const out = mixBatchCpu({ data: pixels, dtype: 'float32', shape }, plan);
    // Own 0, partner 1: the output is the partner's weight fround(1 · fround(1 − w)) (+ fround(0 · w)).
    expect(Array.from(out.subarray(0, 64))).toEqual(Array.from(data, (w) => fround(1 - w)));
  });
});

describe("prepare()'s kernels for plans the options can draw", () => {
  // The hook for the FMix planner option (issue 11.2): with fmixAlpha > 0 plans can hold bit masks,
  // so prepare() without a plan must compile the mask variants too; otherwise none.
  const ctx = {
    device: { limits: { maxComputeWorkgroupsPerDimension: 65535 } },
    options: resolveOptions({}),
    maxBindingBytes: 1 << 27,
    alignment: 256,
  } as unknown as CheckContext;
  const call = (layout: 'NCHW' | 'rows') =>
    ({
      geometry: checkShape(
        'shape',
        layout === 'rows' ? { layout, batch: 8, features: 12 } : { layout, batch: 8, channels: 3, height: 4, width: 8 },
      ),
      inDtype: 'uint8',
      outDtype: 'uint8',
      normalize: null,
      inPlace: false,
      labels: null,
      dense: [],
      numClasses: 10,
    }) as unknown as CheckedCall;
  const masksOf = (layout: 'NCHW' | 'rows', options: object) =>
    possibleKernels(ctx, call(layout), { ...resolveOptions({ mixupAlpha: 1, cutmixAlpha: 1 }), ...options }).map(
      (k) => k.variant.mask,
    );

  it('bits variants when fmixAlpha > 0, for images only', () => {
    expect(new Set(masksOf('NCHW', { fmixAlpha: 1 }))).toEqual(new Set([null, 'bits']));
    expect(masksOf('NCHW', { fmixAlpha: 1 }).length).toBe(2 * masksOf('NCHW', {}).length);
    expect(new Set(masksOf('NCHW', {}))).toEqual(new Set([null]));
    expect(new Set(masksOf('rows', { fmixAlpha: 1, cutmixAlpha: 0 }))).toEqual(new Set([null]));
  });
});

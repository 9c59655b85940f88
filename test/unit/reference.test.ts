import { describe, expect, it } from 'vitest';
import { MixupError } from '../../src/errors.js';
import { f16BitsToF32, f32ToF16Bits } from '../../src/f16.js';
import { createPlanner } from '../../src/plan.js';
import { mixBatchCpu, mixTargetsCpu, normalizeCoefficients, smoothingValues } from '../../src/reference.js';
import type { CpuBatch, CpuLabels } from '../../src/reference.js';
import type { BatchShape, MixPlan, Normalize } from '../../src/types.js';

const f = Math.fround;

/** A plan written by hand: one entry per sample, `box` 4 per sample (y0, y1, x0, x1), zeros by default. */
function makePlan(kind: number[], lam: number[], partner: number[], box?: number[]): MixPlan {
  return {
    kind: Uint8Array.from(kind),
    lam: Float32Array.from(lam),
    partner: Uint32Array.from(partner),
    box: Int32Array.from(box ?? new Array<number>(4 * kind.length).fill(0)),
  };
}

const range = (start: number, count: number) => Array.from({ length: count }, (_, i) => start + i);

// The image batch used throughout: B = 2, C = 2, H = 2, W = 3 (12 elements per sample);
// sample 0 holds 0..11 and sample 1 holds 100..111, in memory order.
const NCHW: BatchShape = { layout: 'NCHW', batch: 2, channels: 2, height: 2, width: 3 };
const NHWC: BatchShape = { layout: 'NHWC', batch: 2, channels: 2, height: 2, width: 3 };
const IMAGE = [...range(0, 12), ...range(100, 12)];
const f32Image = (shape: BatchShape): CpuBatch => ({ data: Float32Array.from(IMAGE), dtype: 'float32', shape });
const u8Image = (shape: BatchShape): CpuBatch => ({ data: Uint8Array.from(IMAGE), dtype: 'uint8', shape });
const rows = (batch: number, features: number): BatchShape => ({ layout: 'rows', batch, features });

/** Runs `fn` and returns the MixupError it throws (failing if it throws nothing or something else). */
function mixupError(fn: () => unknown): MixupError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MixupError);
    return e as MixupError;
  }
  throw new Error('expected a MixupError, nothing was thrown');
}

describe('mixBatchCpu: float32, NCHW', () => {
  it('kind 0 copies every sample into a new array', () => {
    const input = f32Image(NCHW);
    const out = mixBatchCpu(input, makePlan([0, 0], [1, 1], [1, 0]));
    expect(out).toBeInstanceOf(Float32Array);
    expect(out).not.toBe(input.data);
    expect(Array.from(out)).toEqual(IMAGE);
  });

  it('kind 1 blends each element with the partner', () => {
    // sample 0: 0.25 * e + 0.75 * (100 + e) = 75 + e; sample 1: 0.5 * (100 + e) + 0.5 * e = 50 + e.
    const out = mixBatchCpu(f32Image(NCHW), makePlan([1, 1], [0.25, 0.5], [1, 0]));
    expect(Array.from(out)).toEqual([
      75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61,
    ]);
  });

  it('kind 1 with λ = 0 gives the partner and with λ = 1 the sample itself', () => {
    const out = mixBatchCpu(f32Image(NCHW), makePlan([1, 1], [0, 1], [1, 0]));
    expect(Array.from(out)).toEqual([...range(100, 12), ...range(100, 12)]);
    const out2 = mixBatchCpu(f32Image(NCHW), makePlan([1, 1], [1, 0], [1, 0]));
    expect(Array.from(out2)).toEqual([...range(0, 12), ...range(0, 12)]);
  });

  it('kind 2 pastes boxes touching every border (top/right for sample 0, bottom/left for sample 1)', () => {
    // Element e = c*6 + y*3 + x. Sample 0: box y in [0,1), x in [1,3) -> e = 1, 2, 7, 8 from sample 1.
    // Sample 1: box y in [1,2), x in [0,1) -> e = 3, 9 from sample 0.
    const plan = makePlan([2, 2], [1 - 2 / 6, 1 - 1 / 6], [1, 0], [0, 1, 1, 3, 1, 2, 0, 1]);
    const out = mixBatchCpu(f32Image(NCHW), plan);
    expect(Array.from(out)).toEqual([
      0, 101, 102, 3, 4, 5, 6, 107, 108, 9, 10, 11, 100, 101, 102, 3, 104, 105, 106, 107, 108, 9, 110, 111,
    ]);
  });

  it('kind 2 with a one-column box at the right edge: x is the fast index, y the slow one', () => {
    // Box y in [0,2), x in [2,3): e = 2, 5, 8, 11 in NCHW.
    const plan = makePlan([2, 0], [f(2 / 3), 1], [1, 1], [0, 2, 2, 3, 0, 0, 0, 0]);
    const out = mixBatchCpu(f32Image(NCHW), plan);
    expect(Array.from(out.subarray(0, 12))).toEqual([0, 1, 102, 3, 4, 105, 6, 7, 108, 9, 10, 111]);
    expect(Array.from(out.subarray(12))).toEqual(range(100, 12));
  });

  it('kind 2 with a zero-area box changes nothing; with the whole image it takes the partner', () => {
    const plan = makePlan([2, 2], [1, 0], [1, 0], [1, 1, 0, 3, 0, 2, 0, 3]);
    const out = mixBatchCpu(f32Image(NCHW), plan);
    expect(Array.from(out)).toEqual([...range(0, 12), ...range(0, 12)]);
    const plan2 = makePlan([2, 2], [1, 1], [1, 0], [0, 2, 2, 2, 0, 0, 0, 0]);
    expect(Array.from(mixBatchCpu(f32Image(NCHW), plan2))).toEqual(IMAGE);
  });

  it('kind 2 ignores λ for the pixels', () => {
    const plan = makePlan([2, 2], [0.123, 0.987], [1, 0], [0, 1, 1, 3, 1, 2, 0, 1]);
    const plan2 = makePlan([2, 2], [1 - 2 / 6, 1 - 1 / 6], [1, 0], [0, 1, 1, 3, 1, 2, 0, 1]);
    expect(mixBatchCpu(f32Image(NCHW), plan)).toEqual(mixBatchCpu(f32Image(NCHW), plan2));
  });
});

describe('mixBatchCpu: NHWC', () => {
  it('kind 2 pastes by pixel with the channel fastest', () => {
    // Element e = (y*3 + x)*2 + c. Sample 0: pixels (0,1), (0,2) -> e = 2..5; sample 1: pixel (1,0) -> e = 6, 7.
    const plan = makePlan([2, 2], [1 - 2 / 6, 1 - 1 / 6], [1, 0], [0, 1, 1, 3, 1, 2, 0, 1]);
    const out = mixBatchCpu(f32Image(NHWC), plan);
    expect(Array.from(out)).toEqual([
      0, 1, 102, 103, 104, 105, 6, 7, 8, 9, 10, 11, 100, 101, 102, 103, 104, 105, 6, 7, 108, 109, 110, 111,
    ]);
  });

  it('kind 2 with a one-column box at the right edge', () => {
    // Box y in [0,2), x in [2,3): pixels (0,2) = 2 and (1,2) = 5 -> e = 4, 5, 10, 11.
    const plan = makePlan([0, 2], [1, f(2 / 3)], [0, 0], [0, 0, 0, 0, 0, 2, 2, 3]);
    const out = mixBatchCpu(f32Image(NHWC), plan);
    expect(Array.from(out)).toEqual([...range(0, 12), 100, 101, 102, 103, 4, 5, 106, 107, 108, 109, 10, 11]);
  });

  it('kind 1 blends elementwise as in NCHW, kind 0 copies', () => {
    const out = mixBatchCpu(f32Image(NHWC), makePlan([1, 0], [0.25, 1], [1, 1]));
    expect(Array.from(out)).toEqual([
      75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111,
    ]);
  });

  it('uint8 kind 2 is an exact copy of the partner pixels', () => {
    const data = Uint8Array.from([...range(0, 12), ...range(240, 12)]);
    const plan = makePlan([2, 2], [1 - 2 / 6, 1 - 1 / 6], [1, 0], [0, 1, 1, 3, 1, 2, 0, 1]);
    const out = mixBatchCpu({ data, dtype: 'uint8', shape: NHWC }, plan);
    expect(out).toBeInstanceOf(Uint8Array);
    expect(Array.from(out)).toEqual([
      0, 1, 242, 243, 244, 245, 6, 7, 8, 9, 10, 11, 240, 241, 242, 243, 244, 245, 6, 7, 248, 249, 250, 251,
    ]);
  });
});

describe('mixBatchCpu: rows', () => {
  it('odd batch with a self-partner: kind 1, kind 0, kind 1', () => {
    // s0 = [0,2,4,6], s1 = [1,3,5,7], s2 = [8,10,12,14]; partners 2, 1 (itself), 0.
    const data = Float32Array.from([0, 2, 4, 6, 1, 3, 5, 7, 8, 10, 12, 14]);
    const out = mixBatchCpu(
      { data, dtype: 'float32', shape: rows(3, 4) },
      makePlan([1, 0, 1], [0.5, 1, 0.25], [2, 1, 0]),
    );
    // out0 = 0.5*s0 + 0.5*s2; out1 = s1; out2 = 0.25*s2 + 0.75*s0.
    expect(Array.from(out)).toEqual([4, 6, 8, 10, 1, 3, 5, 7, 2, 4, 6, 8]);
  });

  it('rounds to float32 after each product and the sum (not once at the end)', () => {
    // a = fround(0.1), b = fround(0.2), λ = fround(0.7): fround(fround(a λ) + fround(b fround(1 − λ)))
    // = 0.12999999523162842, whereas rounding a*λ + b*(1 − λ) once would give 0.1300000101327896.
    const data = Float32Array.from([0.1, 0.2]);
    const out = mixBatchCpu({ data, dtype: 'float32', shape: rows(2, 1) }, makePlan([1, 0], [0.7, 1], [1, 1]));
    expect(out[0]).toBe(0.12999999523162842);
    expect(out[1]).toBe(f(0.2));
  });

  it('mixup of a sample with itself follows the formula too (it is not always the sample)', () => {
    // a = b = fround(0.1), λ = fround(0.1): 0.09999999403953552, one ulp below a.
    const data = Float32Array.from([0.1]);
    const out = mixBatchCpu({ data, dtype: 'float32', shape: rows(1, 1) }, makePlan([1], [0.1], [0]));
    expect(out[0]).toBe(0.09999999403953552);
    expect(out[0]).not.toBe(f(0.1));
  });

  it('rejects CutMix entries: rows have no boxes', () => {
    const data = new Float32Array(8);
    const e = mixupError(() =>
      mixBatchCpu({ data, dtype: 'float32', shape: rows(2, 4) }, makePlan([2, 2], [0.5, 0.5], [1, 0])),
    );
    expect(e.message).toMatch(/plan\.kind\[0\]/);
  });
});

describe('mixBatchCpu: uint8', () => {
  it('rounds ties to even: 3.5 -> 4, 5.5 -> 6, 2.5 -> 2, 0.5 -> 0, 1.5 -> 2, 254.5 -> 254', () => {
    const data = Uint8Array.from([3, 5, 2, 0, 1, 254, 255, 4, 6, 3, 1, 2, 255, 255]);
    const out = mixBatchCpu({ data, dtype: 'uint8', shape: rows(2, 7) }, makePlan([1, 1], [0.5, 0.5], [1, 0]));
    expect(out).toBeInstanceOf(Uint8Array);
    expect(Array.from(out)).toEqual([4, 6, 2, 0, 2, 254, 255, 4, 6, 2, 0, 2, 254, 255]);
  });

  it('rounds the float32 result: 0 and 5 at λ = 0.3 give exactly 3.5, stored as 4', () => {
    // fround(0 * λ) + fround(5 * fround(0.7)) = 3.5 in float32 (3.4999999 in float64, which would give 3).
    // 0 and 15 at λ = 0.3 give 10.5 -> 10; 0 and 255 at λ = 0.3 give fround(255 * fround(0.7)) = 178.5 -> 178.
    const data = Uint8Array.from([0, 0, 0, 5, 15, 255]);
    const out = mixBatchCpu({ data, dtype: 'uint8', shape: rows(2, 3) }, makePlan([1, 0], [0.3, 1], [1, 1]));
    expect(Array.from(out)).toEqual([4, 10, 178, 5, 15, 255]);
  });

  it('uint8 to float32 keeps the unrounded blend', () => {
    const data = Uint8Array.from([3, 5, 2, 4, 6, 3]);
    const out = mixBatchCpu({ data, dtype: 'uint8', shape: rows(2, 3) }, makePlan([1, 0], [0.5, 1], [1, 1]), {
      outDtype: 'float32',
    });
    expect(out).toBeInstanceOf(Float32Array);
    expect(Array.from(out)).toEqual([3.5, 5.5, 2.5, 4, 6, 3]);
  });

  it('uint8 to float16 stores binary16 bits', () => {
    const data = Uint8Array.from([3, 5, 2, 4, 6, 3]);
    const out = mixBatchCpu({ data, dtype: 'uint8', shape: rows(2, 3) }, makePlan([1, 0], [0.5, 1], [1, 1]), {
      outDtype: 'float16',
    });
    expect(out).toBeInstanceOf(Uint16Array);
    // 3.5 = 0x4300, 5.5 = 0x4580, 2.5 = 0x4100, 4 = 0x4400, 6 = 0x4600, 3 = 0x4200.
    expect(Array.from(out)).toEqual([0x4300, 0x4580, 0x4100, 0x4400, 0x4600, 0x4200]);
  });

  it('uint8 NCHW kind 1 with λ = 0 and λ = 1 and kind 0', () => {
    const out = mixBatchCpu(u8Image(NCHW), makePlan([1, 1], [0, 1], [1, 0]));
    expect(Array.from(out)).toEqual([...range(100, 12), ...range(100, 12)]);
    const out2 = mixBatchCpu(u8Image(NCHW), makePlan([0, 0], [1, 1], [0, 1]));
    expect(Array.from(out2)).toEqual(IMAGE);
  });
});

describe('mixBatchCpu: float16', () => {
  // Binary16 bits: 1 = 0x3c00, 3 = 0x4200, 1 + 2^-10 = 0x3c01, 1 + 2^-9 = 0x3c02, -1 = 0xbc00, 2 = 0x4000.
  const data = Uint16Array.from([0x3c00, 0x3c00, 0x3c01, 0xbc00, 0x4200, 0x3c01, 0x3c02, 0x3c00]);
  const plan = makePlan([1, 1], [0.5, 0.5], [1, 0]);

  it('float16 to float16 rounds the blend to nearest even', () => {
    // 0.5*1 + 0.5*3 = 2; 0.5*1 + 0.5*(1+2^-10) = 1 + 2^-11, a tie -> 0x3c00;
    // 0.5*(1+2^-10) + 0.5*(1+2^-9) = 1 + 3*2^-11, a tie -> 0x3c02; 0.5*-1 + 0.5*1 = +0.
    const out = mixBatchCpu({ data, dtype: 'float16', shape: rows(2, 4) }, plan);
    expect(out).toBeInstanceOf(Uint16Array);
    expect(Array.from(out)).toEqual([0x4000, 0x3c00, 0x3c02, 0x0000, 0x4000, 0x3c00, 0x3c02, 0x0000]);
  });

  it('float16 to float32 keeps the float32 blend', () => {
    const out = mixBatchCpu({ data, dtype: 'float16', shape: rows(2, 4) }, plan, { outDtype: 'float32' });
    expect(Array.from(out)).toEqual([2, 1.00048828125, 1.00146484375, 0, 2, 1.00048828125, 1.00146484375, 0]);
  });

  it('float16 to uint8 rounds half to even and clamps', () => {
    // 2.5 = 0x4100, 300 = 0x5cb0, -3 = 0xc200, 254.5 = 0x5bf4, 0.5 = 0x3800.
    const bits = Uint16Array.from([0x4100, 0x5cb0, 0xc200, 0x5bf4, 0x3800]);
    expect(Array.from(bits, f16BitsToF32)).toEqual([2.5, 300, -3, 254.5, 0.5]);
    const out = mixBatchCpu({ data: bits, dtype: 'float16', shape: rows(1, 5) }, makePlan([0], [1], [0]), {
      outDtype: 'uint8',
    });
    expect(out).toBeInstanceOf(Uint8Array);
    expect(Array.from(out)).toEqual([2, 255, 0, 254, 0]);
  });

  it('float16 NCHW CutMix copies bits exactly, including -0 and infinities', () => {
    const bits = Uint16Array.from([
      0x8000, 0x7c00, 0xfc00, 0x3555, 0x0001, 0x7bff, 0x03ff, 0x0400, 0xc000, 0x2e66, 0x1234, 0xabcd, 0x3c00, 0x3c01,
      0x3c02, 0x3c03, 0x3c04, 0x3c05, 0x3c06, 0x3c07, 0x3c08, 0x3c09, 0x3c0a, 0x3c0b,
    ]);
    const cut = makePlan([2, 2], [1 - 2 / 6, 1 - 1 / 6], [1, 0], [0, 1, 1, 3, 1, 2, 0, 1]);
    const out = mixBatchCpu({ data: bits, dtype: 'float16', shape: NCHW }, cut);
    expect(Array.from(out)).toEqual([
      0x8000, 0x3c01, 0x3c02, 0x3555, 0x0001, 0x7bff, 0x03ff, 0x3c07, 0x3c08, 0x2e66, 0x1234, 0xabcd, 0x3c00, 0x3c01,
      0x3c02, 0x3555, 0x3c04, 0x3c05, 0x3c06, 0x3c07, 0x3c08, 0x2e66, 0x3c0a, 0x3c0b,
    ]);
  });

  it('float16 NHWC mixup with λ = 0 and λ = 1', () => {
    const bits = Uint16Array.from([...range(0x3c00, 12), ...range(0x4400, 12)]);
    const out = mixBatchCpu({ data: bits, dtype: 'float16', shape: NHWC }, makePlan([1, 1], [1, 0], [1, 0]));
    expect(Array.from(out)).toEqual([...range(0x3c00, 12), ...range(0x3c00, 12)]);
  });
});

describe('mixBatchCpu: float32 to other outputs', () => {
  it('float32 to uint8 rounds half to even and clamps to [0, 255] (NaN stores 0)', () => {
    const data = Float32Array.from([-1.5, 0.5, 1.5, 2.5, 254.5, 255.5, 1000, NaN, -Infinity, Infinity, 7.49, 7.51]);
    const out = mixBatchCpu({ data, dtype: 'float32', shape: rows(1, 12) }, makePlan([0], [1], [0]), {
      outDtype: 'uint8',
    });
    expect(Array.from(out)).toEqual([0, 0, 2, 2, 254, 255, 255, 0, 0, 255, 7, 8]);
  });

  it('float32 to float16 rounds to nearest even and overflows to infinity', () => {
    const data = Float32Array.from([1 + 2 ** -11, 1 + 3 * 2 ** -11, 70000, -70000, 65504, 2 ** -25, 0.1]);
    const out = mixBatchCpu({ data, dtype: 'float32', shape: rows(1, 7) }, makePlan([0], [1], [0]), {
      outDtype: 'float16',
    });
    expect(Array.from(out)).toEqual([0x3c00, 0x3c02, 0x7c00, 0xfc00, 0x7bff, 0x0000, 0x2e66]);
  });
});

describe('mixBatchCpu: normalisation', () => {
  const norm: Normalize = { mean: [0.485, 0.456], std: [0.229, 0.224] };
  const scale = [f(1 / (255 * 0.229)), f(1 / (255 * 0.224))];
  const bias = [f(-0.485 / 0.229), f(-0.456 / 0.224)];
  const normalized = (m: number, c: number) => f(f(m * scale[c]) + bias[c]);

  it('normalizeCoefficients gives the float32 scale and bias, each rounded once', () => {
    const { scale: s, bias: b } = normalizeCoefficients(norm, 2);
    expect(s).toBeInstanceOf(Float32Array);
    expect(Array.from(s)).toEqual(scale);
    expect(Array.from(b)).toEqual(bias);
    // One-entry lists apply to every channel.
    const one = normalizeCoefficients({ mean: [0.5], std: [0.25] }, 3);
    expect(Array.from(one.scale)).toEqual([f(1 / 63.75), f(1 / 63.75), f(1 / 63.75)]);
    expect(Array.from(one.bias)).toEqual([-2, -2, -2]);
  });

  it('NCHW uint8 mixup then per-channel normalisation, float32 by default', () => {
    // Sample 0 mixes 0..11 with 100..111 at λ = 0.5: m = 50 + e; channel 0 is e < 6.
    const out = mixBatchCpu(u8Image(NCHW), makePlan([1, 0], [0.5, 1], [1, 1]), { normalize: norm });
    expect(out).toBeInstanceOf(Float32Array);
    const want = [
      ...range(0, 12).map((e) => normalized(50 + e, e < 6 ? 0 : 1)),
      ...range(0, 12).map((e) => normalized(100 + e, e < 6 ? 0 : 1)),
    ];
    expect(Array.from(out)).toEqual(want);
    // And it is (x / 255 - mean) / std up to float32 rounding.
    for (let e = 0; e < 12; e++) {
      const c = e < 6 ? 0 : 1;
      expect(out[e]).toBeCloseTo(((50 + e) / 255 - norm.mean[c]) / norm.std[c], 5);
    }
  });

  it('normalises the unrounded blend (3.5 stays 3.5 before scaling)', () => {
    const data = Uint8Array.from([3, 4]);
    const n: Normalize = { mean: [0.5], std: [0.5] };
    const out = mixBatchCpu({ data, dtype: 'uint8', shape: rows(2, 1) }, makePlan([1, 1], [0.5, 0.5], [1, 0]), {
      normalize: n,
    });
    const want = f(f(3.5 * f(1 / 127.5)) + -1);
    expect(Array.from(out)).toEqual([want, want]);
  });

  it('NHWC uses channel = e mod C; CutMix then normalisation', () => {
    const plan = makePlan([2, 0], [1 - 2 / 6, 1], [1, 1], [0, 1, 1, 3, 0, 0, 0, 0]);
    const out = mixBatchCpu(u8Image(NHWC), plan, { normalize: norm });
    const mixed = [0, 1, 102, 103, 104, 105, 6, 7, 8, 9, 10, 11, ...range(100, 12)];
    expect(Array.from(out)).toEqual(mixed.map((m, j) => normalized(m, j % 2)));
  });

  it('one-entry mean and std broadcast to all channels; float16 output allowed', () => {
    const n: Normalize = { mean: [0.5], std: [0.25] };
    const out = mixBatchCpu(u8Image(NCHW), makePlan([0, 0], [1, 1], [0, 1]), { normalize: n, outDtype: 'float16' });
    expect(out).toBeInstanceOf(Uint16Array);
    const s = f(1 / 63.75);
    // scale = fround(1 / 63.75), bias = -2 for every channel; then rounded to binary16.
    expect(Array.from(out)).toEqual(IMAGE.map((m) => f32ToF16Bits(f(f(m * s) - 2))));
    expect(out[0]).toBe(0xc000); // 0 -> -2
    const vals = Array.from(out, f16BitsToF32);
    for (let j = 0; j < 24; j++) expect(vals[j]).toBeCloseTo((IMAGE[j] / 255 - 0.5) / 0.25, 2);
  });

  it('rows normalise with channel 0', () => {
    const data = Uint8Array.from([0, 255, 51, 102]);
    const n: Normalize = { mean: [0.2], std: [0.4] };
    const out = mixBatchCpu({ data, dtype: 'uint8', shape: rows(2, 2) }, makePlan([0, 0], [1, 1], [0, 1]), {
      normalize: n,
    });
    const s = f(1 / (255 * 0.4));
    const b = f(-0.2 / 0.4);
    expect(Array.from(out)).toEqual([0, 255, 51, 102].map((m) => f(f(m * s) + b)));
    expect(out[1]).toBeCloseTo(2, 6);
  });
});

describe('smoothingValues', () => {
  it('K = 4, ε = 0.1: on 0.925, off 0.025, as float32', () => {
    const { on, off } = smoothingValues(4, 0.1);
    expect(on).toBe(f(0.925));
    expect(off).toBe(f(0.025));
    expect(on).toBe(f(1 - 0.1 + 0.1 / 4));
  });

  it('ε = 0 gives a plain one-hot; K = 1 gives on = 1', () => {
    expect(smoothingValues(10, 0)).toEqual({ on: 1, off: 0 });
    expect(smoothingValues(1, 0.3)).toEqual({ on: 1, off: f(0.3) });
  });

  it.each([
    [() => smoothingValues(0, 0.1), /numClasses/],
    [() => smoothingValues(2.5, 0.1), /numClasses/],
    [() => smoothingValues(4, -0.1), /labelSmoothing/],
    [() => smoothingValues(4, 1.5), /labelSmoothing/],
    [() => smoothingValues(4, NaN), /labelSmoothing/],
  ])('rejects bad arguments %#', (fn, re) => {
    expect(mixupError(fn).message).toMatch(re);
  });
});

describe('mixTargetsCpu', () => {
  const mix = (a: number, b: number, lam: number) => f(f(a * f(lam)) + f(b * f(1 - f(lam))));

  it('one-hot with ε = 0: hand-computed values', () => {
    // Labels 0, 2, 1; sample 0 mixes with 1 at λ 0.25, sample 1 with 0 at λ 0.5, sample 2 unchanged.
    const labels: CpuLabels = { data: Int32Array.from([0, 2, 1]), dtype: 'int32' };
    const out = mixTargetsCpu(labels, makePlan([1, 2, 0], [0.25, 0.5, 1], [1, 0, 2]), {
      numClasses: 3,
      labelSmoothing: 0,
    });
    expect(out).toBeInstanceOf(Float32Array);
    expect(Array.from(out)).toEqual([0.25, 0, 0.75, 0.5, 0, 0.5, 0, 1, 0]);
  });

  it('label smoothing K = 4, ε = 0.1 (on 0.925, off 0.025) mixed with λ', () => {
    const { on, off } = { on: f(0.925), off: f(0.025) };
    const labels: CpuLabels = { data: Uint32Array.from([0, 3, 1]), dtype: 'uint32' };
    // Odd batch: 0 <-> 1 at λ 0.7 and 0.3; sample 2 is its own partner, kind 0.
    const plan = makePlan([1, 1, 0], [0.7, 0.3, 1], [1, 0, 2]);
    const out = mixTargetsCpu(labels, plan, { numClasses: 4, labelSmoothing: 0.1 });
    expect(Array.from(out)).toEqual([
      mix(on, off, 0.7),
      mix(off, off, 0.7),
      mix(off, off, 0.7),
      mix(off, on, 0.7),
      mix(off, on, 0.3),
      mix(off, off, 0.3),
      mix(off, off, 0.3),
      mix(on, off, 0.3),
      off,
      on,
      off,
      off,
    ]);
    // 0.7 * 0.925 + 0.3 * 0.025 = 0.655; 0.7 * 0.025 + 0.3 * 0.925 = 0.295.
    expect(out[0]).toBeCloseTo(0.655, 6);
    expect(out[1]).toBeCloseTo(0.025, 6);
    expect(out[3]).toBeCloseTo(0.295, 6);
    // Sample 1 (class 3) at λ 0.3 with sample 0 (class 0): 0.3*0.025 + 0.7*0.925 = 0.655 on class 0.
    expect(out[4]).toBeCloseTo(0.655, 6);
    expect(out[7]).toBeCloseTo(0.295, 6);
    const sums = [0, 1, 2].map((i) => out[4 * i] + out[4 * i + 1] + out[4 * i + 2] + out[4 * i + 3]);
    for (const s of sums) expect(s).toBeCloseTo(1, 6);
  });

  it("labelSmoothing defaults to 0.1, timm's and the mixer's default; a mixer's options fit as they are", () => {
    const labels: CpuLabels = { data: Int32Array.from([1, 3]), dtype: 'int32' };
    const plan = makePlan([0, 0], [1, 1], [1, 0]);
    // timm: off = ε / K, on = 1 - ε + ε / K, with ε = 0.1 and K = 4.
    const on = f(1 - 0.1 + 0.1 / 4);
    const off = f(0.1 / 4);
    expect(Array.from(mixTargetsCpu(labels, plan, { numClasses: 4 }))).toEqual([off, on, off, off, off, off, off, on]);
    const planner = createPlanner({ numClasses: 4 });
    expect(planner.options.labelSmoothing).toBe(0.1);
    expect(mixTargetsCpu(labels, plan, planner.options)).toEqual(mixTargetsCpu(labels, plan, { numClasses: 4 }));
    const eps03 = createPlanner({ numClasses: 4, labelSmoothing: 0.3 }).options;
    expect(mixTargetsCpu(labels, plan, eps03)[1]).toBe(f(1 - 0.3 + 0.3 / 4));
  });

  it('λ = 0 gives the partner target and λ = 1 the own one', () => {
    const labels: CpuLabels = { data: Int32Array.from([1, 0]), dtype: 'int32' };
    const out = mixTargetsCpu(labels, makePlan([1, 1], [0, 1], [1, 0]), { numClasses: 2, labelSmoothing: 0.2 });
    // on = 0.9, off = 0.1; sample 0 takes sample 1's target (class 0), sample 1 keeps its own (class 0).
    expect(Array.from(out)).toEqual([f(0.9), f(0.1), f(0.9), f(0.1)]);
  });

  it('float32 soft / multi-hot targets are mixed as they are, never smoothed', () => {
    const data = Float32Array.from([1, 0, 1, 0, 0.2, 0.3, 0.5, 0]);
    const labels: CpuLabels = { data, dtype: 'float32' };
    const out = mixTargetsCpu(labels, makePlan([1, 0], [0.75, 1], [1, 1]), { numClasses: 4, labelSmoothing: 0.1 });
    expect(Array.from(out)).toEqual([
      mix(1, 0.2, 0.75),
      mix(0, 0.3, 0.75),
      mix(1, 0.5, 0.75),
      0,
      f(0.2),
      f(0.3),
      0.5,
      0,
    ]);
    expect(out[0]).toBeCloseTo(0.8, 6);
    expect(out[2]).toBeCloseTo(0.875, 6);
  });

  it('kind 0 with λ 1 returns the own soft target exactly', () => {
    const data = Float32Array.from([0.1, 0.7, 0.2, 0.3, 0.3, 0.4]);
    const out = mixTargetsCpu({ data, dtype: 'float32' }, makePlan([0, 0], [1, 1], [1, 0]), { numClasses: 3 });
    expect(out).toEqual(data);
    expect(out).not.toBe(data);
  });

  it.each([
    ['int32 id -1', { data: Int32Array.from([0, -1]), dtype: 'int32' }, /labels\.data\[1\].*got -1/],
    ['int32 id K', { data: Int32Array.from([4, 0]), dtype: 'int32' }, /labels\.data\[0\].*\[0, 3\].*got 4/],
    ['uint32 id K', { data: Uint32Array.from([0, 4]), dtype: 'uint32' }, /labels\.data\[1\]/],
    ['too few ids', { data: Int32Array.from([0]), dtype: 'int32' }, /labels\.data.*length 2/],
    [
      'soft targets of length B',
      { data: Float32Array.from([0, 1]), dtype: 'float32' },
      /labels\.data must be of length 8 \(batch 2 x 4 classes\), got Float32Array\(2\): one value per sample, did you mean int32 class ids/,
    ],
    [
      'soft targets of another width',
      { data: new Float32Array(6), dtype: 'float32' },
      /labels\.data must be of length 8 \(batch 2 x 4 classes\), got Float32Array\(6\)$/,
    ],
    ['array type not matching dtype', { data: Float32Array.from([0, 1]), dtype: 'int32' }, /labels\.data.*Int32Array/],
    ['unknown dtype', { data: Int32Array.from([0, 1]), dtype: 'int64' }, /labels\.dtype.*"int64"/],
    ['plain array', { data: [0, 1], dtype: 'int32' }, /labels\.data/],
    [
      'the typed array itself',
      Int32Array.from([0, 1]),
      /labels must be \{ data, dtype \} \(the typed array goes in its data field.*got Int32Array\(2\)/,
    ],
  ])('rejects labels: %s', (_name, labels, re) => {
    const plan = makePlan([1, 1], [0.5, 0.5], [1, 0]);
    expect(mixupError(() => mixTargetsCpu(labels as unknown as CpuLabels, plan, { numClasses: 4 })).message).toMatch(
      re,
    );
  });

  it.each([
    ['numClasses 0', { numClasses: 0 }, /options\.numClasses/],
    ['numClasses 2.5', { numClasses: 2.5 }, /options\.numClasses/],
    ['numClasses missing', {}, /options\.numClasses/],
    ['labelSmoothing -0.1', { numClasses: 4, labelSmoothing: -0.1 }, /options\.labelSmoothing/],
    ['labelSmoothing 2', { numClasses: 4, labelSmoothing: 2 }, /options\.labelSmoothing/],
    ['labelSmoothing NaN', { numClasses: 4, labelSmoothing: NaN }, /options\.labelSmoothing/],
    ['no options', undefined, /options must be an object/],
  ])('rejects options: %s', (_name, options, re) => {
    const labels: CpuLabels = { data: Int32Array.from([0, 1]), dtype: 'int32' };
    const plan = makePlan([1, 1], [0.5, 0.5], [1, 0]);
    expect(mixupError(() => mixTargetsCpu(labels, plan, options as never)).message).toMatch(re);
  });

  it.each([
    ['partner out of range', makePlan([1, 1], [0.5, 0.5], [2, 0]), /plan\.partner\[0\]/],
    ['λ above 1', makePlan([1, 1], [1.5, 0.5], [1, 0]), /plan\.lam\[0\]/],
    ['kind 5', makePlan([1, 5], [0.5, 0.5], [1, 0]), /plan\.kind\[1\]/],
    ['short lam', { ...makePlan([1, 1], [0.5, 0.5], [1, 0]), lam: new Float32Array(1) }, /plan\.lam/],
    ['empty plan', makePlan([], [], []), /plan\.kind/],
    ['not a plan', null as unknown as MixPlan, /plan/],
  ])('rejects plans: %s', (_name, plan, re) => {
    const labels: CpuLabels = { data: Int32Array.from([0, 1]), dtype: 'int32' };
    expect(mixupError(() => mixTargetsCpu(labels, plan, { numClasses: 4 })).message).toMatch(re);
  });

  it('accepts CutMix entries (labels have no boxes) and uses λ', () => {
    const labels: CpuLabels = { data: Int32Array.from([0, 1]), dtype: 'int32' };
    const out = mixTargetsCpu(labels, makePlan([2, 2], [0.75, 0.25], [1, 0], [0, 1, 0, 1, 5, 9, 0, 0]), {
      numClasses: 2,
      labelSmoothing: 0,
    });
    expect(Array.from(out)).toEqual([0.75, 0.25, 0.75, 0.25]);
  });

  it('the B from the plan must match the labels', () => {
    const labels: CpuLabels = { data: Int32Array.from([0, 1, 1]), dtype: 'int32' };
    expect(
      mixupError(() => mixTargetsCpu(labels, makePlan([1, 1], [0.5, 0.5], [1, 0]), { numClasses: 4 })).message,
    ).toMatch(/labels\.data.*length 2.*got Int32Array\(3\)/);
  });
});

describe('mixBatchCpu: rejected inputs', () => {
  const plan2 = () => makePlan([1, 1], [0.5, 0.5], [1, 0]);
  const good = (): CpuBatch => f32Image(NCHW);

  it.each([
    ['input not an object', null, /input must be an object/],
    [
      'the typed array itself',
      new Float32Array(24),
      /input must be \{ data, dtype, shape \} \(the typed array goes in its data field.*got Float32Array\(24\)/,
    ],
    ['unknown dtype', { ...good(), dtype: 'int8' }, /input\.dtype.*"int8"/],
    ['Float32Array labelled uint8', { ...good(), dtype: 'uint8' }, /input\.data.*Uint8Array/],
    [
      'Uint8Array labelled float16',
      { data: new Uint8Array(24), dtype: 'float16', shape: NCHW },
      /input\.data.*Uint16Array/,
    ],
    ['plain array', { data: IMAGE, dtype: 'float32', shape: NCHW }, /input\.data.*Float32Array/],
    [
      'data too short',
      { data: new Float32Array(23), dtype: 'float32', shape: NCHW },
      /input\.data.*length 24.*got Float32Array\(23\)/,
    ],
    ['data too long', { data: new Float32Array(25), dtype: 'float32', shape: NCHW }, /input\.data.*length 24/],
    [
      'no shape',
      { data: new Float32Array(24), dtype: 'float32' },
      /input\.shape must be a BatchShape: \{ layout: 'NCHW' \| 'NHWC', batch, channels, height, width \} or \{ layout: 'rows', batch, features \}, got undefined/,
    ],
    ['unknown layout', { ...good(), shape: { ...NCHW, layout: 'CHW' } }, /input\.shape\.layout.*"CHW"/],
    ['batch 0', { ...good(), shape: { ...NCHW, batch: 0 } }, /input\.shape\.batch/],
    ['channels 1.5', { ...good(), shape: { ...NCHW, channels: 1.5 } }, /input\.shape\.channels.*got 1\.5/],
    ['height -1', { ...good(), shape: { ...NCHW, height: -1 } }, /input\.shape\.height/],
    ['width NaN', { ...good(), shape: { ...NCHW, width: NaN } }, /input\.shape\.width/],
    [
      'features 0',
      { data: new Float32Array(0), dtype: 'float32', shape: { layout: 'rows', batch: 2, features: 0 } },
      /input\.shape\.features/,
    ],
    [
      'features missing',
      { data: new Float32Array(2), dtype: 'float32', shape: { layout: 'rows', batch: 2 } },
      /input\.shape\.features/,
    ],
  ])('rejects input: %s', (_name, input, re) => {
    expect(mixupError(() => mixBatchCpu(input as unknown as CpuBatch, plan2())).message).toMatch(re);
  });

  it.each([
    ['plan for 3 samples', makePlan([1, 1, 1], [0.5, 0.5, 0.5], [1, 0, 0]), /plan\.kind.*length 2/],
    ['partner out of range', makePlan([1, 1], [0.5, 0.5], [1, 7]), /plan\.partner\[1\]/],
    ['λ NaN', makePlan([1, 1], [NaN, 0.5], [1, 0]), /plan\.lam\[0\]/],
    ['kind 5', makePlan([5, 1], [0.5, 0.5], [1, 0]), /plan\.kind\[0\]/],
    ['box past the bottom', makePlan([2, 0], [0.5, 1], [1, 1], [0, 3, 0, 1, 0, 0, 0, 0]), /plan\.box/],
    ['box past the right', makePlan([0, 2], [1, 0.5], [1, 0], [0, 0, 0, 0, 0, 1, 2, 4]), /plan\.box/],
    ['inverted box', makePlan([2, 0], [0.5, 1], [1, 1], [1, 0, 0, 1, 0, 0, 0, 0]), /plan\.box/],
    ['negative box', makePlan([2, 0], [0.5, 1], [1, 1], [-1, 1, 0, 1, 0, 0, 0, 0]), /plan\.box/],
    [
      'kind as plain array',
      { ...makePlan([1, 1], [0.5, 0.5], [1, 0]), kind: [1, 1] } as unknown as MixPlan,
      /plan\.kind/,
    ],
    [
      'partner as Int32Array',
      { ...makePlan([1, 1], [0.5, 0.5], [1, 0]), partner: Int32Array.from([1, 0]) } as unknown as MixPlan,
      /plan\.partner/,
    ],
    ['no plan', undefined as unknown as MixPlan, /plan/],
  ])('rejects plan: %s', (_name, plan, re) => {
    expect(mixupError(() => mixBatchCpu(good(), plan)).message).toMatch(re);
  });

  it.each([
    ['options not an object', 'float16', /options must be an object/],
    ['unknown outDtype', { outDtype: 'float64' }, /options\.outDtype.*"float64"/],
    ['normalize on float32 input', { normalize: { mean: [0], std: [1] } }, /options\.normalize must be null.*float32/],
  ])('rejects options: %s', (_name, options, re) => {
    expect(mixupError(() => mixBatchCpu(good(), plan2(), options as never)).message).toMatch(re);
  });

  it.each([
    ['uint8 output', { normalize: { mean: [0.5], std: [0.5] }, outDtype: 'uint8' }, /options\.outDtype/],
    ['std[1] zero', { normalize: { mean: [0.5, 0.5], std: [0.5, 0] } }, /options\.normalize\.std\[1\].*got 0/],
    ['std[0] Infinity', { normalize: { mean: [0.5, 0.5], std: [Infinity, 1] } }, /options\.normalize\.std\[0\]/],
    ['std[0] NaN', { normalize: { mean: [0.5], std: [NaN] } }, /options\.normalize\.std\[0\]/],
    ['std[0] a string', { normalize: { mean: [0.5], std: ['1'] } }, /options\.normalize\.std\[0\]/],
    ['mean[1] NaN', { normalize: { mean: [0.5, NaN], std: [1, 1] } }, /options\.normalize\.mean\[1\]/],
    ['mean[0] -Infinity', { normalize: { mean: [-Infinity], std: [1] } }, /options\.normalize\.mean\[0\]/],
    ['mean of 3 for 2 channels', { normalize: { mean: [0, 0, 0], std: [1] } }, /options\.normalize\.mean.*length 2/],
    ['std empty', { normalize: { mean: [0], std: [] } }, /options\.normalize\.std /],
    ['mean missing', { normalize: { std: [1] } }, /options\.normalize\.mean/],
    ['normalize a number', { normalize: 3 }, /options\.normalize must be an object/],
    // 0-255 units (issue 9.4): the same check as the GPU path, naming the likely cause
    [
      'mean in 0-255 units',
      { normalize: { mean: [123.7, 116.3], std: [0.2, 0.2] } },
      /options\.normalize\.mean\[0\] must be a number in \[0, 1\] .*got 123\.7: 0-255 units\? Divide mean and std by 255/,
    ],
    [
      'std in 0-255 units',
      { normalize: { mean: [0.5], std: [58.4] } },
      /options\.normalize\.std\[0\] must be a number in \(0, 1\] .*got 58\.4: 0-255 units\?/,
    ],
    [
      'mean below 0',
      { normalize: { mean: [-0.1], std: [0.5] } },
      /options\.normalize\.mean\[0\] must be a number in \[0, 1\] .*got -0\.1$/,
    ],
    [
      'std negative',
      { normalize: { mean: [0.5], std: [-0.5] } },
      /options\.normalize\.std\[0\] must be a number in \(0, 1\] .*got -0\.5$/,
    ],
  ])('rejects normalisation: %s', (_name, options, re) => {
    expect(mixupError(() => mixBatchCpu(u8Image(NCHW), plan2(), options as never)).message).toMatch(re);
  });

  it('rows accept one-entry normalisation only', () => {
    const input: CpuBatch = { data: new Uint8Array(4), dtype: 'uint8', shape: rows(2, 2) };
    const e = mixupError(() => mixBatchCpu(input, plan2(), { normalize: { mean: [0, 0], std: [1, 1] } }));
    expect(e.message).toMatch(/options\.normalize\.mean.*length 1/);
  });

  it('normalizeCoefficients names its own arguments', () => {
    expect(mixupError(() => normalizeCoefficients({ mean: [0, 0], std: [1, 0] }, 2)).message).toMatch(
      /^webgpu-mixup: normalize\.std\[1\]/,
    );
    expect(mixupError(() => normalizeCoefficients({ mean: [NaN], std: [1] }, 2)).message).toMatch(
      /normalize\.mean\[0\]/,
    );
    expect(mixupError(() => normalizeCoefficients({ mean: [0, 0, 0], std: [1] }, 2)).message).toMatch(
      /normalize\.mean/,
    );
    expect(mixupError(() => normalizeCoefficients({ mean: [0], std: [1] }, 0)).message).toMatch(/channels/);
  });

  it('errors carry the argument name', () => {
    const e = mixupError(() => mixBatchCpu(u8Image(NCHW), plan2(), { normalize: { mean: [0.5, 0.5], std: [0.5, 0] } }));
    expect(e.argument).toBe('options.normalize.std[1]');
  });
});

describe('inputs are never modified', () => {
  it('mixBatchCpu leaves data, plan and options as they were', () => {
    for (const [input, opts] of [
      [u8Image(NCHW), { normalize: { mean: [0.4, 0.5], std: [0.2, 0.3] } }],
      [f32Image(NHWC), { outDtype: 'float16' as const }],
      [
        { data: Uint16Array.from(range(0x3c00, 24)), dtype: 'float16' as const, shape: NCHW },
        { outDtype: 'uint8' as const },
      ],
    ] as const) {
      const plan = makePlan([2, 1], [f(2 / 3), 0.3], [1, 0], [0, 1, 1, 3, 0, 0, 0, 0]);
      const dataCopy = input.data.slice();
      const planCopy = {
        kind: plan.kind.slice(),
        lam: plan.lam.slice(),
        partner: plan.partner.slice(),
        box: plan.box.slice(),
      };
      const optsCopy = JSON.parse(JSON.stringify(opts));
      const shapeCopy = { ...input.shape };
      const out = mixBatchCpu(input, plan, opts);
      expect(out.buffer).not.toBe(input.data.buffer);
      expect(input.data).toEqual(dataCopy);
      expect(input.shape).toEqual(shapeCopy);
      expect(plan).toEqual(planCopy);
      expect(opts).toEqual(optsCopy);
    }
  });

  it('mixTargetsCpu leaves labels and plan as they were', () => {
    for (const labels of [
      { data: Int32Array.from([2, 0, 1]), dtype: 'int32' as const },
      { data: Float32Array.from([0.5, 0.5, 0, 0, 1, 0, 0.2, 0.2, 0.6]), dtype: 'float32' as const },
    ]) {
      const plan = makePlan([1, 2, 0], [0.3, 0.6, 1], [1, 0, 2], [0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0]);
      const dataCopy = labels.data.slice();
      const planCopy = {
        kind: plan.kind.slice(),
        lam: plan.lam.slice(),
        partner: plan.partner.slice(),
        box: plan.box.slice(),
      };
      mixTargetsCpu(labels, plan, { numClasses: 3, labelSmoothing: 0.1 });
      expect(labels.data).toEqual(dataCopy);
      expect(plan).toEqual(planCopy);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { f16BitsToF32, f32ToF16Bits } from '../../src/f16.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float32 with the given bits. */
function fromBits(bits: number): number {
  u32[0] = bits >>> 0;
  return f32[0];
}
/** The bits of the float32 nearest to x. */
function bitsOf(x: number): number {
  f32[0] = x;
  return u32[0];
}
/** Next float32 towards +Infinity (x finite and positive). */
const nextUp = (x: number) => fromBits(bitsOf(x) + 1);
/** Next float32 towards zero (x finite and positive). */
const nextDown = (x: number) => fromBits(bitsOf(x) - 1);

const isNaNBits = (h: number) => (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;

/** Independent decoding by the textbook formula. */
function decode(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m === 0 ? s * Infinity : NaN;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

describe('f16BitsToF32', () => {
  it('decodes every bit pattern like the textbook formula, exactly, and as a float32', () => {
    for (let h = 0; h < 0x10000; h++) {
      const v = f16BitsToF32(h);
      const want = decode(h);
      if (Number.isNaN(want)) {
        expect(Number.isNaN(v)).toBe(true);
      } else {
        expect(Object.is(v, want)).toBe(true);
        expect(Math.fround(v)).toBe(v);
      }
    }
  });

  it('decodes known values', () => {
    expect(f16BitsToF32(0x0000)).toBe(0);
    expect(Object.is(f16BitsToF32(0x8000), -0)).toBe(true);
    expect(f16BitsToF32(0x3c00)).toBe(1);
    expect(f16BitsToF32(0xc000)).toBe(-2);
    expect(f16BitsToF32(0x3555)).toBe(0.333251953125);
    expect(f16BitsToF32(0x7bff)).toBe(65504);
    expect(f16BitsToF32(0x0400)).toBe(2 ** -14);
    expect(f16BitsToF32(0x0001)).toBe(2 ** -24);
    expect(f16BitsToF32(0x03ff)).toBe(1023 * 2 ** -24);
    expect(f16BitsToF32(0x7c00)).toBe(Infinity);
    expect(f16BitsToF32(0xfc00)).toBe(-Infinity);
    expect(f16BitsToF32(0x7e00)).toBeNaN();
  });
});

describe('f32ToF16Bits', () => {
  it('round-trips all 65536 bit patterns (NaNs stay NaNs with their sign)', () => {
    for (let h = 0; h < 0x10000; h++) {
      const back = f32ToF16Bits(f16BitsToF32(h));
      if (isNaNBits(h)) {
        expect(isNaNBits(back)).toBe(true);
        expect(back & 0x8000).toBe(h & 0x8000);
      } else {
        expect(back).toBe(h);
      }
    }
  });

  it('rounds every midpoint between neighbouring halves to the even one, and its neighbours to the nearer', () => {
    // All positive finite halves h and h + 1, subnormal and normal, including 0x7bff -> Inf.
    for (let h = 0; h < 0x7c00; h++) {
      const lo = f16BitsToF32(h);
      const hi = h + 1 === 0x7c00 ? 65536 : f16BitsToF32(h + 1); // 65536: where the next half would be
      const mid = (lo + hi) / 2; // exact in float32: needs at most 12 significant bits
      expect(Math.fround(mid)).toBe(mid);
      const even = (h & 1) === 0 ? h : h + 1;
      expect(f32ToF16Bits(mid)).toBe(even);
      expect(f32ToF16Bits(-mid)).toBe(even | 0x8000);
      expect(f32ToF16Bits(nextDown(mid))).toBe(h);
      expect(f32ToF16Bits(nextUp(mid))).toBe(h + 1);
    }
  });

  it('rounds hand-picked ties to even', () => {
    expect(f32ToF16Bits(1 + 2 ** -11)).toBe(0x3c00); // between 0x3c00 (even) and 0x3c01
    expect(f32ToF16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // between 0x3c01 and 0x3c02 (even)
    expect(f32ToF16Bits(1 + 2 ** -11 + 2 ** -23)).toBe(0x3c01); // just above the tie
    expect(f32ToF16Bits(2049)).toBe(0x6800); // 2048 (even) vs 2050
    expect(f32ToF16Bits(2051)).toBe(0x6802); // 2050 vs 2052 (even)
    expect(f32ToF16Bits(-2051)).toBe(0xe802);
    // Subnormal ties, in units of 2^-24.
    expect(f32ToF16Bits(2 ** -25)).toBe(0x0000); // 0 (even) vs 1
    expect(f32ToF16Bits(-(2 ** -25))).toBe(0x8000);
    expect(f32ToF16Bits(3 * 2 ** -25)).toBe(0x0002); // 1 vs 2 (even)
    expect(f32ToF16Bits(5 * 2 ** -25)).toBe(0x0002); // 2 (even) vs 3
    expect(f32ToF16Bits(1023.5 * 2 ** -24)).toBe(0x0400); // largest subnormal vs smallest normal (even)
    expect(f32ToF16Bits(1022.5 * 2 ** -24)).toBe(0x03fe);
  });

  it('handles zeros, tiny values, subnormals and the normal boundary', () => {
    expect(f32ToF16Bits(0)).toBe(0x0000);
    expect(f32ToF16Bits(-0)).toBe(0x8000);
    expect(f32ToF16Bits(2 ** -24)).toBe(0x0001);
    expect(f32ToF16Bits(2 ** -26)).toBe(0x0000);
    expect(f32ToF16Bits(nextUp(2 ** -25))).toBe(0x0001);
    expect(f32ToF16Bits(1e-30)).toBe(0x0000);
    expect(f32ToF16Bits(-1e-30)).toBe(0x8000);
    expect(f32ToF16Bits(fromBits(1))).toBe(0x0000); // float32 subnormal
    expect(f32ToF16Bits(1000 * 2 ** -24)).toBe(1000);
    expect(f32ToF16Bits(2 ** -14)).toBe(0x0400);
    expect(f32ToF16Bits(1)).toBe(0x3c00);
    expect(f32ToF16Bits(-2)).toBe(0xc000);
    expect(f32ToF16Bits(0.1)).toBe(0x2e66);
    expect(f32ToF16Bits(1 / 3)).toBe(0x3555);
  });

  it('overflows to infinity past the largest finite half', () => {
    expect(f32ToF16Bits(65504)).toBe(0x7bff);
    expect(f32ToF16Bits(65519)).toBe(0x7bff);
    expect(f32ToF16Bits(nextDown(65520))).toBe(0x7bff);
    expect(f32ToF16Bits(65520)).toBe(0x7c00); // tie between 65504 (odd) and 65536 (Inf, even)
    expect(f32ToF16Bits(-65520)).toBe(0xfc00);
    expect(f32ToF16Bits(65536)).toBe(0x7c00);
    expect(f32ToF16Bits(1e10)).toBe(0x7c00);
    expect(f32ToF16Bits(3.4e38)).toBe(0x7c00);
    expect(f32ToF16Bits(1e300)).toBe(0x7c00); // float64 beyond float32: Inf either way
    expect(f32ToF16Bits(Infinity)).toBe(0x7c00);
    expect(f32ToF16Bits(-Infinity)).toBe(0xfc00);
  });

  it('keeps NaN a NaN, with its sign and top payload bits', () => {
    expect(isNaNBits(f32ToF16Bits(NaN))).toBe(true);
    expect(f32ToF16Bits(fromBits(0x7fc00000))).toBe(0x7e00);
    expect(f32ToF16Bits(fromBits(0xffc00000))).toBe(0xfe00);
    // A payload only in the low bits would vanish when shifted: the quiet bit keeps it a NaN.
    expect(isNaNBits(f32ToF16Bits(fromBits(0x7f800001)))).toBe(true);
  });

  it('rounds a float64 argument to float32 first', () => {
    // 1 + 2^-11 + 2^-40 rounds to 1 + 2^-11 in float32, a tie, which goes to even 0x3c00
    // (rounding the float64 directly would give 0x3c01).
    expect(f32ToF16Bits(1 + 2 ** -11 + 2 ** -40)).toBe(0x3c00);
  });
});

/**
 * IEEE 754 binary16 ("half", WGSL `f16`) conversions, done on bit patterns.
 *
 * float16 image data travels as a `Uint16Array` of binary16 bits; these two functions are the
 * only place where it is converted to and from numbers, on the host and in the CPU reference.
 */

const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/**
 * Converts a number to the bits of the nearest binary16 value.
 *
 * The number is first rounded to float32 (`Math.fround`), as the GPU only ever holds f32 values,
 * then rounded once more to binary16 with round to nearest, ties to even. Magnitudes that round
 * above the largest finite half (65504) become ±Infinity; results below the normal range become
 * subnormals (or a signed zero); the sign of zero is kept. NaN stays NaN: the result is a quiet
 * NaN with the input's sign and the top mantissa bits of its payload.
 *
 * @category CPU reference
 */
export function f32ToF16Bits(x: number): number {
  scratchF32[0] = x;
  const bits = scratchU32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;

  if (exp === 0xff) {
    // Infinity, or NaN: keep the top 9 payload bits and force the quiet bit so it stays a NaN.
    return mant === 0 ? sign | 0x7c00 : sign | 0x7e00 | (mant >>> 13);
  }

  // Biased binary16 exponent of the value, before rounding.
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // at least 2^16: overflow

  if (e <= 0) {
    // Subnormal (or zero) in binary16, counted in units of 2^-24.
    // Below 2^-25 (half the smallest subnormal) everything rounds to zero; this also covers f32 zeros
    // and f32 subnormals.
    if (e < -10) return sign;
    const m = mant | 0x800000; // 24-bit significand, value m * 2^(exp - 150)
    const shift = 14 - e; // in [14, 24]: m * 2^(exp - 150) / 2^-24 = m / 2^shift
    let h = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1) === 1)) h += 1; // may carry into the smallest normal: right
    return sign | h;
  }

  // Normal in binary16: drop 13 mantissa bits with round to nearest even; a carry may run into the
  // exponent, and from the largest finite value into Infinity (0x7c00), both of which are right.
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1)) h += 1;
  return sign | h;
}

/**
 * Converts binary16 bits (the low 16 bits of `h`) to the number they encode; always exact.
 * NaN patterns give NaN (built through float32 bits, so the payload usually survives).
 *
 * @category CPU reference
 */
export function f16BitsToF32(h: number): number {
  const sign = (h >>> 15) & 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) {
    const v = mant * 2 ** -24; // subnormal or zero, exact
    return sign ? -v : v;
  }
  if (exp === 0x1f) {
    scratchU32[0] = ((sign << 31) | 0x7f800000 | (mant << 13)) >>> 0;
    return scratchF32[0];
  }
  scratchU32[0] = ((sign << 31) | ((exp + 112) << 23) | (mant << 13)) >>> 0;
  return scratchF32[0];
}

// float16 (IEEE binary16) as 16-bit halves of u32 words: core WGSL, no `shader-f16` needed.
//
// Loads use unpack2x16float: binary16 to f32 is exact (every half is an f32), as the spec requires.
// Stores do not use pack2x16float: WGSL lets it round to either neighbour (implementations differ:
// SwiftShader's rounds some subnormal results toward zero, test/gpu/float16.test.ts counts them) and
// leaves values past the half range indeterminate; the same holds for shader-f16's f16() conversion.
// f16_bits rounds in integer arithmetic instead, bit for bit as the CPU reference
// (f32ToF16Bits in src/f16.ts): to nearest, ties to even; subnormal halves; at least 65520 in
// magnitude becomes infinity; the sign of zero is kept; NaN becomes a quiet NaN.
fn f16_bits(v: vec4<f32>) -> vec4<u32> {
  let x = bitcast<vec4<u32>>(v);
  let sign = (x >> vec4<u32>(16u)) & vec4<u32>(0x8000u);
  let a = x & vec4<u32>(0x7fffffffu);
  let odd = (a >> vec4<u32>(13u)) & vec4<u32>(1u);
  // A normal half: rebias the exponent (127 -> 15) and round away the 13 low bits, ties to even. A
  // carry may run into the exponent, and from 65504 into infinity (0x7c00): both right.
  let normal = (a - vec4<u32>(0x38000000u) + vec4<u32>(0xfffu) + odd) >> vec4<u32>(13u);
  // A subnormal half counts units of 2^-24: the 24-bit significand shifted right by 126 - exponent
  // (14..24), rounded the same way. A shift of 25 (below 2^-25, f32 zeros and subnormals) gives 0.
  let shift = min(vec4<u32>(126u) - min(a >> vec4<u32>(23u), vec4<u32>(112u)), vec4<u32>(25u));
  let m = (a & vec4<u32>(0x7fffffu)) | vec4<u32>(0x800000u);
  let sub_odd = (m >> shift) & vec4<u32>(1u);
  let subnormal = (m + (vec4<u32>(1u) << (shift - vec4<u32>(1u))) - vec4<u32>(1u) + sub_odd) >> shift;
  // NaN keeps the top payload bits and gets the quiet bit.
  let nan = vec4<u32>(0x7e00u) | ((a >> vec4<u32>(13u)) & vec4<u32>(0x3ffu));
  var h = select(subnormal, normal, a >= vec4<u32>(0x38800000u)); // 2^-14, the smallest normal half
  h = select(h, vec4<u32>(0x7c00u), a >= vec4<u32>(0x47800000u)); // 2^16 and up, and infinity
  h = select(h, nan, a > vec4<u32>(0x7f800000u));
  return sign | h;
}

// Four halves as two words, the first half in the low bits (little-endian order of the elements).
fn f16_pack(v: vec4<f32>) -> vec2<u32> {
  let h = f16_bits(v);
  return vec2<u32>(h.x | (h.y << 16u), h.z | (h.w << 16u));
}

fn f16_unpack(w: vec2<u32>) -> vec4<f32> {
  return vec4<f32>(unpack2x16float(w.x), unpack2x16float(w.y));
}

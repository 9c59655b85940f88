// uint8 input, elements per sample divisible by 4: one packed u32 load per quad (4 bytes).
fn LOAD(slot: u32, quad: u32) -> vec4<f32> {
  let w = SRC[SHIFT + slot * params.sample_quads + quad];
  return vec4<f32>(f32(w & 0xffu), f32((w >> 8u) & 0xffu), f32((w >> 16u) & 0xffu), f32(w >> 24u));
}

// float16 input, elements per sample divisible by 4: a quad is one vec2<u32> (4 halves).
fn LOAD(slot: u32, quad: u32) -> vec4<f32> {
  return f16_unpack(SRC[SHIFT + slot * params.sample_quads + quad]);
}

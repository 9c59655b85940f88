// float32 input, elements per sample divisible by 4: one vec4 load per quad.
fn load4(s: u32, quad: u32) -> vec4<f32> {
  return SRC[(s - params.src_base) * params.sample_quads + quad];
}

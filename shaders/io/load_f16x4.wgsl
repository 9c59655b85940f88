// float16 input (needs shader-f16), elements per sample divisible by 4: one vec4<f16> load per quad.
fn load4(s: u32, quad: u32) -> vec4<f32> {
  return vec4<f32>(SRC[(s - params.src_base) * params.sample_quads + quad]);
}

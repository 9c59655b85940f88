// float16 input (needs shader-f16), elements per sample divisible by 4: one vec4<f16> load per quad.
fn LOAD(slot: u32, quad: u32) -> vec4<f32> {
  return vec4<f32>(SRC[SHIFT + slot * params.sample_quads + quad]);
}

// float32 input, elements per sample divisible by 4: one vec4 load per quad.
// `slot` is the sample's index inside the bound window; SRC / SHIFT name the window's binding.
fn LOAD(slot: u32, quad: u32) -> vec4<f32> {
  return SRC[SHIFT + slot * params.sample_quads + quad];
}

// float16 output (needs shader-f16), elements per sample divisible by 4; f32 -> f16 rounds to nearest even.
fn store4(s: u32, quad: u32, v: vec4<f32>) {
  dst[DST_SHIFT + (s - DST_BASE) * params.sample_quads + quad] = vec4<f16>(v);
}

// float32 output, elements per sample divisible by 4.
fn store4(s: u32, quad: u32, v: vec4<f32>) {
  dst[DST_SHIFT + (s - DST_BASE) * params.sample_quads + quad] = v;
}

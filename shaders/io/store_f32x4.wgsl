// float32 output, elements per sample divisible by 4.
fn store4(s: u32, quad: u32, v: vec4<f32>) {
  dst[params.dst_shift + (s - params.dst_base) * params.sample_quads + quad] = v;
}

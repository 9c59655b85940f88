// float16 output, elements per sample divisible by 4: a quad is one vec2<u32> (4 halves), rounded
// as the CPU reference rounds (f16_pack in f16_bits.wgsl).
fn store4(s: u32, quad: u32, v: vec4<f32>) {
  dst[DST_SHIFT + (s - DST_BASE) * params.sample_quads + quad] = f16_pack(v);
}

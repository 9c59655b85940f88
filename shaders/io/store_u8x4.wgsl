// uint8 output: rounded half to even (WGSL round), clamped to [0, 255], 4 bytes packed per u32.
// The packed path: elements per sample divisible by 4, so every sample starts on a word and no two
// threads share an output word (any other size takes store_u8.wgsl).
fn store4(s: u32, quad: u32, v: vec4<f32>) {
  let b = vec4<u32>(clamp(round(v), vec4<f32>(0.0), vec4<f32>(255.0)));
  dst[DST_SHIFT + (s - DST_BASE) * params.sample_quads + quad] = b.x | (b.y << 8u) | (b.z << 16u) | (b.w << 24u);
}

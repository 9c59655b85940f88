// float16 output (needs shader-f16), any element count.
fn store4(s: u32, quad: u32, v: vec4<f32>) {
  let base = DST_SHIFT + (s - DST_BASE) * params.sample_elems;
  for (var j = 0u; j < 4u; j++) {
    let e = quad * 4u + j;
    if (e < params.sample_elems) { dst[base + e] = f16(v[j]); }
  }
}

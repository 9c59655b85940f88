// float32 output, any element count: the quad's elements past the sample's end are not written.
fn store4(s: u32, quad: u32, v: vec4<f32>) {
  let base = DST_SHIFT + (s - DST_BASE) * params.sample_elems;
  for (var j = 0u; j < 4u; j++) {
    let e = quad * 4u + j;
    if (e < params.sample_elems) { dst[base + e] = v[j]; }
  }
}

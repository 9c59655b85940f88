// uint8 input, any element count: each byte extracted from its u32 word (samples need not be word
// aligned; SHIFT counts bytes here); bytes past the sample's end read as 0.
fn LOAD(slot: u32, quad: u32) -> vec4<f32> {
  let base = SHIFT + slot * params.sample_elems;
  var v = vec4<f32>(0.0);
  for (var j = 0u; j < 4u; j++) {
    let e = quad * 4u + j;
    if (e < params.sample_elems) {
      let byte = base + e;
      v[j] = f32((SRC[byte >> 2u] >> ((byte & 3u) * 8u)) & 0xffu);
    }
  }
  return v;
}

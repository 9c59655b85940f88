// float16 input (needs shader-f16), any element count: scalar loads.
fn LOAD(slot: u32, quad: u32) -> vec4<f32> {
  let base = SHIFT + slot * params.sample_elems;
  var v = vec4<f32>(0.0);
  for (var j = 0u; j < 4u; j++) {
    let e = quad * 4u + j;
    if (e < params.sample_elems) { v[j] = f32(SRC[base + e]); }
  }
  return v;
}

// uint8 input, any element count: a sample need not start on a word (SHIFT counts bytes here), so
// a quad's 4 bytes lie in one or two u32 words; each word is read once (WORD(i) reads word i of the
// binding) and the bytes shifted out. Bytes past the sample's end read as 0 (and their word is not
// read when none of the quad's bytes are in it).
fn LOAD(slot: u32, quad: u32) -> vec4<f32> {
  let e0 = quad * 4u;
  let count = min(4u, params.sample_elems - e0);
  let first = SHIFT + slot * params.sample_elems + e0;
  let shift = (first & 3u) * 8u;
  var bytes = WORD(first >> 2u) >> shift;
  if (shift + count * 8u > 32u) { bytes |= WORD((first >> 2u) + 1u) << (32u - shift); }
  let b = vec4<u32>(bytes & 0xffu, (bytes >> 8u) & 0xffu, (bytes >> 16u) & 0xffu, bytes >> 24u);
  let inside = vec4<u32>(e0) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(params.sample_elems);
  return select(vec4<f32>(0.0), vec4<f32>(b), inside);
}

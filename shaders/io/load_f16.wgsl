// float16 input, any element count: the binding is u32 words of two halves, and a sample need not
// start on a word (SHIFT counts halves here), so a quad's 4 halves lie in two or three words; each
// is read once (WORD(i) reads word i of the binding) and the halves shifted into place. Halves past
// the sample's end read as 0 (and their word is not read when none of the quad's halves are in it).
fn LOAD(slot: u32, quad: u32) -> vec4<f32> {
  let e0 = quad * 4u;
  let count = min(4u, params.sample_elems - e0);
  let first = SHIFT + slot * params.sample_elems + e0;
  let odd = (first & 1u) == 1u;
  let w = first >> 1u;
  // Words after the first that hold one of the quad's halves: 0, 1 or 2.
  let more = ((first & 1u) + count - 1u) >> 1u;
  let w0 = WORD(w);
  var w1 = 0u;
  var w2 = 0u;
  if (more >= 1u) { w1 = WORD(w + 1u); }
  if (more >= 2u) { w2 = WORD(w + 2u); }
  let lo = select(w0, (w0 >> 16u) | (w1 << 16u), odd);
  let hi = select(w1, (w1 >> 16u) | (w2 << 16u), odd);
  let inside = vec4<u32>(e0) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(params.sample_elems);
  return select(vec4<f32>(0.0), f16_unpack(vec2<u32>(lo, hi)), inside);
}

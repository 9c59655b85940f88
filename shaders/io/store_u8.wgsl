// uint8 output, any element count: rounded half to even (WGSL round), clamped to [0, 255].
// A sample need not start on a word (DST_SHIFT counts bytes here), so one u32 word can hold bytes
// of two quads, or of two samples, written by different threads. `dst` is array<atomic<u32>> and a
// thread merges only the bytes it owns into the one or two words they fall in: atomicAnd clears
// them, atomicOr sets them, and bytes of other threads are never touched. A quad that is exactly
// one word is stored whole. The quad's elements past the sample's end are not written.
fn store4(s: u32, quad: u32, v: vec4<f32>) {
  let e0 = quad * 4u;
  let count = min(4u, params.sample_elems - e0);
  let b = vec4<u32>(clamp(round(v), vec4<f32>(0.0), vec4<f32>(255.0)));
  let bytes = b.x | (b.y << 8u) | (b.z << 16u) | (b.w << 24u);
  let first = DST_SHIFT + (s - DST_BASE) * params.sample_elems + e0;
  let word = first >> 2u;
  let shift = (first & 3u) * 8u;
  if (shift == 0u && count == 4u) {
    atomicStore(&dst[word], bytes);
    return;
  }
  // The bytes this quad owns, from its first byte; shifted into the low word and the high word.
  let owned = select(0xffffffffu, (1u << (count * 8u)) - 1u, count < 4u);
  let lo = owned << shift;
  atomicAnd(&dst[word], ~lo);
  atomicOr(&dst[word], (bytes << shift) & lo);
  if (shift + count * 8u > 32u) {
    let hi = owned >> (32u - shift);
    atomicAnd(&dst[word + 1u], ~hi);
    atomicOr(&dst[word + 1u], (bytes >> (32u - shift)) & hi);
  }
}

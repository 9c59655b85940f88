// float16 output, any element count, rounded as the CPU reference rounds (f16_bits.wgsl). A sample
// need not start on a word (DST_SHIFT counts halves here), so the word holding a sample's last half
// can hold the next sample's first, written by another thread. As for uint8 (store_u8.wgsl), `dst`
// is array<atomic<u32>>: the quad's halves fall in two or three words; a word the quad fills is
// stored whole, and in a word it shares the thread clears and sets only its own half (atomicAnd,
// atomicOr). The quad's elements past the sample's end are not written.
fn store4(s: u32, quad: u32, v: vec4<f32>) {
  let e0 = quad * 4u;
  let count = min(4u, params.sample_elems - e0);
  let first = DST_SHIFT + (s - DST_BASE) * params.sample_elems + e0;
  let w = first >> 1u;
  let h = f16_bits(v);
  // The quad's halves in 16-bit slots 0..5 from the low half of word w: slots [at, at + count).
  let at = first & 1u;
  var words = array<u32, 3>(h.x | (h.y << 16u), h.z | (h.w << 16u), 0u);
  if (at == 1u) { words = array<u32, 3>(h.x << 16u, h.y | (h.z << 16u), h.w); }
  for (var k = 0u; k < 3u; k++) {
    let low = 2u * k >= at && 2u * k < at + count;
    let high = 2u * k + 1u >= at && 2u * k + 1u < at + count;
    let owned = select(0u, 0xffffu, low) | select(0u, 0xffff0000u, high);
    if (owned == 0xffffffffu) {
      atomicStore(&dst[w + k], words[k]);
    } else if (owned != 0u) {
      atomicAnd(&dst[w + k], ~owned);
      atomicOr(&dst[w + k], words[k] & owned);
    }
  }
}

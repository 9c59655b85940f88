// Executes a MixPlan on an image or feature batch, reading each input sample once.
//
// The host turns the pairing into segments of a walk along the permutation's cycles
// (i -> partner[i] -> ...). A thread owns one quad (4 consecutive elements) at the same
// position in every sample of its segment: it loads x[s0], then for each step loads the next
// sample, writes out[s] = mix(x[s], x[partner[s]]) and carries the loaded value on. A closed
// segment (a whole cycle) reuses its first value at the end, so every input is read once and
// in-place mixing is safe. Involutions (flip, pair mode) are cycles of length 2, and get a
// straight-line entry point (main_pairs); so do open one-output segments (main_singles: chunked
// batches and partner arrays with repeats).
//
// Assembled by the host: mix_common.wgsl + the element aliases (+ io/f16_bits.wgsl for float16) +
// io/load_*.wgsl + io/store_*.wgsl + this.
// `load4(sample, quad) -> vec4<f32>` (which picks the input window) and
// `store4(sample, quad, vec4<f32>)` come from the host and the io files.

// Constants written by the host for each variant (src/gpu/shaders.ts):
//   LAYOUT: u32      0 NCHW, 1 NHWC, 2 rows
//   NORMALIZE        (x * scale[c] + bias[c]) after the blend, for uint8 input
//   BLEND_ONLY       soft labels: every mixed kind blends with lam like kind 1 (no box, no mask)
//   HAS_BLEND        the plan has blends; HAS_PASTE: the plan has CutMix boxes
//   HAS_MASK         the plan has kind-4 samples (masks); MASK_SOFT: their masks are soft weights
//   ROW_ALIGNED      NCHW or rows with a width divisible by 4 (no quad crosses a row)

// The batch: `InElem` / `OutElem` are aliases the host writes for each variant (vec4<f32>, f32,
// u32 holding 4 bytes or 2 float16 halves, vec2<u32> holding a quad of halves; atomic<u32> for
// uint8 or float16 output whose words samples share).
// In place, only `dst` is bound (read and written). `src2` is a second input binding: a chunk's
// partners (chunked batches) or the upper part of an input split in two (see `src_split`). `dst2`
// is the upper part of an output split in two (see `dst_split`; bound only by split-output variants).
@group(0) @binding(1) var<storage, read> src: array<InElem>;
@group(0) @binding(2) var<storage, read_write> dst: array<OutElem>;
@group(0) @binding(7) var<storage, read> src2: array<InElem>;
@group(0) @binding(4) var<storage, read_write> dst2: array<OutElem>;
// The walk's tables in one binding: the segment table, 4 words a segment (offset into the sample
// list, outputs to write, closes the cycle, unused), then from word `params.walk_base` the sample list.
@group(0) @binding(5) var<storage, read> walk: array<u32>;
// Per channel: (scale, bias) of the fused normalisation.
@group(0) @binding(6) var<storage, read> norm: array<vec2<f32>>;
// The plan's kind-4 masks (PlanMasks.data): bit-packed words, or soft weights as f32 bit patterns.
// Read at the element's own pixel, the quad's position in the walk: the walk is unchanged and
// in-place mixing stays safe (a mask is never written).
@group(0) @binding(9) var<storage, read> masks: array<u32>;

// Channel and pixel of an element. Found with divisions once per quad, then stepped one element
// at a time with compares only (integer division is slow on many GPUs, and on SwiftShader).
struct Cursor { c: u32, y: u32, x: u32 }

fn locate(e: u32) -> Cursor {
  if (LAYOUT == 1u) {
    let pixel = e / params.channels;
    let y = pixel / params.width;
    return Cursor(e - pixel * params.channels, y, pixel - y * params.width);
  }
  // NCHW; rows are one channel of a 1 x D image.
  let c = e / params.plane;
  let r = e - c * params.plane;
  let y = r / params.width;
  return Cursor(c, y, r - y * params.width);
}

// Selects rather than branches: a software adapter runs both sides of a divergent branch.
fn next_element(k: Cursor) -> Cursor {
  var n = k;
  if (LAYOUT == 1u) {
    n.c += 1u;
    let wrap_c = n.c == params.channels;
    n.c = select(n.c, 0u, wrap_c);
    n.x += select(0u, 1u, wrap_c);
    let wrap_x = n.x == params.width;
    n.x = select(n.x, 0u, wrap_x);
    n.y += select(0u, 1u, wrap_x);
  } else {
    n.x += 1u;
    let wrap_x = n.x == params.width;
    n.x = select(n.x, 0u, wrap_x);
    n.y += select(0u, 1u, wrap_x);
    let wrap_y = n.y == params.height;
    n.y = select(n.y, 0u, wrap_y);
    n.c += select(0u, 1u, wrap_y);
  }
  return n;
}

// Kind 4: element value `a` (the sample's own) or `b` (its partner's) at image pixel (y, x), as the
// mask starting at word `base` says. The mask pixel is found by integer nearest (the host reference
// and the planners use the same formula; checks.ts keeps the products below 2^32).
fn mask_mix(base: u32, y: u32, x: u32, a: f32, b: f32) -> f32 {
  let p = (y * params.mask_height / params.height) * params.mask_width + x * params.mask_width / params.width;
  if (MASK_SOFT) {
    // The mixup blend's rounding, with the mask's weight in place of lam.
    let w = bitcast<f32>(masks[base + p]);
    return a * w + b * (1.0 - w);
  }
  return select(b, a, ((masks[base + (p >> 5u)] >> (p & 31u)) & 1u) == 1u);
}

// mask_mix for the four elements of a row-aligned quad: pixels (y, x .. x + 3). One division per
// axis (not per element: divisions made the mask variants 2.6-2.9x the mixup kernel's time on
// SwiftShader, 1.4-2x with this): the mask columns are stepped by their remainder, x · mask_width
// mod width, which grows by mask_width <= width a pixel and so wraps at most once.
fn mask_mix_row(base: u32, y: u32, x: u32, a: vec4<f32>, b: vec4<f32>) -> vec4<f32> {
  let row = (y * params.mask_height / params.height) * params.mask_width;
  let t = x * params.mask_width;
  var mx = t / params.width;
  var rem = t - mx * params.width;
  var p = vec4<u32>(0u);
  for (var j = 0u; j < 4u; j++) {
    p[j] = row + mx;
    rem += params.mask_width;
    let wrap = rem >= params.width;
    mx += select(0u, 1u, wrap);
    rem -= select(0u, params.width, wrap);
  }
  if (MASK_SOFT) {
    let w = bitcast<vec4<f32>>(vec4<u32>(masks[base + p.x], masks[base + p.y], masks[base + p.z], masks[base + p.w]));
    return a * w + b * (1.0 - w);
  }
  let at = vec4<u32>(base) + (p >> vec4<u32>(5u));
  let words = vec4<u32>(masks[at.x], masks[at.y], masks[at.z], masks[at.w]);
  return select(b, a, ((words >> (p & vec4<u32>(31u))) & vec4<u32>(1u)) == vec4<u32>(1u));
}

fn mix_quad(s: u32, quad: u32, a: vec4<f32>, b: vec4<f32>) -> vec4<f32> {
  // Fields read one by one: the box is loaded only by variants that paste. Kind 3 (ResizeMix) is a
  // copy here: resize_paste.wgsl writes its box afterwards.
  let kind = samples[s].kind;
  var m = a;
  if (HAS_BLEND && (kind == 1u || (BLEND_ONLY && kind != 0u))) {
    let lam = samples[s].lam;
    m = a * lam + b * (1.0 - lam);
  }
  let paste = HAS_PASTE && kind == 2u;
  let masked = HAS_MASK && kind == 4u;
  if (ROW_ALIGNED) {
    // NCHW (or rows) with a width divisible by 4: the quad lies in one row of one channel, so one
    // channel, one y and four consecutive x serve all four elements.
    let e0 = quad * 4u;
    let c = e0 / params.plane;
    if (HAS_PASTE || HAS_MASK) {
      let r = e0 - c * params.plane;
      let y = r / params.width;
      let x = r % params.width;
      if (HAS_PASTE) {
        let xs = vec4<i32>(i32(x)) + vec4<i32>(0, 1, 2, 3);
        let box = samples[s].box;
        let row_inside = paste && i32(y) >= box.x && i32(y) < box.y;
        m = select(m, b, (xs >= vec4<i32>(box.z)) & (xs < vec4<i32>(box.w)) & vec4<bool>(row_inside));
      }
      if (masked) { m = mask_mix_row(samples[s].mask, y, x, a, b); }
    }
    if (NORMALIZE) {
      let n = norm[c];
      m = m * n.x + n.y;
    }
    return m;
  }
  if (paste || masked || NORMALIZE) {
    var at = locate(quad * 4u);
    let box = samples[s].box;
    let base = samples[s].mask;
    for (var j = 0u; j < 4u; j++) {
      if (HAS_PASTE) {
        let y = i32(at.y);
        let x = i32(at.x);
        m[j] = select(m[j], b[j], paste && y >= box.x && y < box.y && x >= box.z && x < box.w);
      }
      // Elements past a sample's end (a scalar variant's last quad) may step to a pixel past the
      // image and read any mask word (bounds-checked, as WGSL guarantees): they are never stored.
      if (masked) { m[j] = mask_mix(base, at.y, at.x, a[j], b[j]); }
      if (NORMALIZE) {
        let n = norm[at.c];
        m[j] = m[j] * n.x + n.y;
      }
      at = next_element(at);
    }
  }
  return m;
}

// Three entry points, one per segment shape; the host picks one per pipeline, so each pipeline
// holds only the code its walk needs (software rasterisers execute untaken branches too).

// The segment a thread works on, and its quad position.
struct Task { seg: vec4<u32>, quad: u32 }

// The segment's offset comes back absolute (into `walk`), so the entry points index `walk` with it.
fn task(t: u32) -> Task {
  let quad = t % params.sample_quads;
  let k = 4u * (params.seg_base + t / params.sample_quads);
  return Task(vec4<u32>(params.walk_base + walk[k], walk[k + 1u], walk[k + 2u], 0u), quad);
}

// Closed cycles of one or two samples (flip, pair mode): load both, write both. A fixed point's
// walk is [s, s], so it takes the same straight line (writing its one output twice), with no branch.
@compute @workgroup_size(WORKGROUP_SIZE)
fn main_pairs(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) local: u32) {
  let t = thread_index(group, local);
  if (t >= params.num_threads) { return; }
  let job = task(t);
  let s0 = walk[job.seg.x];
  let s1 = walk[job.seg.x + 1u];
  let a = load4(s0, job.quad);
  let b = load4(s1, job.quad);
  store4(s0, job.quad, mix_quad(s0, job.quad, a, b));
  store4(s1, job.quad, mix_quad(s1, job.quad, b, a));
}

// Open segments of one output (chunked batches, repeated partners): x[s] and its partner.
@compute @workgroup_size(WORKGROUP_SIZE)
fn main_singles(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) local: u32) {
  let t = thread_index(group, local);
  if (t >= params.num_threads) { return; }
  let job = task(t);
  let s0 = walk[job.seg.x];
  store4(s0, job.quad, mix_quad(s0, job.quad, load4(s0, job.quad), load4(walk[job.seg.x + 1u], job.quad)));
}

// Any permutation: walk the segment, carrying each loaded sample to the next step. Two steps per
// iteration, with both loads issued before either store: a thread keeps two loads in flight, so a
// segment of L steps waits on memory about L / 2 times (a store may alias a later load in place,
// so the compiler cannot hoist a load above a store by itself). The last step is outside the loop:
// a closed cycle ends on its first sample, already loaded; an open segment loads its successor.
@compute @workgroup_size(WORKGROUP_SIZE)
fn main_walk(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) local: u32) {
  let t = thread_index(group, local);
  if (t >= params.num_threads) { return; }
  let job = task(t);
  var s = walk[job.seg.x];
  let first = load4(s, job.quad);
  var cur = first;
  var k = 1u;
  for (; k + 1u < job.seg.y; k += 2u) {
    let s1 = walk[job.seg.x + k];
    let s2 = walk[job.seg.x + k + 1u];
    let a1 = load4(s1, job.quad);
    let a2 = load4(s2, job.quad);
    store4(s, job.quad, mix_quad(s, job.quad, cur, a1));
    store4(s1, job.quad, mix_quad(s1, job.quad, a1, a2));
    cur = a2;
    s = s2;
  }
  if (k < job.seg.y) {
    let s1 = walk[job.seg.x + k];
    let a1 = load4(s1, job.quad);
    store4(s, job.quad, mix_quad(s, job.quad, cur, a1));
    cur = a1;
    s = s1;
  }
  var last = first;
  if (job.seg.z == 0u) { last = load4(walk[job.seg.x + job.seg.y], job.quad); }
  store4(s, job.quad, mix_quad(s, job.quad, cur, last));
}

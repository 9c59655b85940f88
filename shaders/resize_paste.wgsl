// ResizeMix (plan kind 3): inside each kind-3 sample's box, the partner's *whole* image resized to
// the box, as PyTorch's F.interpolate(size=(bh, bw), align_corners=False) computes it without
// antialiasing: bilinear, or nearest where NEAREST. Every step is an f32 operation, in the order of
// the CPU reference (src/resize.ts): WGSL rounds f32 +, - and * correctly; the scales come from the
// host, since its f32 division is not.
//
// Runs after mix_batch.wgsl, in the same pass: that kernel has written the sample's own pixels
// (kind 3 is a copy there). A thread owns one quad of one kind-3 sample and rewrites it only when
// an element of the quad is in the box; its other elements get the value the batch kernel gave them
// (the own pixel, normalised), so a quad is stored whole, through the same store4 (shared words of
// uint8 and float16 included). It reads the input and never the output: the host rejects in-place
// calls with kind-3 samples.
//
// Assembled by the host: mix_common.wgsl + the batch kernel's element aliases, constants, load4
// and store4 (src/gpu/shaders.ts, batchIoCode) + `const NEAREST: bool` + this. The dispatch binds
// the same input and output windows as the batch dispatch that wrote its samples.

@group(0) @binding(1) var<storage, read> src: array<InElem>;
@group(0) @binding(2) var<storage, read_write> dst: array<OutElem>;
@group(0) @binding(7) var<storage, read> src2: array<InElem>;
@group(0) @binding(4) var<storage, read_write> dst2: array<OutElem>;
@group(0) @binding(6) var<storage, read> norm: array<vec2<f32>>;
// This dispatch's kind-3 samples (with non-empty boxes) are resized[seg_base ..].
@group(0) @binding(10) var<storage, read> resized: array<ResizeSample>;

fn load1(s: u32, e: u32) -> f32 {
  return load4(s, e >> 2u)[e & 3u];
}

// The element of channel c at pixel (y, x).
fn element_at(c: u32, y: u32, x: u32) -> u32 {
  if (LAYOUT == 1u) { return (y * params.width + x) * params.channels + c; }
  return (c * params.height + y) * params.width + x;
}

// The source taps of destination index d on an axis of n input pixels, and their weights.
struct Taps { i0: u32, i1: u32, l0: f32, l1: f32 }

fn taps(d: u32, scale: f32, n: u32) -> Taps {
  if (NEAREST) {
    let i = min(u32(floor(f32(d) * scale)), n - 1u);
    return Taps(i, i, 1.0, 0.0);
  }
  let src = max(scale * (f32(d) + 0.5) - 0.5, 0.0);
  let i0 = u32(floor(src));
  let l1 = src - f32(i0);
  return Taps(i0, i0 + select(0u, 1u, i0 < n - 1u), 1.0 - l1, l1);
}

// Channel c of partner p resampled at (ty, tx): h0 (w0 p00 + w1 p01) + h1 (w0 p10 + w1 p11).
fn resample(p: u32, c: u32, ty: Taps, tx: Taps) -> f32 {
  let p00 = load1(p, element_at(c, ty.i0, tx.i0));
  if (NEAREST) { return p00; }
  let top = tx.l0 * p00 + tx.l1 * load1(p, element_at(c, ty.i0, tx.i1));
  let bottom = tx.l0 * load1(p, element_at(c, ty.i1, tx.i0)) + tx.l1 * load1(p, element_at(c, ty.i1, tx.i1));
  return ty.l0 * top + ty.l1 * bottom;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) local: u32) {
  let t = thread_index(group, local);
  if (t >= params.num_threads) { return; }
  let k = t / params.sample_quads;
  let quad = t - k * params.sample_quads;
  let r = resized[params.seg_base + k];
  let s = r.sample;
  let box = samples[s].box;
  // Where the quad's elements are, and whether any is in the box.
  var c = vec4<u32>(0u);
  var inside = vec4<bool>(false);
  var dy = vec4<u32>(0u);
  var dx = vec4<u32>(0u);
  for (var j = 0u; j < 4u; j++) {
    let e = quad * 4u + j;
    var y: u32;
    var x: u32;
    if (LAYOUT == 1u) {
      let pixel = e / params.channels;
      c[j] = e - pixel * params.channels;
      y = pixel / params.width;
      x = pixel - y * params.width;
    } else {
      c[j] = e / params.plane;
      let rest = e - c[j] * params.plane;
      y = rest / params.width;
      x = rest - y * params.width;
    }
    inside[j] = e < params.sample_elems && i32(y) >= box.x && i32(y) < box.y && i32(x) >= box.z && i32(x) < box.w;
    dy[j] = u32(i32(y) - box.x);
    dx[j] = u32(i32(x) - box.z);
  }
  if (!any(inside)) { return; }
  let p = samples[s].partner;
  var m = load4(s, quad);
  for (var j = 0u; j < 4u; j++) {
    if (inside[j]) {
      m[j] = resample(p, c[j], taps(dy[j], r.scale_y, params.height), taps(dx[j], r.scale_x, params.width));
    }
    if (NORMALIZE) {
      let n = norm[min(c[j], params.channels - 1u)];
      m[j] = m[j] * n.x + n.y;
    }
  }
  store4(s, quad, m);
}

// Executes a MixPlan on an image or feature batch, reading each input sample once.
//
// The host turns the pairing into segments of a walk along the permutation's cycles
// (i -> partner[i] -> ...). A thread owns one quad (4 consecutive elements) at the same
// position in every sample of its segment: it loads x[s0], then for each step loads the next
// sample, writes out[s] = mix(x[s], x[partner[s]]) and carries the loaded value on. A closed
// segment (a whole cycle) reuses its first value at the end, so every input is read once and
// in-place mixing is safe. Involutions (flip, pair mode) are cycles of length 2.
//
// Assembled by the host: mix_common.wgsl + bindings + io/load_*.wgsl + io/store_*.wgsl + this.
// `load4(sample, quad) -> vec4<f32>` (which picks the input window) and
// `store4(sample, quad, vec4<f32>)` come from the host and the io files.

override LAYOUT: u32 = 0u;         // 0 NCHW, 1 NHWC, 2 rows
override NORMALIZE: bool = false;  // (x * scale[c] + bias[c]) after the blend, for uint8 input
override BLEND_ONLY: bool = false; // soft labels: kind 2 blends with lam like kind 1 (no box)

// segments[i] = (offset into walk, outputs to write, closes the cycle, unused)
@group(0) @binding(4) var<storage, read> segments: array<vec4<u32>>;
@group(0) @binding(5) var<storage, read> walk: array<u32>;
// Per channel: (scale, bias) of the fused normalisation.
@group(0) @binding(6) var<storage, read> norm: array<vec2<f32>>;

fn channel_of(e: u32) -> u32 {
  switch LAYOUT {
    case 0u: { return e / params.plane; }
    case 1u: { return e % params.channels; }
    default: { return 0u; }
  }
}

fn in_box(e: u32, box: vec4<i32>) -> bool {
  var pixel: u32;
  if (LAYOUT == 1u) { pixel = e / params.channels; } else { pixel = e % params.plane; }
  let y = i32(pixel / params.width);
  let x = i32(pixel % params.width);
  return y >= box.x && y < box.y && x >= box.z && x < box.w;
}

fn mix_quad(s: u32, quad: u32, a: vec4<f32>, b: vec4<f32>) -> vec4<f32> {
  let plan = samples[s];
  var m = a;
  if (plan.kind == 1u || (BLEND_ONLY && plan.kind == 2u)) {
    m = a * plan.lam + b * (1.0 - plan.lam);
  } else if (plan.kind == 2u && LAYOUT != 2u) {
    let e0 = quad * 4u;
    for (var j = 0u; j < 4u; j++) {
      if (in_box(e0 + j, plan.box)) { m[j] = b[j]; }
    }
  }
  if (NORMALIZE) {
    let e0 = quad * 4u;
    for (var j = 0u; j < 4u; j++) {
      let c = norm[channel_of(e0 + j)];
      m[j] = m[j] * c.x + c.y;
    }
  }
  return m;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) local: u32) {
  let t = (group.y * params.groups_x + group.x) * 256u + local;
  if (t >= params.num_threads) { return; }
  let quad = t % params.sample_quads;
  let seg = segments[params.seg_base + t / params.sample_quads];
  var s = walk[seg.x];
  var cur = load4(s, quad);
  let first = cur;
  for (var k = 0u; k < seg.y; k++) {
    let next_s = walk[seg.x + k + 1u];
    var next: vec4<f32>;
    if (k + 1u == seg.y && seg.z != 0u) { next = first; } else { next = load4(next_s, quad); }
    store4(s, quad, mix_quad(s, quad, cur, next));
    cur = next;
    s = next_s;
  }
}

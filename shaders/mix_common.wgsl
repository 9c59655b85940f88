// Declarations shared by the mixing kernels. The host reads the layouts of `Params` and
// `SamplePlan` from this file by reflection (scripts/gen-layouts.mjs), so they are declared once.

// One entry of the host's MixPlan, as the GPU sees it.
struct SamplePlan {
  kind: u32,       // 0 unchanged, 1 mixup blend, 2 CutMix paste, 3 ResizeMix paste, 4 mask paste
  lam: f32,        // weight of the sample's own value
  partner: u32,    // the sample it mixes with
  mask: u32,       // kind 4: first word of the sample's mask in `masks` (mix_batch.wgsl)
  box: vec4<i32>,  // y0, y1, x0, x1: half-open pixel bounds (kinds 2 and 3)
}

// One ResizeMix sample of a resize_paste.wgsl dispatch, with the float32 scales of its box's axes,
// fround(H / bh) and fround(W / bw): made on the host, since WGSL's f32 division is not correctly rounded.
struct ResizeSample {
  sample: u32,
  scale_y: f32,
  scale_x: f32,
  pad: u32,
}

struct Params {
  num_threads: u32,    // threads that do work: segments * sample_quads (the guard; not arrayLength)
  groups_x: u32,       // workgroups along x, for dispatches folded into 2-D
  sample_elems: u32,   // elements per sample (C*H*W or D)
  sample_quads: u32,   // ceil(sample_elems / 4): each thread owns 4 consecutive elements
  channels: u32,
  width: u32,
  height: u32,
  plane: u32,          // H*W
  // Windows: large batches are bound in chunks of whole samples. Sample s of a window that starts at
  // sample `*_base` sits at array element `*_shift + (s - *_base) * stride` of its binding; the shift
  // absorbs the binding-offset alignment. Plan and walk always use absolute sample indices.
  seg_base: u32,       // first segment of this dispatch (resize_paste.wgsl: first ResizeSample)
  src_base: u32,       // first sample of the src window
  src_shift: u32,
  src2_base: u32,      // first sample of the second input window (a chunk's partners)
  src2_count: u32,     // samples in it; 0 when unused
  src2_shift: u32,
  dst_base: u32,       // first sample of the dst window
  dst_shift: u32,
  // Split input: an input larger than one binding but not two is bound whole as src + src2, and
  // element i of the buffer is element i of src below the split, else element i - split of src2.
  src_split: u32,
  // Split output: an output larger than one binding but not two is bound whole as dst + dst2 (one
  // dispatch, the walk as one pass), element i in dst below dst_split, else in dst2 at i - dst_split.
  dst_split: u32,
  walk_base: u32,      // first word of the sample list in the walk's binding (after the segment table)
  num_classes: u32,    // labels kernel: K
  label_on: f32,       // labels kernel: smoothed one-hot value of the true class
  label_off: f32,      // labels kernel: value of every other class
  mask_height: u32,    // kind 4: rows and columns of the plan's masks (image pixel (y, x) reads
  mask_width: u32,     // mask pixel (y * mask_height / height, x * mask_width / width))
}

// Threads per workgroup of every kernel; the host's dispatch sizes use the same number (a unit test
// checks src/gpu/shaders.ts against this line).
const WORKGROUP_SIZE: u32 = 256u;

// The thread's index in a dispatch folded into 2-D (x runs fastest).
fn thread_index(group: vec3<u32>, local: u32) -> u32 {
  return (group.y * params.groups_x + group.x) * WORKGROUP_SIZE + local;
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(3) var<storage, read> samples: array<SamplePlan>;

// Integer class ids (int32 or uint32, read as u32) -> smoothed, mixed soft targets [B, K].
// Assembled by the host after mix_common.wgsl. Covers the rows [dst_base, dst_base + rows) of the
// targets; the targets binding is that window (see Params).
// An id >= K (or a negative int32, which reads as >= 2^31) matches no column, so the row gets
// only `label_off`: nothing is written outside the row. Such ids are counted in `bad_ids`.

@group(0) @binding(1) var<storage, read> labels: array<u32>;
@group(0) @binding(2) var<storage, read_write> targets: array<f32>;
// Its own binding number: no binding means two things across the kernels (the host's table is
// generated from these declarations).
@group(0) @binding(8) var<storage, read_write> bad_ids: atomic<u32>;

// Each thread writes 4 consecutive classes of one row, so the plan and the two labels it reads
// serve 4 outputs (threads per row: ceil(K / 4); a partial last quad guards its tail).
@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) local: u32) {
  let t = thread_index(group, local);
  if (t >= params.num_threads) { return; }
  let row = t / params.sample_quads;
  let k0 = (t - row * params.sample_quads) * 4u;
  let s = params.dst_base + row;
  let plan = samples[s];
  let own = labels[s];
  let other = labels[plan.partner];
  if (k0 == 0u && own >= params.num_classes) { atomicAdd(&bad_ids, 1u); }
  let base = params.dst_shift + row * params.num_classes;
  for (var j = 0u; j < 4u; j++) {
    let k = k0 + j;
    if (k < params.num_classes) {
      let a = select(params.label_off, params.label_on, own == k);
      let b = select(params.label_off, params.label_on, other == k);
      targets[base + k] = a * plan.lam + b * (1.0 - plan.lam);
    }
  }
}

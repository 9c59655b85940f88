/**
 * Recording of a laid-out call (layout.ts): the upload is written into the slot's host copy at the
 * layout's offsets and sent in one queue.writeBuffer, then one compute pass records every
 * dispatch. Nothing here decides an offset, a window or a variant; it reads them from the layout.
 */
import {
  BatchBindings,
  LabelsBindings,
  ParamsLayout,
  ResizeBindings,
  ResizeSampleLayout,
  SamplePlanLayout,
} from './layouts.generated.js';
import type { BatchJob, CallLayout, MaskUpload } from './layout.js';
import type { PipelineCache } from './pipelines.js';
import type { Slot } from './slots.js';
import { fieldWords } from './struct.js';
import type { MixPlan } from '../types.js';
import { KIND_MASK } from '../types.js';

const P = fieldWords(ParamsLayout);
const S = fieldWords(SamplePlanLayout);
const RS = fieldWords(ResizeSampleLayout);
const B = BatchBindings;
const L = LabelsBindings;
const R = ResizeBindings;

/** The pipelines of a call: images, soft targets, labels, dense maps, ResizeMix's passes. */
export interface CallPipelines {
  images: GPUComputePipeline;
  soft: GPUComputePipeline | null;
  labels: GPUComputePipeline | null;
  /** One per dense job. */
  dense: GPUComputePipeline[];
  /** ResizeMix's pass of the images (index 0) and of each dense map (1 + k); null where a job has none. */
  resize: (GPUComputePipeline | null)[];
}

/** Most bind groups a slot keeps; past it the cache starts over (buffers that come and go). */
const MAX_GROUPS = 64;

/** The pass descriptor, one object for every call. */
const PASS: GPUComputePassDescriptor = { label: 'mixup' };

const bufferIds = new WeakMap<GPUBuffer, number>();
let nextBufferId = 1;

/** A number per buffer object, for bind group keys. */
function bufferId(buffer: GPUBuffer): number {
  let id = bufferIds.get(buffer);
  if (id === undefined) {
    id = nextBufferId++;
    bufferIds.set(buffer, id);
  }
  return id;
}

/** Keeps a new bind group in the slot's cache; past MAX_GROUPS the cache starts over. */
function cacheGroup(slot: Slot, key: string, group: GPUBindGroup): GPUBindGroup {
  if (slot.groups.size >= MAX_GROUPS) slot.groups.clear();
  slot.groups.set(key, group);
  return group;
}

/** Numbers that name a bind group: buffer ids, then offsets and sizes (see batchKeyValues). */
const KEY_VALUES = 20;
const keyValues = new Float64Array(KEY_VALUES);

/**
 * The dispatch's bind group when it binds exactly what this dispatch's lane bound last time in
 * this slot (the steady state of a training loop), found without building a key string; else null.
 * `lane` tells dispatches of one call apart (the job and the dispatch's index).
 */
function recentGroup(slot: Slot, lane: number): GPUBindGroup | null {
  const recent = slot.recent.get(lane);
  if (!recent) return null;
  const v = recent.values;
  for (let i = 0; i < KEY_VALUES; i++) if (v[i] !== keyValues[i]) return null;
  return recent.group;
}

function rememberGroup(slot: Slot, lane: number, group: GPUBindGroup): void {
  const recent = slot.recent.get(lane);
  if (recent) {
    recent.values.set(keyValues);
    recent.group = group;
  } else {
    slot.recent.set(lane, { values: keyValues.slice(), group });
  }
}

/** A binding of `size` bytes of the slot's upload buffer at `offset`. */
function range(slot: Slot, offset: number, size: number): GPUBufferBinding {
  return { buffer: slot.buffer, offset, size };
}

/**
 * Writes the upload, then records the call's pass into `encoder`. Per call it allocates only the
 * bind-group keys (a string per dispatch) and what WebGPU's own calls need: no closures, no pass
 * list (dispatches are recorded as they are laid out; bind groups may be created with a pass open).
 */
export function record(
  cache: PipelineCache,
  encoder: GPUCommandEncoder,
  layout: CallLayout,
  pipelines: CallPipelines,
  slot: Slot,
  dstImages: GPUBuffer,
  dstTargets: GPUBuffer | null,
  dstDense: readonly GPUBuffer[],
): void {
  writePlanTable(slot, layout.samplesAt, layout.plan, layout.masks);
  const masks = layout.masks;
  if (masks) (masks.data instanceof Float32Array ? slot.f32 : slot.u32).set(masks.data, layout.masksAt / 4);
  const channels = layout.images.channels;
  const norm = layout.normalize;
  for (let c = 0, w = layout.normAt / 4; c < channels; c++, w += 2) {
    slot.f32[w] = norm ? norm.scale[c] : 1;
    slot.f32[w + 1] = norm ? norm.bias[c] : 0;
  }
  const ids = layout.ids;
  const labels = ids && pipelines.labels && dstTargets ? pipelines.labels : null;
  // The bad-id counter is per call: zeroed before the labels kernel counts into it (outside the pass).
  if (labels) encoder.clearBuffer(slot.flag);
  const pass = encoder.beginComputePass(PASS);
  recordBatch(cache, pass, layout, layout.images, 0, pipelines.images, slot, dstImages);
  recordResize(cache, pass, layout, layout.images, pipelines.resize[0], slot, dstImages);
  if (layout.soft && pipelines.soft && dstTargets) {
    recordBatch(cache, pass, layout, layout.soft, 1, pipelines.soft, slot, dstTargets);
  }
  for (let k = 0; k < layout.dense.length; k++) {
    recordBatch(cache, pass, layout, layout.dense[k], 2 + k, pipelines.dense[k], slot, dstDense[k]);
    recordResize(cache, pass, layout, layout.dense[k], pipelines.resize[1 + k], slot, dstDense[k]);
  }
  if (ids && labels && dstTargets) recordLabels(cache, pass, layout, ids, labels, slot, dstTargets);
  pass.end();
  // Queue writes run before any later submit, so writing after recording is the same as before.
  cache.device.queue.writeBuffer(slot.buffer, 0, slot.host, 0, layout.uploadSize);
}

/** `count` words of `from` to `to[at ..]` (set() of a subarray would allocate the view per call). */
function copyWords(to: Uint32Array, at: number, from: Uint32Array, count: number): void {
  for (let i = 0; i < count; i++) to[at + i] = from[i];
}

/** One batch job's walk tables, params and dispatches; `jobIndex` tells the call's jobs apart (lanes). */
function recordBatch(
  cache: PipelineCache,
  pass: GPUComputePassEncoder,
  layout: CallLayout,
  job: BatchJob,
  jobIndex: number,
  pipeline: GPUComputePipeline,
  slot: Slot,
  dst: GPUBuffer,
): void {
  copyWords(slot.u32, job.segmentsAt / 4, job.walk.segments, job.walk.count * 4);
  copyWords(slot.u32, job.walkAt / 4, job.walk.walk, job.walk.used);
  const srcId = job.variant.inPlace ? 0 : bufferId(job.source);
  const dstId = bufferId(dst);
  for (let k = 0; k < job.dispatches.length; k++) {
    const d = job.dispatches[k];
    writeBatchParams(slot, job, d, layout.masks);
    // Everything the group binds: its layout (in place or not), the buffers and every range.
    const v = keyValues;
    v[0] = srcId;
    v[1] = d.src.offset;
    v[2] = d.src.size;
    v[3] = d.src2.offset;
    v[4] = d.src2.size;
    v[5] = dstId;
    v[6] = d.dst.offset;
    v[7] = d.dst.size;
    v[8] = d.paramsAt;
    v[9] = job.segmentsAt;
    v[10] = job.tablesSize;
    v[11] = d.dst2.offset;
    v[12] = d.dst2.count > 0 ? d.dst2.size : 0;
    v[13] = layout.samplesAt;
    v[14] = layout.samplesSize;
    v[15] = layout.normAt;
    v[16] = layout.normSize;
    v[17] = job.variant.inPlace ? 1 : 0;
    v[18] = layout.masksAt;
    v[19] = layout.masksSize;
    const lane = jobIndex * 65536 + k;
    let group = recentGroup(slot, lane);
    if (!group) {
      const key = `b${v.join(':')}`;
      group = slot.groups.get(key) ?? cacheGroup(slot, key, batchGroup(cache, layout, job, d, slot, dst));
      rememberGroup(slot, lane, group);
    }
    dispatch(pass, pipeline, group, d.groups);
  }
}

/** Records one dispatch of `pipeline` with `group`, over `groups` workgroups (x, y). */
function dispatch(
  pass: GPUComputePassEncoder,
  pipeline: GPUComputePipeline,
  group: GPUBindGroup,
  groups: readonly [number, number],
): void {
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, group);
  pass.dispatchWorkgroups(groups[0], groups[1]);
}

/** The bind group of one batch dispatch (on a cache miss). */
function batchGroup(
  cache: PipelineCache,
  layout: CallLayout,
  job: BatchJob,
  d: BatchJob['dispatches'][number],
  slot: Slot,
  dst: GPUBuffer,
): GPUBindGroup {
  const entries: GPUBindGroupEntry[] = [
    { binding: B.params.binding, resource: range(slot, d.paramsAt, ParamsLayout.size) },
    { binding: B.dst.binding, resource: { buffer: dst, offset: d.dst.offset, size: d.dst.size } },
    { binding: B.samples.binding, resource: range(slot, layout.samplesAt, layout.samplesSize) },
    { binding: B.walk.binding, resource: range(slot, job.segmentsAt, job.tablesSize) },
    { binding: B.norm.binding, resource: range(slot, layout.normAt, layout.normSize) },
    { binding: B.masks.binding, resource: range(slot, layout.masksAt, layout.masksSize) },
  ];
  if (!job.variant.inPlace) {
    entries.push({ binding: B.src.binding, resource: { buffer: job.source, offset: d.src.offset, size: d.src.size } });
    entries.push({
      binding: B.src2.binding,
      resource: { buffer: job.source, offset: d.src2.offset, size: d.src2.size },
    });
  }
  if (job.variant.dstSplit)
    entries.push({ binding: B.dst2.binding, resource: { buffer: dst, offset: d.dst2.offset, size: d.dst2.size } });
  return cache.device.createBindGroup({ label: 'mixup batch', layout: cache.batchLayout(job.variant), entries });
}

/**
 * ResizeMix's table of kind-3 samples, params and dispatches for a batch job's output (windows as the
 * job's dispatches bind them), recorded after the job's batch dispatches, which it overwrites inside the boxes.
 */
function recordResize(
  cache: PipelineCache,
  pass: GPUComputePassEncoder,
  layout: CallLayout,
  owner: BatchJob,
  pipeline: GPUComputePipeline | null,
  slot: Slot,
  dst: GPUBuffer,
): void {
  const job = owner.resizePass;
  if (!job || !pipeline) return;
  const stride = ResizeSampleLayout.size / 4;
  const entries = job.dispatches.reduce((sum, d) => sum + d.segCount, 0);
  for (let k = 0, w = job.listAt / 4; k < entries; k++, w += stride) {
    slot.u32[w + RS.sample] = job.samples[k];
    slot.f32[w + RS.scale_y] = job.scales[2 * k];
    slot.f32[w + RS.scale_x] = job.scales[2 * k + 1];
    slot.u32[w + RS.pad] = 0;
  }
  const srcId = bufferId(owner.source);
  const dstId = bufferId(dst);
  for (const d of job.dispatches) {
    writeBatchParams(slot, owner, d, null);
    const key =
      `r${srcId}:${d.src.offset}:${d.src.size}:${d.src2.offset}:${d.src2.size}>${dstId}:${d.dst.offset}:${d.dst.size}` +
      `:${d.dst2.offset}:${d.dst2.count > 0 ? d.dst2.size : 0}` +
      `@${d.paramsAt}:${job.listAt}:${job.listSize}:${layout.samplesAt}:${layout.samplesSize}:${layout.normAt}`;
    let group = slot.groups.get(key);
    if (!group) {
      const entries: GPUBindGroupEntry[] = [
        { binding: R.params.binding, resource: range(slot, d.paramsAt, ParamsLayout.size) },
        { binding: R.src.binding, resource: { buffer: owner.source, offset: d.src.offset, size: d.src.size } },
        { binding: R.src2.binding, resource: { buffer: owner.source, offset: d.src2.offset, size: d.src2.size } },
        { binding: R.dst.binding, resource: { buffer: dst, offset: d.dst.offset, size: d.dst.size } },
        { binding: R.samples.binding, resource: range(slot, layout.samplesAt, layout.samplesSize) },
        { binding: R.norm.binding, resource: range(slot, layout.normAt, layout.normSize) },
        { binding: R.resized.binding, resource: range(slot, job.listAt, job.listSize) },
      ];
      if (job.variant.io.dstSplit)
        entries.push({ binding: R.dst2.binding, resource: { buffer: dst, offset: d.dst2.offset, size: d.dst2.size } });
      group = cacheGroup(
        slot,
        key,
        cache.device.createBindGroup({ label: 'mixup resize', layout: cache.resizeLayout(job.variant.io), entries }),
      );
    }
    dispatch(pass, pipeline, group, d.groups);
  }
}

/** The labels kernel's params and dispatches (class ids to smoothed one-hot targets). */
function recordLabels(
  cache: PipelineCache,
  pass: GPUComputePassEncoder,
  layout: CallLayout,
  ids: NonNullable<CallLayout['ids']>,
  pipeline: GPUComputePipeline,
  slot: Slot,
  dstTargets: GPUBuffer,
): void {
  for (let k = 0; k < ids.dispatches.length; k++) {
    const d = ids.dispatches[k];
    const w = d.paramsAt / 4;
    slot.u32.fill(0, w, w + ParamsLayout.size / 4);
    slot.u32[w + P.num_threads] = d.threads;
    slot.u32[w + P.groups_x] = d.groups[0];
    slot.u32[w + P.sample_quads] = ids.quads;
    slot.u32[w + P.num_classes] = ids.numClasses;
    slot.f32[w + P.label_on] = ids.on;
    slot.f32[w + P.label_off] = ids.off;
    slot.u32[w + P.dst_base] = d.dst.base;
    slot.u32[w + P.dst_shift] = d.dst.shift;
    const key =
      `l${bufferId(ids.labels)}:${ids.labelsSize}>${bufferId(dstTargets)}:${d.dst.offset}:${d.dst.size}` +
      `@${d.paramsAt}:${layout.samplesAt}:${layout.samplesSize}`;
    let group = slot.groups.get(key);
    if (!group) {
      group = cacheGroup(
        slot,
        key,
        cache.device.createBindGroup({
          label: 'mixup labels',
          layout: cache.layouts.labels,
          entries: [
            { binding: L.params.binding, resource: range(slot, d.paramsAt, ParamsLayout.size) },
            { binding: L.labels.binding, resource: { buffer: ids.labels, offset: 0, size: ids.labelsSize } },
            { binding: L.targets.binding, resource: { buffer: dstTargets, offset: d.dst.offset, size: d.dst.size } },
            { binding: L.samples.binding, resource: range(slot, layout.samplesAt, layout.samplesSize) },
            { binding: L.bad_ids.binding, resource: { buffer: slot.flag, offset: 0, size: 4 } },
          ],
        }),
      );
    }
    dispatch(pass, pipeline, group, d.groups);
  }
}

function writeBatchParams(
  slot: Slot,
  job: BatchJob,
  d: BatchJob['dispatches'][number],
  masks: MaskUpload | null,
): void {
  const u = slot.u32;
  const w = d.paramsAt / 4;
  u[w + P.num_threads] = d.threads;
  u[w + P.groups_x] = d.groups[0];
  u[w + P.sample_elems] = job.n;
  u[w + P.sample_quads] = job.quads;
  u[w + P.channels] = job.channels;
  u[w + P.width] = job.width;
  u[w + P.height] = job.height;
  u[w + P.plane] = job.height * job.width;
  u[w + P.seg_base] = d.segBase;
  u[w + P.src_base] = d.src.base;
  u[w + P.src_shift] = d.src.shift;
  u[w + P.src2_base] = d.src2.base;
  u[w + P.src2_count] = d.src2.count;
  u[w + P.src2_shift] = d.src2.shift;
  u[w + P.dst_base] = d.dst.base;
  u[w + P.dst_shift] = d.dst.shift;
  u[w + P.src_split] = d.srcSplit;
  u[w + P.dst_split] = d.dstSplit;
  u[w + P.walk_base] = job.walkBase;
  u[w + P.num_classes] = 0;
  u[w + P.label_on] = 0;
  u[w + P.label_off] = 0;
  u[w + P.mask_height] = masks ? masks.height : 0;
  u[w + P.mask_width] = masks ? masks.width : 0;
}

/**
 * The plan as an array of `SamplePlan` structs, written at the reflected field offsets; a kind-4
 * sample's `mask` is the first word of its mask (0 elsewhere).
 */
function writePlanTable(slot: Slot, at: number, plan: MixPlan, masks: MaskUpload | null): void {
  const stride = SamplePlanLayout.size / 4;
  const batch = plan.kind.length;
  const { u32, f32, i32 } = slot;
  for (let i = 0, w = at / 4; i < batch; i++, w += stride) {
    u32[w + S.kind] = plan.kind[i];
    f32[w + S.lam] = plan.lam[i];
    u32[w + S.partner] = plan.partner[i];
    u32[w + S.mask] = masks && plan.kind[i] === KIND_MASK ? masks.index[i] * masks.stride : 0;
    i32[w + S.box] = plan.box[4 * i];
    i32[w + S.box + 1] = plan.box[4 * i + 1];
    i32[w + S.box + 2] = plan.box[4 * i + 2];
    i32[w + S.box + 3] = plan.box[4 * i + 3];
  }
}

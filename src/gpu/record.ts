/**
 * Recording of a laid-out call (layout.ts): the upload is written into the slot's host copy at the
 * layout's offsets and sent in one queue.writeBuffer, then one compute pass records every
 * dispatch. Nothing here decides an offset, a window or a variant; it reads them from the layout.
 */
import { BatchBindings, LabelsBindings, ParamsLayout, SamplePlanLayout } from './layouts.generated.js';
import type { BatchJob, CallLayout } from './layout.js';
import type { PipelineCache } from './pipelines.js';
import type { Slot } from './slots.js';
import { fieldWords } from './struct.js';
import type { MixPlan } from '../types.js';

const P = fieldWords(ParamsLayout);
const S = fieldWords(SamplePlanLayout);
const B = BatchBindings;
const L = LabelsBindings;

/** The pipelines of a call, in the layout's order: images, soft targets, labels. */
export interface CallPipelines {
  images: GPUComputePipeline;
  soft: GPUComputePipeline | null;
  labels: GPUComputePipeline | null;
}

/** Most bind groups a slot keeps; past it the cache starts over (buffers that come and go). */
const MAX_GROUPS = 64;

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

/** The slot's bind group for `key`, made by `make` on a miss. */
function cachedGroup(slot: Slot, key: string, make: () => GPUBindGroup): GPUBindGroup {
  let group = slot.groups.get(key);
  if (!group) {
    if (slot.groups.size >= MAX_GROUPS) slot.groups.clear();
    group = make();
    slot.groups.set(key, group);
  }
  return group;
}

interface Pass {
  pipeline: GPUComputePipeline;
  group: GPUBindGroup;
  groups: [number, number];
}

/** Writes the upload, then records the call's pass into `encoder`. */
export function record(
  cache: PipelineCache,
  encoder: GPUCommandEncoder,
  layout: CallLayout,
  pipelines: CallPipelines,
  slot: Slot,
  dstImages: GPUBuffer,
  dstTargets: GPUBuffer | null,
): void {
  const device = cache.device;
  writePlanTable(slot, layout.samplesAt, layout.plan);
  const channels = layout.images.channels;
  const norm = layout.normalize;
  for (let c = 0, w = layout.normAt / 4; c < channels; c++, w += 2) {
    slot.f32[w] = norm ? norm.scale[c] : 1;
    slot.f32[w + 1] = norm ? norm.bias[c] : 0;
  }
  const range = (offset: number, size: number): GPUBufferBinding => ({ buffer: slot.buffer, offset, size });
  const samples = { binding: B.samples.binding, resource: range(layout.samplesAt, layout.samplesSize) };
  const passes: Pass[] = [];
  const batchPasses = (job: BatchJob, pipeline: GPUComputePipeline, dst: GPUBuffer) => {
    slot.u32.set(job.walk.segments.subarray(0, job.walk.count * 4), job.segmentsAt / 4);
    slot.u32.set(job.walk.walk.subarray(0, job.walk.used), job.walkAt / 4);
    const groupLayout = job.variant.inPlace ? cache.layouts.inPlace : cache.layouts.copy;
    const shared =
      `${job.segmentsAt}:${job.segmentsSize}:${job.walkAt}:${job.walkSize}:` +
      `${layout.samplesAt}:${layout.samplesSize}:${layout.normAt}:${layout.normSize}`;
    const srcId = job.variant.inPlace ? 0 : bufferId(job.source);
    const dstId = bufferId(dst);
    for (const d of job.dispatches) {
      writeBatchParams(slot, job, d);
      // Everything the group binds: its layout, the buffers and every range.
      const key =
        `b${srcId}:${d.src.offset}:${d.src.size}:${d.src2.offset}:${d.src2.size}` +
        `>${dstId}:${d.dst.offset}:${d.dst.size}@${d.paramsAt}:${shared}`;
      const group = cachedGroup(slot, key, () => {
        const entries: GPUBindGroupEntry[] = [
          { binding: B.params.binding, resource: range(d.paramsAt, ParamsLayout.size) },
          { binding: B.dst.binding, resource: { buffer: dst, offset: d.dst.offset, size: d.dst.size } },
          samples,
          { binding: B.segments.binding, resource: range(job.segmentsAt, job.segmentsSize) },
          { binding: B.walk.binding, resource: range(job.walkAt, job.walkSize) },
          { binding: B.norm.binding, resource: range(layout.normAt, layout.normSize) },
        ];
        if (!job.variant.inPlace) {
          entries.push({
            binding: B.src.binding,
            resource: { buffer: job.source, offset: d.src.offset, size: d.src.size },
          });
          entries.push({
            binding: B.src2.binding,
            resource: { buffer: job.source, offset: d.src2.offset, size: d.src2.size },
          });
        }
        return device.createBindGroup({ label: 'mixup batch', layout: groupLayout, entries });
      });
      passes.push({ pipeline, group, groups: d.groups });
    }
  };
  batchPasses(layout.images, pipelines.images, dstImages);
  if (layout.soft && pipelines.soft && dstTargets) batchPasses(layout.soft, pipelines.soft, dstTargets);

  const ids = layout.ids;
  if (ids && pipelines.labels && dstTargets) {
    for (const d of ids.dispatches) {
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
      const group = cachedGroup(slot, key, () =>
        device.createBindGroup({
          label: 'mixup labels',
          layout: cache.layouts.labels,
          entries: [
            { binding: L.params.binding, resource: range(d.paramsAt, ParamsLayout.size) },
            { binding: L.labels.binding, resource: { buffer: ids.labels, offset: 0, size: ids.labelsSize } },
            { binding: L.targets.binding, resource: { buffer: dstTargets, offset: d.dst.offset, size: d.dst.size } },
            samples,
            { binding: L.bad_ids.binding, resource: { buffer: slot.flag, offset: 0, size: 4 } },
          ],
        }),
      );
      passes.push({ pipeline: pipelines.labels, group, groups: d.groups });
    }
    // The bad-id counter is per call: zeroed before the labels kernel counts into it.
    encoder.clearBuffer(slot.flag);
  }

  device.queue.writeBuffer(slot.buffer, 0, slot.host, 0, layout.uploadSize);
  const pass = encoder.beginComputePass({ label: 'mixup' });
  for (const p of passes) {
    pass.setPipeline(p.pipeline);
    pass.setBindGroup(0, p.group);
    pass.dispatchWorkgroups(p.groups[0], p.groups[1]);
  }
  pass.end();
}

function writeBatchParams(slot: Slot, job: BatchJob, d: BatchJob['dispatches'][number]): void {
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
  u[w + P.num_classes] = 0;
  u[w + P.label_on] = 0;
  u[w + P.label_off] = 0;
}

/** The plan as an array of `SamplePlan` structs, written at the reflected field offsets. */
function writePlanTable(slot: Slot, at: number, plan: MixPlan): void {
  const stride = SamplePlanLayout.size / 4;
  const batch = plan.kind.length;
  const { u32, f32, i32 } = slot;
  for (let i = 0, w = at / 4; i < batch; i++, w += stride) {
    u32[w + S.kind] = plan.kind[i];
    f32[w + S.lam] = plan.lam[i];
    u32[w + S.partner] = plan.partner[i];
    i32[w + S.box] = plan.box[4 * i];
    i32[w + S.box + 1] = plan.box[4 * i + 1];
    i32[w + S.box + 2] = plan.box[4 * i + 2];
    i32[w + S.box + 3] = plan.box[4 * i + 3];
  }
}

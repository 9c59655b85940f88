/**
 * The GPU executor: a planned call (call.ts) is uploaded in one write and recorded as one compute
 * pass: one dispatch for the images or features (per chunk for large batches) and one for the
 * targets. Randomness stays in the planner; the kernels only execute a plan, so an explicit plan is
 * honoured exactly. Pipelines are compiled once per variant, asynchronously, and cached.
 */
import { MixupError, checkInteger, got } from '../errors.js';
import { createPlanner, emptyPlan } from '../plan.js';
import type { Planner } from '../plan.js';
import type { ResolvedMixOptions } from '../options.js';
import { smoothingValues } from '../reference.js';
import { checkObject } from '../shape.js';
import type { ImageSize, MixOptions, MixPlan } from '../types.js';
import { planCall } from './call.js';
import type { BatchWork, Call, CallContext } from './call.js';
import { ParamsLayout, SamplePlanLayout } from './layouts.generated.js';
import { batchShaderCode, batchVariantKey, dispatchSize, labelsShaderCode } from './shaders.js';
import { writeStruct } from './struct.js';
import type { MixCallOptions, MixEncoding, MixInputs, Mixer, MixerSettings, MixResult } from './types.js';

export type { GpuBatch, GpuLabels, MixCallOptions, MixEncoding, MixInputs, MixOutputs, MixResult, Mixer, MixerSettings } from './types.js';

/** An upload buffer (uniforms, plan, walks, normalisation), its bad-id counter, and its host copy. */
interface Slot {
  buffer: GPUBuffer;
  flag: GPUBuffer;
  host: ArrayBuffer;
}

/** Free encode() slots kept for reuse; more are destroyed when released. */
const MAX_FREE_SLOTS = 4;

interface Pipelines {
  images: GPUComputePipeline;
  labels: GPUComputePipeline | null;
}

/**
 * Creates a mixer on `device`: a seeded planner with `options` (timm's names and defaults) and the
 * GPU executor. Pipelines are compiled on first use (or ahead of time with {@link Mixer.prepare}).
 * Throws a {@link MixupError} for bad options.
 *
 * @example
 * ```ts
 * const mixer = createMixer(device, { mixupAlpha: 0.2, cutmixAlpha: 1, mode: 'elem', numClasses: 1000, seed: 42 });
 * const { images, targets, plan } = await mixer.mix(
 *   {
 *     images: { buffer: imageBuffer, dtype: 'uint8', shape: { layout: 'NCHW', batch: 256, channels: 3, height: 224, width: 224 } },
 *     labels: { buffer: labelBuffer, dtype: 'int32' }, // STORAGE buffers: 256 class ids
 *   },
 *   { normalize: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } },
 * );
 * // images: float32 [256, 3, 224, 224]; targets: float32 [256, 1000]: new buffers, yours to destroy
 * // (or pass them back as `outputs`). mixer.destroy() frees the mixer's own buffers.
 * ```
 *
 * @category GPU mixing
 */
export function createMixer(device: GPUDevice, options: MixOptions = {}, settings: MixerSettings = {}): Mixer {
  if (typeof device !== 'object' || device === null || typeof (device as GPUDevice).createBuffer !== 'function') {
    throw new MixupError('device', 'a GPUDevice', device);
  }
  const s = checkObject('settings', settings);
  const limit = device.limits.maxStorageBufferBindingSize;
  const maxBindingBytes = s.maxBindingBytes === undefined ? limit : checkInteger('settings.maxBindingBytes', s.maxBindingBytes, 1024, limit);
  return new GpuMixer(device, createPlanner(options), maxBindingBytes);
}

class GpuMixer implements Mixer, CallContext {
  readonly device: GPUDevice;
  readonly options: ResolvedMixOptions;
  readonly lost: Promise<GPUDeviceLostInfo>;
  readonly planner: Planner;
  readonly maxBindingBytes: number;
  readonly alignment: number;
  private readonly modules = new Map<string, GPUShaderModule>();
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();
  private readonly ready = new Map<string, GPUComputePipeline>();
  private readonly layouts: { copy: GPUBindGroupLayout; inPlace: GPUBindGroupLayout; labels: GPUBindGroupLayout };
  /**
   * mix() writes its upload with queue.writeBuffer and submits at once, in one synchronous step.
   * Queue operations run in order, so the next call's write lands after this call's work: one slot
   * serves every mix() call, however many are in flight.
   */
  private queueSlot: Slot | null = null;
  /** encode() uploads before the caller submits, so each encoding holds its own slot until released. */
  private readonly free: Slot[] = [];
  private readonly slots = new Set<Slot>();
  private destroyed = false;
  private lostInfo: GPUDeviceLostInfo | null = null;

  constructor(device: GPUDevice, planner: Planner, maxBindingBytes: number) {
    this.device = device;
    this.planner = planner;
    this.options = planner.options;
    this.maxBindingBytes = maxBindingBytes;
    this.lost = device.lost.then((info) => {
      this.lostInfo = info;
      return info;
    });
    this.alignment = Math.max(256, device.limits.minStorageBufferOffsetAlignment, device.limits.minUniformBufferOffsetAlignment);
    const entry = (binding: number, type: GPUBufferBindingType): GPUBindGroupLayoutEntry => ({ binding, visibility: GPUShaderStage.COMPUTE, buffer: { type } });
    const planEntries = [3, 4, 5, 6].map((b) => entry(b, 'read-only-storage'));
    this.layouts = {
      copy: device.createBindGroupLayout({
        label: 'mixup batch',
        entries: [entry(0, 'uniform'), entry(1, 'read-only-storage'), entry(7, 'read-only-storage'), entry(2, 'storage'), ...planEntries],
      }),
      inPlace: device.createBindGroupLayout({ label: 'mixup batch in place', entries: [entry(0, 'uniform'), entry(2, 'storage'), ...planEntries] }),
      labels: device.createBindGroupLayout({
        label: 'mixup labels',
        entries: [entry(0, 'uniform'), entry(1, 'read-only-storage'), entry(2, 'storage'), entry(3, 'read-only-storage'), entry(4, 'storage')],
      }),
    };
  }

  plan(batchSize: number, imageSize?: ImageSize): MixPlan {
    this.checkAlive();
    return this.planner.plan(batchSize, imageSize);
  }

  fork(worker: number): Mixer {
    this.checkAlive();
    return new GpuMixer(this.device, this.planner.fork(worker), this.maxBindingBytes);
  }

  async prepare(inputs: MixInputs, options: MixCallOptions = {}): Promise<void> {
    this.checkAlive();
    // Planning a throwaway plan would advance the stream: use the given plan, or a pass-through one.
    const batch = (inputs as { images?: { shape?: { batch?: number } } })?.images?.shape?.batch;
    const plan = options.plan ?? (typeof batch === 'number' && Number.isInteger(batch) && batch > 0 ? emptyPlan(batch) : undefined);
    await this.compile(planCall(this, inputs, options, plan ?? null));
  }

  async mix(inputs: MixInputs, options: MixCallOptions = {}): Promise<MixResult> {
    this.checkAlive();
    const call = planCall(this, inputs, options, options.plan ?? null);
    const pipelines = await this.compile(call);
    this.checkAlive();
    const device = this.device;
    const created: GPUBuffer[] = [];
    const outputs = options.outputs ?? {};
    const dstImages = options.inPlace ? call.images.source : outputs.images ?? this.output(created, call.outBytes, 'mixup images');
    const targetsBytes = call.batch * call.numClasses * 4;
    const dstTargets = call.soft || call.ids ? outputs.targets ?? this.output(created, targetsBytes, 'mixup targets') : null;
    const slot = this.mixSlot(call.uploadSize);
    const checkLabels = options.checkLabels === true && call.ids !== null;
    // Debug only: a staging buffer per checked call, so concurrent checks never share a mapping.
    const flagRead = checkLabels ? device.createBuffer({ label: 'mixup bad label read-back', size: 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }) : null;
    // A destroyed buffer, or one of another device, only shows up as a WebGPU validation error: catch
    // it here and reject with a clear message. The rejected submit runs nothing, so no buffer changes.
    device.pushErrorScope('validation');
    let thrown: unknown = null;
    try {
      const encoder = device.createCommandEncoder({ label: 'mixup' });
      this.record(encoder, call, pipelines, slot, dstImages, dstTargets);
      if (flagRead) encoder.copyBufferToBuffer(slot.flag, 0, flagRead, 0, 4);
      device.queue.submit([encoder.finish()]);
    } catch (error) {
      thrown = error;
    }
    // Popped whatever happened above, so the caller's own error scopes stay balanced.
    const error = await device.popErrorScope();
    if (thrown || error) {
      for (const buffer of created) buffer.destroy();
      flagRead?.destroy();
      if (thrown) throw thrown;
      throw new MixupError('inputs and outputs', "live GPUBuffers of the mixer's device (one is destroyed, or belongs to another device)", got(`WebGPU validation error: ${error!.message}`));
    }
    let invalidLabels: number | null = null;
    if (flagRead) {
      await flagRead.mapAsync(GPUMapMode.READ);
      invalidLabels = new Uint32Array(flagRead.getMappedRange())[0];
      flagRead.destroy();
    }
    return { images: dstImages, targets: dstTargets, plan: call.plan, outDtype: call.images.variant.outDtype, invalidLabels };
  }

  encode(encoder: GPUCommandEncoder, inputs: MixInputs, options: MixCallOptions & { plan: MixPlan }): MixEncoding {
    this.checkAlive();
    if (typeof options !== 'object' || options === null || options.plan === undefined) {
      throw new MixupError('options.plan', 'a MixPlan (encode executes an explicit plan)', options?.plan);
    }
    const call = planCall(this, inputs, options, options.plan);
    const dstImages = options.inPlace ? call.images.source : options.outputs?.images;
    if (!dstImages) throw new MixupError('options.outputs.images', 'a GPUBuffer (encode does not allocate outputs) or options.inPlace', undefined);
    const dstTargets = call.soft || call.ids ? options.outputs?.targets : null;
    if ((call.soft || call.ids) && !dstTargets) throw new MixupError('options.outputs.targets', 'a GPUBuffer when labels are given', undefined);
    const pipelines = this.compileSync(call);
    const slot = this.acquire(call.uploadSize);
    this.record(encoder, call, pipelines, slot, dstImages, dstTargets ?? null);
    let released = false;
    return {
      plan: call.plan,
      release: () => {
        if (released) return;
        released = true;
        this.device.queue.onSubmittedWorkDone().then(
          () => this.release(slot),
          () => this.release(slot),
        );
      },
    };
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const slot of this.slots) destroySlot(slot);
    if (this.queueSlot) destroySlot(this.queueSlot);
    this.queueSlot = null;
    this.slots.clear();
    this.free.length = 0;
    this.pipelines.clear();
    this.ready.clear();
    this.modules.clear();
  }

  private checkAlive(): void {
    if (this.destroyed) throw new MixupError('mixer', 'a live mixer', got('a mixer after destroy()'));
    if (this.lostInfo) {
      throw new MixupError('device', 'a live GPUDevice', got(`a lost device (${this.lostInfo.reason}: ${this.lostInfo.message || 'no message'}); create a new mixer on a new device`));
    }
  }

  // ---- pipelines ----

  private pipelineDescriptors(call: Call): Array<[string, () => GPUComputePipelineDescriptor]> {
    const batchDescriptor = (work: BatchWork): [string, () => GPUComputePipelineDescriptor] => {
      const key = batchVariantKey(work.variant);
      return [
        `${key}:${work.entry}`,
        () => ({
          label: key,
          layout: this.device.createPipelineLayout({ bindGroupLayouts: [work.variant.inPlace ? this.layouts.inPlace : this.layouts.copy] }),
          compute: { module: this.module(key, () => batchShaderCode(work.variant)), entryPoint: work.entry },
        }),
      ];
    };
    const list = [batchDescriptor(call.images)];
    if (call.soft) list.push(batchDescriptor(call.soft));
    if (call.ids) {
      list.push([
        'labels',
        () => ({
          label: 'mixup labels',
          layout: this.device.createPipelineLayout({ bindGroupLayouts: [this.layouts.labels] }),
          compute: { module: this.module('labels', labelsShaderCode), entryPoint: 'main' },
        }),
      ]);
    }
    return list;
  }

  private module(key: string, code: () => string): GPUShaderModule {
    let module = this.modules.get(key);
    if (!module) {
      module = this.device.createShaderModule({ label: key, code: code() });
      this.modules.set(key, module);
    }
    return module;
  }

  private async compile(call: Call): Promise<Pipelines> {
    const pipelines = await Promise.all(
      this.pipelineDescriptors(call).map(([key, descriptor]) => {
        let pending = this.pipelines.get(key);
        if (!pending) {
          pending = this.device.createComputePipelineAsync(descriptor()).then((p) => {
            this.ready.set(key, p);
            return p;
          });
          this.pipelines.set(key, pending);
          pending.catch(() => this.pipelines.delete(key));
        }
        return pending;
      }),
    );
    return { images: pipelines[0], labels: pipelines[1] ?? null };
  }

  private compileSync(call: Call): Pipelines {
    const pipelines = this.pipelineDescriptors(call).map(([key, descriptor]) => {
      let pipeline = this.ready.get(key);
      if (!pipeline) {
        pipeline = this.device.createComputePipeline(descriptor());
        this.ready.set(key, pipeline);
        this.pipelines.set(key, Promise.resolve(pipeline));
      }
      return pipeline;
    });
    return { images: pipelines[0], labels: pipelines[1] ?? null };
  }

  // ---- buffers ----

  private output(created: GPUBuffer[], bytes: number, label: string): GPUBuffer {
    const buffer = this.device.createBuffer({ label, size: Math.max(4, bytes), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    created.push(buffer);
    return buffer;
  }

  private newSlot(size: number): Slot {
    // Powers of two, so a growing batch reallocates only a few times.
    const capacity = Math.max(4096, 2 ** Math.ceil(Math.log2(size)));
    return {
      buffer: this.device.createBuffer({ label: 'mixup upload', size: capacity, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST }),
      flag: this.device.createBuffer({ label: 'mixup bad label count', size: 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST }),
      host: new ArrayBuffer(capacity),
    };
  }

  /** The one slot of mix() calls; replaced when too small (destroy waits for work already submitted). */
  private mixSlot(size: number): Slot {
    if (this.queueSlot && this.queueSlot.buffer.size >= size) return this.queueSlot;
    if (this.queueSlot) destroySlot(this.queueSlot);
    this.queueSlot = this.newSlot(size);
    return this.queueSlot;
  }

  /** A slot for one encode(), held until the encoding is released and its work is done. */
  private acquire(size: number): Slot {
    const index = this.free.findIndex((s) => s.buffer.size >= size);
    if (index >= 0) return this.free.splice(index, 1)[0];
    const slot = this.newSlot(size);
    this.slots.add(slot);
    return slot;
  }

  private release(slot: Slot): void {
    if (this.destroyed || !this.slots.has(slot)) return;
    if (this.free.length < MAX_FREE_SLOTS) {
      this.free.push(slot);
    } else {
      this.slots.delete(slot);
      destroySlot(slot);
    }
  }

  // ---- recording ----

  private record(encoder: GPUCommandEncoder, call: Call, pipelines: Pipelines, slot: Slot, dstImages: GPUBuffer, dstTargets: GPUBuffer | null): void {
    const { batch, plan } = call;
    const view = new DataView(slot.host);
    const a = this.alignment;
    const maxGroups = this.device.limits.maxComputeWorkgroupsPerDimension;
    writePlanTable(slot.host, call.samplesAt, plan);
    const norm = new Float32Array(slot.host, call.normAt, call.images.channels * 2);
    for (let c = 0; c < call.images.channels; c++) {
      norm[2 * c] = call.normalize ? call.normalize.scale[c] : 1;
      norm[2 * c + 1] = call.normalize ? call.normalize.bias[c] : 0;
    }
    const range = (offset: number, size: number): GPUBufferBinding => ({ buffer: slot.buffer, offset, size });
    const samplesEntry = { binding: 3, resource: range(call.samplesAt, batch * SamplePlanLayout.size) };
    const normEntry = { binding: 6, resource: range(call.normAt, Math.max(8, call.images.channels * 8)) };

    // Every dispatch's params, bind group and size, recorded after the single upload below.
    const passes: Array<{ pipeline: GPUComputePipeline; group: GPUBindGroup; size: [number, number] }> = [];
    let paramsIndex = 0;
    const batchPasses = (work: BatchWork, pipeline: GPUComputePipeline, dst: GPUBuffer) => {
      new Uint32Array(slot.host, work.segmentsAt, work.walk.count * 4).set(work.walk.segments.subarray(0, work.walk.count * 4));
      new Uint32Array(slot.host, work.walkAt, work.walk.walk.length).set(work.walk.walk);
      const quads = Math.ceil(work.n / 4);
      for (const d of work.dispatches) {
        const paramsAt = a * paramsIndex++;
        const size = dispatchSize(d.segCount * quads, maxGroups);
        const src2 = d.src2 ?? { ...d.src, count: 0 };
        writeStruct(view, paramsAt, ParamsLayout, {
          num_threads: d.segCount * quads,
          groups_x: size[0],
          sample_elems: work.n,
          sample_quads: quads,
          channels: work.channels,
          width: work.width,
          height: work.height,
          plane: work.height * work.width,
          seg_base: d.segBase,
          src_base: d.src.base,
          src_shift: d.src.shift,
          src2_base: src2.base,
          src2_count: src2.count,
          src2_shift: src2.shift,
          dst_base: d.dst.base,
          dst_shift: d.dst.shift,
        });
        const entries: GPUBindGroupEntry[] = [
          { binding: 0, resource: range(paramsAt, ParamsLayout.size) },
          { binding: 2, resource: { buffer: dst, offset: d.dst.offset, size: d.dst.size } },
          samplesEntry,
          { binding: 4, resource: range(work.segmentsAt, Math.max(16, work.walk.count * 16)) },
          { binding: 5, resource: range(work.walkAt, Math.max(4, work.walk.walk.length * 4)) },
          normEntry,
        ];
        if (!work.variant.inPlace) {
          entries.push({ binding: 1, resource: { buffer: work.source, offset: d.src.offset, size: d.src.size } });
          entries.push({ binding: 7, resource: { buffer: work.source, offset: src2.offset, size: src2.size } });
        }
        const layout = work.variant.inPlace ? this.layouts.inPlace : this.layouts.copy;
        passes.push({ pipeline, group: this.device.createBindGroup({ label: 'mixup batch', layout, entries }), size });
      }
    };
    batchPasses(call.images, pipelines.images, dstImages);
    if (call.soft && pipelines.labels && dstTargets) batchPasses(call.soft, pipelines.labels, dstTargets);

    if (call.ids && pipelines.labels && dstTargets) {
      const K = call.numClasses;
      const { on, off } = smoothingValues(K, this.options.labelSmoothing);
      for (const w of call.ids.windows) {
        const paramsAt = a * paramsIndex++;
        const quads = Math.ceil(K / 4);
        const threads = w.count * quads;
        const size = dispatchSize(threads, maxGroups);
        writeStruct(view, paramsAt, ParamsLayout, { num_threads: threads, groups_x: size[0], sample_quads: quads, num_classes: K, label_on: on, label_off: off, dst_base: w.base, dst_shift: w.shift });
        const group = this.device.createBindGroup({
          label: 'mixup labels',
          layout: this.layouts.labels,
          entries: [
            { binding: 0, resource: range(paramsAt, ParamsLayout.size) },
            { binding: 1, resource: { buffer: call.ids.labels, offset: 0, size: batch * 4 } },
            { binding: 2, resource: { buffer: dstTargets, offset: w.offset, size: w.size } },
            samplesEntry,
            { binding: 4, resource: { buffer: slot.flag, offset: 0, size: 4 } },
          ],
        });
        passes.push({ pipeline: pipelines.labels, group, size });
      }
      // The bad-id counter is per call: zeroed before the labels kernel counts into it.
      encoder.clearBuffer(slot.flag);
    }

    this.device.queue.writeBuffer(slot.buffer, 0, slot.host, 0, call.uploadSize);
    const pass = encoder.beginComputePass({ label: 'mixup' });
    for (const p of passes) {
      pass.setPipeline(p.pipeline);
      pass.setBindGroup(0, p.group);
      pass.dispatchWorkgroups(p.size[0], p.size[1]);
    }
    pass.end();
  }
}

/**
 * The plan as an array of `SamplePlan` structs, written through typed-array views at the reflected
 * field offsets (a per-field DataView write per sample was most of the host's cost per call).
 */
function writePlanTable(host: ArrayBuffer, at: number, plan: MixPlan): void {
  const { size, fields } = SamplePlanLayout;
  const stride = size / 4;
  const batch = plan.kind.length;
  const u32 = new Uint32Array(host, at, batch * stride);
  const f32 = new Float32Array(host, at, batch * stride);
  const i32 = new Int32Array(host, at, batch * stride);
  const kind = fields.kind.offset / 4;
  const lam = fields.lam.offset / 4;
  const partner = fields.partner.offset / 4;
  const box = fields.box.offset / 4;
  for (let i = 0, w = 0; i < batch; i++, w += stride) {
    u32[w + kind] = plan.kind[i];
    f32[w + lam] = plan.lam[i];
    u32[w + partner] = plan.partner[i];
    i32[w + box] = plan.box[4 * i];
    i32[w + box + 1] = plan.box[4 * i + 1];
    i32[w + box + 2] = plan.box[4 * i + 2];
    i32[w + box + 3] = plan.box[4 * i + 3];
  }
}

function destroySlot(slot: Slot): void {
  slot.buffer.destroy();
  slot.flag.destroy();
}

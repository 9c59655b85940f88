/**
 * The GPU executor: validates a call on the host, uploads the plan, and encodes one dispatch for the
 * images (or features) and one for the targets. Randomness stays in the planner; the kernels only
 * execute a plan, so an explicit plan is honoured exactly.
 *
 * Per call the host writes one small upload (uniforms, plan, walk) into a pooled slot buffer; a slot
 * is reused only after the queue has finished the work that read it, so calls in flight never race.
 * Pipelines are compiled once per variant, asynchronously, and cached.
 */
import { MixupError, describe } from '../errors';
import { createPlanner } from '../plan';
import type { Planner } from '../plan';
import { validatePlan, validatePlanForTargets } from '../plan';
import type { ResolvedMixOptions } from '../options';
import { normalizeCoefficients, smoothingValues } from '../reference';
import { DTYPES, DTYPE_BYTES, checkObject, checkOneOf, checkShape } from '../shape';
import type { Geometry } from '../shape';
import type { BatchShape, DType, ImageSize, LabelDType, MixOptions, MixPlan, Normalize } from '../types';
import { ParamsLayout, SamplePlanLayout } from './layouts.generated';
import { batchConstants, batchShaderCode, batchVariantKey, dispatchSize, labelsShaderCode } from './shaders';
import type { BatchVariant } from './shaders';
import { writeStruct } from './struct';
import { buildWalk } from './walk';
import type { Walk } from './walk';

/** An image or feature batch held in a GPUBuffer (from byte 0). */
export interface GpuBatch {
  buffer: GPUBuffer;
  shape: BatchShape;
  dtype: DType;
}

/** Labels held in a GPUBuffer: `B` class ids (int32 / uint32) or `B x K` float32 soft targets. */
export interface GpuLabels {
  buffer: GPUBuffer;
  dtype: LabelDType;
}

export interface MixInputs {
  images: GpuBatch;
  labels?: GpuLabels;
}

/** Buffers the caller provides for the results (STORAGE usage). */
export interface MixOutputs {
  images?: GPUBuffer;
  targets?: GPUBuffer;
}

export interface MixCallOptions {
  /** The plan to execute; by default the mixer draws the next one from its seeded stream. */
  plan?: MixPlan;
  /** Element type of the mixed images. Default: float32 with `normalize`, else the input dtype. */
  outDtype?: DType;
  /** Fused per-channel normalisation of uint8 input, (x / 255 - mean) / std, into float output. */
  normalize?: Normalize | null;
  /** Write the mixed images over the input buffer (same dtype, no normalisation). */
  inPlace?: boolean;
  /** Output buffers to write into instead of new ones (needed for zero allocation per call). */
  outputs?: MixOutputs;
}

export interface MixResult {
  /** The mixed images: the input buffer when in place, `outputs.images`, or a new buffer the caller owns. */
  images: GPUBuffer;
  /** Targets [B, K] float32 when labels were given: `outputs.targets` or a new buffer the caller owns. */
  targets: GPUBuffer | null;
  /** The plan that was executed. */
  plan: MixPlan;
  /** Element type written to `images`. */
  outDtype: DType;
}

/** What `encode` recorded; call `release()` once the command buffer has been submitted. */
export interface MixEncoding {
  plan: MixPlan;
  /** Returns the upload slot to the pool once the queue has finished the submitted work. */
  release(): void;
}

export interface Mixer {
  readonly device: GPUDevice;
  readonly options: ResolvedMixOptions;
  /** Draws the next plan from the mixer's seeded stream (advancing it). */
  plan(batchSize: number, imageSize?: ImageSize): MixPlan;
  /** Compiles, ahead of time, the pipelines a call with these inputs and options would use. */
  prepare(inputs: MixInputs, options?: MixCallOptions): Promise<void>;
  /** Mixes a batch: validates, uploads the plan, encodes and submits. */
  mix(inputs: MixInputs, options?: MixCallOptions): Promise<MixResult>;
  /**
   * Records the mixing into the caller's encoder. `options.plan` is required, and so are `outputs`
   * (unless in place). Pipelines are compiled synchronously if `prepare` was not awaited first.
   */
  encode(encoder: GPUCommandEncoder, inputs: MixInputs, options: MixCallOptions & { plan: MixPlan }): MixEncoding;
  /** Releases every GPU resource the mixer created. The device is not destroyed. */
  destroy(): void;
}

/** Aim for this many threads before cutting long cycles (enough to fill a large GPU). */
const TARGET_THREADS = 1 << 18;

const ceil4 = (bytes: number) => Math.ceil(bytes / 4) * 4;
const alignUp = (value: number, alignment: number) => Math.ceil(value / alignment) * alignment;

/** A validated call: everything needed to record it, computed before any GPU work. */
interface Call {
  geometry: Geometry;
  plan: MixPlan;
  walk: Walk;
  variant: BatchVariant;
  normalize: { scale: Float32Array; bias: Float32Array } | null;
  images: GpuBatch;
  imageBytesIn: number;
  imageBytesOut: number;
  labels: GpuLabels | null;
  /** K, when labels are given. */
  numClasses: number;
  upload: UploadLayout;
}

interface UploadLayout {
  labelParams: number;
  samples: number;
  segments: number;
  walk: number;
  norm: number;
  size: number;
}

interface Slot {
  buffer: GPUBuffer;
  flag: GPUBuffer;
  host: ArrayBuffer;
}

interface Pipelines {
  images: GPUComputePipeline;
  labels: GPUComputePipeline | null;
}

function isGpuBuffer(value: unknown): value is GPUBuffer {
  return typeof value === 'object' && value !== null && typeof (value as GPUBuffer).size === 'number' && typeof (value as GPUBuffer).usage === 'number' && typeof (value as GPUBuffer).destroy === 'function';
}

function checkBuffer(argument: string, value: unknown, minBytes: number, usage: number, usageName: string): GPUBuffer {
  if (!isGpuBuffer(value)) throw new MixupError(argument, 'a GPUBuffer', value);
  if ((value.usage & usage) !== usage) throw new MixupError(`${argument}.usage`, `to include ${usageName}`, `usage flags 0x${value.usage.toString(16)}`);
  if (value.size < minBytes) throw new MixupError(`${argument}.size`, `at least ${minBytes} bytes`, `${value.size} bytes`);
  return value;
}

export function createMixer(device: GPUDevice, options: MixOptions = {}): Mixer {
  return new GpuMixer(device, createPlanner(options));
}

class GpuMixer implements Mixer {
  readonly device: GPUDevice;
  readonly options: ResolvedMixOptions;
  private readonly planner: Planner;
  private readonly alignment: number;
  private readonly modules = new Map<string, GPUShaderModule>();
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();
  private readonly ready = new Map<string, GPUComputePipeline>();
  private readonly layouts: { copy: GPUBindGroupLayout; inPlace: GPUBindGroupLayout; labels: GPUBindGroupLayout };
  private readonly free: Slot[] = [];
  private readonly slots = new Set<Slot>();
  private destroyed = false;

  constructor(device: GPUDevice, planner: Planner) {
    this.device = device;
    this.planner = planner;
    this.options = planner.options;
    this.alignment = Math.max(256, device.limits.minStorageBufferOffsetAlignment, device.limits.minUniformBufferOffsetAlignment);
    const entry = (binding: number, type: GPUBufferBindingType): GPUBindGroupLayoutEntry => ({ binding, visibility: GPUShaderStage.COMPUTE, buffer: { type } });
    const planEntries = [entry(3, 'read-only-storage'), entry(4, 'read-only-storage'), entry(5, 'read-only-storage'), entry(6, 'read-only-storage')];
    this.layouts = {
      copy: device.createBindGroupLayout({ label: 'mixup batch', entries: [entry(0, 'uniform'), entry(1, 'read-only-storage'), entry(2, 'storage'), ...planEntries] }),
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

  async prepare(inputs: MixInputs, options: MixCallOptions = {}): Promise<void> {
    this.checkAlive();
    const plan = options.plan ?? null;
    const call = this.validate(inputs, options, plan);
    await this.compile(call);
  }

  async mix(inputs: MixInputs, options: MixCallOptions = {}): Promise<MixResult> {
    this.checkAlive();
    const call = this.validate(inputs, options, options.plan ?? null);
    const pipelines = await this.compile(call);
    this.checkAlive();
    const device = this.device;
    const created: GPUBuffer[] = [];
    const dstImages = options.inPlace ? call.images.buffer : options.outputs?.images ?? this.output(created, call.imageBytesOut, 'mixup images');
    const dstTargets = call.labels ? options.outputs?.targets ?? this.output(created, call.geometry.batch * call.numClasses * 4, 'mixup targets') : null;
    const slot = this.acquire(call.upload.size);
    try {
      const encoder = device.createCommandEncoder({ label: 'mixup' });
      this.record(encoder, call, pipelines, slot, dstImages, dstTargets);
      device.queue.submit([encoder.finish()]);
    } catch (error) {
      for (const buffer of created) buffer.destroy();
      this.release(slot);
      throw error;
    }
    device.queue.onSubmittedWorkDone().then(
      () => this.release(slot),
      () => this.release(slot),
    );
    return { images: dstImages, targets: dstTargets, plan: call.plan, outDtype: call.variant.outDtype };
  }

  encode(encoder: GPUCommandEncoder, inputs: MixInputs, options: MixCallOptions & { plan: MixPlan }): MixEncoding {
    this.checkAlive();
    if (!options || options.plan === undefined) throw new MixupError('options.plan', 'a MixPlan (encode executes an explicit plan)', options?.plan);
    const call = this.validate(inputs, options, options.plan);
    const dstImages = options.inPlace ? call.images.buffer : options.outputs?.images;
    if (!dstImages) throw new MixupError('options.outputs.images', 'a GPUBuffer (encode does not allocate outputs) or options.inPlace', undefined);
    const dstTargets = call.labels ? options.outputs?.targets : null;
    if (call.labels && !dstTargets) throw new MixupError('options.outputs.targets', 'a GPUBuffer when labels are given', undefined);
    const pipelines = this.compileSync(call);
    const slot = this.acquire(call.upload.size);
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
    for (const slot of this.slots) {
      slot.buffer.destroy();
      slot.flag.destroy();
    }
    this.slots.clear();
    this.free.length = 0;
    this.pipelines.clear();
    this.ready.clear();
    this.modules.clear();
  }

  private checkAlive(): void {
    if (this.destroyed) throw new MixupError('mixer', 'a live mixer (destroy() was called)', 'a destroyed mixer');
  }

  // ---- validation: everything is checked before any GPU work ----

  private validate(inputs: MixInputs, options: MixCallOptions, explicitPlan: MixPlan | null): Call {
    const ins = checkObject('inputs', inputs);
    const opts = checkObject('options', options);
    const imagesArg = checkObject('inputs.images', ins.images);
    const geometry = checkShape('inputs.images.shape', imagesArg.shape);
    const inDtype = checkOneOf('inputs.images.dtype', imagesArg.dtype, DTYPES);
    const normalize = opts.normalize ?? null;
    if (normalize !== null && inDtype !== 'uint8') {
      throw new MixupError('options.normalize', "to be used with uint8 input only (it maps bytes 0..255 to floats)", `input dtype ${describe(inDtype)}`);
    }
    const outDtype = opts.outDtype === undefined ? (normalize ? 'float32' : inDtype) : checkOneOf('options.outDtype', opts.outDtype, DTYPES);
    if (normalize && outDtype === 'uint8') throw new MixupError('options.outDtype', "'float32' or 'float16' when normalising", outDtype);
    const coefficients = normalize ? normalizeCoefficients(normalize as Normalize, geometry.channels) : null;
    for (const [argument, dtype] of [['inputs.images.dtype', inDtype], ['options.outDtype', outDtype]] as const) {
      if (dtype === 'float16' && !this.device.features.has('shader-f16')) {
        throw new MixupError(argument, "'float32' or 'uint8' on this device ('float16' needs a device created with the 'shader-f16' feature)", dtype);
      }
    }
    const { batch, n } = geometry;
    if (outDtype === 'uint8' && n % 4 !== 0) {
      throw new MixupError('inputs.images.shape', `a sample of a multiple of 4 elements for uint8 output (4 bytes are written per word), got ${n} elements; choose outDtype 'float32'`, n);
    }
    const inPlace = opts.inPlace === true;
    if (opts.inPlace !== undefined && typeof opts.inPlace !== 'boolean') throw new MixupError('options.inPlace', 'a boolean', opts.inPlace);
    if (inPlace && (outDtype !== inDtype || normalize)) {
      throw new MixupError('options.inPlace', `output of the input's dtype (${inDtype}) without normalisation`, `outDtype ${outDtype}${normalize ? ' with normalize' : ''}`);
    }
    const limits = this.device.limits;
    const imageBytesIn = ceil4(batch * n * DTYPE_BYTES[inDtype]);
    const imageBytesOut = ceil4(batch * n * DTYPE_BYTES[outDtype]);
    for (const [argument, bytes] of [['inputs.images', imageBytesIn], ['output images', imageBytesOut]] as const) {
      if (bytes > limits.maxStorageBufferBindingSize) {
        throw new MixupError(argument, `at most maxStorageBufferBindingSize (${limits.maxStorageBufferBindingSize}) bytes on this device`, `${bytes} bytes`);
      }
    }
    const usage = GPUBufferUsage.STORAGE;
    const images: GpuBatch = { buffer: checkBuffer('inputs.images.buffer', imagesArg.buffer, imageBytesIn, usage, 'STORAGE'), shape: imagesArg.shape as BatchShape, dtype: inDtype };
    if (!inPlace && opts.outputs !== undefined) {
      const outs = checkObject('options.outputs', opts.outputs);
      if (outs.images !== undefined) {
        checkBuffer('options.outputs.images', outs.images, imageBytesOut, usage, 'STORAGE');
        if (outs.images === images.buffer) throw new MixupError('options.outputs.images', 'a buffer other than the input (use options.inPlace to mix in place)', 'the input buffer');
      }
    }

    let labels: GpuLabels | null = null;
    const numClasses = this.options.numClasses;
    if (ins.labels !== undefined) {
      const l = checkObject('inputs.labels', ins.labels);
      const dtype = checkOneOf('inputs.labels.dtype', l.dtype, ['int32', 'uint32', 'float32'] as const);
      const bytes = dtype === 'float32' ? batch * numClasses * 4 : batch * 4;
      labels = { buffer: checkBuffer('inputs.labels.buffer', l.buffer, bytes, usage, 'STORAGE'), dtype };
      if (batch * numClasses * 4 > limits.maxStorageBufferBindingSize) {
        throw new MixupError('targets', `at most maxStorageBufferBindingSize (${limits.maxStorageBufferBindingSize}) bytes`, `${batch * numClasses * 4} bytes`);
      }
      if (opts.outputs !== undefined) {
        const t = (opts.outputs as MixOutputs).targets;
        if (t !== undefined) checkBuffer('options.outputs.targets', t, batch * numClasses * 4, usage, 'STORAGE');
      }
    }

    const imageSize = geometry.layout === 'rows' ? null : { height: geometry.height, width: geometry.width };
    let plan: MixPlan;
    if (explicitPlan) {
      validatePlan(explicitPlan, batch, imageSize);
      plan = explicitPlan;
    } else {
      plan = this.planner.plan(batch, imageSize ?? undefined);
      // A rows batch cannot take boxes: a planner that may draw CutMix is a configuration error.
      if (imageSize === null) validatePlan(plan, batch, null);
    }
    if (labels) validatePlanForTargets(plan, batch);

    const vec4 = n % 4 === 0;
    const quads = Math.ceil(n / 4);
    const walk = buildWalk(plan.partner, { inPlace, quads, targetThreads: TARGET_THREADS });
    const [, groupsY] = dispatchSize(walk.count * quads, limits.maxComputeWorkgroupsPerDimension);
    if (groupsY > limits.maxComputeWorkgroupsPerDimension) {
      throw new MixupError('inputs.images.shape', 'a batch small enough for one 2-D dispatch', `${walk.count * quads} threads`);
    }
    const a = this.alignment;
    const labelParams = a;
    const samples = 2 * a;
    const segments = alignUp(samples + batch * SamplePlanLayout.size, a);
    const walkAt = alignUp(segments + walk.count * 16, a);
    const norm = alignUp(walkAt + walk.walk.length * 4, a);
    const size = norm + Math.max(8, geometry.channels * 8);
    return {
      geometry,
      plan,
      walk,
      variant: { inDtype, outDtype, vec4, inPlace },
      normalize: coefficients,
      images,
      imageBytesIn,
      imageBytesOut,
      labels,
      numClasses,
      upload: { labelParams, samples, segments, walk: walkAt, norm, size },
    };
  }

  // ---- pipelines ----

  private pipelineDescriptors(call: Call): Array<[string, () => GPUComputePipelineDescriptor]> {
    const { variant, geometry, labels } = call;
    const batchDescriptor = (v: BatchVariant, constants: Record<string, number>, layout: GPUBindGroupLayout) => () => ({
      label: batchVariantKey(v),
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module: this.module(batchVariantKey(v), () => batchShaderCode(v)), entryPoint: 'main', constants },
    });
    const constants = batchConstants({ layout: geometry.layout, normalize: call.normalize !== null, blendOnly: false });
    const list: Array<[string, () => GPUComputePipelineDescriptor]> = [
      [`${batchVariantKey(variant)}:${JSON.stringify(constants)}`, batchDescriptor(variant, constants, variant.inPlace ? this.layouts.inPlace : this.layouts.copy)],
    ];
    if (labels?.dtype === 'float32') {
      const soft: BatchVariant = { inDtype: 'float32', outDtype: 'float32', vec4: call.numClasses % 4 === 0, inPlace: false };
      const softConstants = batchConstants({ layout: 'rows', normalize: false, blendOnly: true });
      list.push([`${batchVariantKey(soft)}:${JSON.stringify(softConstants)}`, batchDescriptor(soft, softConstants, this.layouts.copy)]);
    } else if (labels) {
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

  /** A free upload slot of at least `size` bytes; slots grow, never shrink below the largest call. */
  private acquire(size: number): Slot {
    const index = this.free.findIndex((s) => s.buffer.size >= size);
    if (index >= 0) return this.free.splice(index, 1)[0];
    const small = this.free.pop();
    if (small) {
      this.slots.delete(small);
      small.buffer.destroy();
      small.flag.destroy();
    }
    const capacity = Math.max(4096, 2 ** Math.ceil(Math.log2(size)));
    const slot: Slot = {
      buffer: this.device.createBuffer({ label: 'mixup upload', size: capacity, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST }),
      flag: this.device.createBuffer({ label: 'mixup bad label count', size: 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST }),
      host: new ArrayBuffer(capacity),
    };
    this.slots.add(slot);
    return slot;
  }

  private release(slot: Slot): void {
    if (!this.destroyed && this.slots.has(slot)) this.free.push(slot);
  }

  // ---- recording ----

  private record(encoder: GPUCommandEncoder, call: Call, pipelines: Pipelines, slot: Slot, dstImages: GPUBuffer, dstTargets: GPUBuffer | null): void {
    const { geometry, plan, walk, upload, variant } = call;
    const { batch, n } = geometry;
    const view = new DataView(slot.host);
    const quads = Math.ceil(n / 4);
    const maxGroups = this.device.limits.maxComputeWorkgroupsPerDimension;
    const imageThreads = walk.count * quads;
    const [gx, gy] = dispatchSize(imageThreads, maxGroups);
    writeStruct(view, 0, ParamsLayout, {
      num_threads: imageThreads,
      groups_x: gx,
      sample_elems: n,
      sample_quads: quads,
      channels: geometry.channels,
      width: geometry.width,
      plane: geometry.height * geometry.width,
    });
    for (let i = 0; i < batch; i++) {
      writeStruct(view, upload.samples + i * SamplePlanLayout.size, SamplePlanLayout, {
        kind: plan.kind[i],
        lam: plan.lam[i],
        partner: plan.partner[i],
        box: plan.box.subarray(4 * i, 4 * i + 4),
      });
    }
    new Uint32Array(slot.host, upload.segments, walk.count * 4).set(walk.segments.subarray(0, walk.count * 4));
    new Uint32Array(slot.host, upload.walk, walk.walk.length).set(walk.walk);
    const norm = new Float32Array(slot.host, upload.norm, geometry.channels * 2);
    for (let c = 0; c < geometry.channels; c++) {
      norm[2 * c] = call.normalize ? call.normalize.scale[c] : 1;
      norm[2 * c + 1] = call.normalize ? call.normalize.bias[c] : 0;
    }

    let labelThreads = 0;
    let lx = 1;
    let ly = 1;
    if (call.labels) {
      const K = call.numClasses;
      const soft = call.labels.dtype === 'float32';
      const kQuads = Math.ceil(K / 4);
      labelThreads = soft ? walk.count * kQuads : batch * K;
      [lx, ly] = dispatchSize(labelThreads, maxGroups);
      const { on, off } = smoothingValues(K, this.options.labelSmoothing);
      writeStruct(view, upload.labelParams, ParamsLayout, {
        num_threads: labelThreads,
        groups_x: lx,
        sample_elems: K,
        sample_quads: kQuads,
        channels: 1,
        width: K,
        plane: K,
        num_classes: K,
        num_samples: batch,
        label_on: on,
        label_off: off,
      });
    }
    this.device.queue.writeBuffer(slot.buffer, 0, slot.host, 0, upload.size);

    const range = (offset: number, size: number): GPUBufferBinding => ({ buffer: slot.buffer, offset, size });
    const planEntries: GPUBindGroupEntry[] = [
      { binding: 3, resource: range(upload.samples, batch * SamplePlanLayout.size) },
      { binding: 4, resource: range(upload.segments, walk.count * 16) },
      { binding: 5, resource: range(upload.walk, walk.walk.length * 4) },
      { binding: 6, resource: range(upload.norm, Math.max(8, geometry.channels * 8)) },
    ];
    const imageEntries: GPUBindGroupEntry[] = [
      { binding: 0, resource: range(0, ParamsLayout.size) },
      { binding: 2, resource: { buffer: dstImages, offset: 0, size: call.imageBytesOut } },
      ...planEntries,
    ];
    if (!variant.inPlace) imageEntries.push({ binding: 1, resource: { buffer: call.images.buffer, offset: 0, size: call.imageBytesIn } });
    const imageGroup = this.device.createBindGroup({ label: 'mixup batch', layout: variant.inPlace ? this.layouts.inPlace : this.layouts.copy, entries: imageEntries });

    // The bad-id counter is per call: zeroed before the labels kernel counts into it.
    if (call.labels && call.labels.dtype !== 'float32') encoder.clearBuffer(slot.flag);
    const pass = encoder.beginComputePass({ label: 'mixup' });
    pass.setPipeline(pipelines.images);
    pass.setBindGroup(0, imageGroup);
    pass.dispatchWorkgroups(gx, gy);
    if (call.labels && dstTargets && pipelines.labels) {
      const K = call.numClasses;
      const targetsBytes = batch * K * 4;
      const labelsBuffer = call.labels.buffer;
      let group: GPUBindGroup;
      if (call.labels.dtype === 'float32') {
        group = this.device.createBindGroup({
          label: 'mixup soft targets',
          layout: this.layouts.copy,
          entries: [
            { binding: 0, resource: range(upload.labelParams, ParamsLayout.size) },
            { binding: 1, resource: { buffer: labelsBuffer, offset: 0, size: targetsBytes } },
            { binding: 2, resource: { buffer: dstTargets, offset: 0, size: targetsBytes } },
            ...planEntries,
          ],
        });
      } else {
        group = this.device.createBindGroup({
          label: 'mixup labels',
          layout: this.layouts.labels,
          entries: [
            { binding: 0, resource: range(upload.labelParams, ParamsLayout.size) },
            { binding: 1, resource: { buffer: labelsBuffer, offset: 0, size: batch * 4 } },
            { binding: 2, resource: { buffer: dstTargets, offset: 0, size: targetsBytes } },
            { binding: 3, resource: range(upload.samples, batch * SamplePlanLayout.size) },
            { binding: 4, resource: { buffer: slot.flag, offset: 0, size: 4 } },
          ],
        });
      }
      pass.setPipeline(pipelines.labels);
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(lx, ly);
    }
    pass.end();
  }
}

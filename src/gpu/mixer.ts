/**
 * The GPU executor: validates a call on the host, uploads the plan, and encodes one dispatch for the
 * images (or features) and one for the targets. Randomness stays in the planner; the kernels only
 * execute a plan, so an explicit plan is honoured exactly.
 *
 * Per call the host writes one small upload (uniforms, plan, walk) into a pooled slot buffer; a slot
 * is reused only after the queue has finished the work that read it, so calls in flight never race.
 * Pipelines are compiled once per variant, asynchronously, and cached.
 */
import { MixupError, describe, got } from '../errors';
import { createPlanner } from '../plan';
import type { Planner } from '../plan';
import { emptyPlan, validatePlan, validatePlanForTargets } from '../plan';
import { isPermutation } from '../pairing';
import type { ResolvedMixOptions } from '../options';
import { normalizeCoefficients, smoothingValues } from '../reference';
import type { NormalizeCoefficients } from '../reference';
import { DTYPES, DTYPE_BYTES, checkObject, checkOneOf, checkShape } from '../shape';
import type { Geometry } from '../shape';
import type { BatchShape, DType, ImageSize, LabelDType, MixOptions, MixPlan, Normalize } from '../types';
import { ParamsLayout, SamplePlanLayout } from './layouts.generated';
import { addressUnit, batchConstants, batchShaderCode, batchVariantKey, dispatchSize, labelsShaderCode } from './shaders';
import type { BatchVariant } from './shaders';
import { writeStruct } from './struct';
import { buildChunkedWalk, buildWalk } from './walk';
import type { Walk } from './walk';

/** An image or feature batch held in a GPUBuffer (from byte 0). */
export interface GpuBatch {
  /** The data, from byte 0; needs STORAGE usage. */
  buffer: GPUBuffer;
  /** Layout and sizes. */
  shape: BatchShape;
  /** Element type. */
  dtype: DType;
}

/** Labels held in a GPUBuffer: `B` class ids (int32 / uint32) or `B x K` float32 soft targets. */
export interface GpuLabels {
  /** The labels, from byte 0; needs STORAGE usage. */
  buffer: GPUBuffer;
  /** `int32` / `uint32` class ids [B], or `float32` soft / multi-hot targets [B, K]. */
  dtype: LabelDType;
}

/** What to mix: an image or feature batch, and optionally its labels. */
export interface MixInputs {
  /** The batch to mix. */
  images: GpuBatch;
  /** Labels to turn into mixed targets [B, K] (K is the mixer's `numClasses`). */
  labels?: GpuLabels;
}

/** Buffers the caller provides for the results (STORAGE usage). */
export interface MixOutputs {
  /** Receives the mixed batch (at least B x N x bytes of the output dtype, rounded up to 4). */
  images?: GPUBuffer;
  /** Receives the targets [B, K] float32. */
  targets?: GPUBuffer;
}

/** Options of one call of {@link Mixer.mix}, {@link Mixer.encode} or {@link Mixer.prepare}. */
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
  /**
   * Debug check: count class ids outside [0, numClasses) on the GPU and return the count as
   * `invalidLabels` (one small read-back per call; off by default).
   */
  checkLabels?: boolean;
}

/** What {@link Mixer.mix} produced. */
export interface MixResult {
  /** The mixed images: the input buffer when in place, `outputs.images`, or a new buffer the caller owns. */
  images: GPUBuffer;
  /** Targets [B, K] float32 when labels were given: `outputs.targets` or a new buffer the caller owns. */
  targets: GPUBuffer | null;
  /** The plan that was executed. */
  plan: MixPlan;
  /** Element type written to `images`. */
  outDtype: DType;
  /** With `checkLabels`: how many class ids were outside [0, numClasses) (their rows got only the smoothing value). */
  invalidLabels: number | null;
}

/** What `encode` recorded; call `release()` once the command buffer has been submitted. */
export interface MixEncoding {
  /** The plan that was recorded. */
  plan: MixPlan;
  /** Returns the upload slot to the pool once the queue has finished the submitted work. */
  release(): void;
}

/** Executor settings that are not part of the mixing semantics. */
export interface MixerSettings {
  /**
   * Most bytes bound per buffer in one dispatch. Default: the device's maxStorageBufferBindingSize.
   * Larger batches are mixed in chunks of whole samples; a lower value forces chunking (tests use it).
   */
  maxBindingBytes?: number;
}

/** Executes plans on one GPUDevice; see {@link createMixer}. */
export interface Mixer {
  /** The device the mixer works on (never destroyed by the mixer). */
  readonly device: GPUDevice;
  /** The planner options in force. */
  readonly options: ResolvedMixOptions;
  /** Resolves when the device is lost; later calls reject. The mixer never destroys the device. */
  readonly lost: Promise<GPUDeviceLostInfo>;
  /** A mixer on the same device whose plans come from worker `worker`'s own stream (see Planner.fork). */
  fork(worker: number): Mixer;
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

/** A bound range of a buffer and the samples it holds (see `Params` in mix_common.wgsl). */
interface Window {
  offset: number;
  size: number;
  /** First sample in the window, sample count, and its first element's offset in addressing units. */
  base: number;
  count: number;
  shift: number;
}

/** One dispatch of the batch kernel: a run of segments and the windows they read and write. */
interface Dispatch {
  segBase: number;
  segCount: number;
  src: Window;
  src2: Window | null;
  dst: Window;
}

/** A batch-kernel job (the images, or soft targets as rows), fully planned on the host. */
interface BatchWork {
  variant: BatchVariant;
  constants: Record<string, number>;
  source: GPUBuffer;
  n: number;
  channels: number;
  width: number;
  plane: number;
  walk: Walk;
  dispatches: Dispatch[];
  /** Upload offsets of this job's segment table and walk. */
  segmentsAt: number;
  walkAt: number;
}

/** A validated call: everything needed to record it, computed before any GPU work. */
interface Call {
  batch: number;
  plan: MixPlan;
  images: BatchWork;
  outBytes: number;
  normalize: NormalizeCoefficients | null;
  soft: BatchWork | null;
  /** Class ids: the labels buffer and the target row windows, one dispatch each. */
  ids: { labels: GPUBuffer; windows: Window[] } | null;
  numClasses: number;
  /** Upload offsets: per-dispatch params start at 0, one aligned struct each. */
  samplesAt: number;
  normAt: number;
  uploadSize: number;
}

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

function isGpuBuffer(value: unknown): value is GPUBuffer {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as GPUBuffer).size === 'number' &&
    typeof (value as GPUBuffer).usage === 'number' &&
    typeof (value as GPUBuffer).destroy === 'function'
  );
}

function checkBuffer(argument: string, value: unknown, minBytes: number): GPUBuffer {
  if (!isGpuBuffer(value)) throw new MixupError(argument, 'a GPUBuffer', value);
  if ((value.usage & GPUBufferUsage.STORAGE) === 0) {
    throw new MixupError(`${argument}.usage`, 'flags that include GPUBufferUsage.STORAGE', got(`usage flags 0x${value.usage.toString(16)}`));
  }
  if (value.size < minBytes) throw new MixupError(`${argument}.size`, `at least ${minBytes} bytes`, got(`${value.size} bytes`));
  if (value.mapState !== 'unmapped') throw new MixupError(argument, 'an unmapped buffer', got(`a buffer in map state ${describe(value.mapState)}`));
  return value;
}

/**
 * Creates a mixer on `device`: a seeded planner with `options` (timm's names and defaults) and the
 * GPU executor. Pipelines are compiled on first use (or ahead of time with {@link Mixer.prepare}).
 * Throws a {@link MixupError} for bad options.
 */
export function createMixer(device: GPUDevice, options: MixOptions = {}, settings: MixerSettings = {}): Mixer {
  if (typeof device !== 'object' || device === null || typeof (device as GPUDevice).createBuffer !== 'function') {
    throw new MixupError('device', 'a GPUDevice', device);
  }
  const s = checkObject('settings', settings);
  const maxBindingBytes = s.maxBindingBytes === undefined ? device.limits.maxStorageBufferBindingSize : Number(s.maxBindingBytes);
  if (!Number.isInteger(maxBindingBytes) || maxBindingBytes < 1024 || maxBindingBytes > device.limits.maxStorageBufferBindingSize) {
    throw new MixupError('settings.maxBindingBytes', `an integer in [1024, ${device.limits.maxStorageBufferBindingSize}]`, s.maxBindingBytes);
  }
  return new GpuMixer(device, createPlanner(options), maxBindingBytes);
}

class GpuMixer implements Mixer {
  readonly device: GPUDevice;
  readonly options: ResolvedMixOptions;
  readonly lost: Promise<GPUDeviceLostInfo>;
  private readonly planner: Planner;
  private readonly maxBindingBytes: number;
  private readonly alignment: number;
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
    await this.compile(this.validate(inputs, options, plan ?? null));
  }

  async mix(inputs: MixInputs, options: MixCallOptions = {}): Promise<MixResult> {
    this.checkAlive();
    const call = this.validate(inputs, options, options.plan ?? null);
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
    const encoder = device.createCommandEncoder({ label: 'mixup' });
    this.record(encoder, call, pipelines, slot, dstImages, dstTargets);
    if (flagRead) encoder.copyBufferToBuffer(slot.flag, 0, flagRead, 0, 4);
    device.queue.submit([encoder.finish()]);
    const error = await device.popErrorScope();
    if (error) {
      for (const buffer of created) buffer.destroy();
      flagRead?.destroy();
      throw new MixupError('inputs and outputs', "live GPUBuffers of the mixer's device (one is destroyed, or belongs to another device)", got(`WebGPU validation error: ${error.message}`));
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
    const call = this.validate(inputs, options, options.plan);
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

  // ---- validation and planning: everything is checked and laid out before any GPU work ----

  private validate(inputs: MixInputs, options: MixCallOptions, explicitPlan: MixPlan | null): Call {
    const ins = checkObject('inputs', inputs);
    const opts = checkObject('options', options);
    for (const key of ['inPlace', 'checkLabels'] as const) {
      if (opts[key] !== undefined && typeof opts[key] !== 'boolean') throw new MixupError(`options.${key}`, 'a boolean', opts[key]);
    }
    const imagesArg = checkObject('inputs.images', ins.images);
    const geometry = checkShape('inputs.images.shape', imagesArg.shape);
    const inDtype = checkOneOf('inputs.images.dtype', imagesArg.dtype, DTYPES);
    const normalize = opts.normalize ?? null;
    if (normalize !== null && inDtype !== 'uint8') {
      throw new MixupError('options.normalize', 'used with uint8 input only (it maps bytes 0..255 to floats)', got(`input dtype ${describe(inDtype)}`));
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
      throw new MixupError('inputs.images.shape', "samples of a multiple of 4 elements for uint8 output (4 bytes are written per word; choose outDtype 'float32' otherwise)", got(`${n} elements per sample`));
    }
    const inPlace = opts.inPlace === true;
    if (inPlace && (outDtype !== inDtype || normalize)) {
      throw new MixupError('options.inPlace', `output of the input's dtype (${inDtype}) without normalisation`, got(`outDtype ${outDtype}${normalize ? ' with normalize' : ''}`));
    }
    const bytesIn = ceil4(batch * n * DTYPE_BYTES[inDtype]);
    const outBytes = ceil4(batch * n * DTYPE_BYTES[outDtype]);
    const source = checkBuffer('inputs.images.buffer', imagesArg.buffer, bytesIn);
    const outs = opts.outputs === undefined ? {} : checkObject('options.outputs', opts.outputs);
    if (!inPlace && outs.images !== undefined) {
      checkBuffer('options.outputs.images', outs.images, outBytes);
      if (outs.images === source) throw new MixupError('options.outputs.images', 'a buffer other than the input (use options.inPlace to mix in place)', got('the input buffer'));
    }
    if (!inPlace && outs.images === undefined && outBytes > this.device.limits.maxBufferSize) {
      throw new MixupError('options.outputs.images', `given for outputs larger than maxBufferSize (${this.device.limits.maxBufferSize} bytes)`, got(`${outBytes} bytes to allocate`));
    }

    const numClasses = this.options.numClasses;
    let labels: GpuLabels | null = null;
    if (ins.labels !== undefined) {
      const l = checkObject('inputs.labels', ins.labels);
      const dtype = checkOneOf('inputs.labels.dtype', l.dtype, ['int32', 'uint32', 'float32'] as const);
      labels = { buffer: checkBuffer('inputs.labels.buffer', l.buffer, dtype === 'float32' ? batch * numClasses * 4 : batch * 4), dtype };
      if (outs.targets !== undefined) {
        checkBuffer('options.outputs.targets', outs.targets, batch * numClasses * 4);
        if (outs.targets === labels.buffer) throw new MixupError('options.outputs.targets', 'a buffer other than the labels', got('the labels buffer'));
      }
    }

    const imageSize = geometry.layout === 'rows' ? null : { height: geometry.height, width: geometry.width };
    let plan: MixPlan;
    if (explicitPlan) {
      validatePlan(explicitPlan, batch, imageSize);
      plan = explicitPlan;
    } else {
      plan = this.planner.plan(batch, imageSize ?? undefined);
      // Rows have no boxes: a planner that can draw CutMix is refused here, before any GPU work.
      if (imageSize === null) validatePlan(plan, batch, null);
    }
    if (labels) validatePlanForTargets(plan, batch);
    if (inPlace && !isPermutation(plan.partner)) {
      throw new MixupError('plan.partner', 'a permutation when mixing in place (a sample used twice would be read after it was overwritten)', got('an array with repeated partners'));
    }

    const variant: BatchVariant = { inDtype, outDtype, vec4: n % 4 === 0, inPlace };
    const images = this.planWork('inputs.images', plan, variant, batchConstants({ layout: geometry.layout, normalize: coefficients !== null, blendOnly: false }), source, n, geometry);
    let soft: BatchWork | null = null;
    if (labels?.dtype === 'float32') {
      const softVariant: BatchVariant = { inDtype: 'float32', outDtype: 'float32', vec4: numClasses % 4 === 0, inPlace: false };
      soft = this.planWork('inputs.labels', plan, softVariant, batchConstants({ layout: 'rows', normalize: false, blendOnly: true }), labels.buffer, numClasses, {
        channels: 1,
        width: numClasses,
        height: 1,
      });
    }

    // Upload: one aligned params struct per dispatch (+1 for the labels kernel), the plan, the walks, the normalisation.
    const a = this.alignment;
    const idWindows = labels && labels.dtype !== 'float32' ? this.targetWindows(batch, numClasses) : null;
    const paramsCount = images.dispatches.length + (soft ? soft.dispatches.length : 0) + (idWindows ? idWindows.length : 0);
    let at = paramsCount * a;
    const samplesAt = at;
    at = alignUp(at + batch * SamplePlanLayout.size, a);
    for (const work of soft ? [images, soft] : [images]) {
      work.segmentsAt = at;
      at = alignUp(at + work.walk.count * 16, a);
      work.walkAt = at;
      at = alignUp(at + work.walk.walk.length * 4, a);
    }
    const normAt = at;
    const uploadSize = normAt + Math.max(8, geometry.channels * 8);
    return {
      batch,
      plan,
      images,
      outBytes,
      normalize: coefficients,
      soft,
      ids: idWindows ? { labels: labels!.buffer, windows: idWindows } : null,
      numClasses,
      samplesAt,
      normAt,
      uploadSize,
    };
  }

  /** Lays out the batch kernel's dispatches: one over the whole batch, or chunks when it exceeds a binding. */
  private planWork(
    argument: string,
    plan: MixPlan,
    variant: BatchVariant,
    constants: Record<string, number>,
    source: GPUBuffer,
    n: number,
    geometry: { channels: number; width: number; height: number },
  ): BatchWork {
    const batch = plan.partner.length;
    const bytesIn = n * DTYPE_BYTES[variant.inDtype];
    const bytesOut = n * DTYPE_BYTES[variant.outDtype];
    const quads = Math.ceil(n / 4);
    const limit = this.maxBindingBytes;
    const maxGroups = this.device.limits.maxComputeWorkgroupsPerDimension;
    const work = { variant, constants, source, n, channels: geometry.channels, width: geometry.width, plane: geometry.height * geometry.width, segmentsAt: 0, walkAt: 0 };
    const checkDispatch = (threads: number) => {
      if (dispatchSize(threads, maxGroups)[1] > maxGroups) throw new MixupError(`${argument}.shape`, 'a batch small enough for a 2-D dispatch', got(`${threads} threads`));
    };
    if (ceil4(batch * bytesIn) <= limit && ceil4(batch * bytesOut) <= limit) {
      const walk = buildWalk(plan.partner, { inPlace: variant.inPlace, quads, targetThreads: TARGET_THREADS });
      checkDispatch(walk.count * quads);
      const whole = (bytes: number): Window => ({ offset: 0, size: ceil4(batch * bytes), base: 0, count: batch, shift: 0 });
      return { ...work, walk, dispatches: [{ segBase: 0, segCount: walk.count, src: whole(bytesIn), src2: null, dst: whole(bytesOut) }] };
    }
    if (variant.inPlace) {
      throw new MixupError('options.inPlace', `false for a batch larger than one binding (${limit} bytes): large batches are mixed in chunks, which needs a separate output`, got(`${batch * bytesIn} bytes`));
    }
    const a = this.alignment;
    const perChunk = Math.floor((limit - a) / Math.max(bytesIn, bytesOut));
    if (perChunk < 1) {
      throw new MixupError(`${argument}.shape`, `samples of at most ${limit - a} bytes (one binding minus its offset alignment)`, got(`${Math.max(bytesIn, bytesOut)} bytes per sample`));
    }
    const walk = buildChunkedWalk(plan.partner, perChunk);
    const unitIn = addressUnit(variant.inDtype, variant.vec4);
    const unitOut = addressUnit(variant.outDtype, variant.vec4);
    const window = (chunk: number, bytes: number, unit: number): Window => {
      const base = chunk * perChunk;
      const count = Math.min(perChunk, batch - base);
      const start = base * bytes;
      const offset = Math.floor(start / a) * a;
      return { offset, size: ceil4(start - offset + count * bytes), base, count, shift: (start - offset) / unit };
    };
    const dispatches = walk.groups.map((g) => {
      checkDispatch(g.segCount * quads);
      return {
        segBase: g.segBase,
        segCount: g.segCount,
        src: window(g.chunk, bytesIn, unitIn),
        src2: g.partnerChunk === g.chunk ? null : window(g.partnerChunk, bytesIn, unitIn),
        dst: window(g.chunk, bytesOut, unitOut),
      };
    });
    return { ...work, walk, dispatches };
  }

  /** Row windows of the [B, K] targets written by the labels kernel: all rows, or chunks that fit a binding. */
  private targetWindows(batch: number, numClasses: number): Window[] {
    const rowBytes = numClasses * 4;
    if (batch * rowBytes <= this.maxBindingBytes) return [{ offset: 0, size: batch * rowBytes, base: 0, count: batch, shift: 0 }];
    const a = this.alignment;
    const perChunk = Math.floor((this.maxBindingBytes - a) / rowBytes);
    if (perChunk < 1) throw new MixupError('options.numClasses', `at most ${(this.maxBindingBytes - a) / 4} classes (a target row must fit one binding)`, numClasses);
    const windows: Window[] = [];
    for (let base = 0; base < batch; base += perChunk) {
      const count = Math.min(perChunk, batch - base);
      const start = base * rowBytes;
      const offset = Math.floor(start / a) * a;
      windows.push({ offset, size: start - offset + count * rowBytes, base, count, shift: (start - offset) / 4 });
    }
    return windows;
  }

  // ---- pipelines ----

  private pipelineDescriptors(call: Call): Array<[string, () => GPUComputePipelineDescriptor]> {
    const batchDescriptor = (work: BatchWork): [string, () => GPUComputePipelineDescriptor] => {
      const key = batchVariantKey(work.variant);
      return [
        `${key}:${JSON.stringify(work.constants)}`,
        () => ({
          label: key,
          layout: this.device.createPipelineLayout({ bindGroupLayouts: [work.variant.inPlace ? this.layouts.inPlace : this.layouts.copy] }),
          compute: { module: this.module(key, () => batchShaderCode(work.variant)), entryPoint: 'main', constants: work.constants },
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
    for (let i = 0; i < batch; i++) {
      writeStruct(view, call.samplesAt + i * SamplePlanLayout.size, SamplePlanLayout, {
        kind: plan.kind[i],
        lam: plan.lam[i],
        partner: plan.partner[i],
        box: plan.box.subarray(4 * i, 4 * i + 4),
      });
    }
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
          plane: work.plane,
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
        const threads = w.count * K;
        const size = dispatchSize(threads, maxGroups);
        writeStruct(view, paramsAt, ParamsLayout, { num_threads: threads, groups_x: size[0], num_classes: K, label_on: on, label_off: off, dst_base: w.base, dst_shift: w.shift });
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

function destroySlot(slot: Slot): void {
  slot.buffer.destroy();
  slot.flag.destroy();
}

/**
 * The GPU executor. A call goes through four stages, one module each:
 *   checks.ts   every argument, before anything else (pure: no draw, no GPU work);
 *   resolve.ts  the plan: the explicit one, or the planner's next (the only draw);
 *   layout.ts   dispatches, windows, variants and every upload offset;
 *   record.ts   the upload and the compute pass, read from the layout.
 * Pipelines come from one cache per device (pipelines.ts), upload buffers from the mixer's slot
 * pool (slots.ts). Randomness stays in the planner; the kernels only execute a plan, so an explicit
 * plan is honoured exactly.
 */
import { MixupError, got } from '../errors.js';
import { CoefficientsMemo } from '../formulas.js';
import { createPlanner } from '../plan.js';
import type { Planner } from '../plan.js';
import type { ResolvedMixOptions } from '../options.js';
import type { ImageSize, MixOptions, MixPlan } from '../types.js';
import { checkInteger, checkKeys, checkObject } from '../validate.js';
import { checkCall, idsOutOfRange } from './checks.js';
import type { CallKind, CheckContext, CheckedCall } from './checks.js';
import { layoutCall, pixelJobs, possibleKernels, possibleResizeKernels } from './layout.js';
import type { CallLayout } from './layout.js';
import { PipelineCache } from './pipelines.js';
import type { PipelineSpec } from './pipelines.js';
import { record } from './record.js';
import { LABELS_KEY } from './variant.js';
import type { CallPipelines } from './record.js';
import { drawPlan, resolvePlan } from './resolve.js';
import { SlotPool } from './slots.js';
import { WalkScratch, cloneWalk } from './walk.js';
import type { ChunkingInfo, MixCallOptions, MixEncoding, MixInputs, Mixer, MixerSettings, MixResult } from './types.js';

/** The dense outputs of a call without dense maps. */
const NO_BUFFERS: readonly GPUBuffer[] = Object.freeze([]);

const SETTINGS_KEYS: readonly (keyof MixerSettings)[] = ['maxBindingBytes', 'onChunked', 'adapter'];

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
 * images: { buffer: imageBuffer, dtype: 'uint8', shape: { layout: 'NCHW', batch: 256, channels: 3, height: 224,
 * width: 224 } },
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
  checkKeys('settings', s, SETTINGS_KEYS, 'setting');
  const limit = device.limits.maxStorageBufferBindingSize;
  const maxBindingBytes =
    s.maxBindingBytes === undefined ? limit : checkInteger('settings.maxBindingBytes', s.maxBindingBytes, 1024, limit);
  if (s.onChunked !== undefined && typeof s.onChunked !== 'function')
    throw new MixupError('settings.onChunked', 'a function', s.onChunked);
  const adapter = s.adapter as GPUAdapter | undefined;
  if (adapter !== undefined && (typeof adapter !== 'object' || adapter === null || typeof adapter.limits !== 'object'))
    throw new MixupError('settings.adapter', 'a GPUAdapter', adapter);
  return new GpuMixer(device, createPlanner(options), {
    maxBindingBytes,
    onChunked: s.onChunked as MixerSettings['onChunked'],
    adapter,
  });
}

/** The executor settings, checked. */
interface Settings {
  maxBindingBytes: number;
  onChunked?: MixerSettings['onChunked'];
  adapter?: GPUAdapter;
}

class GpuMixer implements Mixer, CheckContext {
  readonly device: GPUDevice;
  readonly options: ResolvedMixOptions;
  readonly lost: Promise<GPUDeviceLostInfo>;
  readonly maxBindingBytes: number;
  readonly alignment: number;
  readonly coefficients = new CoefficientsMemo();
  chunking: ChunkingInfo | null = null;
  private readonly settings: Settings;
  private readonly planner: Planner;
  private readonly pipelines: PipelineCache;
  private readonly slots: SlotPool;
  /** Walks are built here, so a call allocates no walk arrays (copied only when a call must wait). */
  private readonly scratch = { images: new WalkScratch(), soft: new WalkScratch(), dense: [] as WalkScratch[] };
  /** The keys of the last call's pipelines, and those pipelines (see readyPipelines). */
  private lastReady: { keys: string[]; pipelines: CallPipelines } | null = null;
  private readonly keysNow: string[] = [];
  private destroyed = false;
  private lostInfo: GPUDeviceLostInfo | null = null;
  /** Whether a call's class ids passed the first-call check (see MixCallOptions.checkLabels). */
  private idsChecked = false;
  /** That check while it runs: calls that draw wait for it, so plans are drawn in call order. */
  private idsCheck: Promise<void> | null = null;

  constructor(device: GPUDevice, planner: Planner, settings: Settings) {
    this.device = device;
    this.planner = planner;
    this.options = planner.options;
    this.settings = settings;
    this.maxBindingBytes = settings.maxBindingBytes;
    this.lost = device.lost.then((info) => {
      this.lostInfo = info;
      return info;
    });
    this.alignment = Math.max(
      256,
      device.limits.minStorageBufferOffsetAlignment,
      device.limits.minUniformBufferOffsetAlignment,
    );
    this.pipelines = PipelineCache.for(device);
    this.slots = new SlotPool(device);
  }

  plan(batchSize: number, imageSize?: ImageSize, into?: MixPlan): MixPlan {
    this.checkAlive();
    return drawPlan(this.planner, batchSize, imageSize ?? null, into);
  }

  fork(worker: number): Mixer {
    this.checkAlive();
    return new GpuMixer(this.device, this.planner.fork(worker), this.settings);
  }

  async prepare(inputs: MixInputs, options: MixCallOptions = {}): Promise<void> {
    const call = this.check(inputs, options, 'prepare');
    // With a plan, exactly its kernels; without, every kernel plans from this mixer's options can need.
    const specs = call.plan
      ? this.specs(layoutCall(this, call, call.plan, this.options.labelSmoothing))
      : [
          ...possibleKernels(this, call, this.options).map((k) => this.pipelines.batch(k.variant, k.entry)),
          ...possibleResizeKernels(this, call, this.options).map((v) => this.pipelines.resize(v)),
        ];
    if (!call.plan && call.labels && call.labels.dtype !== 'float32') specs.push(this.pipelines.labels());
    if (this.idsUnchecked(call)) {
      const check = this.idsCheckCall(call);
      specs.push(
        ...this.specs(
          layoutCall(
            this,
            checkCall(this, check.inputs, check.options, 'prepare'),
            check.options.plan,
            this.options.labelSmoothing,
          ),
        ),
      );
    }
    await Promise.all(specs.map((spec) => spec && this.pipelines.compile(spec)));
  }

  async mix(inputs: MixInputs, options: MixCallOptions = {}): Promise<MixResult> {
    const call = this.check(inputs, options, 'mix');
    if (this.idsCheck || this.idsUnchecked(call)) await this.checkIdsFirst(call);
    const layout = this.layout(call, resolvePlan(this.planner, call));
    // Ready pipelines: no await before the submit, so the call is queued before mix() returns.
    let pipelines = this.readyPipelines(layout);
    if (!pipelines) {
      // Another call may build its walk in the scratch while this one waits.
      layout.images.walk = cloneWalk(layout.images.walk);
      if (layout.soft) layout.soft.walk = cloneWalk(layout.soft.walk);
      for (const job of layout.dense) job.walk = cloneWalk(job.walk);
      pipelines = await this.compile(layout);
    }
    this.checkAlive();
    const device = this.device;
    const created: GPUBuffer[] = [];
    const dstImages = call.inPlace
      ? call.source
      : (call.outImages ?? this.output(created, call.outBytes, 'mixup images'));
    const targetsBytes = layout.batch * call.numClasses * 4;
    const dstTargets = call.labels ? (call.outTargets ?? this.output(created, targetsBytes, 'mixup targets')) : null;
    const dstDense = call.dense.map((d) =>
      call.inPlace ? d.source : (d.out ?? this.output(created, d.bytes, 'mixup dense')),
    );
    const slot = this.slots.mixSlot(layout.uploadSize);
    const checkLabels = call.checkLabels && layout.ids !== null;
    // Debug only: a staging buffer per checked call, so concurrent checks never share a mapping.
    const flagRead = checkLabels
      ? device.createBuffer({
          label: 'mixup bad label read-back',
          size: 4,
          usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
        })
      : null;
    // A destroyed buffer, or one of another device, only shows up as a WebGPU validation error: catch
    // it here and reject with a clear message. The rejected submit runs nothing, so no buffer changes.
    device.pushErrorScope('validation');
    let thrown: unknown = null;
    try {
      const encoder = device.createCommandEncoder({ label: 'mixup' });
      record(this.pipelines, encoder, layout, pipelines, slot, dstImages, dstTargets, dstDense);
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
      throw new MixupError(
        'inputs and outputs',
        "live GPUBuffers of the mixer's device (one is destroyed, or belongs to another device)",
        got(`WebGPU validation error: ${error!.message}`),
      );
    }
    let invalidLabels: number | null = null;
    if (flagRead) {
      await flagRead.mapAsync(GPUMapMode.READ);
      invalidLabels = new Uint32Array(flagRead.getMappedRange())[0];
      flagRead.destroy();
    }
    return {
      images: dstImages,
      targets: dstTargets,
      dense: dstDense,
      plan: layout.plan,
      outDtype: layout.images.variant.outDtype,
      invalidLabels,
    };
  }

  encode(encoder: GPUCommandEncoder, inputs: MixInputs, options: MixCallOptions & { plan: MixPlan }): MixEncoding {
    const call = this.check(inputs, options, 'encode');
    const layout = this.layout(call, call.plan as MixPlan);
    const pipelines = this.readyPipelines(layout) ?? this.compileSync(layout);
    const slot = this.slots.acquire(layout.uploadSize);
    record(
      this.pipelines,
      encoder,
      layout,
      pipelines,
      slot,
      call.inPlace ? call.source : (call.outImages as GPUBuffer),
      call.outTargets,
      call.dense.length === 0 ? NO_BUFFERS : call.dense.map((d) => (call.inPlace ? d.source : (d.out as GPUBuffer))),
    );
    let released = false;
    return {
      plan: layout.plan,
      release: () => {
        if (released) return;
        released = true;
        this.slots.releaseAfterWork(slot);
      },
    };
  }

  // ---- the first-call check of class ids ----

  private idsUnchecked(call: CheckedCall): boolean {
    return !this.idsChecked && call.checkLabels === null && call.labels !== null && call.labels.dtype !== 'float32';
  }

  /**
   * Waits for a first-call check in flight (if this call draws), then runs this call's own if it is
   * the first with class ids: before the draw, so a rejected call leaves the plan stream as it was.
   */
  private async checkIdsFirst(call: CheckedCall): Promise<void> {
    while (this.idsCheck && call.plan === null) await this.idsCheck.catch(() => undefined);
    if (!this.idsUnchecked(call)) return;
    const check = this.countBadIds(call);
    this.idsCheck = check;
    try {
      await check;
    } finally {
      if (this.idsCheck === check) this.idsCheck = null;
    }
  }

  /**
   * The call that counts a call's bad ids: the labels kernel with the identity plan (explicit: no
   * draw) and, as the images, the ids' own buffer read as one float32 column (only read).
   */
  private idsCheckCall(call: CheckedCall): { inputs: MixInputs; options: MixCallOptions & { plan: MixPlan } } {
    const { buffer, dtype } = call.labels!;
    const batch = call.geometry.batch;
    const plan: MixPlan = {
      kind: new Uint8Array(batch),
      lam: new Float32Array(batch).fill(1),
      partner: Uint32Array.from({ length: batch }, (_, i) => i),
      box: new Int32Array(4 * batch),
    };
    const images = { buffer, shape: { layout: 'rows', batch, features: 1 }, dtype: 'float32' } as const;
    return { inputs: { images, labels: { buffer, dtype } }, options: { plan, checkLabels: true } };
  }

  /** Counts the call's ids outside [0, K) into outputs of its own, and rejects if there are any. */
  private async countBadIds(call: CheckedCall): Promise<void> {
    const { inputs, options } = this.idsCheckCall(call);
    const result = await this.mix(inputs, options);
    result.images.destroy();
    result.targets?.destroy();
    if (result.invalidLabels)
      throw idsOutOfRange(result.invalidLabels, call.geometry.batch, call.numClasses, call.labels!.dtype);
    this.idsChecked = true;
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.slots.destroy();
  }

  /** Lays out a call, and reports the first batch that did not fit one binding. */
  private layout(call: CheckedCall, plan: MixPlan): CallLayout {
    const dense = this.scratch.dense;
    while (dense.length < call.dense.length) dense.push(new WalkScratch());
    const layout = layoutCall(this, call, plan, this.options.labelSmoothing, this.scratch);
    if (this.chunking === null) {
      const job = layout.images.mode !== 'whole' ? layout.images : layout.soft?.mode !== 'whole' ? layout.soft : null;
      if (job) this.reportChunking(job, job === layout.images ? 'inputs.images' : 'inputs.labels');
      else {
        for (let k = 0; k < layout.dense.length; k++) {
          if (layout.dense[k].mode === 'whole') continue;
          this.reportChunking(layout.dense[k], call.dense[k].argument);
          break;
        }
      }
    }
    return layout;
  }

  private reportChunking(job: CallLayout['images'], argument: string): void {
    const a = this.settings.adapter?.limits;
    const adapterLimits = a
      ? { maxStorageBufferBindingSize: a.maxStorageBufferBindingSize, maxBufferSize: a.maxBufferSize }
      : null;
    // Known to be the adapter's best: nothing the caller could change on this adapter.
    if (adapterLimits && adapterLimits.maxStorageBufferBindingSize <= this.maxBindingBytes) return;
    const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
    const how =
      job.mode === 'split'
        ? `mixed with the input bound whole${job.variant.srcSplit ? ' as two bindings' : ''} and the output ` +
          (job.variant.dstSplit
            ? 'bound whole as two bindings, in one dispatch (the same work as one pass)'
            : `in ${job.dispatches.length} windows (overlapping, cycles cut only where a run fits no window)`)
        : `mixed in ${job.dispatches.length} chunked dispatches (each input read twice)`;
    const fix = adapterLimits
      ? `the adapter allows ${mib(adapterLimits.maxStorageBufferBindingSize)}: request it with requestDevice({ ` +
        `requiredLimits: { maxStorageBufferBindingSize: ${adapterLimits.maxStorageBufferBindingSize}, ` +
        `maxBufferSize: ${adapterLimits.maxBufferSize} } })`
      : 'a device requested with larger requiredLimits (maxStorageBufferBindingSize, maxBufferSize), ' +
        'where the adapter allows them, binds it whole';
    const info: ChunkingInfo = {
      argument,
      mode: job.mode === 'split' ? 'split' : 'chunks',
      inputBytes: job.inBytes,
      outputBytes: job.outBytes,
      bindingLimit: this.maxBindingBytes,
      adapterLimits,
      dispatches: job.dispatches.length,
      message:
        `${argument} (${mib(job.inBytes)} in, ${mib(job.outBytes)} out) exceeds one binding of ` +
        `${mib(this.maxBindingBytes)} and is ${how}; ${fix}`,
    };
    this.chunking = info;
    this.settings.onChunked?.(info);
  }

  private check(inputs: MixInputs, options: MixCallOptions, kind: CallKind): CheckedCall {
    this.checkAlive();
    return checkCall(this, inputs, options, kind);
  }

  private checkAlive(): void {
    if (this.destroyed) throw new MixupError('mixer', 'a live mixer', got('a mixer after destroy()'));
    if (this.lostInfo) {
      throw new MixupError(
        'device',
        'a live GPUDevice',
        got(
          `a lost device (${this.lostInfo.reason}: ${this.lostInfo.message || 'no message'}); create a ` +
            `new mixer on a new device`,
        ),
      );
    }
  }

  // ---- pipelines ----

  /**
   * The pipelines of a layout, in this order: images, soft targets, labels, dense maps, then ResizeMix's
   * pass of each job that has one (images, then each map): those it uses.
   */
  private specs(layout: CallLayout): PipelineSpec[] {
    const list = [this.pipelines.batch(layout.images.variant, layout.images.entry)];
    if (layout.soft) list.push(this.pipelines.batch(layout.soft.variant, layout.soft.entry));
    if (layout.ids) list.push(this.pipelines.labels());
    for (const job of layout.dense) list.push(this.pipelines.batch(job.variant, job.entry));
    for (const job of pixelJobs(layout)) if (job.resizePass) list.push(this.pipelines.resize(job.resizePass.variant));
    return list;
  }

  /** The compiled pipelines of `specs(layout)`, in that order, as CallPipelines. */
  private named(layout: CallLayout, compiled: GPUComputePipeline[]): CallPipelines {
    let next = 1;
    const soft = layout.soft ? compiled[next++] : null;
    const labels = layout.ids ? compiled[next++] : null;
    const dense = compiled.slice(next, next + layout.dense.length);
    next += layout.dense.length;
    const resize = pixelJobs(layout).map((job) => (job.resizePass ? compiled[next++] : null));
    return { images: compiled[0], soft, labels, dense, resize };
  }

  /**
   * The layout's pipelines when every one is compiled already; else null. A loop whose calls need
   * the same pipelines as the call before gets that call's CallPipelines back: the keys are
   * compared in place, so the steady state allocates nothing here (issue 14).
   */
  private readyPipelines(layout: CallLayout): CallPipelines | null {
    const keys = this.keysNow;
    const count = pipelineKeys(layout, keys);
    const last = this.lastReady;
    if (last && last.keys.length === count && sameKeys(keys, last.keys, count)) return last.pipelines;
    const compiled: GPUComputePipeline[] = [];
    for (let i = 0; i < count; i++) {
      const pipeline = this.pipelines.ready(keys[i]);
      if (!pipeline) return null;
      compiled.push(pipeline);
    }
    const pipelines = this.named(layout, compiled);
    this.lastReady = { keys: keys.slice(0, count), pipelines };
    return pipelines;
  }

  private async compile(layout: CallLayout): Promise<CallPipelines> {
    return this.named(layout, await Promise.all(this.specs(layout).map((s) => this.pipelines.compile(s))));
  }

  private compileSync(layout: CallLayout): CallPipelines {
    return this.named(
      layout,
      this.specs(layout).map((s) => this.pipelines.compileSync(s)),
    );
  }

  // ---- buffers ----

  private output(created: GPUBuffer[], bytes: number, label: string): GPUBuffer {
    const buffer = this.device.createBuffer({
      label,
      size: Math.max(4, bytes),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    created.push(buffer);
    return buffer;
  }
}

/** The pipeline keys of a layout, in specs() order, written to `out`; returns how many. */
function pipelineKeys(layout: CallLayout, out: string[]): number {
  let n = 0;
  out[n++] = layout.images.key;
  if (layout.soft) out[n++] = layout.soft.key;
  if (layout.ids) out[n++] = LABELS_KEY;
  for (let k = 0; k < layout.dense.length; k++) out[n++] = layout.dense[k].key;
  for (let k = -1; k < layout.dense.length; k++) {
    const pass = (k < 0 ? layout.images : layout.dense[k]).resizePass;
    if (pass) out[n++] = pass.key;
  }
  return n;
}

function sameKeys(a: readonly string[], b: readonly string[], count: number): boolean {
  for (let i = 0; i < count; i++) if (a[i] !== b[i]) return false;
  return true;
}

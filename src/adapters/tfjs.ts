/**
 * TensorFlow.js interop: mixes TF.js tensors on the `webgpu` backend's own GPUDevice, with no round
 * trip through the CPU, and returns the mixed images and targets as TF.js tensors, with the plan that
 * was executed.
 *
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import '@tensorflow/tfjs-backend-webgpu';
 * import { createTfjsMixer, mixDataset } from 'webgpu-mixup/tfjs';
 *
 * await tf.setBackend('webgpu');
 * const mixer = createTfjsMixer(tf, { mixupAlpha: 0.2, cutmixAlpha: 1, numClasses: 10, seed: 1 });
 *
 * // x: float32 [B, H, W, C] (NHWC, TF.js's layout); y: int32 class ids [B] or float32 targets [B, 10].
 * const { images, targets, plan } = await mixer.mix(x, y);
 * // images: float32 [B, H, W, C]; targets: float32 [B, 10], smoothed (ε = 0.1) and mixed.
 * await model.trainOnBatch(images, targets); // with labels given, targets is a Tensor, never null
 * images.dispose(); targets.dispose();
 *
 * // Or a tf.data.Dataset of { xs, ys } batches, mixed as model.fitDataset pulls them:
 * await model.fitDataset(mixDataset(mixer, batches), { epochs: 10 });
 * ```
 *
 * **Which device.** The mixer runs on the device of the active backend, `tf.backend().device`, looked up
 * at every call: the backend `@tensorflow/tfjs-backend-webgpu` registers, or one you make on a device
 * of your own, so that your WebGPU code and TF.js share it. TF.js's WebGPU kernels are registered
 * under the name `'webgpu'`, so register yours under that name:
 *
 * ```ts
 * import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
 * tf.removeBackend('webgpu'); // the package's own, not yet initialised
 * tf.registerBackend('webgpu', () => new WebGPUBackend(device, adapter.info));
 * await tf.setBackend('webgpu');
 * ```
 *
 * (or, under another name, copy the kernels: `for (const k of tf.getKernelsForBackend('webgpu'))
 * tf.registerKernel({ ...k, backendName: name })`). A mixer follows the active backend: after a switch
 * to another device it sets itself up again there, and its plan stream goes on.
 *
 * **Where the data comes from.** A tensor on the GPU is read with `tensor.dataToGPU()`, a GPU-side copy
 * into a buffer of TF.js's pool. TF.js keeps some tensors on the CPU: those made from arrays until a GPU
 * kernel first reads them, and small results while the `WEBGPU_CPU_FORWARD` flag is on (the default).
 * For those `dataToGPU` throws (`Data is not on GPU but on CPU.`) and the mixer uploads the values it
 * already holds on the CPU itself, with one `queue.writeBuffer`: still no GPU read-back.
 *
 * **Who owns what.**
 * - Input tensors stay yours: `mix` never disposes them. The pooled copies `dataToGPU` made are given
 *   back to TF.js (their `tensorRef` disposed) once the mixing work has been submitted; queue order
 *   makes TF.js's later reuse of those buffers safe. TF.js's own buffers are never destroyed here.
 * - The returned tensors are ordinary TF.js tensors in TF.js's buffer pool: dispose them (or let
 *   `tf.tidy` do it) as any other tensor; `reshape`, `clone` and friends work, and
 *   `tf.memory()` counts them.
 * - To get there, the kernels write into two buffers the mixer keeps (one for images, one for
 *   targets, reused by every call of the same shape), and `tf.tensor({ buffer }, shape)` copies them
 *   into TF.js's pool on the GPU. That is one extra GPU-side copy of the outputs, chosen over
 *   `zeroCopy: true`: TF.js never frees a zero-copy buffer and offers no hook that says when its last
 *   reference goes (tensors made by `reshape` or `clone` share the data, `tf.tidy` disposes through the
 *   engine, and the release can be deferred until TF.js submits its queue), so a zero-copy output could
 *   only be freed by patching TF.js internals, or leak.
 * - {@link TfjsMixer.destroy} releases the mixer's pipelines and its kept buffers; tensors it returned
 *   stay valid.
 *
 * **Element types.** TF.js has no 8- or 16-bit GPU types: images are float32; int32 images (e.g. bytes
 * 0..255) are converted to float32 first, on the GPU (`tf.mul(x, 1)`), and so are float32 tensors that
 * `tf.cast` made from integers (a cast to float32 only relabels a tensor: its buffer still holds
 * integers). Mixing commutes with per-channel normalisation (`(x - mean) / std`), so normalise with
 * TF.js ops before or after mixing.
 *
 * TF.js is a peer: this module imports its types only and takes your `tf` namespace as an argument,
 * so nothing of TF.js is bundled and the one instance your page loaded is the one used.
 *
 * @module webgpu-mixup/tfjs
 */
import type * as tfc from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { checkDrawableForDense, denseRules } from '../dense.js';
import { MixupError, got } from '../errors.js';
import { createMixer } from '../gpu/mixer.js';
import type { GpuLabels, Mixer, MixerSettings } from '../gpu/types.js';
import type { ResolvedMixOptions } from '../options.js';
import { createPlanner, validatePlan } from '../plan.js';
import type { Planner } from '../plan.js';
import { checkObject, checkOneOf } from '../validate.js';
import type { BatchShape, ImageBatchShape, ImageSize, Layout, MixOptions, MixPlan } from '../types.js';

export type { MixerSettings } from '../gpu/types.js';

/**
 * The part of the TF.js namespace the adapter uses: pass the namespace itself
 * (`import * as tf from '@tensorflow/tfjs'`, or `@tensorflow/tfjs-core`).
 */
export interface TfjsNamespace {
  /** `tf.tensor`: wraps the mixed GPU buffers as tensors (TF.js copies them into its pool). */
  tensor: typeof tfc.tensor;
  /** `tf.backend`: the active backend, whose GPUDevice runs the mixing. */
  backend: typeof tfc.backend;
  /** `tf.getBackend`: the active backend's name, for error messages. */
  getBackend: typeof tfc.getBackend;
  /** `tf.mul`: int32 images and int32 [B, K] labels are converted to float32 (times 1) on the GPU first. */
  mul: typeof tfc.mul;
  /** `tf.cast`: mixed int32 dense maps (ids, mixed as float32) are cast back to int32. */
  cast: typeof tfc.cast;
}

/** Options of {@link createTfjsMixer}: the planner's {@link MixOptions}, plus executor settings. */
export interface TfjsMixerOptions extends MixOptions {
  /** Executor settings (see {@link MixerSettings}); applied to the mixer made for each device. */
  settings?: MixerSettings;
}

/** Options of one {@link TfjsMixer.mix} call. */
export interface TfjsMixCallOptions {
  /**
   * How to read the images tensor. Default: `'NHWC'` ([B, H, W, C], TF.js's layout) for a 4-D tensor,
   * `'rows'` for a 2-D one. `'NCHW'` reads [B, C, H, W]. `'rows'` mixes any [B, ...] tensor as flat
   * feature rows (mixup only: rows have no boxes). Other ranks need `'rows'`.
   */
  layout?: Layout;
  /** The plan to execute, as given; by default the mixer draws the next plan from its seeded stream. */
  plan?: MixPlan;
  /**
   * Dense targets mixed by the same plan (segmentation maps, masks, depth): `[B, H, W]` (one channel) or
   * 4-D in the images' layout (`[B, H, W, C]` for NHWC, `[B, C, H, W]` for NCHW), with the images' B, H
   * and W. int32 maps are ids: pasted, never blended (a plan with a blend is rejected: use a mixer
   * without mixup), returned int32 (exact below 2^24). float32 maps are mixed like the images.
   */
  dense?: readonly Tensor[];
}

/**
 * What {@link TfjsMixer.mix} returns. `Targets` is `Tensor` when labels were given and `null` when
 * not: the overloads of `mix` pick it from the call, so `model.trainOnBatch(images, targets)`
 * type-checks under `strict` without a `!`.
 */
export interface TfjsMixResult<Targets extends Tensor | null = Tensor | null> {
  /** The mixed images: float32, the shape of the input. Yours to dispose. */
  images: Tensor;
  /** Mixed targets, float32 [B, K], when labels were given; else null. Yours to dispose. */
  targets: Targets;
  /** The mixed `callOptions.dense` maps, each of its input's shape and dtype (empty without). Yours to dispose. */
  dense: Tensor[];
  /** The plan that was executed. */
  plan: MixPlan;
}

/** Mixup / CutMix of TF.js tensors on the GPU; made by {@link createTfjsMixer}. */
export interface TfjsMixer {
  /** The planner options in force, with defaults filled in. */
  readonly options: ResolvedMixOptions;
  /** Draws the next plan from the mixer's seeded stream (advancing it), e.g. to inspect or edit it. */
  plan(batchSize: number, imageSize?: ImageSize): MixPlan;
  /**
   * Mixes a batch on the active TF.js backend's GPUDevice.
   *
   * @param images float32 or int32 (converted to float32) [B, H, W, C], [B, C, H, W] with
   *   `layout: 'NCHW'`, or [B, D] rows.
   * @param labels int32 class ids [B] (smoothed one-hot targets; the core mixer's first call with
   * ids rejects ids outside [0, K), see `checkLabels`), or float32 targets [B, K] (int32 ones are converted), K =
   * `numClasses`; mixed as
   *   given. Omit (or null) for images only.
   * @returns new tensors the caller owns, and the plan. Calls run one after another in call order.
   *   The promise rejects with a {@link MixupError} on a bad argument, a backend that is not WebGPU,
   *   or a mixer after {@link TfjsMixer.destroy}.
   */
  mix(images: Tensor, labels: Tensor, callOptions?: TfjsMixCallOptions): Promise<TfjsMixResult<Tensor>>;
  /** Mixes images only: `targets` is null. */
  mix(images: Tensor, labels?: null, callOptions?: TfjsMixCallOptions): Promise<TfjsMixResult<null>>;
  /** Labels known only at run time: `targets` is null exactly when `labels` is. */
  mix(images: Tensor, labels?: Tensor | null, callOptions?: TfjsMixCallOptions): Promise<TfjsMixResult>;
  /**
   * Releases the mixer's GPU resources once calls already made have finished. Returned tensors stay
   * valid; the device and TF.js are untouched. Later calls reject.
   */
  destroy(): void;
}

/**
 * Creates a mixer of TF.js tensors. Options are checked now (a {@link MixupError} names a bad one); the
 * GPU side is set up at the first {@link TfjsMixer.mix}, on the active backend's device.
 *
 * @param tf your TF.js namespace, with a WebGPU backend active when `mix` is called.
 * @param options planner options (timm's names and defaults, see {@link MixOptions}) and `settings`.
 */
export function createTfjsMixer(tf: TfjsNamespace, options: TfjsMixerOptions = {}): TfjsMixer {
  if (
    typeof tf !== 'object' ||
    tf === null ||
    typeof tf.tensor !== 'function' ||
    typeof tf.backend !== 'function' ||
    typeof tf.mul !== 'function' ||
    typeof tf.cast !== 'function'
  ) {
    throw new MixupError('tf', "the TF.js namespace (import * as tf from '@tensorflow/tfjs')", tf);
  }
  const { settings, ...mixOptions } = checkObject('options', options) as TfjsMixerOptions;
  if (settings !== undefined) checkObject('options.settings', settings);
  return new TfjsMixerImpl(tf, createPlanner(mixOptions), mixOptions, settings ?? {});
}

/**
 * One batch of a `tf.data.Dataset` as `model.fitDataset` reads it: inputs `xs` (images [B, H, W, C],
 * [B, D] rows, or what `layout` says; float32 or int32) and labels `ys` (int32 class ids [B] or
 * float32 targets [B, K], as {@link TfjsMixer.mix} takes them). A type alias, not an interface, so
 * that it is a `tf.TensorContainer`.
 */
export type TfjsBatch = {
  /** The images. */
  xs: Tensor;
  /** The labels: class ids or targets. */
  ys: Tensor;
};

/**
 * The part of a `tf.data.Dataset` of {@link TfjsBatch}es that {@link mixDataset} calls, written out
 * here so that this module's types need no `@tensorflow/tfjs-data` (a user with `@tensorflow/tfjs`
 * has it; one with only tfjs-core does not).
 */
export interface BatchDataset {
  /** `tf.data.Dataset.mapAsync`. */
  mapAsync(transform: (batch: TfjsBatch) => Promise<TfjsBatch>): unknown;
}

/** Options of {@link mixDataset}. */
export interface MixDatasetOptions {
  /** How to read each batch's `xs` (see {@link TfjsMixCallOptions.layout}). Default: by rank. */
  layout?: Layout;
}

/**
 * Mixes every batch of a `tf.data.Dataset` on the GPU, for `model.fitDataset`:
 *
 * ```ts
 * const batches = tf.data.zip({ xs: images, ys: labels }).shuffle(5000).batch(128, false);
 * await model.fitDataset(mixDataset(mixer, batches), { epochs: 60 });
 * ```
 *
 * Each `{ xs, ys }` batch becomes `{ xs: images, ys: targets }` of {@link TfjsMixer.mix}: mixed images
 * and float32 [B, K] mixed targets, so compile the model with `categoricalCrossentropy`. Batches are
 * mixed one after another as `fitDataset` pulls them, each with the next plan of the mixer's stream,
 * on the active backend's device, with no read-back to the CPU.
 *
 * **Who disposes what.** `tf.data` disposes each input batch once it is mapped (its tensors are not in
 * the output), and `fitDataset` disposes each mixed batch after its training step, so nothing
 * accumulates (`tf.memory()` stays flat). Iterating the dataset yourself, dispose each batch you take.
 * The mixer stays yours: destroy it after training. The returned dataset is lazy: nothing is mixed
 * until it is iterated, and each pass (epoch) draws new plans.
 *
 * @param mixer the mixer to use (its `numClasses` must match the width of `ys` targets).
 * @param dataset a dataset of `{ xs, ys }` batches (e.g. from `.batch(n)`); both are required.
 * @param options `layout` of `xs`.
 * @returns a dataset of mixed `{ xs, ys }` batches. A bad batch rejects its `next()` with a
 *   {@link MixupError} (which `fitDataset` passes on).
 */
export function mixDataset<D extends BatchDataset>(mixer: TfjsMixer, dataset: D, options: MixDatasetOptions = {}): D {
  if (typeof mixer !== 'object' || mixer === null || typeof (mixer as Partial<TfjsMixer>).mix !== 'function') {
    throw new MixupError('mixer', 'a mixer from createTfjsMixer', mixer);
  }
  if (
    typeof dataset !== 'object' ||
    dataset === null ||
    typeof (dataset as Partial<BatchDataset>).mapAsync !== 'function'
  ) {
    throw new MixupError('dataset', 'a tf.data.Dataset of { xs, ys } batches', dataset);
  }
  const checked = checkObject('options', options);
  for (const key of Object.keys(checked)) {
    if (key !== 'layout') throw new MixupError(`options.${key}`, "a known option ('layout')", checked[key]);
  }
  const callOptions: TfjsMixCallOptions =
    checked.layout === undefined
      ? {}
      : { layout: checkOneOf('options.layout', checked.layout, ['NHWC', 'NCHW', 'rows'] as const) };
  // Batches map to batches: the result is a dataset of the same type (mapAsync's own return type).
  return dataset.mapAsync(async (batch: TfjsBatch) => {
    const b = batch as Partial<TfjsBatch> | null;
    if (typeof b !== 'object' || b === null || b.xs === undefined || b.ys === undefined || Array.isArray(b)) {
      throw new MixupError('dataset element', '{ xs, ys } tensors (e.g. tf.data.zip({ xs, ys }).batch(n))', batch);
    }
    const { images, targets } = await mixer.mix(b.xs, b.ys, callOptions);
    return { xs: images, ys: targets };
  }) as D;
}

/** What the adapter reads of a `WebGPUBackend` (tfjs-backend-webgpu 4.x). */
interface WebGpuBackendLike {
  device: GPUDevice;
  submitQueue(): void;
  /** TF.js's pending encoder: it records up to 15 dispatches before submitting them. */
  commandEncoder?: GPUCommandEncoder | null;
  endComputePassEncoder?(): void;
}

/** A validated images tensor: how to bind it and what to call it. */
interface ImagesView {
  shape: BatchShape;
  imageSize: ImageSize | undefined;
  /** Elements in the whole batch. */
  size: number;
}

/** A validated labels tensor: class ids, or target rows. */
interface LabelsView {
  dtype: GpuLabels['dtype'];
}

function checkTensor(argument: string, value: unknown): Tensor {
  const t = value as Tensor;
  if (
    typeof t !== 'object' ||
    t === null ||
    !Array.isArray(t.shape) ||
    typeof t.dtype !== 'string' ||
    typeof t.dataToGPU !== 'function'
  ) {
    throw new MixupError(argument, 'a tf.Tensor', value);
  }
  if (t.isDisposed) throw new MixupError(argument, 'a tensor that is not disposed', got('a disposed tensor'));
  return t;
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function viewImages(images: Tensor, layoutOption: unknown): ImagesView {
  const { shape, dtype } = images;
  if (dtype !== 'float32' && dtype !== 'int32') {
    throw new MixupError('images.dtype', "'float32' (or 'int32', converted to float32)", dtype);
  }
  if (shape.length < 2 || shape.some((d) => d < 1)) {
    throw new MixupError(
      'images.shape',
      'a batch [B, ...] of rank 2 or more with no empty dimension',
      got(shapeText(shape)),
    );
  }
  const layout: Layout =
    layoutOption === undefined
      ? shape.length === 4
        ? 'NHWC'
        : shape.length === 2
          ? 'rows'
          : invalidRank(shape)
      : checkOneOf('callOptions.layout', layoutOption, ['NHWC', 'NCHW', 'rows'] as const);
  const size = shape.reduce((a, b) => a * b, 1);
  const batch = shape[0];
  if (layout === 'rows') {
    return { shape: { layout, batch, features: size / batch }, imageSize: undefined, size };
  }
  if (shape.length !== 4) {
    throw new MixupError('images.shape', `a 4-D tensor for layout '${layout}'`, got(shapeText(shape)));
  }
  const [height, width, channels] = layout === 'NHWC' ? [shape[1], shape[2], shape[3]] : [shape[2], shape[3], shape[1]];
  return { shape: { layout, batch, channels, height, width }, imageSize: { height, width }, size };
}

function invalidRank(shape: readonly number[]): never {
  throw new MixupError(
    'images.shape',
    "a 4-D [B, H, W, C] or 2-D [B, D] tensor (for other ranks set callOptions.layout to 'rows')",
    got(shapeText(shape)),
  );
}

function viewLabels(labels: Tensor, batch: number, numClasses: number): LabelsView {
  const { shape, dtype } = labels;
  if (shape.length === 1 && dtype === 'int32') {
    if (shape[0] !== batch)
      throw new MixupError('labels.shape', `[${batch}] (one class id per image)`, got(shapeText(shape)));
    return { dtype: 'int32' };
  }
  if (shape.length === 2 && (dtype === 'float32' || dtype === 'int32')) {
    if (shape[0] !== batch || shape[1] !== numClasses) {
      throw new MixupError(
        'labels.shape',
        `[${batch}, ${numClasses}] (one target row of numClasses per image)`,
        got(shapeText(shape)),
      );
    }
    return { dtype: 'float32' };
  }
  throw new MixupError(
    'labels',
    "int32 class ids [B] (cast whole-number float ids with tf.cast(labels, 'int32')) or float32 targets [B, K]",
    got(`a ${dtype} tensor of shape ${shapeText(shape)}`),
  );
}

/** A dense map tensor of the images' batch, height and width: its shape as the core mixer takes it. */
function viewDense(argument: string, map: Tensor, images: ImagesView): { shape: ImageBatchShape; integer: boolean } {
  const { shape, dtype } = map;
  if (dtype !== 'float32' && dtype !== 'int32')
    throw new MixupError(`${argument}.dtype`, "'float32' (blended like the images) or 'int32' (ids, pasted)", dtype);
  const s = images.shape;
  if (s.layout === 'rows') throw new MixupError(argument, 'absent for rows (dense maps need images)', got('a map'));
  const nchw = s.layout === 'NCHW';
  const channels = shape.length === 3 ? 1 : shape.length === 4 ? shape[nchw ? 1 : 3] : 0;
  const [height, width] = shape.length === 3 || !nchw ? [shape[1], shape[2]] : [shape[2], shape[3]];
  if (channels < 1 || shape[0] !== s.batch || height !== s.height || width !== s.width) {
    const axes = nchw ? `[${s.batch}, C, ${s.height}, ${s.width}]` : `[${s.batch}, ${s.height}, ${s.width}, C]`;
    throw new MixupError(
      `${argument}.shape`,
      `[${s.batch}, ${s.height}, ${s.width}] or ${axes} (the images' batch, height and width)`,
      got(shapeText(shape)),
    );
  }
  const layout = shape.length === 3 ? 'NCHW' : s.layout;
  return { shape: { layout, batch: s.batch, channels, height, width }, integer: dtype === 'int32' };
}

function isWebGpuBackend(backend: unknown): backend is WebGpuBackendLike {
  const b = backend as Partial<WebGpuBackendLike> | null;
  return (
    typeof b === 'object' &&
    b !== null &&
    typeof b.device?.createBuffer === 'function' &&
    typeof b.device?.queue?.submit === 'function' &&
    typeof b.submitQueue === 'function'
  );
}

/** Submits whatever TF.js has recorded and not yet submitted, so that it runs before our work. */
function flushTfjs(backend: WebGpuBackendLike): void {
  // submitQueue() throws when there is no pending encoder, and its pass must be ended first.
  if (!backend.commandEncoder) return;
  backend.endComputePassEncoder?.();
  backend.submitQueue();
}

class TfjsMixerImpl implements TfjsMixer {
  readonly options: ResolvedMixOptions;
  private readonly tf: TfjsNamespace;
  private readonly planner: Planner;
  private readonly mixOptions: MixOptions;
  private readonly settings: MixerSettings;
  /** The executor for the device last used; replaced when the active backend's device changes. */
  private core: Mixer | null = null;
  /** Buffers the mixer keeps and reuses: outputs the kernels write, uploads of CPU-resident inputs. */
  private readonly kept = new Map<string, GPUBuffer>();
  /** Calls run one at a time, in order: each call's kept buffers are free again when the next starts. */
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;
  private destroyed = false;

  constructor(tf: TfjsNamespace, planner: Planner, mixOptions: MixOptions, settings: MixerSettings) {
    this.tf = tf;
    this.planner = planner;
    this.options = planner.options;
    this.mixOptions = mixOptions;
    this.settings = settings;
  }

  plan(batchSize: number, imageSize?: ImageSize): MixPlan {
    this.checkAlive();
    return this.planner.plan(batchSize, imageSize);
  }

  mix(images: Tensor, labels: Tensor, callOptions?: TfjsMixCallOptions): Promise<TfjsMixResult<Tensor>>;
  mix(images: Tensor, labels?: null, callOptions?: TfjsMixCallOptions): Promise<TfjsMixResult<null>>;
  mix(images: Tensor, labels?: Tensor | null, callOptions?: TfjsMixCallOptions): Promise<TfjsMixResult>;
  mix(images: Tensor, labels?: Tensor | null, callOptions: TfjsMixCallOptions = {}): Promise<TfjsMixResult> {
    try {
      this.checkAlive();
    } catch (error) {
      return Promise.reject(error);
    }
    this.pending++;
    const run = this.tail.then(() => this.run(images, labels ?? null, callOptions));
    const done = () => {
      this.pending--;
      if (this.destroyed && this.pending === 0) this.release();
    };
    run.then(done, done);
    this.tail = run.catch(() => undefined);
    return run;
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    // Calls already made finish first (their work and outputs need the kept buffers).
    if (this.pending === 0) this.release();
  }

  private release(): void {
    // Safe with work in flight: WebGPU frees a destroyed buffer after the submitted work that uses it.
    for (const buffer of this.kept.values()) buffer.destroy();
    this.kept.clear();
    this.core?.destroy();
    this.core = null;
  }

  private checkAlive(): void {
    if (this.destroyed) throw new MixupError('mixer', 'a live mixer', got('a mixer after destroy()'));
  }

  private activeBackend(): WebGpuBackendLike {
    let backend: unknown;
    try {
      backend = this.tf.backend();
    } catch (error) {
      throw new MixupError(
        'tf.backend()',
        "an initialised WebGPU backend (await tf.setBackend('webgpu') first)",
        got(error instanceof Error ? error.message : String(error)),
      );
    }
    if (!isWebGpuBackend(backend)) {
      const name = typeof this.tf.getBackend === 'function' ? this.tf.getBackend() : 'unknown';
      throw new MixupError(
        'tf.backend()',
        "a WebGPU backend (import '@tensorflow/tfjs-backend-webgpu' and await tf.setBackend('webgpu'), or " +
          'register a WebGPUBackend on your device)',
        got(`the ${JSON.stringify(name)} backend`),
      );
    }
    return backend;
  }

  private coreFor(device: GPUDevice): Mixer {
    if (this.core && this.core.device === device) return this.core;
    // A new device (another backend became active): nothing made on the old one can be used here.
    this.release();
    this.core = createMixer(device, this.mixOptions, this.settings);
    return this.core;
  }

  /**
   * A kept buffer of exactly `bytes` (TF.js pools by size, so its copy lands in the same pool class as its tensors).
   */
  private keptBuffer(device: GPUDevice, role: string, bytes: number): GPUBuffer {
    const size = Math.max(4, bytes);
    if (size > device.limits.maxBufferSize) {
      throw new MixupError(
        role,
        `at most ${device.limits.maxBufferSize} bytes (the device's maxBufferSize)`,
        got(`${size} bytes`),
      );
    }
    const current = this.kept.get(role);
    if (current && current.size === size) return current;
    current?.destroy();
    // TF.js's own usage for tensor buffers (and what tf.tensor({ buffer }) requires: STORAGE | COPY_SRC).
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const buffer = device.createBuffer({ label: `mixup tfjs ${role}`, size, usage });
    this.kept.set(role, buffer);
    return buffer;
  }

  /** `dataToGPU()`, or null where TF.js holds the data on the CPU (or its backend has no `dataToGPU`). */
  private gpuCopy(t: Tensor, refs: Tensor[]): { buffer: GPUBuffer; dtype: string } | null {
    let copy: ReturnType<Tensor['dataToGPU']>;
    try {
      copy = t.dataToGPU();
    } catch (error) {
      if (t.isDisposed) throw error;
      return null;
    }
    refs.push(copy.tensorRef);
    // tensorRef carries the dtype of what the buffer holds, which can differ from t.dtype (see source()).
    return copy.buffer ? { buffer: copy.buffer, dtype: copy.tensorRef.dtype } : null;
  }

  /**
   * The tensor's data as `want` in a GPUBuffer of `device`: a pooled copy from `dataToGPU` (its
   * `tensorRef` goes into `refs`, disposed once our work is submitted), or, for data TF.js holds on the
   * CPU, an upload into a kept buffer.
   */
  private async source(
    device: GPUDevice,
    tensor: Tensor,
    want: 'float32' | 'int32',
    role: string,
    refs: Tensor[],
    temps: Tensor[],
  ): Promise<GPUBuffer> {
    let t = tensor;
    const copy = this.gpuCopy(t, refs);
    // bool data is stored as 32-bit integers, so it reads as int32 class ids.
    const fits = (dtype: string) => (want === 'float32' ? dtype === 'float32' : dtype === 'int32' || dtype === 'bool');
    if (copy && fits(copy.dtype)) return copy.buffer;
    if (copy) {
      // tf.cast to float32 only relabels a tensor: its buffer still holds integers (TF.js's kernels read
      // it by the stored dtype). A kernel with a float32 output converts for real.
      t = this.keep(temps, this.tf.mul(t, 1));
      const converted = this.gpuCopy(t, refs);
      if (converted && fits(converted.dtype)) return converted.buffer;
      if (converted)
        throw new MixupError(role, `data TF.js can convert to ${want}`, got(`a buffer of ${converted.dtype}`));
    }
    // On the CPU the values come back at once, with no GPU read-back; a relabelled tensor gives its
    // stored type (Int32Array, Uint8Array for bool), converted here.
    const data = (await t.data()) as Float32Array | Int32Array | Uint8Array;
    const typed =
      want === 'float32'
        ? data instanceof Float32Array
          ? data
          : Float32Array.from(data)
        : data instanceof Int32Array
          ? data
          : Int32Array.from(data);
    const buffer = this.keptBuffer(device, `upload ${role}`, typed.byteLength);
    device.queue.writeBuffer(buffer, 0, typed.buffer, typed.byteOffset, typed.byteLength);
    return buffer;
  }

  private async run(
    imagesArg: Tensor,
    labelsArg: Tensor | null,
    callOptions: TfjsMixCallOptions,
  ): Promise<TfjsMixResult> {
    const call = checkObject('callOptions', callOptions);
    for (const key of Object.keys(call)) {
      if (key !== 'layout' && key !== 'plan' && key !== 'dense')
        throw new MixupError(`callOptions.${key}`, "a known option ('layout', 'plan' or 'dense')", call[key]);
    }
    const images = checkTensor('images', imagesArg);
    const view = viewImages(images, call.layout);
    const batch = view.shape.batch;
    const K = this.options.numClasses;
    const labels = labelsArg === null ? null : checkTensor('labels', labelsArg);
    const labelsView = labels ? viewLabels(labels, batch, K) : null;
    if (call.dense !== undefined && !Array.isArray(call.dense))
      throw new MixupError('callOptions.dense', 'an array of tensors', call.dense);
    const denseMaps = ((call.dense ?? []) as unknown[]).map((t, k) => {
      const argument = `callOptions.dense[${k}]`;
      const tensor = checkTensor(argument, t);
      return { argument, tensor, ...viewDense(argument, tensor, view) };
    });
    // What an integer map can take of the plan, checked here, before this adapter's own draw.
    const explicit = call.plan as MixPlan | undefined;
    if (explicit && denseMaps.length > 0) validatePlan(explicit, batch, view.imageSize);
    for (const d of denseMaps) {
      if (explicit) denseRules(d.argument, explicit, d.integer);
      else checkDrawableForDense(d.argument, this.options, d.integer);
    }

    const backend = this.activeBackend();
    const device = backend.device;
    const core = this.coreFor(device);
    const plan = explicit ?? this.planner.plan(batch, view.imageSize);

    const temps: Tensor[] = [];
    const refs: Tensor[] = [];
    try {
      const imageBuffer = await this.source(device, images, 'float32', 'images', refs, temps);
      const labelBuffer =
        labels && labelsView
          ? await this.source(
              device,
              labels,
              labelsView.dtype === 'float32' ? 'float32' : 'int32',
              'labels',
              refs,
              temps,
            )
          : null;
      const outImages = this.keptBuffer(device, 'images', view.size * 4);
      const outTargets = labelsView ? this.keptBuffer(device, 'targets', batch * K * 4) : undefined;
      // Maps go as float32 (int32 ids converted on the GPU, exact below 2^24), declared integer or not.
      const dense = [];
      for (const [k, d] of denseMaps.entries()) {
        const buffer = await this.source(device, d.tensor, 'float32', `dense ${k}`, refs, temps);
        dense.push({ buffer, shape: d.shape, dtype: 'float32' as const, integer: d.integer });
      }
      const outDense = denseMaps.map((d, k) => this.keptBuffer(device, `dense ${k}`, d.tensor.size * 4));
      flushTfjs(backend);
      const result = await core.mix(
        {
          images: { buffer: imageBuffer, dtype: 'float32', shape: view.shape },
          labels:
            labelBuffer && labelsView
              ? {
                  buffer: labelBuffer,
                  dtype: labelsView.dtype,
                  shape: labelsView.dtype === 'float32' ? [batch, K] : [batch],
                }
              : undefined,
          ...(dense.length > 0 ? { dense } : {}),
        },
        { plan, outputs: { images: outImages, targets: outTargets, ...(dense.length > 0 ? { dense: outDense } : {}) } },
      );
      // tf.tensor copies into the active backend's pool, which must be on the device we mixed on.
      if ((this.tf.backend() as unknown) !== backend) {
        throw new MixupError(
          'tf.backend()',
          'the same backend for the whole call',
          got('a backend switched while mixing'),
        );
      }
      // Submitted: from here TF.js may reuse the pooled input copies (the queue keeps the order), and
      // tf.tensor submits its copy of our outputs at once, before any later call can overwrite them.
      const mixedImages = this.tf.tensor({ buffer: outImages }, images.shape, 'float32');
      const mixedTargets = outTargets ? this.tf.tensor({ buffer: outTargets }, [batch, K], 'float32') : null;
      const mixedDense = denseMaps.map((d, k) => {
        const mixed = this.tf.tensor({ buffer: outDense[k] }, d.tensor.shape, 'float32');
        if (!d.integer) return mixed;
        const ids = this.tf.cast(mixed, 'int32');
        mixed.dispose();
        return ids;
      });
      return { images: mixedImages, targets: mixedTargets, dense: mixedDense, plan: result.plan };
    } finally {
      for (const t of refs) t.dispose();
      for (const t of temps) t.dispose();
    }
  }

  private keep(list: Tensor[], t: Tensor): Tensor {
    list.push(t);
    return t;
  }
}

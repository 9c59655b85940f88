/**
 * The public types of the GPU executor: inputs, outputs, per-call options, results, and the Mixer.
 */
import type { ResolvedMixOptions } from '../options.js';
import type { BatchShape, DType, ImageBatchShape, ImageSize, LabelDType, MixPlan, Normalize } from '../types.js';

/**
 * An image or feature batch held in a GPUBuffer (from byte 0).
 *
 * @category GPU mixing
 */
export interface GpuBatch {
  /** The data, from byte 0; needs STORAGE usage. */
  buffer: GPUBuffer;
  /** Layout and sizes. */
  shape: BatchShape;
  /** Element type. */
  dtype: DType;
}

/**
 * Labels held in a GPUBuffer: `B` class ids (int32 / uint32) or `B x K` float32 soft targets.
 *
 * @category GPU mixing
 */
export interface GpuLabels {
  /** The labels, from byte 0; needs STORAGE usage. */
  buffer: GPUBuffer;
  /** `int32` / `uint32` class ids [B], or `float32` soft / multi-hot targets [B, K]. */
  dtype: LabelDType;
  /**
   * `[B]` for class ids (may be omitted), `[B, K]` for float32 targets (required: a buffer's size
   * cannot tell their width, since buffers may be larger than their data). K must be the mixer's
   * `numClasses`; any other shape is rejected.
   */
  shape?: readonly number[];
}

/**
 * A dense target held in a GPUBuffer: a segmentation map, a mask, a depth map, any per-pixel tensor
 * aligned with the images (same batch, height and width; channels and layout of its own). It is
 * mixed by the images' plan in the same call: boxes, ResizeMix and masks apply to it pixel for pixel,
 * with no normalisation, into its own dtype.
 *
 * An integer map (class or instance ids) takes pastes only: a blend (mixup, soft masks) is rejected,
 * and ResizeMix resamples it with nearest. A float map (depth, soft masks) is blended like the images.
 *
 * @category GPU mixing
 */
export interface GpuDense {
  /** The data, from byte 0; needs STORAGE usage. */
  buffer: GPUBuffer;
  /** NCHW or NHWC with the images' batch, height and width. */
  shape: ImageBatchShape;
  /** Element type (also of the mixed map). */
  dtype: DType;
  /** Whether the values are ids that must not be blended. Default: true for uint8, false for floats. */
  integer?: boolean;
}

/**
 * What to mix: an image or feature batch, and optionally its labels and dense targets.
 *
 * @category GPU mixing
 */
export interface MixInputs {
  /** The batch to mix. */
  images: GpuBatch;
  /** Labels to turn into mixed targets [B, K] (K is the mixer's `numClasses`). */
  labels?: GpuLabels;
  /** Dense targets of image batches, mixed by the same plan (see {@link GpuDense}). */
  dense?: readonly GpuDense[];
}

/**
 * Buffers the caller provides for the results (STORAGE usage).
 *
 * @category GPU mixing
 */
export interface MixOutputs {
  /** Receives the mixed batch (at least B x N x bytes of the output dtype, rounded up to 4). */
  images?: GPUBuffer;
  /** Receives the targets [B, K] float32. */
  targets?: GPUBuffer;
  /**
   * Receive the mixed dense targets, one buffer per `inputs.dense` entry (at least its bytes, rounded
   * up to 4). Not with `inPlace`, which writes each map over its input.
   */
  dense?: readonly GPUBuffer[];
}

/**
 * Options of one call of {@link Mixer.mix}, {@link Mixer.encode} or {@link Mixer.prepare}.
 *
 * @category GPU mixing
 */
export interface MixCallOptions {
  /** The plan to execute; by default the mixer draws the next one from its seeded stream. */
  plan?: MixPlan;
  /**
   * Element type of the mixed images. Default: float32 with `normalize`, else the input dtype. float16 works on any
   * device (no `shader-f16` needed) and is rounded from the float32 result to nearest, ties to even, as
   * `f32ToF16Bits` rounds.
   */
  outDtype?: DType;
  /** Fused per-channel normalisation of uint8 input, (x / 255 - mean) / std, into float output. */
  normalize?: Normalize | null;
  /** Write the mixed images (and each dense map) over its input buffer (same dtype, no normalisation). */
  inPlace?: boolean;
  /** Output buffers to write into instead of new ones (needed for zero allocation per call). */
  outputs?: MixOutputs;
  /**
   * Checks of class ids outside [0, numClasses), which the CPU reference rejects (on the GPU such
   * an id matches no class, and its row gets only the smoothing value):
   * - not given (the default): the first `mix` call of a mixer with class ids checks them, before
   *   it draws its plan, and rejects with a MixupError if any is out of range (the usual cause:
   *   float32 values written into an int32 buffer). It costs one small dispatch and one read-back,
   *   once; later calls are not checked, since a check per call would make every `mix` wait for
   *   the GPU to finish before it resolves. `encode` is never checked.
   * - `true`: every call counts them and returns the count as `invalidLabels` (never throws).
   * - `false`: not checked.
   */
  checkLabels?: boolean;
}

/**
 * What {@link Mixer.mix} produced.
 *
 * @category GPU mixing
 */
export interface MixResult {
  /** The mixed images: the input buffer when in place, `outputs.images`, or a new buffer the caller owns. */
  images: GPUBuffer;
  /** Targets [B, K] float32 when labels were given: `outputs.targets` or a new buffer the caller owns. */
  targets: GPUBuffer | null;
  /**
   * The mixed dense targets, one per `inputs.dense` entry (empty without): the input buffers when in
   * place, `outputs.dense`, or new buffers the caller owns.
   */
  dense: GPUBuffer[];
  /**
   * The plan that was executed: `options.plan` itself when given, else a new plan the mixer drew,
   * which is the caller's to keep (no later call reuses it). A loop that allocates nothing per batch
   * fills one plan with `mixer.plan(B, size, into)` and passes it as `options.plan`.
   */
  plan: MixPlan;
  /** Element type written to `images`. */
  outDtype: DType;
  /** With `checkLabels`: how many class ids were outside [0, numClasses) (their rows got only the smoothing value). */
  invalidLabels: number | null;
}

/**
 * What `encode` recorded; call `release()` once the command buffer has been submitted.
 *
 * @category GPU mixing
 */
export interface MixEncoding {
  /** The plan that was recorded. */
  plan: MixPlan;
  /** Returns the upload slot to the pool once the queue has finished the submitted work. */
  release(): void;
}

/**
 * Executor settings that are not part of the mixing semantics.
 *
 * @category GPU mixing
 */
export interface MixerSettings {
  /**
   * Most bytes bound per buffer in one dispatch. Default: the device's maxStorageBufferBindingSize.
   * Larger batches are written in output windows or mixed in chunks; a lower value forces that (tests use it).
   */
  maxBindingBytes?: number;
  /**
   * Called once per mixer, with what happened, the first time a batch does not fit one binding (and,
   * when `adapter` is given, only if the adapter allows larger bindings than the device has): the
   * usual cause is a device from `requestDevice()` without `requiredLimits`, which gets the spec's
   * 128 MiB binding. The same object is kept as {@link Mixer.chunking}. Nothing is logged.
   */
  onChunked?: (info: ChunkingInfo) => void;
  /** The adapter the device came from: lets {@link ChunkingInfo} say what the adapter would allow. */
  adapter?: GPUAdapter;
}

/** What {@link MixerSettings.onChunked} reports: a batch that did not fit one binding. */
export interface ChunkingInfo {
  /** The batch: `'inputs.images'`, `'inputs.labels'` for float32 soft targets, or `'inputs.dense[k]'`. */
  argument: string;
  /**
   * `'split'`: the input fits one or two bindings and is bound whole; an output that fits two
   * bindings is bound whole as two (one dispatch, the same work as one pass: `dispatches` is 1), a
   * larger one is written in overlapping windows of whole samples, one dispatch each, each cycle cut
   * into the fewest runs that fit one window (one extra read per cut); `'chunks'`: chunks of whole
   * samples, one dispatch per pair of chunks (each input read twice).
   */
  mode: 'split' | 'chunks';
  /** Bytes of the input images. */
  inputBytes: number;
  /** Bytes of the mixed images. */
  outputBytes: number;
  /** Bytes per binding in force: the device's maxStorageBufferBindingSize, or `settings.maxBindingBytes`. */
  bindingLimit: number;
  /** The adapter's maxStorageBufferBindingSize and maxBufferSize, when `settings.adapter` was given. */
  adapterLimits: {
    /** The adapter's largest storage binding, in bytes. */
    maxStorageBufferBindingSize: number;
    /** The adapter's largest buffer, in bytes. */
    maxBufferSize: number;
  } | null;
  /** Dispatches of the batch kernel. */
  dispatches: number;
  /** A sentence saying the above and what to do about it. */
  message: string;
}

/**
 * Executes plans on one GPUDevice; see {@link createMixer}.
 *
 * @category GPU mixing
 */
export interface Mixer {
  /** The device the mixer works on (never destroyed by the mixer). */
  readonly device: GPUDevice;
  /** The planner options in force. */
  readonly options: ResolvedMixOptions;
  /** Resolves when the device is lost; later calls reject. The mixer never destroys the device. */
  readonly lost: Promise<GPUDeviceLostInfo>;
  /** Set by the first batch that did not fit one binding (see {@link MixerSettings.onChunked}); null before. */
  readonly chunking: ChunkingInfo | null;
  /** A mixer on the same device whose plans come from worker `worker`'s own stream (see Planner.fork). */
  fork(worker: number): Mixer;
  /**
   * Draws the next plan from the mixer's seeded stream (advancing it). With `into` (a plan of this
   * batch size, e.g. from `emptyPlan`), the plan is written into it and `into` is returned, so a
   * training loop can reuse one plan object per batch.
   */
  plan(batchSize: number, imageSize?: ImageSize, into?: MixPlan): MixPlan;
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

/**
 * The public types of the GPU executor: inputs, outputs, per-call options, results, and the Mixer.
 */
import type { ResolvedMixOptions } from '../options.js';
import type { BatchShape, DType, ImageSize, LabelDType, MixPlan, Normalize } from '../types.js';

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
}

/**
 * What to mix: an image or feature batch, and optionally its labels.
 *
 * @category GPU mixing
 */
export interface MixInputs {
  /** The batch to mix. */
  images: GpuBatch;
  /** Labels to turn into mixed targets [B, K] (K is the mixer's `numClasses`). */
  labels?: GpuLabels;
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
}

/**
 * Options of one call of {@link Mixer.mix}, {@link Mixer.encode} or {@link Mixer.prepare}.
 *
 * @category GPU mixing
 */
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
  /** The plan that was executed. */
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
   * Larger batches are mixed in chunks of whole samples; a lower value forces chunking (tests use it).
   */
  maxBindingBytes?: number;
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

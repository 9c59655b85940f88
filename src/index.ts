/**
 * Mixup and CutMix on the GPU through WebGPU.
 *
 * - {@link createPlanner} draws seeded plans on the host (all randomness lives there);
 * - {@link createMixer} executes plans on a GPUDevice with fused WGSL kernels;
 * - {@link mixBatchCpu} / {@link mixTargetsCpu} / {@link mixDenseCpu} execute the same plans on the CPU (reference
 *   and fallback);
 * - {@link maskPlan} / {@link withMasks} turn masks of your own (SmoothMix, GridMix, saliency, learned) into plans.
 *
 * TF.js tensors: `webgpu-mixup/tfjs`; ONNX Runtime Web GPU tensors: `webgpu-mixup/ort`.
 *
 * @example
 * ```ts
 * import { createMixer, createPlanner, mixBatchCpu } from 'webgpu-mixup';
 *
 * // On the GPU: inputs in STORAGE buffers; the outputs are new buffers you own.
 * const mixer = createMixer(device, { mixupAlpha: 0.2, cutmixAlpha: 1, numClasses: 10, seed: 42 });
 * const shape = { layout: 'NCHW', batch: 8, channels: 3, height: 32, width: 32 } as const;
 * const { images, targets, plan } = await mixer.mix({
 *   images: { buffer: imageBuffer, dtype: 'uint8', shape },
 *   labels: { buffer: labelBuffer, dtype: 'int32' },
 * });
 * images.destroy();
 * targets?.destroy();
 *
 * // On the CPU, the same plan gives the same values.
 * const mixed = mixBatchCpu({ data: pixels, dtype: 'uint8', shape }, plan);
 * const next = createPlanner({ mixupAlpha: 0.2, seed: 7 }).plan(8, { height: 32, width: 32 });
 * ```
 *
 * @module webgpu-mixup
 */
export type {
  BatchShape,
  DType,
  ImageBatchShape,
  ImageSize,
  LabelDType,
  MethodWeights,
  Layout,
  MixMode,
  MixOptions,
  MixPlan,
  Normalize,
  Pairing,
  PlanMasks,
  ResizeMode,
  RowsBatchShape,
} from './types.js';
export { KIND_CUTMIX, KIND_MASK, KIND_MIXUP, KIND_NONE, KIND_RESIZEMIX } from './types.js';
export { MixupError } from './errors.js';
export type { ResolvedMixOptions } from './options.js';
export { resolveOptions } from './options.js';
export type { Planner } from './plan.js';
export { clonePlan, createPlanner, emptyPlan, validatePlan } from './plan.js';
export type { UserMasks } from './masks.js';
export { maskLam, maskPlan, packBits, withMasks } from './masks.js';
export type { BatchData, CpuBatch, CpuDenseOptions, CpuLabels, CpuMixOptions, CpuTargetOptions } from './reference.js';
export { mixBatchCpu, mixDenseCpu, mixTargetsCpu } from './reference.js';
export type { NormalizeCoefficients, SmoothingValues } from './formulas.js';
export { normalizeCoefficients, smoothingValues } from './formulas.js';
export { f16BitsToF32, f32ToF16Bits } from './f16.js';
export type {
  ChunkingInfo,
  GpuBatch,
  GpuDense,
  GpuLabels,
  MixCallOptions,
  MixEncoding,
  MixInputs,
  MixOutputs,
  MixResult,
  Mixer,
  MixerSettings,
} from './gpu/types.js';
export { createMixer } from './gpu/mixer.js';

/**
 * webgpu-mixup: mixup and CutMix on the GPU through WebGPU.
 *
 * - {@link createPlanner} draws seeded plans on the host (all randomness lives there);
 * - {@link createMixer} executes plans on a GPUDevice with fused WGSL kernels;
 * - {@link mixBatchCpu} / {@link mixTargetsCpu} execute the same plans on the CPU (reference and fallback).
 */
export type { BatchShape, DType, ImageBatchShape, ImageSize, LabelDType, Layout, MixMode, MixOptions, MixPlan, Normalize, Pairing, RowsBatchShape } from './types.js';
export { KIND_CUTMIX, KIND_MIXUP, KIND_NONE } from './types.js';
export { MixupError } from './errors.js';
export type { ResolvedMixOptions } from './options.js';
export { resolveOptions } from './options.js';
export type { Planner } from './plan.js';
export { clonePlan, createPlanner, emptyPlan, validatePlan } from './plan.js';
export type { BatchData, CpuBatch, CpuLabels, CpuMixOptions, CpuTargetOptions, NormalizeCoefficients, SmoothingValues } from './reference.js';
export { mixBatchCpu, mixTargetsCpu, normalizeCoefficients, smoothingValues } from './reference.js';
export { f16BitsToF32, f32ToF16Bits } from './f16.js';
export type { GpuBatch, GpuLabels, MixCallOptions, MixEncoding, MixInputs, MixOutputs, MixResult, Mixer, MixerSettings } from './gpu/mixer.js';
export { createMixer } from './gpu/mixer.js';

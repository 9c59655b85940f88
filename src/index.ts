/**
 * webgpu-mixup: mixup and CutMix on the GPU through WebGPU.
 *
 * - {@link createPlanner} draws seeded plans on the host (all randomness lives there);
 * - {@link createMixer} executes plans on a GPUDevice with fused WGSL kernels;
 * - {@link mixBatchCpu} / {@link mixTargetsCpu} execute the same plans on the CPU (reference and fallback).
 */
export type { BatchShape, DType, ImageBatchShape, ImageSize, LabelDType, Layout, MixMode, MixOptions, MixPlan, Normalize, Pairing, RowsBatchShape } from './types';
export { KIND_CUTMIX, KIND_MIXUP, KIND_NONE } from './types';
export { MixupError } from './errors';
export type { ResolvedMixOptions } from './options';
export { resolveOptions } from './options';
export type { Planner } from './plan';
export { clonePlan, createPlanner, emptyPlan, validatePlan } from './plan';
export type { BatchData, CpuBatch, CpuLabels, CpuMixOptions, CpuTargetOptions } from './reference';
export { mixBatchCpu, mixTargetsCpu } from './reference';
export type { NormalizeCoefficients, SmoothingValues } from './formulas';
export { normalizeCoefficients, smoothingValues } from './formulas';
export { f16BitsToF32, f32ToF16Bits } from './f16';
export type { ChunkingInfo, GpuBatch, GpuLabels, MixCallOptions, MixEncoding, MixInputs, MixOutputs, MixResult, Mixer, MixerSettings } from './gpu/mixer';
export { createMixer } from './gpu/mixer';

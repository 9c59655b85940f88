/**
 * Assembles the WGSL of each kernel variant from the files in `shaders/` and gives it a cache key.
 * A variant is fixed by the element types in and out, vec4 access (elements per sample divisible by 4)
 * and in-place mixing; layout, normalisation and blend-only are pipeline-overridable constants.
 */
import common from '../../shaders/mix_common.wgsl?raw';
import batchMain from '../../shaders/mix_batch.wgsl?raw';
import labelsMain from '../../shaders/mix_labels.wgsl?raw';
import loadF32 from '../../shaders/io/load_f32.wgsl?raw';
import loadF32x4 from '../../shaders/io/load_f32x4.wgsl?raw';
import loadF16 from '../../shaders/io/load_f16.wgsl?raw';
import loadF16x4 from '../../shaders/io/load_f16x4.wgsl?raw';
import loadU8 from '../../shaders/io/load_u8.wgsl?raw';
import loadU8x4 from '../../shaders/io/load_u8x4.wgsl?raw';
import storeF32 from '../../shaders/io/store_f32.wgsl?raw';
import storeF32x4 from '../../shaders/io/store_f32x4.wgsl?raw';
import storeF16 from '../../shaders/io/store_f16.wgsl?raw';
import storeF16x4 from '../../shaders/io/store_f16x4.wgsl?raw';
import storeU8x4 from '../../shaders/io/store_u8x4.wgsl?raw';
import type { DType, Layout } from '../types';

export const WORKGROUP_SIZE = 256;

export interface BatchVariant {
  inDtype: DType;
  outDtype: DType;
  /** Elements per sample divisible by 4: whole-quad vector loads and stores. */
  vec4: boolean;
  /** Input and output are one buffer (bound once, read_write). */
  inPlace: boolean;
}

export interface BatchConstants {
  layout: Layout;
  normalize: boolean;
  blendOnly: boolean;
}

const LOADS: Record<DType, [scalar: string, vec4: string]> = {
  float32: [loadF32, loadF32x4],
  float16: [loadF16, loadF16x4],
  uint8: [loadU8, loadU8x4],
};
// uint8 output always packs 4 bytes per word; the host requires elements per sample divisible by 4.
const STORES: Record<DType, [scalar: string, vec4: string]> = {
  float32: [storeF32, storeF32x4],
  float16: [storeF16, storeF16x4],
  uint8: [storeU8x4, storeU8x4],
};

/** WGSL array element type of a binding holding `dtype` data. */
function elementType(dtype: DType, vec4: boolean): string {
  if (dtype === 'uint8') return 'u32';
  const scalar = dtype === 'float16' ? 'f16' : 'f32';
  return vec4 ? `vec4<${scalar}>` : scalar;
}

export function batchVariantKey(v: BatchVariant): string {
  return `batch:${v.inDtype}>${v.outDtype}:${v.vec4 ? 'x4' : 'x1'}:${v.inPlace ? 'inplace' : 'copy'}`;
}

export function batchShaderCode(v: BatchVariant): string {
  const usesF16 = v.inDtype === 'float16' || v.outDtype === 'float16';
  const bindings = [
    v.inPlace ? '' : `@group(0) @binding(1) var<storage, read> src: array<${elementType(v.inDtype, v.vec4)}>;`,
    `@group(0) @binding(2) var<storage, read_write> dst: array<${elementType(v.outDtype, v.vec4)}>;`,
  ];
  return [
    usesF16 ? 'enable f16;' : '',
    common,
    ...bindings,
    LOADS[v.inDtype][v.vec4 ? 1 : 0].replaceAll('SRC', v.inPlace ? 'dst' : 'src'),
    STORES[v.outDtype][v.vec4 ? 1 : 0],
    batchMain,
  ].join('\n');
}

/** Values of the `override` constants in mix_batch.wgsl. */
export function batchConstants(c: BatchConstants): Record<string, number> {
  return { LAYOUT: c.layout === 'NCHW' ? 0 : c.layout === 'NHWC' ? 1 : 2, NORMALIZE: c.normalize ? 1 : 0, BLEND_ONLY: c.blendOnly ? 1 : 0 };
}

export function labelsShaderCode(): string {
  return [common, labelsMain].join('\n');
}

/** Splits `threads` into workgroups, folded into 2-D past the per-dimension limit. */
export function dispatchSize(threads: number, maxPerDimension: number): [x: number, y: number] {
  const groups = Math.max(1, Math.ceil(threads / WORKGROUP_SIZE));
  if (groups <= maxPerDimension) return [groups, 1];
  const y = Math.ceil(groups / maxPerDimension);
  return [Math.ceil(groups / y), y];
}

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

/** Instantiates a load snippet as function `name` reading binding `array` at element offset `shift`. */
function loadFunction(v: BatchVariant, name: string, array: string, shift: string): string {
  return LOADS[v.inDtype][v.vec4 ? 1 : 0].replace(/\bLOAD\b/g, name).replace(/\bSRC\b/g, array).replace(/\bSHIFT\b/g, shift);
}

export function batchShaderCode(v: BatchVariant): string {
  const usesF16 = v.inDtype === 'float16' || v.outDtype === 'float16';
  const inType = elementType(v.inDtype, v.vec4);
  const io = v.inPlace
    ? [
        loadFunction(v, 'load_dst', 'dst', 'params.dst_shift'),
        'fn load4(s: u32, quad: u32) -> vec4<f32> { return load_dst(s - params.dst_base, quad); }',
      ]
    : [
        `@group(0) @binding(1) var<storage, read> src: array<${inType}>;`,
        `@group(0) @binding(7) var<storage, read> src2: array<${inType}>;`,
        loadFunction(v, 'load_src', 'src', 'params.src_shift'),
        loadFunction(v, 'load_src2', 'src2', 'params.src2_shift'),
        // The second window holds a chunk's partners (chunked batches only; src2_count is 0 otherwise).
        // Unsigned wrap-around makes a sample below src2_base fail the test as well.
        `fn load4(s: u32, quad: u32) -> vec4<f32> {
  if (s - params.src2_base < params.src2_count) { return load_src2(s - params.src2_base, quad); }
  return load_src(s - params.src_base, quad);
}`,
      ];
  return [
    usesF16 ? 'enable f16;' : '',
    common,
    `@group(0) @binding(2) var<storage, read_write> dst: array<${elementType(v.outDtype, v.vec4)}>;`,
    ...io,
    STORES[v.outDtype][v.vec4 ? 1 : 0],
    batchMain,
  ].join('\n');
}

/** Bytes of one addressing unit of a binding (what the window shifts count): the array element, or a byte for scalar uint8. */
export function addressUnit(dtype: DType, vec4: boolean): number {
  if (dtype === 'uint8') return vec4 ? 4 : 1;
  const bytes = dtype === 'float16' ? 2 : 4;
  return vec4 ? 4 * bytes : bytes;
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

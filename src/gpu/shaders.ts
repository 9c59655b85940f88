/**
 * Assembles the WGSL of each kernel variant from the files in `shaders/` and gives it a cache key.
 *
 * Everything that selects code is a module-scope `const` written into the text, not a pipeline
 * override: the compiler then drops untaken paths. That matters: a software adapter (SwiftShader)
 * executes both sides of a branch under a mask, and a mixup-only batch measured about 1.7x slower
 * with the CutMix path present but never taken.
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
import type { DType, Layout } from '../types.js';

export const WORKGROUP_SIZE = 256;

/** One compiled form of mix_batch.wgsl. */
export interface BatchVariant {
  inDtype: DType;
  outDtype: DType;
  /** Elements per sample divisible by 4: whole-quad vector loads and stores. */
  vec4: boolean;
  /** Input and output are one buffer (bound once, read_write). */
  inPlace: boolean;
  layout: Layout;
  /** Fused normalisation of uint8 input. */
  normalize: boolean;
  /** Soft targets: kind 2 blends with lam like kind 1 (no box). */
  blendOnly: boolean;
  /** Inputs bound as two windows (chunked batches); otherwise one whole binding from byte 0. */
  windowed: boolean;
  /** The plan has blends (kind 1, or kind 2 with blendOnly). */
  blend: boolean;
  /** The plan has pastes (kind 2, boxes). */
  paste: boolean;
  /** NCHW or rows with a width divisible by 4: no quad crosses a row (a cheaper per-quad path). */
  rowAligned: boolean;
}

/** Entry point of mix_batch.wgsl for a walk's segment shape. */
export type BatchEntry = 'main_walk' | 'main_pairs' | 'main_singles';

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
  const flags = [v.inPlace && 'inplace', v.normalize && 'norm', v.blendOnly && 'blendonly', v.windowed && 'windowed', v.blend && 'blend', v.paste && 'paste', v.rowAligned && 'rows4'].filter(Boolean);
  return `batch:${v.inDtype}>${v.outDtype}:${v.vec4 ? 'x4' : 'x1'}:${v.layout}:${flags.join('+')}`;
}

/** Instantiates a load snippet as function `name` reading binding `array` at element offset `shift`. */
function loadFunction(v: BatchVariant, name: string, array: string, shift: string): string {
  return LOADS[v.inDtype][v.vec4 ? 1 : 0].replace(/\bLOAD\b/g, name).replace(/\bSRC\b/g, array).replace(/\bSHIFT\b/g, shift);
}

export function batchShaderCode(v: BatchVariant): string {
  const usesF16 = v.inDtype === 'float16' || v.outDtype === 'float16';
  const inType = elementType(v.inDtype, v.vec4);
  // Without windows the whole batch is bound from byte 0: no base or shift arithmetic per access.
  const dstShift = v.windowed ? 'params.dst_shift' : '0u';
  const dstBase = v.windowed ? 'params.dst_base' : '0u';
  let io: string[];
  if (v.inPlace) {
    io = [loadFunction(v, 'load_dst', 'dst', '0u'), 'fn load4(s: u32, quad: u32) -> vec4<f32> { return load_dst(s, quad); }'];
  } else if (!v.windowed) {
    io = [
      `@group(0) @binding(1) var<storage, read> src: array<${inType}>;`,
      loadFunction(v, 'load_src', 'src', '0u'),
      'fn load4(s: u32, quad: u32) -> vec4<f32> { return load_src(s, quad); }',
    ];
  } else {
    io = [
      `@group(0) @binding(1) var<storage, read> src: array<${inType}>;`,
      `@group(0) @binding(7) var<storage, read> src2: array<${inType}>;`,
      loadFunction(v, 'load_src', 'src', 'params.src_shift'),
      loadFunction(v, 'load_src2', 'src2', 'params.src2_shift'),
      // The second window holds a chunk's partners. Unsigned wrap-around makes a sample below
      // src2_base fail the test as well.
      `fn load4(s: u32, quad: u32) -> vec4<f32> {
  if (s - params.src2_base < params.src2_count) { return load_src2(s - params.src2_base, quad); }
  return load_src(s - params.src_base, quad);
}`,
    ];
  }
  const constants = [
    `const LAYOUT: u32 = ${v.layout === 'NCHW' ? 0 : v.layout === 'NHWC' ? 1 : 2}u;`,
    `const NORMALIZE = ${v.normalize};`,
    `const BLEND_ONLY = ${v.blendOnly};`,
    `const HAS_BLEND = ${v.blend};`,
    `const HAS_PASTE = ${v.paste && !v.blendOnly && v.layout !== 'rows'};`,
    `const ROW_ALIGNED = ${v.rowAligned && v.layout !== 'NHWC'};`,
  ];
  return [
    usesF16 ? 'enable f16;' : '',
    common,
    ...constants,
    `@group(0) @binding(2) var<storage, read_write> dst: array<${elementType(v.outDtype, v.vec4)}>;`,
    ...io,
    STORES[v.outDtype][v.vec4 ? 1 : 0].replace(/\bDST_SHIFT\b/g, dstShift).replace(/\bDST_BASE\b/g, dstBase),
    batchMain,
  ].join('\n');
}

/** Bytes of one addressing unit of a binding (what the window shifts count): the array element, or a byte for scalar uint8. */
export function addressUnit(dtype: DType, vec4: boolean): number {
  if (dtype === 'uint8') return vec4 ? 4 : 1;
  const bytes = dtype === 'float16' ? 2 : 4;
  return vec4 ? 4 * bytes : bytes;
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

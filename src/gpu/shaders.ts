/**
 * Assembles the WGSL of each kernel variant from the files in `shaders/` (which variant a call
 * needs, and its cache key, is decided in variant.ts).
 *
 * Everything that selects code is a module-scope `const` written into the text, not a pipeline
 * override: the compiler then drops untaken paths. That matters: a software adapter (SwiftShader)
 * executes both sides of a branch under a mask, and a mixup-only batch measured about 1.7x slower
 * with the CutMix path present but never taken.
 */
import common from '../../shaders/mix_common.wgsl?raw';
import batchMain from '../../shaders/mix_batch.wgsl?raw';
import labelsMain from '../../shaders/mix_labels.wgsl?raw';
import resizeMain from '../../shaders/resize_paste.wgsl?raw';
import loadF32 from '../../shaders/io/load_f32.wgsl?raw';
import loadF32x4 from '../../shaders/io/load_f32x4.wgsl?raw';
import f16Bits from '../../shaders/io/f16_bits.wgsl?raw';
import loadF16 from '../../shaders/io/load_f16.wgsl?raw';
import loadF16x4 from '../../shaders/io/load_f16x4.wgsl?raw';
import loadU8 from '../../shaders/io/load_u8.wgsl?raw';
import loadU8x4 from '../../shaders/io/load_u8x4.wgsl?raw';
import storeF32 from '../../shaders/io/store_f32.wgsl?raw';
import storeF32x4 from '../../shaders/io/store_f32x4.wgsl?raw';
import storeF16 from '../../shaders/io/store_f16.wgsl?raw';
import storeF16x4 from '../../shaders/io/store_f16x4.wgsl?raw';
import storeU8 from '../../shaders/io/store_u8.wgsl?raw';
import storeU8x4 from '../../shaders/io/store_u8x4.wgsl?raw';
import type { DType } from '../types.js';
import type { BatchVariant, ResizeVariant } from './variant.js';

export const WORKGROUP_SIZE = 256;

const LOADS: Record<DType, [scalar: string, vec4: string]> = {
  float32: [loadF32, loadF32x4],
  float16: [loadF16, loadF16x4],
  uint8: [loadU8, loadU8x4],
};
const STORES: Record<DType, [scalar: string, vec4: string]> = {
  float32: [storeF32, storeF32x4],
  float16: [storeF16, storeF16x4],
  uint8: [storeU8, storeU8x4],
};

/**
 * uint8 or float16 output of samples that are not a multiple of 4 elements: words can be shared by
 * threads, so the output binding is array<atomic<u32>> (see store_u8.wgsl, store_f16.wgsl).
 */
function atomicOutput(v: BatchVariant): boolean {
  return v.outDtype !== 'float32' && !v.vec4;
}

/**
 * WGSL array element type of a binding holding `dtype` data. uint8 and float16 are bound as u32
 * words (4 bytes, or 2 halves, a word; a quad of halves is a vec2<u32>): core WGSL, so float16 needs
 * no `shader-f16` (f16_bits.wgsl).
 */
function elementType(dtype: DType, vec4: boolean): string {
  if (dtype === 'uint8') return 'u32';
  if (dtype === 'float16') return vec4 ? 'vec2<u32>' : 'u32';
  return vec4 ? 'vec4<f32>' : 'f32';
}

/**
 * Instantiates a load snippet as function `name` reading binding `array` at element offset `shift`.
 * `array` 'split' reads through `src_at` (the input bound as src + src2). Snippets that read whole
 * words (scalar uint8) do so through WORD(i): an atomicLoad where the array is an atomic output
 * read in place.
 */
function loadFunction(v: BatchVariant, name: string, array: string, shift: string): string {
  const snippet = LOADS[v.inDtype][v.vec4 ? 1 : 0];
  const word =
    array === 'split' ? 'src_at(i)' : array === 'dst' && atomicOutput(v) ? `atomicLoad(&${array}[i])` : `${array}[i]`;
  const reader = snippet.includes('WORD') ? `fn ${name}_word(i: u32) -> u32 { return ${word}; }\n` : '';
  const code =
    reader +
    snippet
      .replace(/\bWORD\b/g, `${name}_word`)
      .replace(/\bLOAD\b/g, name)
      .replace(/\bSHIFT\b/g, shift);
  return array === 'split' ? code.replace(/\bSRC\[([^\]]+)\]/g, 'src_at($1)') : code.replace(/\bSRC\b/g, array);
}

// A buffer bound as two bindings: element i is in the first below the split, else in the second.
const SRC_AT = `fn src_at(i: u32) -> InElem {
  if (i < params.src_split) { return src[i]; }
  return src2[i - params.src_split];
}`;

// An output bound as two bindings (dst + dst2, split at element `dst_split`): the stores of the
// io snippets, rewritten to these (splitStores). Atomic outputs (shared words) get the atomics.
const DST_AT = `fn dst_store(i: u32, v: OutElem) {
  if (i < params.dst_split) { dst[i] = v; } else { dst2[i - params.dst_split] = v; }
}`;
const DST_ATOMICS = ['atomicStore', 'atomicAnd', 'atomicOr'];
const DST_AT_ATOMIC = DST_ATOMICS.map(
  (op) => `fn dst_${op}(i: u32, v: u32) {
  if (i < params.dst_split) { ${op}(&dst[i], v); } else { ${op}(&dst2[i - params.dst_split], v); }
}`,
).join('\n');

/** `atomicOp(&dst[i], ...` in a store snippet, for splitStores. */
const ATOMIC_DST = new RegExp(`\\b(${DST_ATOMICS.join('|')})\\(&dst\\[([^\\]]+)\\],`, 'g');

/**
 * A store snippet writing through the split output: `dst[i] = v;` becomes `dst_store(i, v);` and
 * `atomicOp(&dst[i], v)` becomes `dst_atomicOp(i, v)`. Throws if any other access to `dst` is left
 * (a snippet this rewrite does not understand must not write past the first binding).
 */
function splitStores(code: string, atomic: boolean): string {
  const out = code.replace(ATOMIC_DST, 'dst_$1($2,').replace(/\bdst\[([^\]]+)\]\s*=\s*([^;]+);/g, 'dst_store($1, $2);');
  if (/\bdst\[/.test(out)) throw new Error('splitStores: a store snippet accesses dst in a way it cannot rewrite');
  return `${atomic ? DST_AT_ATOMIC : DST_AT}\n${out}`;
}

export function batchShaderCode(v: BatchVariant): string {
  return [common, batchIoCode(v), batchMain].join('\n');
}

/**
 * A variant's element aliases, constants, `load4` and `store4`: everything of mix_batch.wgsl's
 * kernel but its entry points and bindings (the benchmark's shape copy reuses it).
 */
export function batchIoCode(v: BatchVariant): string {
  // Without windows the whole batch is bound from byte 0: no base or shift arithmetic per access.
  const dstWindow = v.windowed || v.dstWindowed;
  const dstShift = dstWindow ? 'params.dst_shift' : '0u';
  const dstBase = dstWindow ? 'params.dst_base' : '0u';
  let io: string[];
  if (v.inPlace) {
    io = [
      loadFunction(v, 'load_dst', 'dst', '0u'),
      'fn load4(s: u32, quad: u32) -> vec4<f32> { return load_dst(s, quad); }',
    ];
  } else if (!v.windowed) {
    io = [
      loadFunction(v, 'load_src', v.srcSplit ? 'split' : 'src', '0u'),
      'fn load4(s: u32, quad: u32) -> vec4<f32> { return load_src(s, quad); }',
    ];
    if (v.srcSplit) io.unshift(SRC_AT);
  } else {
    io = [
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
    `alias InElem = ${elementType(v.inDtype, v.vec4)};`,
    `alias OutElem = ${atomicOutput(v) ? 'atomic<u32>' : elementType(v.outDtype, v.vec4)};`,
    `const LAYOUT: u32 = ${v.layout === 'NCHW' ? 0 : v.layout === 'NHWC' ? 1 : 2}u;`,
    `const NORMALIZE = ${v.normalize};`,
    `const BLEND_ONLY = ${v.blendOnly};`,
    `const HAS_BLEND = ${v.blend};`,
    `const HAS_PASTE = ${v.paste};`,
    `const ROW_ALIGNED = ${v.rowAligned};`,
    `const HAS_MASK = ${v.mask !== null};`,
    `const MASK_SOFT = ${v.mask === 'soft'};`,
  ];
  const usesF16 = v.inDtype === 'float16' || v.outDtype === 'float16';
  return [...constants, ...(usesF16 ? [f16Bits] : []), ...io, storeFunction(v, dstShift, dstBase)].join('\n');
}

/** mix_common.wgsl, for kernels assembled elsewhere (the benchmark's shape copy). */
export const COMMON_WGSL = common;

/**
 * The store snippet, at a window's shift and base where the output is bound in windows, through
 * dst + dst2 where the output is split in two bindings.
 */
function storeFunction(v: BatchVariant, dstShift: string, dstBase: string): string {
  const code = STORES[v.outDtype][v.vec4 ? 1 : 0].replace(/\bDST_SHIFT\b/g, dstShift).replace(/\bDST_BASE\b/g, dstBase);
  return v.dstSplit ? splitStores(code, atomicOutput(v)) : code;
}

/** Bytes of one element of the WGSL array a binding of `dtype` data is (the unit of a split). */
export function elementBytes(dtype: DType, vec4: boolean): number {
  if (dtype === 'uint8' || (dtype === 'float16' && !vec4)) return 4;
  const bytes = dtype === 'float16' ? 2 : 4;
  return vec4 ? 4 * bytes : bytes;
}

/**
 * Bytes of one addressing unit of a binding (what the window shifts count): the quad (vec4), else the element: a
 * byte for scalar uint8, a half for scalar float16 (their snippets find the word themselves).
 */
export function addressUnit(dtype: DType, vec4: boolean): number {
  if (dtype === 'uint8') return vec4 ? 4 : 1;
  const bytes = dtype === 'float16' ? 2 : 4;
  return vec4 ? 4 * bytes : bytes;
}

/** ResizeMix's pass: the batch kernel's io for the call, the resampling mode, resize_paste.wgsl. */
export function resizeShaderCode(v: ResizeVariant): string {
  return [common, batchIoCode(v.io), `const NEAREST = ${v.nearest};`, resizeMain].join('\n');
}

export function labelsShaderCode(): string {
  return [common, labelsMain].join('\n');
}

/** Splits `threads` into workgroups, folded into 2-D past the per-dimension limit. */
export function dispatchSize(threads: number, maxPerDimension: number): [x: number, y: number] {
  const y = dispatchRows(threads, maxPerDimension);
  return [Math.ceil(workgroups(threads) / y), y];
}

/** The y of {@link dispatchSize} alone (no array: the checks ask for it every call). */
export function dispatchRows(threads: number, maxPerDimension: number): number {
  const groups = workgroups(threads);
  return groups <= maxPerDimension ? 1 : Math.ceil(groups / maxPerDimension);
}

const workgroups = (threads: number) => Math.max(1, Math.ceil(threads / WORKGROUP_SIZE));

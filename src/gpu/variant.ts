/**
 * The one place that decides which kernel a call runs and under which cache key. A variant is
 * made canonical when it is built (flags that change no code are cleared), and the key spells out
 * every field of the canonical variant plus the entry point, so two keys never name the same code
 * and one key never names two.
 */
import type { ResolvedMixOptions } from '../options.js';
import type { DType, Layout, PlanMasks, ResizeMode } from '../types.js';
import type { Walk } from './walk.js';

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
  /** Soft targets: every kind but 0 blends with lam like kind 1 (no box, no mask). */
  blendOnly: boolean;
  /** Inputs bound as two windows (chunked batches); otherwise one whole binding from byte 0. */
  windowed: boolean;
  /** The input is bound whole as two bindings (src + src2): larger than one binding, not than two. */
  srcSplit: boolean;
  /** The output is bound in windows of whole samples, one dispatch each (the input bound whole or split). */
  dstWindowed: boolean;
  /** The plan has blends (kind 1, or any mixed kind with blendOnly). */
  blend: boolean;
  /** The plan has pastes (kind 2 with boxes: never for rows or soft targets). */
  paste: boolean;
  /** NCHW or rows with a width divisible by 4: no quad crosses a row (a cheaper per-quad path). */
  rowAligned: boolean;
  /** The plan has kind-4 samples, whose masks are in this format (never for rows or soft targets); else null. */
  mask: MaskFormat | null;
}

/** How a plan's masks are stored (PlanMasks.format). */
export type MaskFormat = PlanMasks['format'];

/** Which kinds a plan uses, as the variants see them. */
export interface PlanKinds {
  /** Kind 1 (mixup). */
  blend: boolean;
  /** Kind 2 (CutMix). */
  paste: boolean;
  /** Kind 3 (ResizeMix): the resize pass runs, and soft targets blend. */
  resize?: boolean;
  /** Kind-4 samples, and the format of the plan's masks; null (or absent) when there are none. */
  mask?: MaskFormat | null;
}

/** Entry point of mix_batch.wgsl for a walk's segment shape. */
export type BatchEntry = 'main_walk' | 'main_pairs' | 'main_singles';

/** Every entry point of mix_batch.wgsl. */
export const BATCH_ENTRIES: readonly BatchEntry[] = ['main_pairs', 'main_singles', 'main_walk'];

/** Cache key of the labels kernel (one variant). */
export const LABELS_KEY = 'labels:main';

/** Which kinds a plan uses, in one pass over `kind` (the masks' format from `masks`, where kind 4 occurs). */
export function planKinds(kind: Uint8Array, masks?: PlanMasks | null): Required<PlanKinds> {
  let seen = 0;
  for (let i = 0; i < kind.length; i++) seen |= 1 << kind[i];
  const mask = (seen & 16) !== 0 && masks ? masks.format : null;
  return { blend: (seen & 2) !== 0, paste: (seen & 4) !== 0, resize: (seen & 8) !== 0, mask };
}

/** How a job's buffers are bound: chunked windows, a split input (src + src2), output windows. */
export interface Binding {
  windowed: boolean;
  srcSplit: boolean;
  dstWindowed: boolean;
}

/** Clears the flags that select no code, so equal code always has one variant (and one key). */
function canonical(v: BatchVariant): BatchVariant {
  const paste = v.paste && !v.blendOnly && v.layout !== 'rows';
  const split = !v.windowed && !v.inPlace;
  return {
    ...v,
    paste,
    mask: v.blendOnly || v.layout === 'rows' ? null : v.mask,
    rowAligned: v.rowAligned && v.layout !== 'NHWC',
    srcSplit: split && v.srcSplit,
    dstWindowed: split && v.dstWindowed,
  };
}

/** The images' kernel for a call of these dtypes and shape, and a plan with these kinds. */
export function imagesVariant(
  c: {
    inDtype: DType;
    outDtype: DType;
    inPlace: boolean;
    normalize: boolean;
    layout: Layout;
    n: number;
    width: number;
  },
  kinds: PlanKinds,
  binding: Binding,
): BatchVariant {
  return canonical({
    inDtype: c.inDtype,
    outDtype: c.outDtype,
    vec4: c.n % 4 === 0,
    inPlace: c.inPlace,
    layout: c.layout,
    normalize: c.normalize,
    blendOnly: false,
    ...binding,
    blend: kinds.blend,
    paste: kinds.paste,
    rowAligned: c.layout !== 'NHWC' && c.width % 4 === 0,
    mask: kinds.mask ?? null,
  });
}

/**
 * A dense map's kernel: the images' kernel for the map's dtype in and out, its layout and channels,
 * no normalisation, and the same plan kinds (so every kind the images get applies to the map; the
 * blends an integer map cannot take were rejected by ../dense.ts before).
 */
export function denseVariant(
  d: { dtype: DType; geometry: { layout: Layout; n: number; width: number } },
  inPlace: boolean,
  kinds: Parameters<typeof imagesVariant>[1],
  binding: Binding,
): BatchVariant {
  const { layout, n, width } = d.geometry;
  return imagesVariant(
    { inDtype: d.dtype, outDtype: d.dtype, inPlace, normalize: false, layout, n, width },
    kinds,
    binding,
  );
}

/** The soft targets' kernel ([B, K] float32 rows): every mixed sample blends its row with lam. */
export function softVariant(numClasses: number, kinds: PlanKinds, binding: Binding): BatchVariant {
  const vec4 = numClasses % 4 === 0;
  return canonical({
    inDtype: 'float32',
    outDtype: 'float32',
    vec4,
    inPlace: false,
    layout: 'rows',
    normalize: false,
    blendOnly: true,
    ...binding,
    blend: kinds.blend || kinds.paste || kinds.resize === true || Boolean(kinds.mask),
    paste: false,
    rowAligned: vec4,
    mask: null,
  });
}

/** The cache key of a variant's pipeline: every field, then the entry point. */
export function batchKey(v: BatchVariant, entry: BatchEntry): string {
  return `${variantKey(v)}:${entry}`;
}

/** Every field of a canonical variant. */
function variantKey(v: BatchVariant): string {
  const flags = [
    v.inPlace && 'inplace',
    v.normalize && 'norm',
    v.blendOnly && 'blendonly',
    v.windowed && 'windowed',
    v.srcSplit && 'srcsplit',
    v.dstWindowed && 'dstwindows',
    v.blend && 'blend',
    v.paste && 'paste',
    v.rowAligned && 'rows4',
    v.mask && `mask-${v.mask}`,
  ].filter(Boolean);
  return `batch:${v.inDtype}>${v.outDtype}:${v.vec4 ? 'x4' : 'x1'}:${v.layout}:${flags.join('+')}`;
}

/**
 * One compiled form of resize_paste.wgsl (ResizeMix's pass): the batch kernel's io (dtypes, vec4,
 * layout, normalisation, windows) and the resampling.
 */
export interface ResizeVariant {
  io: BatchVariant;
  nearest: boolean;
}

/**
 * The resize pass of a call whose images run `images`: its io with the flags that select only the
 * batch kernel's code cleared (so plans of any mix of kinds share one resize pipeline).
 */
export function resizeVariant(images: BatchVariant, mode: ResizeMode): ResizeVariant {
  const io = canonical({ ...images, blendOnly: false, blend: false, paste: false, rowAligned: false, mask: null });
  return { io, nearest: mode === 'nearest' };
}

/** The cache key of a resize pass (one entry point). */
export function resizeKey(v: ResizeVariant): string {
  return `resize:${v.nearest ? 'nearest' : 'bilinear'}:${variantKey(v.io)}`;
}

/**
 * The resize modes of the kind-3 samples a mixer's planner can draw: what prepare() compiles, and
 * what makes a drawn call unable to run in place: ResizeMix on (`resizemixAlpha` > 0) draws kind 3 with
 * `resizemixMode`. Explicit plans are handled from the plan itself.
 */
export function drawableResizeModes(options: ResolvedMixOptions): ResizeMode[] {
  return options.resizemixAlpha > 0 ? [options.resizemixMode] : [];
}

/**
 * The mask formats plans from `options` can hold: with FMix on (`fmixAlpha > 0`) the planner draws
 * bit masks, so prepare() compiles the 'bits' variants too. An explicit plan with masks of either format needs no hook:
 * prepare() lays that plan out and compiles exactly its kernels.
 */
export function drawableMasks(options: ResolvedMixOptions): Array<MaskFormat | null> {
  return options.fmixAlpha > 0 ? [null, 'bits'] : [null];
}

/**
 * The straight-line entry point a walk allows: pairs when every segment is a closed cycle of one or two samples,
 * singles when every segment is open with one output; else the cycle walk.
 */
export function entryFor(walk: Walk): BatchEntry {
  let pairs = true;
  let singles = true;
  for (let k = 0; k < walk.count; k++) {
    const length = walk.segments[4 * k + 1];
    const closes = walk.segments[4 * k + 2] === 1;
    pairs &&= closes && length <= 2;
    singles &&= !closes && length === 1;
  }
  return pairs ? 'main_pairs' : singles ? 'main_singles' : 'main_walk';
}

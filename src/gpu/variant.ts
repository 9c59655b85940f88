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
  /**
   * The output is bound whole as two bindings (dst + dst2): larger than one binding, not than two. One
   * dispatch, the walk of one pass (the input bound whole or split; never with dstWindowed).
   */
  dstSplit: boolean;
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

/** How a job's buffers are bound: chunked windows, a split input (src + src2), output windows or a split output. */
export interface Binding {
  windowed: boolean;
  srcSplit: boolean;
  dstWindowed: boolean;
  dstSplit: boolean;
}

const DTYPE_CODE: Record<DType, number> = { uint8: 0, float16: 1, float32: 2 };
const LAYOUT_CODE: Record<Layout, number> = { NCHW: 0, NHWC: 1, rows: 2 };

/**
 * Canonical variants by their code (every field as bits), and the keys of each one's entry points:
 * a loop over one shape finds its variants here and builds no variant object or key string per
 * call (issue 14, heap per call). Variants are frozen, as they are shared by every call and mixer.
 */
const interned = new Map<number, BatchVariant>();
const entryKeys = new WeakMap<BatchVariant, Record<BatchEntry, string>>();

/**
 * The canonical variant of these fields: clears the flags that select no code, so equal code
 * always has one variant (and one key), and returns the one interned object for it.
 */
function canonical(v: BatchVariant): BatchVariant {
  const rows = v.layout === 'rows';
  const paste = v.paste && !v.blendOnly && !rows;
  const mask = v.blendOnly || rows ? null : v.mask;
  const rowAligned = v.rowAligned && v.layout !== 'NHWC';
  const split = !v.windowed && !v.inPlace;
  const srcSplit = split && v.srcSplit;
  const dstWindowed = split && v.dstWindowed;
  const dstSplit = split && !dstWindowed && v.dstSplit;
  const code =
    DTYPE_CODE[v.inDtype] +
    4 * DTYPE_CODE[v.outDtype] +
    16 * LAYOUT_CODE[v.layout] +
    64 * (mask === null ? 0 : mask === 'bits' ? 1 : 2) +
    256 *
      (+v.vec4 |
        (+v.inPlace << 1) |
        (+v.normalize << 2) |
        (+v.blendOnly << 3) |
        (+v.windowed << 4) |
        (+srcSplit << 5) |
        (+dstWindowed << 6) |
        (+v.blend << 7) |
        (+paste << 8) |
        (+rowAligned << 9) |
        (+dstSplit << 10));
  const known = interned.get(code);
  if (known) return known;
  const variant: BatchVariant = Object.freeze({ ...v, paste, mask, rowAligned, srcSplit, dstWindowed, dstSplit });
  interned.set(code, variant);
  const key = variantKey(variant);
  entryKeys.set(variant, {
    main_pairs: `${key}:main_pairs`,
    main_singles: `${key}:main_singles`,
    main_walk: `${key}:main_walk`,
  });
  return variant;
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
  return ioVariant(c.inDtype, c.outDtype, c.inPlace, c.normalize, c.layout, c.n, c.width, kinds, binding);
}

/** {@link imagesVariant} from its fields one by one (what the layout calls: no object per call). */
export function ioVariant(
  inDtype: DType,
  outDtype: DType,
  inPlace: boolean,
  normalize: boolean,
  layout: Layout,
  n: number,
  width: number,
  kinds: PlanKinds,
  binding: Binding,
  blendOnly = false,
): BatchVariant {
  scratch.inDtype = inDtype;
  scratch.outDtype = outDtype;
  scratch.vec4 = n % 4 === 0;
  scratch.inPlace = inPlace;
  scratch.layout = layout;
  scratch.normalize = normalize;
  scratch.blendOnly = blendOnly;
  scratch.windowed = binding.windowed;
  scratch.srcSplit = binding.srcSplit;
  scratch.dstWindowed = binding.dstWindowed;
  scratch.dstSplit = binding.dstSplit;
  scratch.blend = kinds.blend;
  scratch.paste = kinds.paste;
  scratch.rowAligned = layout !== 'NHWC' && width % 4 === 0;
  scratch.mask = kinds.mask ?? null;
  return canonical(scratch);
}

/** The fields of the variant being looked up (canonical copies them when it is new). */
const scratch: BatchVariant = {
  inDtype: 'uint8',
  outDtype: 'uint8',
  vec4: false,
  inPlace: false,
  layout: 'NCHW',
  normalize: false,
  blendOnly: false,
  windowed: false,
  srcSplit: false,
  dstWindowed: false,
  dstSplit: false,
  blend: false,
  paste: false,
  rowAligned: false,
  mask: null,
};

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
  return ioVariant(d.dtype, d.dtype, inPlace, false, layout, n, width, kinds, binding);
}

/** The soft targets' kernel ([B, K] float32 rows): every mixed sample blends its row with lam. */
export function softVariant(numClasses: number, kinds: PlanKinds, binding: Binding): BatchVariant {
  const blend = kinds.blend || kinds.paste || kinds.resize === true || Boolean(kinds.mask);
  // Rows of K: vec4 and row alignment both when K % 4 == 0; canonical clears paste and mask for blendOnly.
  return ioVariant(
    'float32',
    'float32',
    false,
    false,
    'rows',
    numClasses,
    numClasses,
    blend ? BLENDS : NO_KINDS,
    binding,
    true,
  );
}

const BLENDS: PlanKinds = Object.freeze({ blend: true, paste: false });
const NO_KINDS: PlanKinds = Object.freeze({ blend: false, paste: false });

/** The cache key of a variant's pipeline: every field, then the entry point. */
export function batchKey(v: BatchVariant, entry: BatchEntry): string {
  // Interned variants have their keys made once; a variant built elsewhere is keyed from its fields.
  return entryKeys.get(v)?.[entry] ?? `${variantKey(v)}:${entry}`;
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
    v.dstSplit && 'dstsplit',
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
  let pair = resizeVariants.get(images);
  if (!pair) {
    const io = canonical({ ...images, blendOnly: false, blend: false, paste: false, rowAligned: false, mask: null });
    pair = [Object.freeze({ io, nearest: false }), Object.freeze({ io, nearest: true })];
    if (entryKeys.has(images)) resizeVariants.set(images, pair);
  }
  return pair[mode === 'nearest' ? 1 : 0];
}

/** The resize variants (bilinear, nearest) of an interned batch variant, made once. */
const resizeVariants = new WeakMap<BatchVariant, [ResizeVariant, ResizeVariant]>();
const resizeKeys = new WeakMap<ResizeVariant, string>();

/** The cache key of a resize pass (one entry point). */
export function resizeKey(v: ResizeVariant): string {
  let key = resizeKeys.get(v);
  if (key === undefined) {
    key = `resize:${v.nearest ? 'nearest' : 'bilinear'}:${variantKey(v.io)}`;
    resizeKeys.set(v, key);
  }
  return key;
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

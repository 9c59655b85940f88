/**
 * Masks of the user's own (kind 4): a binary or soft mask per sample or per batch, at the image's
 * resolution or a lower one, turned into plan entries with the exact λ. SaliencyMix, SmoothMix,
 * GridMix or a learned mask plug in here without a kernel of their own: make the mask, call
 * {@link maskPlan} (or {@link withMasks} on a plan you have), and mix with that plan on the GPU or the
 * CPU. The mask semantics are {@link PlanMasks}'s: a value is the weight of the sample's *own* pixel.
 */
import { MixupError, got } from './errors.js';
import { emptyPlan, validatePlan } from './plan.js';
import type { ImageSize, MixPlan, PlanMasks } from './types.js';
import { KIND_MASK } from './types.js';
import { checkInteger, checkObject } from './validate.js';

/**
 * Masks for {@link maskPlan} / {@link withMasks}: {@link PlanMasks} without `count` (it follows
 * from `data`), and with `index` optional.
 *
 * @category Masks
 */
export interface UserMasks {
  /** `'bits'`: bit-packed binary masks (see {@link packBits}); `'soft'`: float32 weights in [0, 1]. */
  format: 'bits' | 'soft';
  /** Mask rows, 1 to the image height (a lower resolution maps by integer nearest, as PlanMasks says). */
  height: number;
  /** Mask columns, 1 to the image width. */
  width: number;
  /** The masks, one after another: ⌈height·width / 32⌉ words each for bits, height·width weights for soft. */
  data: Uint32Array | Float32Array;
  /**
   * The mask of each sample. Default: mask i for sample i when there are B masks, mask 0 for every
   * sample when there is one (a per-batch mask); required for any other count.
   */
  index?: Uint32Array | readonly number[];
}

/**
 * Packs binary masks into the words of a `'bits'` {@link PlanMasks}: `values` holds whole masks of
 * `height` x `width` pixels, row-major, one after another; 1 (or true) keeps the sample's own
 * pixel, 0 (or false) takes its partner's. Pixel p of mask m is bit `p & 31` of word
 * `m·⌈height·width / 32⌉ + (p >> 5)`; a mask's unused high bits are 0.
 *
 * @category Masks
 */
export function packBits(values: ArrayLike<number | boolean>, height: number, width: number): Uint32Array {
  const h = checkInteger('height', height, 1);
  const w = checkInteger('width', width, 1);
  if (typeof values !== 'object' || values === null || typeof values.length !== 'number')
    throw new MixupError('values', 'an array of 0 / 1 (or booleans), whole masks of height x width', values);
  const pixels = h * w;
  const count = values.length / pixels;
  if (!Number.isInteger(count) || count < 1) {
    throw new MixupError(
      'values',
      `a whole number (>= 1) of masks of ${h} x ${w} = ${pixels} pixels`,
      got(`${values.length} values`),
    );
  }
  const stride = Math.ceil(pixels / 32);
  const words = new Uint32Array(count * stride);
  for (let m = 0; m < count; m++) {
    for (let p = 0; p < pixels; p++) {
      const j = m * pixels + p;
      const v = values[j];
      if (v === 1 || v === true) words[m * stride + (p >>> 5)] |= 1 << (p & 31);
      else if (v !== 0 && v !== false) throw new MixupError(`values[${j}]`, '0, 1, false or true', v);
    }
  }
  return words;
}

/**
 * How many image pixels along a side of `image` pixels use each of the `mask` mask pixels:
 * image pixel t uses mask pixel ⌊t·mask / image⌋.
 */
function coverage(image: number, mask: number): Float64Array {
  const counts = new Float64Array(mask);
  for (let t = 0; t < image; t++) counts[Math.floor((t * mask) / image)]++;
  return counts;
}

/**
 * The λ of a sample using mask `mask` of `masks` on `imageSize` images: the mask's mean over the
 * H x W image pixels (each mask pixel weighted by the image pixels that use it), in double. For bits
 * it is exactly the count of the sample's own pixels over H·W. Masks must be well formed (as
 * {@link withMasks} checks them).
 *
 * @category Masks
 */
export function maskLam(
  masks: Pick<PlanMasks, 'format' | 'height' | 'width' | 'data'>,
  mask: number,
  imageSize: ImageSize,
): number {
  const { height: mh, width: mw } = masks;
  const rows = coverage(imageSize.height, mh);
  const cols = coverage(imageSize.width, mw);
  const pixels = mh * mw;
  let own = 0;
  if (masks.format === 'soft') {
    const base = mask * pixels;
    for (let p = 0; p < pixels; p++) own += masks.data[base + p] * rows[Math.floor(p / mw)] * cols[p % mw];
  } else {
    const base = mask * Math.ceil(pixels / 32);
    for (let p = 0; p < pixels; p++) {
      if ((masks.data[base + (p >>> 5)] >>> (p & 31)) & 1) own += rows[Math.floor(p / mw)] * cols[p % mw];
    }
  }
  return own / (imageSize.height * imageSize.width);
}

/** `masks` checked (naming `masks.<field>`) and completed into PlanMasks for `batch` samples of `size` images. */
function planMasks(masks: unknown, batch: number, size: ImageSize): PlanMasks {
  const m = checkObject('masks', masks);
  if (m.format !== 'bits' && m.format !== 'soft') throw new MixupError('masks.format', "'bits' or 'soft'", m.format);
  const mh = checkInteger('masks.height', m.height, 1, size.height);
  const mw = checkInteger('masks.width', m.width, 1, size.width);
  const bits = m.format === 'bits';
  const perMask = bits ? Math.ceil((mh * mw) / 32) : mh * mw;
  const type = bits ? Uint32Array : Float32Array;
  const data = m.data;
  if (!(data instanceof type) || data.length === 0 || data.length % perMask !== 0) {
    throw new MixupError(
      'masks.data',
      `a ${type.name} of whole masks of ${perMask} ${bits ? 'words (packBits packs them)' : 'weights'}`,
      data,
    );
  }
  if (data instanceof Float32Array) {
    for (let j = 0; j < data.length; j++)
      if (!(data[j] >= 0 && data[j] <= 1)) throw new MixupError(`masks.data[${j}]`, 'a weight in [0, 1]', data[j]);
  }
  const count = data.length / perMask;
  let index: Uint32Array;
  if (m.index !== undefined) {
    const given = m.index as ArrayLike<number>;
    if (!(given instanceof Uint32Array || Array.isArray(given)) || given.length !== batch)
      throw new MixupError('masks.index', `a Uint32Array or an array of ${batch} mask indices`, given);
    for (let i = 0; i < batch; i++) {
      if (!Number.isInteger(given[i]) || given[i] < 0 || given[i] >= count)
        throw new MixupError(`masks.index[${i}]`, `a mask in [0, ${count - 1}]`, given[i]);
    }
    index = Uint32Array.from(given);
  } else if (count === batch || count === 1) {
    index = new Uint32Array(batch);
    if (count === batch) for (let i = 0; i < batch; i++) index[i] = i;
  } else {
    throw new MixupError(
      'masks.index',
      `the mask of each sample (given ${count} masks: neither 1, a per-batch mask, nor ${batch}, one per sample)`,
      undefined,
    );
  }
  return { format: m.format, count, height: mh, width: mw, data: data as Uint32Array | Float32Array, index };
}

/**
 * Makes samples of `plan` mask pastes with `masks`, in place: each of `samples` (default: every
 * sample whose partner is another sample) gets kind 4 and λ = its mask's exact mean
 * ({@link maskLam}), and `plan.masks` is set; other samples are left as they are. Everything is
 * checked first (names `masks.*`, `samples`, then the plan as {@link validatePlan} checks it), so a
 * rejected call leaves `plan` as it was. Returns `plan`.
 *
 * @category Masks
 */
export function withMasks(plan: MixPlan, masks: UserMasks, imageSize: ImageSize, samples?: ArrayLike<number>): MixPlan {
  const p = checkObject('plan', plan) as unknown as MixPlan;
  const size = checkObject('imageSize', imageSize);
  const H = checkInteger('imageSize.height', size.height, 1);
  const W = checkInteger('imageSize.width', size.width, 1);
  if (!(p.kind instanceof Uint8Array) || p.kind.length < 1)
    throw new MixupError('plan.kind', 'a non-empty Uint8Array', p.kind);
  const B = p.kind.length;
  const m = planMasks(masks, B, { height: H, width: W });
  const chosen = new Uint8Array(B);
  if (samples === undefined) {
    for (let i = 0; i < B; i++) chosen[i] = p.partner instanceof Uint32Array && p.partner[i] !== i ? 1 : 0;
  } else {
    if (typeof samples !== 'object' || samples === null || typeof samples.length !== 'number')
      throw new MixupError('samples', `an array of sample indices in [0, ${B - 1}]`, samples);
    for (let k = 0; k < samples.length; k++) {
      const i = samples[k];
      if (!Number.isInteger(i) || i < 0 || i >= B)
        throw new MixupError(`samples[${k}]`, `a sample index in [0, ${B - 1}]`, i);
      chosen[i] = 1;
    }
  }
  const kind = Uint8Array.from(p.kind);
  const lam = Float32Array.from(p.lam instanceof Float32Array ? p.lam : []);
  for (let i = 0; i < B; i++) if (chosen[i]) kind[i] = KIND_MASK;
  // The whole plan as it will be, checked before λ is computed (it reads the masks) and before any write.
  validatePlan({ ...p, kind, lam, masks: m }, B, { height: H, width: W });
  const lamOf = new Map<number, number>();
  for (let i = 0; i < B; i++) {
    if (!chosen[i]) continue;
    const mask = m.index[i];
    let value = lamOf.get(mask);
    if (value === undefined) {
      value = maskLam(m, mask, { height: H, width: W });
      lamOf.set(mask, value);
    }
    lam[i] = value;
  }
  p.kind.set(kind);
  p.lam.set(lam);
  p.masks = m;
  return p;
}

/**
 * A plan of mask pastes: sample i mixes with `partner[i]` by its mask (kind 4, λ its mask's exact
 * mean); a sample paired with itself passes through (kind 0, λ 1), as the planner's plans do.
 * `partner` is any array of B indices in [0, B) (a permutation to mix in place).
 *
 * @example
 * ```ts
 * // One per-batch GridMix-style mask at 4 x 4 cells on 32 x 32 images, pairs (i, B - 1 - i).
 * const cells = [1, 0, 1, 0, 0, 1, 0, 1, 1, 0, 1, 0, 0, 1, 0, 1];
 * const masks = { format: 'bits', height: 4, width: 4, data: packBits(cells, 4, 4) } as const;
 * const plan = maskPlan([7, 6, 5, 4, 3, 2, 1, 0], masks, { height: 32, width: 32 }); // lam 0.5 each
 * ```
 *
 * @category Masks
 */
export function maskPlan(partner: Uint32Array | readonly number[], masks: UserMasks, imageSize: ImageSize): MixPlan {
  if (!(partner instanceof Uint32Array || Array.isArray(partner)) || partner.length < 1)
    throw new MixupError('partner', 'a non-empty Uint32Array or array of sample indices', partner);
  const B = partner.length;
  for (let i = 0; i < B; i++) {
    if (!Number.isInteger(partner[i]) || partner[i] < 0 || partner[i] >= B)
      throw new MixupError(`partner[${i}]`, `a sample index in [0, ${B - 1}]`, partner[i]);
  }
  const plan = emptyPlan(B);
  plan.partner.set(partner);
  return withMasks(plan, masks, imageSize);
}

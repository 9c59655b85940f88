/**
 * The seeded planner: every random decision of a batch (partners, which samples
 * mix, which method, λ, boxes, FMix masks) is drawn here on the host, following
 * timm's `Mixup` (and mmpretrain's `ResizeMix` and `RandomBatchAugment`, and FMix,
 * src/fmix.ts), and written into a {@link MixPlan} that the GPU only executes.
 */

import { BetaSampler } from './beta.js';
import { MixupError, got } from './errors.js';
import { FmixSampler, maskWords } from './fmix.js';
import { checkInteger } from './validate.js';
import { resolveOptions } from './options.js';
import type { ResolvedMixOptions } from './options.js';
import { partnerFor } from './pairing.js';
import { Philox } from './rng.js';
import type { ImageSize, MixOptions, MixPlan, PlanMasks } from './types.js';
import { KIND_CUTMIX, KIND_MASK, KIND_MIXUP, KIND_NONE, KIND_RESIZEMIX } from './types.js';

/**
 * A reproducible source of plans.
 *
 * @category Planning
 */
export interface Planner {
  /** The options in force, with defaults filled in. */
  readonly options: ResolvedMixOptions;
  /**
   * Draws the plan of the next batch and advances the generator. `imageSize`
   * is required whenever CutMix, ResizeMix or FMix is enabled.
   *
   * With `into` (a plan for `batchSize` samples, e.g. from {@link emptyPlan},
   * its four arrays not sharing memory), the plan is written into its arrays
   * and `into` is returned: a training loop that passes the same plan every
   * batch allocates nothing. Every field is overwritten. The arguments are
   * checked before anything is drawn or written, so a rejected call leaves the
   * generator and `into` as they were. The draws do not depend on `into`. With
   * FMix enabled, `into.masks` is reused when it is a bits mask set with room
   * for this batch's masks (and shares no memory with the other arrays), else
   * replaced by a new one.
   */
  plan(batchSize: number, imageSize?: ImageSize, into?: MixPlan): MixPlan;
  /**
   * A planner for data-loader worker `worker` (an integer >= 0), on its own
   * Philox counter range: forks never share draws with each other or with this
   * planner, and a fork's sequence does not depend on when it was made.
   */
  fork(worker: number): Planner;
}

const U32_MAX = 0xffffffff;
const TWO_32 = 4294967296;

/** The plan's arrays: name, type, entries per sample. */
const FIELDS = [
  ['kind', Uint8Array, 1],
  ['lam', Float32Array, 1],
  ['partner', Uint32Array, 1],
  ['box', Int32Array, 4],
] as const;

function checkImageSide(imageSize: unknown, side: 'height' | 'width'): number {
  if (typeof imageSize !== 'object' || imageSize === null) {
    throw new MixupError('imageSize', 'an object { height, width }', imageSize);
  }
  const value = (imageSize as Record<string, unknown>)[side];
  return checkInteger(side === 'height' ? 'imageSize.height' : 'imageSize.width', value, 1);
}

/**
 * Throws naming `<name>.<field>` unless `plan` has the four typed arrays of a
 * plan for `batchSize` samples (types and lengths only).
 */
function checkFields(plan: unknown, batchSize: number, name: 'plan' | 'into'): void {
  if (typeof plan !== 'object' || plan === null) throw new MixupError(name, 'a MixPlan object', plan);
  for (let f = 0; f < FIELDS.length; f++) {
    // Indexed, not destructured: an encode() validates its plan every call, and this allocates nothing.
    const field = FIELDS[f][0];
    const type = FIELDS[f][1];
    const perSample = FIELDS[f][2];
    const value = (plan as Record<string, unknown>)[field];
    if (!(value instanceof type) || value.length !== perSample * batchSize) {
      const article = type === Int32Array ? 'an' : 'a';
      throw new MixupError(`${name}.${field}`, `${article} ${type.name} of length ${perSample * batchSize}`, value);
    }
  }
}

function sharesMemory(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return (
    a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength
  );
}

/** A caller's plan to fill: the right arrays, none overlapping another (the writes would clobber each other). */
function checkInto(into: unknown, batchSize: number): void {
  checkFields(into, batchSize, 'into');
  const plan = into as MixPlan;
  for (let f = 1; f < FIELDS.length; f++) {
    for (let g = 0; g < f; g++) {
      const a = plan[FIELDS[f][0]];
      const b = plan[FIELDS[g][0]];
      if (sharesMemory(a, b)) {
        throw new MixupError(
          `into.${FIELDS[f][0]}`,
          `an array of its own (not sharing memory with into.${FIELDS[g][0]})`,
          a,
        );
      }
    }
  }
}

/**
 * timm's `rand_bbox` with no margin, for the cut sides cut_h = ⌊H·sqrt(1 − λ)⌋,
 * cut_w = ⌊W·sqrt(1 − λ)⌋ and a drawn centre (cy, cx): the box
 * [cy − ⌊cut_h/2⌋, cy + ⌊cut_h/2⌋) clipped to the image (likewise in x). An odd
 * side therefore loses a row, as in timm. Writes y0, y1, x0, x1 to
 * `box[at .. at + 3]`. Takes integers only (the caller computes the sides from
 * λ), so that no double is boxed when V8 does not inline the call.
 * @internal
 */
export function cutmixBox(
  cutH: number,
  cutW: number,
  height: number,
  width: number,
  cy: number,
  cx: number,
  box: Int32Array,
  at: number,
): void {
  const halfH = Math.floor(cutH / 2);
  const halfW = Math.floor(cutW / 2);
  setBox(
    box,
    at,
    clamp(cy - halfH, height),
    clamp(cy + halfH, height),
    clamp(cx - halfW, width),
    clamp(cx + halfW, width),
  );
}

function clamp(v: number, hi: number): number {
  return Math.min(Math.max(v, 0), hi);
}

/** Writes one box (four stores: cheaper here than a fill or copyWithin call per sample). */
function setBox(box: Int32Array, at: number, y0: number, y1: number, x0: number, x1: number): void {
  box[at] = y0;
  box[at + 1] = y1;
  box[at + 2] = x0;
  box[at + 3] = x1;
}

/** Sample i passes through: kind 0, λ 1, a zero box. */
function setNone(plan: MixPlan, i: number): void {
  plan.kind[i] = KIND_NONE;
  plan.lam[i] = 1;
  setBox(plan.box, 4 * i, 0, 0, 0, 0);
}

/** Sample `to` gets the draw of sample `from` (the whole batch in batch mode, the partner in pair mode). */
function copyDraw(plan: MixPlan, from: number, to: number): void {
  const box = plan.box;
  if (plan.kind[from] === KIND_MASK) (plan.masks as PlanMasks).index[to] = (plan.masks as PlanMasks).index[from];
  plan.kind[to] = plan.kind[from];
  plan.lam[to] = plan.lam[from];
  setBox(box, 4 * to, box[4 * from], box[4 * from + 1], box[4 * from + 2], box[4 * from + 3]);
}

class SeededPlanner implements Planner {
  readonly options: ResolvedMixOptions;
  private readonly rng: Philox;
  /** 0 for the root planner, worker + 1 for a fork. */
  private readonly forkId: number;
  private readonly mixupBeta: BetaSampler | null;
  private readonly cutmixBeta: BetaSampler | null;
  private readonly resizemixBeta: BetaSampler | null;
  private readonly fmixBeta: BetaSampler | null;
  /** The mask sampler for the last image size seen (FMix only). */
  private fmix: FmixSampler | null = null;
  /** Masks drawn so far in the current plan: the next FMix unit's mask number. */
  private masksDrawn = 0;
  /**
   * The method choice: the methods with a positive weight, as kinds, in the order CutMix, mixup,
   * ResizeMix, FMix, and their cumulative thresholds on one word (the last is 2^32). A unit takes the
   * first method whose threshold is above its word; with one method no word is drawn. With only
   * mixup and CutMix and no methodWeights this is timm's switchProb: CutMix when word < switchProb·2^32.
   */
  private readonly methods: Uint8Array;
  private readonly methodBelow: Float64Array;
  /** Whether ResizeMix or FMix can be drawn (drawChosen); else timm's drawUnit, with these two: */
  private readonly chooses: boolean;
  /** Both mixup and CutMix enabled, and CutMix's threshold (methods[0]'s when it is CutMix). */
  private readonly bothOn: boolean;
  private readonly cutmixBelow: number;
  /** The shuffled order of pair-mode 'shuffle', kept between calls; grown to the largest batch seen. */
  private order = new Uint32Array(0);
  /**
   * prob and switchProb as thresholds on one 32-bit word: a Bernoulli(p) draw is `word < p·2^32`,
   * which is true with probability ⌈p·2^32⌉ / 2^32 (exactly p for 0, 1/2, 1 and every multiple of
   * 2^−32), at one word per decision instead of a 53-bit uniform's two.
   */
  private readonly applyBelow: number;

  constructor(options: ResolvedMixOptions, forkId: number) {
    this.options = options;
    this.forkId = forkId;
    this.rng = new Philox(options.seed, options.stream, forkId);
    const { mixupAlpha, cutmixAlpha } = options;
    this.mixupBeta = mixupAlpha > 0 ? new BetaSampler(mixupAlpha) : null;
    this.cutmixBeta = cutmixAlpha > 0 ? new BetaSampler(cutmixAlpha) : null;
    this.applyBelow = options.prob * TWO_32;
    const { resizemixAlpha, fmixAlpha } = options;
    this.resizemixBeta = resizemixAlpha > 0 ? new BetaSampler(resizemixAlpha) : null;
    this.fmixBeta = fmixAlpha > 0 ? new BetaSampler(fmixAlpha) : null;
    [this.methods, this.methodBelow] = methodChoice(options);
    const m = this.methods;
    this.chooses = m.includes(KIND_RESIZEMIX) || m.includes(KIND_MASK);
    this.bothOn = mixupAlpha > 0 && cutmixAlpha > 0;
    this.cutmixBelow = m[0] !== KIND_CUTMIX ? 0 : m.length > 1 ? this.methodBelow[0] : TWO_32;
  }

  plan(batchSize: number, imageSize?: ImageSize, into?: MixPlan): MixPlan {
    const B = checkInteger('batchSize', batchSize, 1, U32_MAX);
    const o = this.options;
    let H = 0;
    let W = 0;
    if (imageSize !== undefined && imageSize !== null) {
      H = checkImageSide(imageSize, 'height');
      W = checkImageSide(imageSize, 'width');
    } else if (o.cutmixAlpha > 0 || o.resizemixAlpha > 0 || o.fmixAlpha > 0) {
      throw new MixupError(
        'imageSize',
        '{ height, width } when CutMix is enabled, or ResizeMix or FMix (boxes and masks need the image size)',
        imageSize,
      );
    }
    if (into !== undefined) checkInto(into, B);
    if (o.mode === 'pair' && o.pairing === 'shuffle' && this.order.length < B) this.order = new Uint32Array(B);

    const plan = into ?? newPlan(B);
    // Checks the pairing before its first draw or write.
    const partner = partnerFor(o.pairing, B, this.rng, o.mode, plan.partner, this.order);
    if (o.resizemixAlpha > 0) plan.resize = o.resizemixMode;
    if (o.fmixAlpha > 0) this.startMasks(plan, B, H, W);
    if (o.mode === 'batch') {
      this.drawUnit(plan, 0, H, W);
      for (let i = 1; i < B; i++) copyDraw(plan, 0, i);
    } else if (o.mode === 'pair') {
      // One draw per swapped pair, visited by its lower index; fixed points draw nothing.
      for (let i = 0; i < B; i++) {
        const p = partner[i];
        if (i < p) {
          this.drawUnit(plan, i, H, W);
          copyDraw(plan, i, p);
        }
      }
    } else {
      for (let i = 0; i < B; i++) this.drawUnit(plan, i, H, W);
    }

    // Mixing a sample with itself changes nothing but would still relabel it: pass it through.
    for (let i = 0; i < B; i++) if (partner[i] === i) setNone(plan, i);
    if (o.fmixAlpha > 0) this.endMasks(plan, partner);
    return plan;
  }

  /**
   * Gives the plan a bits mask set of `count` masks (1 in batch mode, B otherwise) at the mask size
   * (fmixSize clamped to the image), reusing `plan.masks` when it can hold them; index all 0.
   */
  private startMasks(plan: MixPlan, B: number, H: number, W: number): void {
    const o = this.options;
    const mh = Math.min(o.fmixSize[0], H);
    const mw = Math.min(o.fmixSize[1], W);
    const f = this.fmix;
    if (f === null || f.height !== mh || f.width !== mw || f.imageHeight !== H || f.imageWidth !== W) {
      this.fmix = new FmixSampler(mh, mw, H, W, o.fmixDecay);
    }
    const count = o.mode === 'batch' ? 1 : B;
    plan.masks = masksFor(plan, count, mh, mw, B);
    plan.masks.index.fill(0);
    this.masksDrawn = 0;
  }

  /**
   * The masks drawn are 0 .. masksDrawn − 1 in draw order (a prefix: only it needs uploading); the
   * rest are zeroed so a plan's bytes depend on its draws only. Samples made pass-through after the
   * draws point at mask 0, as every sample that is not kind 4 does.
   */
  private endMasks(plan: MixPlan, partner: Uint32Array): void {
    const masks = plan.masks as PlanMasks;
    masks.data.fill(0, this.masksDrawn * maskWords(masks.height, masks.width));
    for (let i = 0; i < partner.length; i++) if (partner[i] === i) masks.index[i] = 0;
  }

  /**
   * One unit's decisions, written to sample i, in this draw order: apply
   * (word < prob·2^32, no word when prob = 1); the method (one word, only when more
   * than one method has a positive weight: see `methods`; with mixup and CutMix alone
   * that is CutMix when word < switchProb·2^32, only when 0 < switchProb < 1);
   * λ ~ Beta(α, α) (beta.ts); then for CutMix the box, either the centre (cy, cx) or,
   * with `cutmixMinMax`, the sides (cut_h, cut_w) and origin (y0, x0); for ResizeMix
   * and FMix see drawResizeMix and drawFmix. plan() guarantees H, W >= 1 whenever a
   * method other than mixup is enabled.
   */
  private drawChosen(plan: MixPlan, i: number, H: number, W: number): void {
    const rng = this.rng;
    if (this.applyBelow < TWO_32 && rng.nextU32() >= this.applyBelow) {
      setNone(plan, i);
      return;
    }
    const methods = this.methods;
    let method = methods[0];
    if (methods.length > 1) {
      const word = rng.nextU32();
      const below = this.methodBelow;
      let m = 0;
      while (word >= below[m]) m++; // the last threshold is 2^32: every word stops
      method = methods[m];
    }
    if (method === KIND_RESIZEMIX) this.drawResizeMix(plan, i, H, W);
    else if (method === KIND_MASK) this.drawFmix(plan, i);
    else this.drawMixupOrCutmix(plan, i, H, W, method === KIND_CUTMIX);
  }

  /**
   * timm's unit (only mixup and CutMix can be drawn): apply, as in drawChosen; CutMix instead of
   * mixup when word < switchProb·2^32, a word drawn only when both are enabled and the split is not
   * 0 or 1; then drawMixupOrCutmix. The same words as drawChosen with these two methods, written out
   * for speed (issue 14): this path keeps its host cost.
   */
  private drawUnit(plan: MixPlan, i: number, H: number, W: number): void {
    if (this.chooses) {
      this.drawChosen(plan, i, H, W);
      return;
    }
    const rng = this.rng;
    // A decision that cannot go either way (prob 1, the default; switchProb 0 or 1) draws nothing.
    if (this.applyBelow < TWO_32 && rng.nextU32() >= this.applyBelow) {
      setNone(plan, i);
      return;
    }
    const below = this.cutmixBelow;
    const cut = this.bothOn ? below >= TWO_32 || (below > 0 && rng.nextU32() < below) : this.cutmixBeta !== null;
    this.drawMixupOrCutmix(plan, i, H, W, cut);
  }

  /** λ ~ Beta(α, α) (beta.ts), then for CutMix the box (see drawChosen). */
  private drawMixupOrCutmix(plan: MixPlan, i: number, H: number, W: number, cut: boolean): void {
    const rng = this.rng;
    const o = this.options;
    const beta = (cut ? this.cutmixBeta : this.mixupBeta) as BetaSampler;
    beta.draw(rng);
    const lam = beta.lam;
    if (!cut) {
      plan.kind[i] = KIND_MIXUP;
      plan.lam[i] = lam;
      setBox(plan.box, 4 * i, 0, 0, 0, 0);
      return;
    }

    const box = plan.box;
    const at = 4 * i;
    const minMax = o.cutmixMinMax;
    if (minMax !== null) {
      // Inclusive upper ends: timm's randint(0, H − side) never picks the last origin.
      const hMin = Math.floor(H * minMax[0]);
      const wMin = Math.floor(W * minMax[0]);
      const cutH = hMin + rng.nextInt(Math.floor(H * minMax[1]) - hMin + 1);
      const cutW = wMin + rng.nextInt(Math.floor(W * minMax[1]) - wMin + 1);
      const y0 = rng.nextInt(H - cutH + 1);
      const x0 = rng.nextInt(W - cutW + 1);
      setBox(box, at, y0, y0 + cutH, x0, x0 + cutW);
    } else {
      const cy = rng.nextInt(H);
      const cx = rng.nextInt(W);
      const r = Math.sqrt(1 - lam);
      cutmixBox(Math.floor(H * r), Math.floor(W * r), H, W, cy, cx, box, at);
    }
    // The min/max box ignores λ, so its λ can only come from the area.
    const corrected = o.correctLam || minMax !== null;
    const area = (box[at + 1] - box[at]) * (box[at + 3] - box[at + 2]);
    plan.kind[i] = KIND_CUTMIX;
    plan.lam[i] = corrected ? 1 - area / (H * W) : lam;
  }

  /**
   * ResizeMix as mmpretrain draws it: λ ~ Beta(α, α) mapped to [lamMin, lamMax], then CutMix's box
   * for that λ (the centre cy, then cx, as for CutMix; clipped at the borders), and with correctLam
   * λ = 1 − area / (H·W). `cutmixMinMax` is CutMix's and does not apply.
   */
  private drawResizeMix(plan: MixPlan, i: number, H: number, W: number): void {
    const rng = this.rng;
    const o = this.options;
    const beta = this.resizemixBeta as BetaSampler;
    beta.draw(rng);
    const lo = o.resizemixLam[0];
    const lam = beta.lam * (o.resizemixLam[1] - lo) + lo;
    const cy = rng.nextInt(H);
    const cx = rng.nextInt(W);
    const r = Math.sqrt(1 - lam);
    const box = plan.box;
    const at = 4 * i;
    cutmixBox(Math.floor(H * r), Math.floor(W * r), H, W, cy, cx, box, at);
    const area = (box[at + 1] - box[at]) * (box[at + 3] - box[at + 2]);
    plan.kind[i] = KIND_RESIZEMIX;
    plan.lam[i] = o.correctLam ? 1 - area / (H * W) : lam;
  }

  /**
   * FMix: λ ~ Beta(α, α), then the next mask of the plan's set (src/fmix.ts: its spectrum's words);
   * the sample's λ is the mask's exact own fraction of the image.
   */
  private drawFmix(plan: MixPlan, i: number): void {
    const beta = this.fmixBeta as BetaSampler;
    beta.draw(this.rng);
    const masks = plan.masks as PlanMasks;
    const fmix = this.fmix as FmixSampler;
    const m = this.masksDrawn++;
    fmix.draw(this.rng, beta.lam, masks.data as Uint32Array, m * maskWords(masks.height, masks.width));
    plan.kind[i] = KIND_MASK;
    plan.lam[i] = fmix.lam;
    masks.index[i] = m;
    setBox(plan.box, 4 * i, 0, 0, 0, 0);
  }

  fork(worker: number): Planner {
    if (this.forkId !== 0) {
      throw new MixupError(
        'planner',
        'the root planner to fork (a fork cannot be forked again, its worker ids would collide)',
        got(`the fork of worker ${this.forkId - 1}`),
      );
    }
    checkInteger('worker', worker, 0, U32_MAX - 1);
    return new SeededPlanner(this.options, worker + 1);
  }
}

/**
 * The method choice of `options` (see SeededPlanner.methods): kinds with a positive weight and their
 * cumulative thresholds on a 32-bit word. Without methodWeights: timm's switchProb when only mixup and
 * CutMix are enabled (its threshold exactly switchProb·2^32), else the enabled methods weigh the same.
 */
function methodChoice(o: ResolvedMixOptions): [Uint8Array, Float64Array] {
  const on = [o.cutmixAlpha > 0, o.mixupAlpha > 0, o.resizemixAlpha > 0, o.fmixAlpha > 0];
  const kinds = [KIND_CUTMIX, KIND_MIXUP, KIND_RESIZEMIX, KIND_MASK];
  let weights: number[];
  const w = o.methodWeights;
  if (w !== null) weights = [w.cutmix, w.mixup, w.resizemix, w.fmix];
  else if (!on[2] && !on[3] && on[0] && on[1]) weights = [o.switchProb, 1 - o.switchProb, 0, 0];
  else weights = on.map((enabled) => (enabled ? 1 : 0));
  const total = w === null && !on[2] && !on[3] ? 1 : weights.reduce((a, b) => a + b, 0);
  const methods: number[] = [];
  const below: number[] = [];
  let sum = 0;
  for (let k = 0; k < 4; k++) {
    if (!(weights[k] > 0)) continue;
    sum += weights[k];
    methods.push(kinds[k]);
    below.push((sum / total) * TWO_32);
  }
  below[below.length - 1] = TWO_32;
  return [Uint8Array.from(methods), Float64Array.from(below)];
}

function sharesPlanMemory(plan: MixPlan, a: ArrayBufferView): boolean {
  return (
    sharesMemory(plan.kind, a) ||
    sharesMemory(plan.lam, a) ||
    sharesMemory(plan.partner, a) ||
    sharesMemory(plan.box, a)
  );
}

/**
 * `plan.masks` when it is a bits set that can hold `count` mh x mw masks for B samples (views of its
 * arrays when they are longer) and shares no memory with the plan's other arrays, else a new set.
 */
function masksFor(plan: MixPlan, count: number, mh: number, mw: number, B: number): PlanMasks {
  const words = count * maskWords(mh, mw);
  const old = plan.masks;
  if (
    old &&
    old.data instanceof Uint32Array &&
    old.data.length >= words &&
    old.index instanceof Uint32Array &&
    old.index.length >= B
  ) {
    const data = old.data.length === words ? old.data : old.data.subarray(0, words);
    const index = old.index.length === B ? old.index : old.index.subarray(0, B);
    if (!sharesMemory(data, index) && !sharesPlanMemory(plan, data) && !sharesPlanMemory(plan, index)) {
      old.format = 'bits';
      old.count = count;
      old.height = mh;
      old.width = mw;
      old.data = data;
      old.index = index;
      return old;
    }
  }
  return { format: 'bits', count, height: mh, width: mw, data: new Uint32Array(words), index: new Uint32Array(B) };
}

/**
 * A planner with `options` checked and defaulted as in {@link resolveOptions}, drawing from Philox(seed, stream, 0).
 *
 * @category Planning
 */
export function createPlanner(options?: MixOptions): Planner {
  return new SeededPlanner(resolveOptions(options), 0);
}

/** Uninitialised arrays for B samples (the planner writes every entry). */
function newPlan(batchSize: number): MixPlan {
  return {
    kind: new Uint8Array(batchSize),
    lam: new Float32Array(batchSize),
    partner: new Uint32Array(batchSize),
    box: new Int32Array(4 * batchSize),
  };
}

/**
 * A plan that mixes nothing: kind 0, λ 1, each sample its own partner, boxes zero.
 *
 * @category Planning
 */
export function emptyPlan(batchSize: number): MixPlan {
  checkInteger('batchSize', batchSize, 1, U32_MAX);
  const partner = new Uint32Array(batchSize);
  for (let i = 0; i < batchSize; i++) partner[i] = i;
  return {
    kind: new Uint8Array(batchSize),
    lam: new Float32Array(batchSize).fill(1),
    partner,
    box: new Int32Array(4 * batchSize),
  };
}

/**
 * A deep copy, so a plan can be kept while the original is reused or edited.
 *
 * @category Planning
 */
export function clonePlan(plan: MixPlan): MixPlan {
  const copy: MixPlan = {
    kind: plan.kind.slice(),
    lam: plan.lam.slice(),
    partner: plan.partner.slice(),
    box: plan.box.slice(),
  };
  const m = plan.masks;
  if (m) copy.masks = { ...m, data: m.data.slice(), index: m.index.slice() };
  if (plan.resize !== undefined) copy.resize = plan.resize;
  return copy;
}

type BoxRule = 'check' | 'forbid' | 'ignore';

const KIND_NAMES = '0 (none), 1 (mixup), 2 (CutMix), 3 (ResizeMix) or 4 (mask)';
const RESIZE_MODES = ['bilinear', 'nearest'] as const;

/** Reads every entry once and allocates nothing unless it throws (encode() runs it on every call). */
function checkPlan(plan: unknown, batchSize: number, rule: BoxRule, height: number, width: number): void {
  const B = checkInteger('batchSize', batchSize, 1, U32_MAX);
  checkFields(plan, B, 'plan');
  const { kind, lam, partner, box } = plan as MixPlan;
  let masksChecked = false;
  for (let i = 0; i < B; i++) {
    const k = kind[i];
    if (k > KIND_MASK) throw new MixupError(`plan.kind[${i}]`, KIND_NAMES, k);
    if (!(lam[i] >= 0 && lam[i] <= 1)) throw new MixupError(`plan.lam[${i}]`, 'a finite number in [0, 1]', lam[i]);
    if (partner[i] >= B) throw new MixupError(`plan.partner[${i}]`, `an integer in [0, ${B - 1}]`, partner[i]);
    if (k < KIND_CUTMIX || rule === 'ignore') continue;
    if (rule === 'forbid') {
      throw new MixupError(`plan.kind[${i}]`, '0 or 1 without an image size (only images have pixels to paste)', k);
    }
    if (k === KIND_MASK) {
      if (!masksChecked) checkMasks((plan as MixPlan).masks, B, height, width);
      masksChecked = true;
      const m = (plan as MixPlan).masks as PlanMasks;
      if (m.index[i] >= m.count) {
        throw new MixupError(
          `plan.masks.index[${i}]`,
          `a mask in [0, ${m.count - 1}] (sample ${i} is kind 4)`,
          m.index[i],
        );
      }
      continue;
    }
    const y0 = box[4 * i];
    const y1 = box[4 * i + 1];
    const x0 = box[4 * i + 2];
    const x1 = box[4 * i + 3];
    if (!(y0 >= 0 && y0 <= y1 && y1 <= height && x0 >= 0 && x0 <= x1 && x1 <= width)) {
      throw new MixupError(
        `plan.box[${4 * i}..${4 * i + 3}]`,
        `y0, y1, x0, x1 with 0 <= y0 <= y1 <= ${height} and 0 <= x0 <= x1 <= ${width} (sample ${i} is kind ${k})`,
        [y0, y1, x0, x1],
      );
    }
  }
  const resize = (plan as MixPlan).resize;
  if (resize !== undefined && resize !== RESIZE_MODES[0] && resize !== RESIZE_MODES[1]) {
    throw new MixupError('plan.resize', "'bilinear', 'nearest' or undefined", resize);
  }
}

/** Throws naming `plan.masks.<field>` unless `masks` are well-formed masks for B samples of H x W images. */
function checkMasks(masks: unknown, B: number, H: number, W: number): void {
  if (typeof masks !== 'object' || masks === null) {
    throw new MixupError('plan.masks', 'a PlanMasks object (a sample is kind 4)', masks);
  }
  const m = masks as Record<string, unknown>;
  if (m.format !== 'bits' && m.format !== 'soft')
    throw new MixupError('plan.masks.format', "'bits' or 'soft'", m.format);
  const count = checkInteger('plan.masks.count', m.count, 1, U32_MAX);
  const mh = checkInteger('plan.masks.height', m.height, 1, H);
  const mw = checkInteger('plan.masks.width', m.width, 1, W);
  const perMask = m.format === 'bits' ? Math.ceil((mh * mw) / 32) : mh * mw;
  const type = m.format === 'bits' ? Uint32Array : Float32Array;
  const data = m.data;
  if (!(data instanceof type) || data.length !== count * perMask) {
    const unit = m.format === 'bits' ? 'words' : 'weights';
    throw new MixupError(
      'plan.masks.data',
      `a ${type.name} of length ${count * perMask} (${count} masks of ${perMask} ${unit})`,
      data,
    );
  }
  if (data instanceof Float32Array) {
    for (let j = 0; j < data.length; j++) {
      if (!(data[j] >= 0 && data[j] <= 1)) {
        throw new MixupError(`plan.masks.data[${j}]`, 'a weight in [0, 1]', data[j]);
      }
    }
  }
  if (!(m.index instanceof Uint32Array) || m.index.length !== B) {
    throw new MixupError('plan.masks.index', `a Uint32Array of length ${B} (one mask index per sample)`, m.index);
  }
}

/**
 * Throws a {@link MixupError} naming the field unless `plan` is a well-formed
 * plan for `batchSize` samples: typed arrays of the right types and lengths,
 * kinds in {0, …, 4}, λ in [0, 1], partners in [0, B), for CutMix and ResizeMix
 * samples a box inside the image, and for mask samples well-formed `masks` (a
 * resolution no finer than the image's, soft weights in [0, 1], mask indices in
 * range). Without `imageSize` (rows data) kinds 2 to 4 are rejected.
 *
 * @category Planning
 */
export function validatePlan(plan: MixPlan, batchSize: number, imageSize?: ImageSize | null): void {
  if (imageSize === undefined || imageSize === null) {
    checkPlan(plan, batchSize, 'forbid', 0, 0);
  } else {
    checkPlan(plan, batchSize, 'check', checkImageSide(imageSize, 'height'), checkImageSide(imageSize, 'width'));
  }
}

/**
 * Like {@link validatePlan} for code that reads only `kind`, `lam` and
 * `partner` (mixing targets): CutMix samples are allowed and boxes are not
 * looked at, since labels have no pixels.
 */
export function validatePlanForTargets(plan: MixPlan, batchSize: number): void {
  checkPlan(plan, batchSize, 'ignore', 0, 0);
}

/**
 * The seeded planner: every random decision of a batch (partners, which samples
 * mix, mixup or CutMix, λ, boxes) is drawn here on the host, following timm's
 * `Mixup`, and written into a {@link MixPlan} that the GPU only executes.
 */

import { sampleBeta } from './beta.js';
import { MixupError, checkInteger, got } from './errors.js';
import { resolveOptions } from './options.js';
import type { ResolvedMixOptions } from './options.js';
import { partnerFor } from './pairing.js';
import { Philox } from './rng.js';
import type { RandomSource } from './rng.js';
import type { ImageSize, MixOptions, MixPlan } from './types.js';
import { KIND_CUTMIX, KIND_MIXUP, KIND_NONE } from './types.js';

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
   * is required whenever CutMix can be drawn.
   */
  plan(batchSize: number, imageSize?: ImageSize): MixPlan;
  /**
   * A planner for data-loader worker `worker` (an integer >= 0), on its own
   * Philox counter range: forks never share draws with each other or with this
   * planner, and a fork's sequence does not depend on when it was made.
   */
  fork(worker: number): Planner;
}

const U32_MAX = 0xffffffff;

/** One unit's draw: what every sample of the unit gets. */
interface Draw {
  kind: number;
  lam: number;
  box: [number, number, number, number];
}

const NO_MIX: Draw = { kind: KIND_NONE, lam: 1, box: [0, 0, 0, 0] };

function checkImageSize(imageSize: unknown): ImageSize {
  if (typeof imageSize !== 'object' || imageSize === null) {
    throw new MixupError('imageSize', 'an object { height, width }', imageSize);
  }
  const { height, width } = imageSize as Record<string, unknown>;
  return {
    height: checkInteger('imageSize.height', height, 1),
    width: checkInteger('imageSize.width', width, 1),
  };
}

/**
 * timm's `rand_bbox` with no margin, for a drawn λ and a drawn centre (cy, cx):
 * side ratio sqrt(1 − λ), each side floored, then the box
 * [cy − ⌊cut_h/2⌋, cy + ⌊cut_h/2⌋) clipped to the image (likewise in x).
 * An odd side therefore loses a row, as in timm. Returns [y0, y1, x0, x1].
 * @internal
 */
export function cutmixBox(
  lam: number,
  height: number,
  width: number,
  cy: number,
  cx: number,
): [number, number, number, number] {
  const r = Math.sqrt(1 - lam);
  const halfH = Math.floor(Math.floor(height * r) / 2);
  const halfW = Math.floor(Math.floor(width * r) / 2);
  const clamp = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
  return [clamp(cy - halfH, height), clamp(cy + halfH, height), clamp(cx - halfW, width), clamp(cx + halfW, width)];
}

/**
 * One unit's decisions, in this draw order: apply (u < prob); mixup or CutMix
 * (only when both are enabled); λ ~ Beta(α, α); then the box, either the centre
 * (cy, cx) or, with `cutmixMinMax`, the sides (cut_h, cut_w) and origin (y0, x0).
 */
function drawUnit(rng: RandomSource, o: ResolvedMixOptions, size: ImageSize | null): Draw {
  if (rng.nextFloat() >= o.prob) return NO_MIX;
  const mixupOn = o.mixupAlpha > 0;
  const cutmixOn = o.cutmixAlpha > 0;
  const cut = mixupOn && cutmixOn ? rng.nextFloat() < o.switchProb : cutmixOn;
  const alpha = cut ? o.cutmixAlpha : o.mixupAlpha;
  const lam = sampleBeta(rng, alpha, alpha);
  if (!cut) return { kind: KIND_MIXUP, lam, box: [0, 0, 0, 0] };

  // plan() guarantees an image size whenever CutMix is enabled.
  const { height: H, width: W } = size as ImageSize;
  let box: [number, number, number, number];
  if (o.cutmixMinMax) {
    // Inclusive upper ends: timm's randint(0, H − side) never picks the last origin.
    const [lo, hi] = o.cutmixMinMax;
    const hMin = Math.floor(H * lo);
    const wMin = Math.floor(W * lo);
    const cutH = hMin + rng.nextInt(Math.floor(H * hi) - hMin + 1);
    const cutW = wMin + rng.nextInt(Math.floor(W * hi) - wMin + 1);
    const y0 = rng.nextInt(H - cutH + 1);
    const x0 = rng.nextInt(W - cutW + 1);
    box = [y0, y0 + cutH, x0, x0 + cutW];
  } else {
    const cy = rng.nextInt(H);
    const cx = rng.nextInt(W);
    box = cutmixBox(lam, H, W, cy, cx);
  }
  // The min/max box ignores λ, so its λ can only come from the area.
  const corrected = o.correctLam || o.cutmixMinMax !== null;
  const area = (box[1] - box[0]) * (box[3] - box[2]);
  return { kind: KIND_CUTMIX, lam: corrected ? 1 - area / (H * W) : lam, box };
}

function write(plan: MixPlan, i: number, d: Draw): void {
  plan.kind[i] = d.kind;
  plan.lam[i] = d.lam;
  plan.box.set(d.box, 4 * i);
}

class SeededPlanner implements Planner {
  readonly options: ResolvedMixOptions;
  private readonly rng: Philox;
  /** 0 for the root planner, worker + 1 for a fork. */
  private readonly forkId: number;

  constructor(options: ResolvedMixOptions, forkId: number) {
    this.options = options;
    this.forkId = forkId;
    this.rng = new Philox(options.seed, options.stream, forkId);
  }

  plan(batchSize: number, imageSize?: ImageSize): MixPlan {
    checkInteger('batchSize', batchSize, 1, U32_MAX);
    const o = this.options;
    let size: ImageSize | null = null;
    if (imageSize !== undefined && imageSize !== null) size = checkImageSize(imageSize);
    else if (o.cutmixAlpha > 0) {
      throw new MixupError('imageSize', '{ height, width } when CutMix is enabled (boxes need the image size)', imageSize);
    }

    const rng = this.rng;
    const partner = partnerFor(o.pairing, batchSize, rng, o.mode);
    const plan = emptyPlan(batchSize);
    plan.partner.set(partner);

    if (o.mode === 'batch') {
      const d = drawUnit(rng, o, size);
      for (let i = 0; i < batchSize; i++) write(plan, i, d);
    } else if (o.mode === 'pair') {
      // One draw per swapped pair, visited by its lower index; fixed points draw nothing.
      for (let i = 0; i < batchSize; i++) {
        const p = partner[i];
        if (i < p) {
          const d = drawUnit(rng, o, size);
          write(plan, i, d);
          write(plan, p, d);
        }
      }
    } else {
      for (let i = 0; i < batchSize; i++) write(plan, i, drawUnit(rng, o, size));
    }

    // Mixing a sample with itself changes nothing but would still relabel it: pass it through.
    for (let i = 0; i < batchSize; i++) if (partner[i] === i) write(plan, i, NO_MIX);
    return plan;
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
 * A planner with `options` checked and defaulted as in {@link resolveOptions}, drawing from Philox(seed, stream, 0).
 *
 * @category Planning
 */
export function createPlanner(options?: MixOptions): Planner {
  return new SeededPlanner(resolveOptions(options), 0);
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
  return {
    kind: plan.kind.slice(),
    lam: plan.lam.slice(),
    partner: plan.partner.slice(),
    box: plan.box.slice(),
  };
}

type BoxRule = 'check' | 'forbid' | 'ignore';

function checkPlan(plan: unknown, batchSize: number, rule: BoxRule, size: ImageSize | null): void {
  const B = checkInteger('batchSize', batchSize, 1, U32_MAX);
  if (typeof plan !== 'object' || plan === null) throw new MixupError('plan', 'a MixPlan object', plan);
  const p = plan as Record<string, unknown>;
  const fields = [
    ['kind', Uint8Array, B],
    ['lam', Float32Array, B],
    ['partner', Uint32Array, B],
    ['box', Int32Array, 4 * B],
  ] as const;
  for (const [name, type, length] of fields) {
    const value = p[name];
    if (!(value instanceof type) || value.length !== length) {
      throw new MixupError(`plan.${name}`, `a ${type.name} of length ${length}`, value);
    }
  }
  const { kind, lam, partner, box } = plan as MixPlan;
  for (let i = 0; i < B; i++) {
    const k = kind[i];
    if (k !== KIND_NONE && k !== KIND_MIXUP && k !== KIND_CUTMIX) {
      throw new MixupError(`plan.kind[${i}]`, '0 (none), 1 (mixup) or 2 (CutMix)', k);
    }
    if (!(lam[i] >= 0 && lam[i] <= 1)) throw new MixupError(`plan.lam[${i}]`, 'a finite number in [0, 1]', lam[i]);
    if (partner[i] >= B) throw new MixupError(`plan.partner[${i}]`, `an integer in [0, ${B - 1}]`, partner[i]);
    if (k !== KIND_CUTMIX || rule === 'ignore') continue;
    if (rule === 'forbid' || size === null) {
      throw new MixupError(`plan.kind[${i}]`, '0 or 1 without an image size (CutMix needs a height and width)', k);
    }
    const [y0, y1, x0, x1] = box.subarray(4 * i, 4 * i + 4);
    if (!(y0 >= 0 && y0 <= y1 && y1 <= size.height && x0 >= 0 && x0 <= x1 && x1 <= size.width)) {
      throw new MixupError(
        `plan.box[${4 * i}..${4 * i + 3}]`,
        `y0, y1, x0, x1 with 0 <= y0 <= y1 <= ${size.height} and 0 <= x0 <= x1 <= ${size.width} (sample ${i} is CutMix)`,
        [y0, y1, x0, x1],
      );
    }
  }
}

/**
 * Throws a {@link MixupError} naming the field unless `plan` is a well-formed
 * plan for `batchSize` samples: typed arrays of the right types and lengths,
 * kinds in {0, 1, 2}, λ in [0, 1], partners in [0, B), and for CutMix samples a
 * box inside the image. Without `imageSize` (rows data) CutMix is rejected.
 *
 * @category Planning
 */
export function validatePlan(plan: MixPlan, batchSize: number, imageSize?: ImageSize | null): void {
  const size = imageSize === undefined || imageSize === null ? null : checkImageSize(imageSize);
  checkPlan(plan, batchSize, size ? 'check' : 'forbid', size);
}

/**
 * Like {@link validatePlan} for code that reads only `kind`, `lam` and
 * `partner` (mixing targets): CutMix samples are allowed and boxes are not
 * looked at, since labels have no pixels.
 */
export function validatePlanForTargets(plan: MixPlan, batchSize: number): void {
  checkPlan(plan, batchSize, 'ignore', null);
}

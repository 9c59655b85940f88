/**
 * The rules of dense targets: segmentation maps, masks, depth, any per-pixel tensor aligned with the
 * images and mixed by the same plan. One place says what a plan may do to an integer map (class ids
 * or instance ids, where a blend would make values that are no id); the GPU checks (gpu/checks.ts)
 * and the CPU reference (`mixDenseCpu`) both call it, so they accept and reject the same plans.
 *
 * - Pastes take the partner's value as it is: CutMix boxes (kind 2), binary masks (kind 4, 'bits').
 * - ResizeMix (kind 3) resamples the partner into the box: bilinear would average ids, so integer
 *   maps resample with nearest (whatever `plan.resize` says); float maps follow `plan.resize`.
 * - Blends (kind 1, kind 4 with 'soft' masks) are rejected on integer maps and blend float maps.
 */
import { MixupError, got } from './errors.js';
import type { ResolvedMixOptions } from './options.js';
import type { MixPlan, ResizeMode } from './types.js';
import { KIND_MASK, KIND_MIXUP } from './types.js';

const FIX = 'give float maps of ids integer: false only if blended ids are what you want';

/**
 * What `plan` does to a dense map: throws a {@link MixupError} naming `argument` and the first
 * sample whose entry an integer map cannot take; returns how its ResizeMix pastes resample. The plan
 * must already be validated (validatePlan). Reads each entry once.
 */
export function denseRules(argument: string, plan: MixPlan, integer: boolean): ResizeMode {
  if (!integer) return denseResize(plan, integer);
  const soft = plan.masks?.format === 'soft';
  const kind = plan.kind;
  for (let i = 0; i < kind.length; i++) {
    const k = kind[i];
    if (k === KIND_MIXUP || (soft && k === KIND_MASK)) {
      const what =
        k === KIND_MIXUP
          ? 'a mixup blend (kind 1)'
          : `a soft mask (kind 4, plan.masks.index[${i}] ${plan.masks!.index[i]})`;
      throw new MixupError(
        argument,
        `a map that can be blended (integer: false) for a plan that blends: an integer map takes pastes ` +
          `(CutMix, ResizeMix with nearest, binary masks) only, since a blend of ids is no id; ${FIX}`,
        got(`an integer map, and sample ${i} of the plan is ${what}`),
      );
    }
  }
  return denseResize(plan, integer);
}

/** How a map resamples the plan's ResizeMix pastes: nearest for integer maps, else `plan.resize`. */
export function denseResize(plan: MixPlan, integer: boolean): ResizeMode {
  return integer ? 'nearest' : (plan.resize ?? 'bilinear');
}

/**
 * Whether a planner with these options can draw a blend (kind 1). Blends an integer map would
 * reject cannot be taken back once drawn, so a call with an integer map and a drawn plan is
 * rejected when this is true (see {@link checkDrawableForDense}).
 */
export function canDrawBlends(o: ResolvedMixOptions): boolean {
  if (o.mixupAlpha === 0 || o.prob === 0) return false;
  // A weighted choice among methods (issue 11.4), where the options have one: mixup weighted 0 is never drawn.
  const weights = (o as { methodWeights?: { mixup?: number } | null }).methodWeights;
  if (weights) return weights.mixup !== 0;
  // timm's switch: with CutMix on and switchProb 1, mixup is never chosen.
  return !(o.cutmixAlpha > 0 && o.switchProb >= 1);
}

/** Rejects an integer map in a call whose plan the planner draws, when the planner can draw blends. */
export function checkDrawableForDense(argument: string, o: ResolvedMixOptions, integer: boolean): void {
  if (!integer || !canDrawBlends(o)) return;
  throw new MixupError(
    argument,
    `a map that can be blended (integer: false), since the mixer's options can draw mixup blends ` +
      `(mixupAlpha ${o.mixupAlpha}), which an integer map cannot take (a blend of ids is no id). For ` +
      `segmentation maps use a mixer without mixup (mixupAlpha: 0, or switchProb: 1 with CutMix), or pass ` +
      `an explicit plan without blends; ${FIX}`,
    got('an integer map and a plan to be drawn'),
  );
}

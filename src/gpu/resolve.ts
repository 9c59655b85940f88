/**
 * Plan resolution, the one step of a call that draws: after the checks (checks.ts) have passed,
 * the call's plan is the explicit one (already validated) or the planner's next plan. A plan the
 * mixer drew itself is well formed by construction and is not validated again.
 */
import { MixupError } from '../errors';
import type { Planner } from '../plan';
import type { ImageSize, MixPlan } from '../types';
import type { CheckedCall } from './checks';

/** The plan of a checked call; draws (advancing the stream) only when the call gave none. */
export function resolvePlan(planner: Planner, call: CheckedCall, into?: MixPlan): MixPlan {
  if (call.plan) return call.plan;
  return drawPlan(planner, call.geometry.batch, call.imageSize, into);
}

/**
 * The planner's next plan, written into `into` when given (a caller's plan, reused per batch).
 * TODO(into-API): the planner's `plan(batch, size, into?)` lands on the planner branch (issue 14
 * item 1), which fills `into` without allocating; until then this draws a new plan and copies it
 * into `into`, so callers can already use the into form. At merge: `return planner.plan(batch, size ?? undefined, into);`
 */
export function drawPlan(planner: Planner, batch: number, size: ImageSize | null, into?: MixPlan): MixPlan {
  // Checked before the draw: a rejected call must not advance the stream.
  if (into !== undefined) validatePlanShape(into, batch);
  const plan = planner.plan(batch, size ?? undefined);
  if (!into) return plan;
  into.kind.set(plan.kind);
  into.lam.set(plan.lam);
  into.partner.set(plan.partner);
  into.box.set(plan.box);
  return into;
}

/** `into` must have the batch's lengths: a plan of another batch size cannot be filled. */
function validatePlanShape(into: MixPlan, batch: number): void {
  const ok = into && into.kind instanceof Uint8Array && into.kind.length === batch && into.lam instanceof Float32Array && into.lam.length === batch &&
    into.partner instanceof Uint32Array && into.partner.length === batch && into.box instanceof Int32Array && into.box.length === 4 * batch;
  if (!ok) throw new MixupError('into', `a MixPlan of batch size ${batch} (emptyPlan(${batch}))`, into);
}

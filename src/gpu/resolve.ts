/**
 * Plan resolution, the one step of a call that draws: after the checks (checks.ts) have passed,
 * the call's plan is the explicit one (already validated) or the planner's next plan. A plan the
 * mixer drew itself is well formed by construction and is not validated again.
 */
import type { Planner } from '../plan';
import type { ImageSize, MixPlan } from '../types';
import type { CheckedCall } from './checks';

/** The plan of a checked call; draws (advancing the stream) only when the call gave none. */
export function resolvePlan(planner: Planner, call: CheckedCall, into?: MixPlan): MixPlan {
  if (call.plan) return call.plan;
  return drawInto(planner, call.geometry.batch, call.imageSize, into);
}

/**
 * planner.plan(batch, size, into) fills `into` without allocating.
 * TODO(into-API): the planner's `plan(batch, size, into?)` lands on the planner branch (issue 14
 * item 1); until then this draws a new plan and copies it, so `into` is already honoured.
 */
function drawInto(planner: Planner, batch: number, size: ImageSize | null, into?: MixPlan): MixPlan {
  const plan = planner.plan(batch, size ?? undefined);
  if (!into) return plan;
  into.kind.set(plan.kind);
  into.lam.set(plan.lam);
  into.partner.set(plan.partner);
  into.box.set(plan.box);
  return into;
}

/**
 * Plan resolution, the one step of a call that draws: after the checks (checks.ts) have passed,
 * the call's plan is the explicit one (already validated) or the planner's next plan. A plan the
 * mixer drew itself is well formed by construction and is not validated again.
 */
import type { Planner } from '../plan.js';
import type { ImageSize, MixPlan } from '../types.js';
import type { CheckedCall } from './checks.js';

/** The plan of a checked call; draws (advancing the stream) only when the call gave none. */
export function resolvePlan(planner: Planner, call: CheckedCall, into?: MixPlan): MixPlan {
  if (call.plan) return call.plan;
  return drawPlan(planner, call.geometry.batch, call.imageSize, into);
}

/**
 * The planner's next plan, written into `into` when given (a caller's plan, reused per batch; checked before the
 * draw).
 */
export function drawPlan(planner: Planner, batch: number, size: ImageSize | null, into?: MixPlan): MixPlan {
  return planner.plan(batch, size ?? undefined, into);
}

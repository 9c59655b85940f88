/**
 * Gamma and Beta variates for λ ~ Beta(α, α), computed in log space.
 *
 * Mixup on ImageNet uses α as small as 0.1, where Gamma(α) variates are often
 * below 1e-300 and underflow to 0 as doubles, making X / (X + Y) a 0/0. Keeping
 * log G throughout avoids that.
 */

import { checkNumber } from './errors.js';
import type { RandomSource } from './rng.js';

/**
 * A standard normal variate by the Box–Muller transform, cosine branch only:
 * the sine half is dropped so that the sampler keeps no state besides the
 * generator, which keeps draw sequences easy to replay.
 */
export function sampleNormal(rng: RandomSource): number {
  const u1 = rng.nextOpen();
  const u2 = rng.nextFloat();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/**
 * log G with G ~ Gamma(shape, 1), by Marsaglia and Tsang, "A Simple Method for
 * Generating Gamma Variables" (ACM TOMS 26(3), 2000): squeeze-free rejection
 * on (1 + c·Z)^3 with Z from {@link sampleNormal}.
 *
 * For shape < 1 it uses their boost G(a) = G(a + 1) · U^(1/a), taken as
 * log G(a + 1) + log(U) / a, which stays finite where G itself underflows.
 */
export function sampleGamma(rng: RandomSource, shape: number): number {
  checkNumber('shape', shape, Number.MIN_VALUE);
  if (shape < 1) {
    const logG = sampleGamma(rng, shape + 1);
    return logG + Math.log(rng.nextOpen()) / shape;
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const z = sampleNormal(rng);
    const t = 1 + c * z;
    if (t <= 0) continue;
    const v = t * t * t;
    const logU = Math.log(rng.nextOpen());
    if (logU < 0.5 * z * z + d - d * v + d * Math.log(v)) return Math.log(d) + Math.log(v);
  }
}

/**
 * λ ~ Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b) (the standard
 * Gamma-ratio construction), evaluated as 1 / (1 + exp(log Y − log X)) so that
 * it is exact in the tails even when X and Y underflow (α = 0.1).
 * X is drawn before Y.
 */
export function sampleBeta(rng: RandomSource, a: number, b: number): number {
  checkNumber('a', a, Number.MIN_VALUE);
  checkNumber('b', b, Number.MIN_VALUE);
  const logX = sampleGamma(rng, a);
  const logY = sampleGamma(rng, b);
  return 1 / (1 + Math.exp(logY - logX));
}

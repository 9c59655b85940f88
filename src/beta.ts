/**
 * Gamma and Beta variates for λ ~ Beta(α, α), computed in log space.
 *
 * Mixup on ImageNet uses α as small as 0.1, where Gamma(α) variates are often
 * below 1e-300 and underflow to 0 as doubles, making X / (X + Y) a 0/0. Keeping
 * log G throughout avoids that.
 *
 * The samplers are objects made once per shape (a planner makes them when it is
 * created) so that the constants of Marsaglia and Tsang's method are computed
 * once, not per draw. A draw leaves its result in a field instead of returning
 * it, so that drawing allocates nothing (see {@link GammaSampler.logG}).
 */

import { checkNumber } from './validate.js';
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
 * on (1 + c·Z)^3 with Z from {@link sampleNormal}, per attempt one Z then one U.
 *
 * For shape < 1 it uses their boost G(a) = G(a + 1) · U^(1/a), taken as
 * log G(a + 1) + log(U) / a (U drawn after G(a + 1)), which stays finite where
 * G itself underflows.
 */
export class GammaSampler {
  readonly shape: number;
  /** shape < 1: draw Gamma(shape + 1), then boost. */
  private readonly boost: boolean;
  /** Marsaglia–Tsang's d = a − 1/3 and c = 1 / sqrt(9d) for the shape drawn (a = shape or shape + 1), and log d. */
  private readonly d: number;
  private readonly c: number;
  private readonly logD: number;

  /** @param shape a finite number > 0. */
  constructor(shape: number) {
    this.shape = checkNumber('shape', shape, Number.MIN_VALUE);
    this.boost = shape < 1;
    this.d = (this.boost ? shape + 1 : shape) - 1 / 3;
    this.c = 1 / Math.sqrt(9 * this.d);
    this.logD = Math.log(this.d);
  }

  /**
   * log G of the last {@link draw}. A field, not a return value: V8 boxes a
   * double returned from a call it does not inline, an allocation per draw.
   */
  logG = 0;

  /** Draws one variate into {@link logG}. */
  draw(rng: RandomSource): void {
    const { d, c } = this;
    // A number from the start (not undefined), so that V8 keeps it an unboxed double.
    let logV = 0;
    for (;;) {
      const z = sampleNormal(rng);
      const t = 1 + c * z;
      if (t <= 0) continue;
      const v = t * t * t;
      const logU = Math.log(rng.nextOpen());
      logV = Math.log(v);
      if (logU < 0.5 * z * z + d - d * v + d * logV) break;
    }
    const logG = this.logD + logV;
    this.logG = this.boost ? logG + Math.log(rng.nextOpen()) / this.shape : logG;
  }
}

/**
 * λ ~ Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b) (the standard
 * Gamma-ratio construction), evaluated as 1 / (1 + exp(log Y − log X)) so that
 * it is exact in the tails even when X and Y underflow (α = 0.1).
 * X is drawn before Y.
 */
export class BetaSampler {
  readonly a: number;
  readonly b: number;
  private readonly x: GammaSampler;
  private readonly y: GammaSampler;

  /** @param a, b finite numbers > 0. */
  constructor(a: number, b: number) {
    this.a = checkNumber('a', a, Number.MIN_VALUE);
    this.b = checkNumber('b', b, Number.MIN_VALUE);
    this.x = new GammaSampler(a);
    this.y = a === b ? this.x : new GammaSampler(b);
  }

  /** λ of the last {@link draw} (a field for the reason given at {@link GammaSampler.logG}). */
  lam = 0;

  /** Draws one variate in [0, 1] into {@link lam}. */
  draw(rng: RandomSource): void {
    this.x.draw(rng);
    const logX = this.x.logG;
    this.y.draw(rng);
    const logY = this.y.logG;
    this.lam = 1 / (1 + Math.exp(logY - logX));
  }
}

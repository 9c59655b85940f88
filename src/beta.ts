/**
 * Gamma and Beta variates for λ ~ Beta(α, α), computed in log space.
 *
 * Mixup on ImageNet uses α as small as 0.1, where Gamma(α) variates are often
 * below 1e-300 and underflow to 0 as doubles, making X / (X + Y) a 0/0. Keeping
 * log G throughout avoids that.
 *
 * The samplers are objects made once per shape (a planner makes them when it is
 * created) so that the method and the constants of Marsaglia and Tsang's method
 * are chosen once, not per draw. A draw leaves its result in a field instead of returning
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

/** How a {@link BetaSampler} draws; chosen once from (a, b). */
const UNIFORM = 0;
const JOHNK = 1;
const GAMMA_RATIO = 2;

/**
 * λ ~ Beta(a, b), by the cheapest exact method for its parameters (each gives exactly Beta(a, b);
 * only the number of uniforms used differs):
 *
 * - a = b = 1: Beta(1, 1) is U(0, 1), so λ is one uniform (CutMix's usual α = 1).
 * - a, b <= 1: Jöhnk's method (M. D. Jöhnk, "Erzeugung von betaverteilten und gammaverteilten
 *   Zufallszahlen", Metrika 8, 1964): X = U^(1/a), Y = V^(1/b), accepted when X + Y <= 1, then
 *   λ = X / (X + Y). Acceptance is Γ(a+1)Γ(b+1)/Γ(a+b+1), at least 1/2 here (0.61 at α = 0.8), so
 *   about 3 uniforms per λ instead of the Gamma ratio's 8 or more. In log space (log X = log U / a)
 *   so that tiny α, where X and Y underflow, stays exact.
 * - otherwise the Gamma ratio X / (X + Y), X ~ Gamma(a), Y ~ Gamma(b) (X drawn before Y),
 *   evaluated as 1 / (1 + exp(log Y − log X)), exact in the tails even when X and Y underflow.
 *
 * The first two draw one-word uniforms ({@link RandomSource.nextOpen32}): λ is stored as a float32,
 * whose rounding is coarser than their 2^−32 grid.
 */
export class BetaSampler {
  readonly a: number;
  readonly b: number;
  private readonly method: number;
  private readonly x: GammaSampler | null;
  private readonly y: GammaSampler | null;

  /** @param a, b finite numbers > 0. */
  constructor(a: number, b: number) {
    this.a = checkNumber('a', a, Number.MIN_VALUE);
    this.b = checkNumber('b', b, Number.MIN_VALUE);
    this.method = a === 1 && b === 1 ? UNIFORM : a <= 1 && b <= 1 ? JOHNK : GAMMA_RATIO;
    this.x = this.method === GAMMA_RATIO ? new GammaSampler(a) : null;
    this.y = this.method !== GAMMA_RATIO ? null : a === b ? this.x : new GammaSampler(b);
  }

  /** λ of the last {@link draw} (a field for the reason given at {@link GammaSampler.logG}). */
  lam = 0;

  /** Draws one variate in [0, 1] into {@link lam}. */
  draw(rng: RandomSource): void {
    if (this.method === UNIFORM) {
      this.lam = rng.nextOpen32();
    } else if (this.method === JOHNK) {
      this.drawJohnk(rng);
    } else {
      const x = this.x as GammaSampler;
      const y = this.y as GammaSampler;
      x.draw(rng);
      const logX = x.logG;
      y.draw(rng);
      this.lam = 1 / (1 + Math.exp(y.logG - logX));
    }
  }

  /** Jöhnk's method in log space; per attempt U then V. */
  private drawJohnk(rng: RandomSource): void {
    const { a, b } = this;
    for (;;) {
      const logX = Math.log(rng.nextOpen32()) / a;
      const logY = Math.log(rng.nextOpen32()) / b;
      // X + Y <= 1 as log(X + Y) = max + log(1 + exp(min − max)) <= 0; both <= 1/2 needs no exp.
      const max = Math.max(logX, logY);
      const min = Math.min(logX, logY);
      if (max <= -Math.LN2 || max + Math.log1p(Math.exp(min - max)) <= 0) {
        this.lam = 1 / (1 + Math.exp(logY - logX));
        return;
      }
    }
  }
}

/**
 * λ ~ Beta(α, α), the symmetric Beta of mixup, CutMix, ResizeMix and FMix, by the cheapest exact
 * method for α (each gives exactly Beta(α, α); they differ in cost and in the words they use):
 *
 * - α = 1: Beta(1, 1) is U(0, 1), so λ is one uniform (CutMix's usual α, mixup's default).
 * - α > 1/2: Ulrich's method (G. Ulrich, "Computer generation of distributions on the m-sphere",
 *   Applied Statistics 33(2), 1984; L. Devroye, "Non-Uniform Random Variate Generation", 1986,
 *   IX.4): with U, V uniform, λ = (1 + sqrt(1 − U^(2/(2α − 1)))·cos(2πV)) / 2. The point
 *   (R cos 2πV, R sin 2πV) with R² = 1 − U^(2/(2α−1)) has density ∝ (1 − |p|²)^(α − 3/2) in the unit
 *   disc, whose first coordinate has density ∝ (1 − t²)^(α − 1): that of 2λ − 1. Two words per λ, no
 *   rejection (Jöhnk needs 3.3 at α = 0.8, the Gamma ratio 8 or more).
 * - α <= 1/2: Jöhnk's method (M. D. Jöhnk, "Erzeugung von betaverteilten und gammaverteilten
 *   Zufallszahlen", Metrika 8, 1964): X = U^(1/α), Y = V^(1/α), accepted when X + Y <= 1, then
 *   λ = X / (X + Y). Acceptance is Γ(α+1)² / Γ(2α+1), at least 0.785 here. In log space
 *   (log X = log U / α) so that tiny α (0.1 on ImageNet, where X and Y underflow as doubles) stays
 *   exact in the tails.
 *
 * Uniforms are one word each ({@link RandomSource.nextOpen32}): λ is stored as a float32, whose
 * rounding (2^−25 near 1) is coarser than their 2^−32 grid. The sampler is made once per α (a planner
 * makes it when it is created) so that the method and its constants are chosen once, not per draw.
 */

import { checkNumber } from './validate.js';
import type { RandomSource } from './rng.js';

/** How a {@link BetaSampler} draws; chosen once from α. */
const UNIFORM = 0;
const ULRICH = 1;
const JOHNK = 2;

export class BetaSampler {
  readonly alpha: number;
  private readonly method: number;
  /** Ulrich's exponent 2 / (2α − 1). */
  private readonly exponent: number;

  /** @param alpha a finite number > 0. */
  constructor(alpha: number) {
    this.alpha = checkNumber('alpha', alpha, Number.MIN_VALUE);
    this.method = alpha === 1 ? UNIFORM : alpha > 0.5 ? ULRICH : JOHNK;
    this.exponent = 2 / (2 * alpha - 1);
  }

  /**
   * λ of the last {@link draw}. A field, not a return value: V8 boxes a double returned from a call
   * it does not inline, an allocation per draw.
   */
  lam = 0;

  /** Draws one variate in [0, 1] into {@link lam}. */
  draw(rng: RandomSource): void {
    if (this.method === UNIFORM) this.lam = rng.nextOpen32();
    else if (this.method === ULRICH) this.drawUlrich(rng);
    else this.drawJohnk(rng);
  }

  /**
   * Ulrich's method; U then V. With t = tan(πV), cos 2πV = (1 − t²) / (1 + t²), and the end of λ
   * nearer 0 is computed without cancellation as (1 − r·|cos|) / 2 = (w·cos² + sin²) / (2(1 + r·|cos|)),
   * w = U^(2/(2α−1)), r = sqrt(1 − w) (so λ near 0 keeps its relative precision, as in log space).
   */
  private drawUlrich(rng: RandomSource): void {
    const w = Math.exp(this.exponent * Math.log(rng.nextOpen32()));
    const t = Math.tan(Math.PI * rng.nextOpen32());
    const t2 = t * t;
    const d = 1 + t2;
    const m = Math.abs(1 - t2); // |cos 2πV|·d
    const near = (w * m * m + 4 * t2) / (2 * d * (d + Math.sqrt(1 - w) * m));
    this.lam = t2 > 1 ? near : 1 - near; // |t| > 1: cos 2πV < 0, λ below 1/2
  }

  /** Jöhnk's method in log space; per attempt U then V. */
  private drawJohnk(rng: RandomSource): void {
    const a = this.alpha;
    for (;;) {
      const logX = Math.log(rng.nextOpen32()) / a;
      const logY = Math.log(rng.nextOpen32()) / a;
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

import { describe, it, expect } from 'vitest';
import cdf from '@stdlib/stats-base-dists-beta-cdf';
import { BetaSampler } from '../../src/beta.js';
import { Philox } from '../../src/rng.js';
import type { RandomSource } from '../../src/rng.js';
import { MixupError } from '../../src/errors.js';

/** A generator that replays given values, one per call whatever the method, and logs the calls. */
class Scripted implements RandomSource {
  readonly calls: string[] = [];
  constructor(private readonly values: number[]) {}
  private take(method: string): number {
    this.calls.push(method);
    const v = this.values.shift();
    if (v === undefined) throw new Error('script exhausted');
    return v;
  }
  nextU32() {
    return this.take('nextU32');
  }
  nextFloat() {
    return this.take('nextFloat');
  }
  nextOpen() {
    return this.take('nextOpen');
  }
  nextOpen32() {
    return this.take('nextOpen32');
  }
  nextInt() {
    return this.take('nextInt');
  }
}

/**
 * Beta(a, b) CDF of λ as the sampler returns it, rounded to a double: [P(λ < v), P(λ <= v)].
 * Near 1 doubles are 2^-53 apart, and for small α a visible share of the mass lies closer to 1
 * than that (about 1.2% at α = 0.1), so those λ are exactly 1. Below 1/2 the spacing is relative
 * and the rounding interval carries no measurable mass.
 */
function roundedBetaCdf(v: number, a: number, b: number): [number, number] {
  if (v < 0.5) {
    const f = cdf(v, a, b);
    return [f, f];
  }
  const d = 1 - v; // exact for v in [0.5, 1]
  const half = 2 ** -54; // half the spacing of doubles in [0.5, 1)
  // The upper tail as the CDF of 1 − λ ~ Beta(b, a), which keeps its precision near 1.
  return [1 - cdf(d + half, b, a), v === 1 ? 1 : 1 - cdf(d - half, b, a)];
}

/**
 * Kolmogorov–Smirnov statistic sup |F_n − F| of `samples` against Beta(a, b), with ties
 * (runs of equal values) compared with the rounded distribution's jump at that value.
 */
function ksStatistic(samples: Float64Array, a: number, b: number): number {
  const s = Float64Array.from(samples).sort();
  const n = s.length;
  let d = 0;
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && s[j] === s[i]) j++;
    const [below, atOrBelow] = roundedBetaCdf(s[i], a, b);
    d = Math.max(d, j / n - atOrBelow, below - i / n);
    i = j;
  }
  return d;
}

function betaSamples(seed: number, alpha: number, n: number): Float64Array {
  const rng = new Philox(seed, 0);
  const beta = new BetaSampler(alpha);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    beta.draw(rng);
    out[i] = beta.lam;
  }
  return out;
}

const N = 20_000;
/** Kolmogorov's asymptotic critical value c(0.001) = sqrt(−ln(0.0005) / 2) ≈ 1.95: reject when sqrt(n)·D > c. */
const KS_C = Math.sqrt(-Math.log(0.0005) / 2);
/** KS critical value at the 0.1% level for n = N. */
const KS_CRIT = KS_C / Math.sqrt(N);

/**
 * Power at the benchmark's α = 0.8. A bias of 0.05 in α (say, Ulrich's exponent computed from the
 * wrong α) turns Beta(0.8, 0.8) into Beta(0.85, 0.85), whose CDF differs by at most D ≈ 0.0091
 * (computed below from the oracle). At that point F_n has a standard deviation of at most 0.5/sqrt(n),
 * so the biased sampler escapes the test with probability below 0.1% (z = 3.09) once
 * sqrt(n)·D >= c + 3.09·0.5, i.e. n >= ((c + 1.545) / D)^2, about 146,000.
 */
const BIAS = 0.05;
const D_BIAS = (() => {
  let d = 0;
  for (let k = 1; k < 10_000; k++)
    d = Math.max(d, Math.abs(cdf(k / 10_000, 0.8 + BIAS, 0.8 + BIAS) - cdf(k / 10_000, 0.8, 0.8)));
  return d;
})();
const N_POWER = Math.ceil(((KS_C + 3.09 * 0.5) / D_BIAS) ** 2);

describe('BetaSampler (uniform at α = 1, Ulrich for α > 1/2, Jöhnk for α <= 1/2)', () => {
  it.each([
    [0.1, 101],
    [0.2, 102],
    [0.4, 103],
    [0.5, 111],
    [0.55, 112],
    [0.8, 110],
    [1, 104],
    [1.5, 113],
    [2, 105],
    [8, 106],
  ])('Beta(%f, α) passes a KS test at the 0.001 level (n = 20,000, seed %i)', (alpha, seed) => {
    const samples = betaSamples(seed, alpha, N);
    expect(ksStatistic(samples, alpha, alpha)).toBeLessThan(KS_CRIT);
  });

  it(`Beta(0.8, 0.8) passes at n = ${N_POWER}, sized to catch a 0.05 bias in α, and Beta(0.85, 0.85) fails`, () => {
    expect(D_BIAS).toBeGreaterThan(0.009); // the size of the effect the sample size was chosen for
    expect(D_BIAS).toBeLessThan(0.0093);
    const crit = KS_C / Math.sqrt(N_POWER);
    expect(ksStatistic(betaSamples(114, 0.8, N_POWER), 0.8, 0.8)).toBeLessThan(crit);
    expect(ksStatistic(betaSamples(115, 0.8 + BIAS, N_POWER), 0.8, 0.8)).toBeGreaterThan(crit);
  });

  it('negative control: Beta(0.2, 0.2) samples fail the KS test against the Beta(0.4, 0.4) CDF', () => {
    const samples = betaSamples(102, 0.2, N);
    expect(ksStatistic(samples, 0.4, 0.4)).toBeGreaterThan(KS_CRIT);
  });

  it('stays in [0, 1] and never NaN for tiny α, where X and Y underflow in linear space', () => {
    const rng = new Philox(14);
    const beta = new BetaSampler(0.001);
    let bad = 0;
    let extremes = 0;
    for (let i = 0; i < 2000; i++) {
      beta.draw(rng);
      const lam = beta.lam;
      if (!(lam >= 0 && lam <= 1)) bad++;
      if (lam === 0 || lam === 1) extremes++;
    }
    expect(bad).toBe(0);
    expect(extremes).toBeGreaterThan(0); // mass this close to the ends rounds to exactly 0 or 1
  });

  it('Beta(1, 1) is U(0, 1): λ is one one-word uniform, as drawn', () => {
    const rng = new Scripted([0.3125]);
    const beta = new BetaSampler(1);
    beta.draw(rng);
    expect(beta.lam).toBe(0.3125);
    expect(rng.calls).toEqual(['nextOpen32']);
  });

  it("α > 1/2 uses Ulrich's method: λ = (1 + sqrt(1 − U^(2/(2α−1)))·cos(2πV)) / 2, U then V", () => {
    // α = 1.5: the exponent is 1. U = 3/4: sqrt(1/4) = 1/2. V = 1/3: cos = −1/2, λ = 3/8;
    // V = 1/8: cos = sqrt(2)/2, λ = 1/2 + sqrt(2)/8.
    const beta = new BetaSampler(1.5);
    const rng = new Scripted([0.75, 1 / 3, 0.75, 0.125]);
    beta.draw(rng);
    expect(beta.lam).toBeCloseTo(3 / 8, 14);
    beta.draw(rng);
    expect(beta.lam).toBeCloseTo(0.5 + Math.SQRT2 / 8, 14);
    expect(rng.calls).toEqual(['nextOpen32', 'nextOpen32', 'nextOpen32', 'nextOpen32']);
    // α = 0.75: the exponent is 4. U = 1/2: w = 1/16, r = sqrt(15)/4; V = 1/2: cos = −1.
    const b = new BetaSampler(0.75);
    b.draw(new Scripted([0.5, 0.5]));
    expect(b.lam).toBeCloseTo((1 - Math.sqrt(15) / 4) / 2, 14);
  });

  it("Ulrich's λ near 0 keeps its relative precision (no 1 − sqrt(1 − w) cancellation)", () => {
    // α = 0.75, U = 10^−3: w = 10^−12; V = 1/2 (cos = −1): λ = (1 − sqrt(1 − w)) / 2 = w / (2(1 + sqrt(1 − w))).
    const b = new BetaSampler(0.75);
    b.draw(new Scripted([1e-3, 0.5]));
    const w = 1e-3 ** 4;
    expect(Math.abs(b.lam / (w / (2 * (1 + Math.sqrt(1 - w)))) - 1)).toBeLessThan(1e-12);
  });

  it("α <= 1/2 uses Jöhnk's method: X = U^(1/α), Y = V^(1/α) until X + Y <= 1, then λ = X / (X + Y)", () => {
    // α = 1/2: X = U^2, Y = V^2. U = V = 0.9: 0.81 + 0.81 > 1, redrawn; U = 0.2, V = 0.3: X = 0.04,
    // Y = 0.09, λ = 4/13. U = V = 0.7 (0.49 + 0.49 <= 1, near the line) is accepted: λ = 1/2.
    const rng = new Scripted([0.9, 0.9, 0.2, 0.3, 0.7, 0.7]);
    const beta = new BetaSampler(0.5);
    beta.draw(rng);
    expect(beta.lam).toBeCloseTo(4 / 13, 14);
    expect(rng.calls).toEqual(['nextOpen32', 'nextOpen32', 'nextOpen32', 'nextOpen32']);
    beta.draw(rng);
    expect(beta.lam).toBeCloseTo(0.5, 14);
  });

  it('rejects a non-positive or non-finite α, naming it', () => {
    expect(() => new BetaSampler(0)).toThrow(/\balpha must be/);
    expect(() => new BetaSampler(Number.NaN)).toThrow(/\balpha must be/);
    expect(() => new BetaSampler(Number.POSITIVE_INFINITY)).toThrow(MixupError);
  });
});

import { describe, it, expect } from 'vitest';
import cdf from '@stdlib/stats-base-dists-beta-cdf';
import { BetaSampler, GammaSampler, sampleNormal } from '../../src/beta.js';
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

function betaSamples(seed: number, a: number, b: number, n: number): Float64Array {
  const rng = new Philox(seed, 0);
  const beta = new BetaSampler(a, b);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    beta.draw(rng);
    out[i] = beta.lam;
  }
  return out;
}

/** log G of one Gamma(shape) draw. */
function sampleGamma(rng: RandomSource, shape: number): number {
  const gamma = new GammaSampler(shape);
  gamma.draw(rng);
  return gamma.logG;
}

const N = 20_000;
/** Kolmogorov's asymptotic critical value c(0.001) = sqrt(−ln(0.0005) / 2) ≈ 1.95: reject when sqrt(n)·D > c. */
const KS_C = Math.sqrt(-Math.log(0.0005) / 2);
/** KS critical value at the 0.1% level for n = N. */
const KS_CRIT = KS_C / Math.sqrt(N);

/**
 * Power at α = 8. A bias of 0.05 in one Gamma's shape turns Beta(8, 8) into Beta(8.05, 8), whose CDF
 * differs from Beta(8, 8)'s by at most D ≈ 0.0051 (near λ = 0.485, computed below from the oracle). At
 * that point F_n has a standard deviation of at most 0.5/sqrt(n), so the biased sampler escapes the test
 * with probability below 0.1% (z = 3.09) once sqrt(n)·D >= c + 3.09·0.5, i.e. n >= ((c + 1.545) / D)^2,
 * about 461,000 (at n = 20,000 the test would need D > 0.0138, almost three times the bias).
 */
const BIAS = 0.05;
const D_BIAS = (() => {
  let d = 0;
  for (let k = 1; k < 10_000; k++) d = Math.max(d, Math.abs(cdf(k / 10_000, 8 + BIAS, 8) - cdf(k / 10_000, 8, 8)));
  return d;
})();
const N_POWER = Math.ceil(((KS_C + 3.09 * 0.5) / D_BIAS) ** 2);

describe('sampleNormal (Box–Muller, cosine branch)', () => {
  it('computes sqrt(-2 ln u1) cos(2 pi u2) from one open and one half-open uniform', () => {
    const rng = new Scripted([Math.exp(-2), 0.5]);
    expect(sampleNormal(rng)).toBeCloseTo(-2, 14); // sqrt(4) * cos(pi)
    expect(rng.calls).toEqual(['nextOpen', 'nextFloat']);
  });

  it('has mean 0 and variance 1', () => {
    const rng = new Philox(11);
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < N; i++) {
      const z = sampleNormal(rng);
      s += z;
      s2 += z * z;
    }
    expect(Math.abs(s / N)).toBeLessThan(5 / Math.sqrt(N));
    expect(Math.abs(s2 / N - 1)).toBeLessThan(5 * Math.sqrt(2 / N));
  });
});

describe('GammaSampler (Marsaglia–Tsang, draws log G)', () => {
  it('shape 1, Z = 0: accepts v = 1 and returns log d = log(2/3)', () => {
    // d = shape - 1/3; with Z = 0, v = 1 and the test is log U < 0, true for any U in (0, 1).
    const rng = new Scripted([1, 0, 0.5]);
    expect(sampleGamma(rng, 1)).toBeCloseTo(Math.log(2 / 3), 14);
    expect(rng.calls).toEqual(['nextOpen', 'nextFloat', 'nextOpen']);
  });

  it('redraws Z when 1 + cZ <= 0 without drawing U', () => {
    // Z = -3 < -1/c = -sqrt(6): rejected, then Z = 0 is accepted.
    const rng = new Scripted([Math.exp(-4.5), 0.5, 1, 0, 0.5]);
    expect(sampleGamma(rng, 1)).toBeCloseTo(Math.log(2 / 3), 14);
    expect(rng.calls).toEqual(['nextOpen', 'nextFloat', 'nextOpen', 'nextFloat', 'nextOpen']);
  });

  it('shape < 1 boosts: log G(a + 1) + log(U) / a, drawing G(a + 1) first', () => {
    // a = 0.5: G(1.5) with Z = 0 gives log(7/6); then U = e^-1 adds -1 / 0.5.
    const rng = new Scripted([1, 0, 0.5, Math.exp(-1)]);
    expect(sampleGamma(rng, 0.5)).toBeCloseTo(Math.log(7 / 6) - 2, 14);
  });

  it.each([0.1, 0.5, 1, 3.7])('shape %f has mean and variance equal to the shape', (shape) => {
    const rng = new Philox(12, Math.round(shape * 10));
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < N; i++) {
      const g = Math.exp(sampleGamma(rng, shape));
      s += g;
      s2 += g * g;
    }
    const mean = s / N;
    const variance = s2 / N - mean * mean;
    // sd of the mean is sqrt(k / N); the variance estimate is looser, 10% suffices to catch a wrong method.
    expect(Math.abs(mean - shape)).toBeLessThan(5 * Math.sqrt(shape / N));
    expect(Math.abs(variance / shape - 1)).toBeLessThan(0.1);
  });

  it('stays finite where G itself underflows to 0 (shape 0.001)', () => {
    const rng = new Philox(13);
    let underflows = 0;
    for (let i = 0; i < 1000; i++) {
      const lg = sampleGamma(rng, 0.001);
      expect(Number.isFinite(lg)).toBe(true);
      if (Math.exp(lg) === 0) underflows++;
    }
    expect(underflows).toBeGreaterThan(100);
  });

  it('rejects a shape that is not a positive finite number', () => {
    expect(() => new GammaSampler(0)).toThrow(/shape/);
    expect(() => new GammaSampler(-1)).toThrow(MixupError);
    expect(() => new GammaSampler(Infinity)).toThrow(/shape/);
  });
});

describe('BetaSampler (uniform at a = b = 1, Jöhnk for a, b <= 1, else the Gamma ratio in log space)', () => {
  it('is 1 / (1 + exp(log Y - log X)) with X drawn before Y', () => {
    // X: shape 1, Z = 0 -> log(2/3). Y: shape 2, Z = 0 -> log(5/3). λ = (2/3) / (2/3 + 5/3) = 2/7.
    const rng = new Scripted([1, 0, 0.5, 1, 0, 0.5]);
    const beta = new BetaSampler(1, 2);
    beta.draw(rng);
    expect(beta.lam).toBeCloseTo(2 / 7, 14);
    expect(rng.calls).toEqual(['nextOpen', 'nextFloat', 'nextOpen', 'nextOpen', 'nextFloat', 'nextOpen']);
  });

  it.each([
    [0.1, 101],
    [0.2, 102],
    [0.4, 103],
    [1, 104],
    [2, 105],
  ])('Beta(%f, α) passes a KS test at the 0.001 level (n = 20,000, seed %i)', (alpha, seed) => {
    const samples = betaSamples(seed, alpha, alpha, N);
    expect(ksStatistic(samples, alpha, alpha)).toBeLessThan(KS_CRIT);
  });

  it(`Beta(8, 8) passes a KS test at the 0.1% level with n = ${N_POWER} (sized to catch a 0.05 shape bias)`, () => {
    expect(D_BIAS).toBeGreaterThan(0.005); // the size of the effect the sample size was chosen for
    expect(D_BIAS).toBeLessThan(0.0053);
    const samples = betaSamples(106, 8, 8, N_POWER);
    expect(ksStatistic(samples, 8, 8)).toBeLessThan(KS_C / Math.sqrt(N_POWER));
  });

  it('power check: Beta(8 + 0.05, 8) samples (one Gamma shape off by 0.05) fail the Beta(8, 8) KS test at that n', () => {
    const samples = betaSamples(108, 8 + BIAS, 8, N_POWER);
    expect(ksStatistic(samples, 8, 8)).toBeGreaterThan(KS_C / Math.sqrt(N_POWER));
  });

  it('Beta(0.5, 3), an asymmetric case, passes the KS test (X and Y are not swapped)', () => {
    const samples = betaSamples(107, 0.5, 3, N);
    expect(ksStatistic(samples, 0.5, 3)).toBeLessThan(KS_CRIT);
    // Swapped parameters would put the mass near 1.
    expect(ksStatistic(samples, 3, 0.5)).toBeGreaterThan(KS_CRIT);
  });

  it('negative control: Beta(0.2, 0.2) samples fail the KS test against the Beta(0.4, 0.4) CDF', () => {
    const samples = betaSamples(102, 0.2, 0.2, N);
    expect(ksStatistic(samples, 0.4, 0.4)).toBeGreaterThan(KS_CRIT);
  });

  it('stays in [0, 1] and never NaN for tiny α, where both Gammas underflow in linear space', () => {
    const rng = new Philox(14);
    const beta = new BetaSampler(0.001, 0.001);
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
    const beta = new BetaSampler(1, 1);
    beta.draw(rng);
    expect(beta.lam).toBe(0.3125);
    expect(rng.calls).toEqual(['nextOpen32']);
  });

  it("a, b <= 1 use Jöhnk's method: X = U^(1/a), Y = V^(1/b) until X + Y <= 1, then λ = X / (X + Y)", () => {
    // a = b = 1/2: X = U^2, Y = V^2. U = V = 0.9: 0.81 + 0.81 > 1, redrawn; U = 0.2, V = 0.3: X = 0.04,
    // Y = 0.09, λ = 4/13. U = V = 0.7 (0.49 + 0.49 <= 1, near the line) is accepted: λ = 1/2.
    const rng = new Scripted([0.9, 0.9, 0.2, 0.3, 0.7, 0.7]);
    const beta = new BetaSampler(0.5, 0.5);
    beta.draw(rng);
    expect(beta.lam).toBeCloseTo(4 / 13, 14);
    expect(rng.calls).toEqual(['nextOpen32', 'nextOpen32', 'nextOpen32', 'nextOpen32']);
    beta.draw(rng);
    expect(beta.lam).toBeCloseTo(0.5, 14);
    // a = 1/4, b = 1 (asymmetric): X = U^4, Y = V; U = 0.5, V = 0.5: λ = 0.0625 / 0.5625 = 1/9.
    const skew = new BetaSampler(0.25, 1);
    const two = new Scripted([0.5, 0.5]);
    skew.draw(two);
    expect(skew.lam).toBeCloseTo(1 / 9, 14);
  });

  it("Jöhnk's asymmetric case Beta(0.3, 0.9) passes the KS test, and fails against the swapped parameters", () => {
    const samples = betaSamples(109, 0.3, 0.9, N);
    expect(ksStatistic(samples, 0.3, 0.9)).toBeLessThan(KS_CRIT);
    expect(ksStatistic(samples, 0.9, 0.3)).toBeGreaterThan(KS_CRIT);
  });

  it('Beta(0.8, 0.8) (mixup in the benchmark workload, by Jöhnk) passes the KS test', () => {
    const samples = betaSamples(110, 0.8, 0.8, N);
    expect(ksStatistic(samples, 0.8, 0.8)).toBeLessThan(KS_CRIT);
  });

  it('rejects non-positive or non-finite parameters, naming a or b', () => {
    expect(() => new BetaSampler(0, 1)).toThrow(/\ba must be/);
    expect(() => new BetaSampler(1, NaN)).toThrow(/\bb must be/);
  });
});

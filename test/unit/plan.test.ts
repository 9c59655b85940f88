import { describe, it, expect } from 'vitest';
import cdf from '@stdlib/stats-base-dists-beta-cdf';
import {
  clonePlan,
  createPlanner,
  cutmixBox,
  emptyPlan,
  validatePlan,
  validatePlanForTargets,
} from '../../src/plan.js';
import { Philox } from '../../src/rng.js';
import { isInvolution, isPermutation } from '../../src/pairing.js';
import { MixupError } from '../../src/errors.js';
import type { ImageSize, MixOptions, MixPlan } from '../../src/types.js';

// Expected values here come from timm's formulas (MIXUP-REFERENCE.md) written out in the tests, from
// hand-derived cases, from the Beta CDF of @stdlib, and from the raw Philox words; never from src's own
// samplers. A biased Beta sampler fails the KS tests below; its shape-level power is in beta.test.ts.

const list = (a: ArrayLike<number>) => Array.from(a);
const boxOf = (plan: MixPlan, i: number) => list(plan.box.subarray(4 * i, 4 * i + 4));
const area = ([y0, y1, x0, x1]: number[]) => (y1 - y0) * (x1 - x0);

/** Counts a plan's samples by kind. */
function kinds(plan: MixPlan): [number, number, number] {
  const c: [number, number, number] = [0, 0, 0];
  for (const k of plan.kind) c[k]++;
  return c;
}

/** |observed − n·p| within 5 binomial standard deviations. */
function expectBinomial(observed: number, n: number, p: number): void {
  expect(Math.abs(observed - n * p)).toBeLessThan(5 * Math.sqrt(n * p * (1 - p)));
}

/** KS statistic of `values` against the continuous CDF `F` (λ are float32: rounding moves F by < 1e-7). */
function ks(values: number[], F: (x: number) => number): number {
  const s = Float64Array.from(values).sort();
  const n = s.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = F(s[i]);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  }
  return d;
}

/** Rejects at the 0.1% level: sqrt(n)·D > sqrt(−ln(0.0005) / 2) ≈ 1.95. */
function expectKsPass(values: number[], F: (x: number) => number): void {
  expect(values.length).toBeGreaterThan(1000);
  expect(ks(values, F)).toBeLessThan(Math.sqrt(-Math.log(0.0005) / 2) / Math.sqrt(values.length));
}

/** Chi-square statistic of observed against expected counts. */
function chiSquare(observed: number[], expected: number[]): number {
  return observed.reduce((s, o, k) => s + (o - expected[k]) ** 2 / expected[k], 0);
}

/**
 * timm's rand_bbox (no margin) written out: cut = int(side·sqrt(1 − λ)), centre c, box
 * [clip(c − cut//2), clip(c + cut//2)). Returns the centres c in [0, side) that give [lo, hi).
 */
function timmCentres(lam: number, side: number, lo: number, hi: number): number[] {
  const half = Math.floor(Math.floor(side * Math.sqrt(1 - lam)) / 2);
  const clip = (v: number) => Math.min(Math.max(v, 0), side);
  const centres: number[] = [];
  for (let c = 0; c < side; c++) if (clip(c - half) === lo && clip(c + half) === hi) centres.push(c);
  return centres;
}

/** The Fisher–Yates shuffle of [0, n) documented in pairing.ts, driven by raw Philox words. */
function fisherYates(rng: Philox, n: number): number[] {
  const order = Array.from({ length: n }, (_, k) => k);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** cutmixBox into a fresh array, for the sides timm cuts at λ: int(side·sqrt(1 − λ)). */
function box(lam: number, H: number, W: number, cy: number, cx: number): number[] {
  const out = new Int32Array(4);
  cutmixBox(Math.floor(H * Math.sqrt(1 - lam)), Math.floor(W * Math.sqrt(1 - lam)), H, W, cy, cx, out, 0);
  return list(out);
}

const base = {
  mixupAlpha: 1,
  cutmixAlpha: 0,
  cutmixMinMax: null,
  prob: 1,
  switchProb: 0.5,
  mode: 'batch',
  correctLam: true,
  labelSmoothing: 0.1,
  numClasses: 1000,
  seed: 0,
  stream: 0,
} as const;

describe('cutmixBox (timm rand_bbox, no margin)', () => {
  it('λ = 0.75 on 8x8 centred at (4, 4): side 8·sqrt(0.25) = 4, box [2, 6) x [2, 6)', () => {
    expect(box(0.75, 8, 8, 4, 4)).toEqual([2, 6, 2, 6]);
  });

  it('clips at the borders: centre (0, 7) gives [0, 2) x [5, 8)', () => {
    expect(box(0.75, 8, 8, 0, 7)).toEqual([0, 2, 5, 8]);
  });

  it('uses H for rows and W for columns (4x16, λ = 0.75: cut 2 x 8)', () => {
    expect(box(0.75, 4, 16, 1, 8)).toEqual([0, 2, 4, 12]);
  });

  it('an odd side loses a row, as in timm (cut_h = 3 gives a box 2 high)', () => {
    // 10·sqrt(1 − 0.91) = 3.0000000000000013, floored to 3; ⌊3/2⌋ = 1 on each side of the centre.
    expect(box(0.91, 10, 10, 5, 5)).toEqual([4, 6, 4, 6]);
  });

  it('λ = 1 gives an empty box at the centre', () => {
    expect(box(1, 8, 8, 3, 5)).toEqual([3, 3, 5, 5]);
  });

  it('writes only its four entries at the given offset', () => {
    const out = new Int32Array(12).fill(-7);
    cutmixBox(4, 4, 8, 8, 4, 4, out, 4);
    expect(list(out)).toEqual([-7, -7, -7, -7, 2, 6, 2, 6, -7, -7, -7, -7]);
  });
});

describe('createPlanner: draws against the formulas and the Beta CDF', () => {
  it('elem mixup λ follows Beta(0.8, 0.8) (KS, 20,000 samples)', () => {
    const planner = createPlanner({ mixupAlpha: 0.8, mode: 'elem', seed: 40 });
    const lams: number[] = [];
    for (let t = 0; t < 40; t++) lams.push(...planner.plan(500).lam);
    expectKsPass(lams, (x) => cdf(x, 0.8, 0.8));
  });

  it('batch mode draws one λ per batch from Beta(0.4, 0.4) (KS over 2,000 batches)', () => {
    const planner = createPlanner({ mixupAlpha: 0.4, seed: 41 });
    const lams: number[] = [];
    for (let t = 0; t < 2000; t++) lams.push(planner.plan(4).lam[0]);
    expectKsPass(lams, (x) => cdf(x, 0.4, 0.4));
  });

  it('pair mode draws one λ per pair (λ per sample: the draws, then the draws reversed), Beta(2, 2)', () => {
    const planner = createPlanner({ mixupAlpha: 2, mode: 'pair', seed: 42 });
    const lams: number[] = [];
    for (let t = 0; t < 40; t++) {
      const plan = planner.plan(100);
      for (let i = 0; i < 50; i++) expect(plan.lam[99 - i]).toBe(plan.lam[i]);
      lams.push(...plan.lam.subarray(0, 50));
    }
    expectKsPass(lams, (x) => cdf(x, 2, 2));
  });

  it('CutMix with correctLam = false keeps the drawn λ ~ Beta(1, 1) = U(0, 1), not the area', () => {
    const planner = createPlanner({ mixupAlpha: 0, cutmixAlpha: 1, mode: 'elem', correctLam: false, seed: 43 });
    const lams: number[] = [];
    let differs = 0;
    for (let t = 0; t < 40; t++) {
      const plan = planner.plan(500, { height: 10, width: 10 });
      lams.push(...plan.lam);
      for (let i = 0; i < 500; i++) if (plan.lam[i] !== Math.fround(1 - area(boxOf(plan, i)) / 100)) differs++;
    }
    expectKsPass(lams, (x) => x);
    expect(differs).toBeGreaterThan(10_000);
  });

  it('CutMix boxes are timm rand_bbox boxes of their λ, on a non-square image (13x21)', () => {
    const H = 13;
    const W = 21;
    const planner = createPlanner({ mixupAlpha: 0, cutmixAlpha: 1, mode: 'elem', correctLam: false, seed: 44 });
    for (let t = 0; t < 20; t++) {
      const plan = planner.plan(100, { height: H, width: W });
      for (let i = 0; i < 100; i++) {
        const [y0, y1, x0, x1] = boxOf(plan, i);
        expect(timmCentres(plan.lam[i], H, y0, y1).length).toBeGreaterThan(0);
        expect(timmCentres(plan.lam[i], W, x0, x1).length).toBeGreaterThan(0);
      }
    }
  });

  it('CutMix centres are uniform on [0, H) and [0, W) (chi-square, where the box pins the centre down)', () => {
    // cy is independent of λ: given each box's half side, the chance that centre c shows (some edge of
    // the box unclipped) is known, so the expected count of c is the sum of those chances / side.
    const H = 13;
    const W = 21;
    const planner = createPlanner({ mixupAlpha: 0, cutmixAlpha: 1, mode: 'elem', correctLam: false, seed: 45 });
    const seen = [new Array<number>(H).fill(0), new Array<number>(W).fill(0)];
    const expected = [new Array<number>(H).fill(0), new Array<number>(W).fill(0)];
    for (let t = 0; t < 40; t++) {
      const plan = planner.plan(500, { height: H, width: W });
      for (let i = 0; i < 500; i++) {
        const b = boxOf(plan, i);
        [H, W].forEach((side, axis) => {
          const [lo, hi] = [b[2 * axis], b[2 * axis + 1]];
          const half = Math.floor(Math.floor(side * Math.sqrt(1 - plan.lam[i])) / 2);
          for (let c = 0; c < side; c++) if (c - half > 0 || c + half < side) expected[axis][c] += 1 / side;
          if (lo > 0) seen[axis][lo + half]++;
          else if (hi < side) seen[axis][hi - half]++;
        });
      }
    }
    expect(chiSquare(seen[0], expected[0])).toBeLessThan(32.91); // 12 degrees of freedom, p = 0.001
    expect(chiSquare(seen[1], expected[1])).toBeLessThan(45.31); // 20 degrees of freedom, p = 0.001
  });

  it("'shuffle' draws the partner permutation first: Fisher–Yates on the planner's Philox words", () => {
    const plan = createPlanner({ mode: 'elem', pairing: 'shuffle', seed: 3 }).plan(9);
    expect(list(plan.partner)).toEqual(fisherYates(new Philox(3, 0, 0), 9));
    const paired = createPlanner({ mode: 'pair', pairing: 'shuffle', seed: 3, stream: 2 }).plan(7);
    const order = fisherYates(new Philox(3, 2, 0), 7);
    const expected = new Array<number>(7);
    for (let j = 0; j + 1 < 7; j += 2) [expected[order[j]], expected[order[j + 1]]] = [order[j + 1], order[j]];
    expected[order[6]] = order[6];
    expect(list(paired.partner)).toEqual(expected);
  });

  it('cutmixMinMax: λ = 1 − area / (H·W) even with correctLam = false', () => {
    const plan = createPlanner({
      ...base,
      mixupAlpha: 0,
      cutmixMinMax: [0.2, 0.7],
      mode: 'elem',
      correctLam: false,
      seed: 4,
    }).plan(64, { height: 10, width: 14 });
    for (let i = 0; i < 64; i++) {
      expect(plan.kind[i]).toBe(2);
      expect(plan.lam[i]).toBe(Math.fround(1 - area(boxOf(plan, i)) / 140));
    }
  });
});

describe('createPlanner: modes and pairings, structure of the plan', () => {
  it('batch mode: one kind, λ and box for the whole batch', () => {
    const planner = createPlanner({ cutmixAlpha: 1, seed: 1 });
    for (let t = 0; t < 10; t++) {
      const plan = planner.plan(8, { height: 16, width: 16 });
      expect(new Set(plan.kind).size).toBe(1);
      expect(new Set(plan.lam).size).toBe(1);
      expect(new Set(Array.from({ length: 8 }, (_, i) => boxOf(plan, i).join()))).toHaveProperty('size', 1);
    }
  });

  it('pair mode: both members of a pair share λ and box, different pairs draw separately', () => {
    const plan = createPlanner({ cutmixAlpha: 1, switchProb: 1, mode: 'pair', seed: 2 }).plan(8, {
      height: 32,
      width: 32,
    });
    for (let i = 0; i < 8; i++) {
      expect(plan.partner[i]).toBe(7 - i);
      expect(plan.lam[i]).toBe(plan.lam[7 - i]);
      expect(boxOf(plan, i)).toEqual(boxOf(plan, 7 - i));
      expect(plan.kind[i]).toBe(2);
    }
    expect(new Set(plan.lam).size).toBe(4);
  });

  it('pair mode, odd batch with flip: the middle sample is not a unit and passes through', () => {
    const plan = createPlanner({ mode: 'pair', seed: 2 }).plan(5);
    expect(list(plan.partner)).toEqual([4, 3, 2, 1, 0]);
    expect(plan.kind[2]).toBe(0);
    expect(plan.lam[2]).toBe(1);
    expect(boxOf(plan, 2)).toEqual([0, 0, 0, 0]);
    expect(list(plan.kind)).toEqual([1, 1, 0, 1, 1]);
  });

  it('elem mode: every sample draws its own λ', () => {
    const plan = createPlanner({ mode: 'elem', seed: 2 }).plan(8);
    expect(new Set(plan.lam).size).toBe(8);
    expect(plan.lam[0]).not.toBe(plan.lam[7]); // partners too: each output mixes the original inputs
  });

  it('batch and elem mode with flip and an odd batch: the middle sample (its own partner) is kind 0, λ 1', () => {
    for (const mode of ['batch', 'elem'] as const) {
      const plan = createPlanner({ mode, cutmixAlpha: 1, seed: 6 }).plan(7, { height: 8, width: 8 });
      expect(plan.kind[3]).toBe(0);
      expect(plan.lam[3]).toBe(1);
      expect(boxOf(plan, 3)).toEqual([0, 0, 0, 0]);
      expect(list(plan.kind).filter((k) => k !== 0)).toHaveLength(6);
    }
  });

  it("'roll' in batch and elem mode: partner i − 1, no sample left out", () => {
    const plan = createPlanner({ pairing: 'roll', mode: 'elem' }).plan(5);
    expect(list(plan.partner)).toEqual([4, 0, 1, 2, 3]);
    expect(list(plan.kind)).toEqual([1, 1, 1, 1, 1]);
  });

  it("'roll' is refused in pair mode once B > 2", () => {
    const planner = createPlanner({ pairing: 'roll', mode: 'pair' });
    expect(list(planner.plan(2).partner)).toEqual([1, 0]);
    expect(() => planner.plan(4)).toThrow(/options\.pairing.*involution/);
  });

  it("'shuffle': a fresh permutation per batch; in pair mode a perfect matching", () => {
    const planner = createPlanner({ pairing: 'shuffle', mode: 'elem', seed: 3 });
    const a = planner.plan(9);
    const b = planner.plan(9);
    expect(isPermutation(a.partner)).toBe(true);
    expect(list(a.partner)).not.toEqual(list(b.partner));
    for (const plan of [a, b]) {
      for (let i = 0; i < 9; i++) if (plan.partner[i] === i) expect(plan.kind[i]).toBe(0);
    }
    const paired = createPlanner({ pairing: 'shuffle', mode: 'pair', seed: 3 });
    for (const B of [8, 9]) {
      const plan = paired.plan(B);
      expect(isInvolution(plan.partner)).toBe(true);
      for (let i = 0; i < B; i++) expect(plan.lam[i]).toBe(plan.lam[plan.partner[i]]);
      expect(list(plan.kind).filter((k) => k === 0)).toHaveLength(B % 2);
    }
  });

  it('an explicit pairing is used as given; self-partners pass through; its length must match', () => {
    const planner = createPlanner({ pairing: [1, 0, 2, 2], mode: 'elem' });
    const plan = planner.plan(4);
    expect(list(plan.partner)).toEqual([1, 0, 2, 2]);
    expect(list(plan.kind)).toEqual([1, 1, 0, 1]);
    expect(() => planner.plan(5)).toThrow(/options\.pairing must be an array of 5/);
  });

  it('B = 1: nothing to mix with under any pairing', () => {
    for (const pairing of ['flip', 'roll', 'shuffle'] as const) {
      const plan = createPlanner({ pairing }).plan(1);
      expect([plan.kind[0], plan.lam[0], plan.partner[0]]).toEqual([0, 1, 0]);
    }
  });

  it('mixup samples have zero boxes; CutMix samples have boxes', () => {
    const plan = createPlanner({ cutmixAlpha: 1, mode: 'elem', seed: 12 }).plan(64, { height: 32, width: 32 });
    const [, nMix, nCut] = kinds(plan);
    expect(nMix).toBeGreaterThan(0);
    expect(nCut).toBeGreaterThan(0);
    for (let i = 0; i < 64; i++) if (plan.kind[i] === 1) expect(boxOf(plan, i)).toEqual([0, 0, 0, 0]);
  });

  it('does not need an image size without CutMix, and checks one when given', () => {
    expect(() => createPlanner().plan(4)).not.toThrow();
    expect(() => createPlanner().plan(4, { height: 0, width: 4 })).toThrow(/imageSize\.height/);
  });
});

describe('createPlanner: rates and λ', () => {
  it('prob = 0.3 mixes 30% of elem samples (within 5 binomial sigmas)', () => {
    const planner = createPlanner({ prob: 0.3, mode: 'elem', seed: 20 });
    let mixed = 0;
    const n = 40 * 500;
    for (let t = 0; t < 40; t++) mixed += 500 - kinds(planner.plan(500))[0];
    expectBinomial(mixed, n, 0.3);
  });

  it('prob = 0.3 in pair mode applies per pair, never to one member only', () => {
    const planner = createPlanner({ prob: 0.3, mode: 'pair', seed: 21 });
    let pairs = 0;
    for (let t = 0; t < 40; t++) {
      const plan = planner.plan(200);
      for (let i = 0; i < 100; i++) {
        expect(plan.kind[i]).toBe(plan.kind[199 - i]);
        if (plan.kind[i] !== 0) pairs++;
      }
    }
    expectBinomial(pairs, 4000, 0.3);
  });

  it('prob = 0 never mixes; unmixed samples have λ 1 and zero boxes', () => {
    const plan = createPlanner({ prob: 0, cutmixAlpha: 1, mode: 'elem' }).plan(16, { height: 4, width: 4 });
    expect(list(plan.kind)).toEqual(new Array(16).fill(0));
    expect(list(plan.lam)).toEqual(new Array(16).fill(1));
    expect(list(plan.box)).toEqual(new Array(64).fill(0));
  });

  it('switchProb = 0.25 picks CutMix for 25% of mixed samples', () => {
    const planner = createPlanner({ cutmixAlpha: 1, switchProb: 0.25, prob: 0.8, mode: 'elem', seed: 22 });
    let mixed = 0;
    let cut = 0;
    for (let t = 0; t < 40; t++) {
      const [, m, c] = kinds(planner.plan(500, { height: 16, width: 16 }));
      mixed += m + c;
      cut += c;
    }
    expectBinomial(mixed, 20_000, 0.8);
    expectBinomial(cut, mixed, 0.25);
  });

  it('with only CutMix enabled every mixed sample is CutMix, with only mixup every one is mixup', () => {
    expect(
      kinds(createPlanner({ mixupAlpha: 0, cutmixAlpha: 1, mode: 'elem' }).plan(50, { height: 8, width: 8 })),
    ).toEqual([0, 0, 50]);
    expect(kinds(createPlanner({ switchProb: 1, mode: 'elem' }).plan(50))).toEqual([0, 50, 0]);
  });

  it('CutMix boxes lie inside the image and λ = 1 − area / (H·W) with correctLam', () => {
    const planner = createPlanner({ mixupAlpha: 0, cutmixAlpha: 1, mode: 'elem', seed: 23 });
    const H = 13;
    const W = 21;
    for (let t = 0; t < 20; t++) {
      const plan = planner.plan(100, { height: H, width: W });
      for (let i = 0; i < 100; i++) {
        const [y0, y1, x0, x1] = boxOf(plan, i);
        expect(0 <= y0 && y0 <= y1 && y1 <= H && 0 <= x0 && x0 <= x1 && x1 <= W).toBe(true);
        expect(plan.lam[i]).toBe(Math.fround(1 - area([y0, y1, x0, x1]) / (H * W)));
      }
    }
  });

  it('cutmixMinMax: sides stay in [⌊H·min⌋, ⌊H·max⌋] and every origin in [0, H − side] is drawn', () => {
    const H = 10;
    const W = 12;
    const planner = createPlanner({ mixupAlpha: 0, cutmixMinMax: [0.3, 0.5], mode: 'elem', seed: 25 });
    // side -> set of origins seen, per axis
    const ys = new Map<number, Set<number>>();
    const xs = new Map<number, Set<number>>();
    for (let t = 0; t < 60; t++) {
      const plan = planner.plan(100, { height: H, width: W });
      for (let i = 0; i < 100; i++) {
        const [y0, y1, x0, x1] = boxOf(plan, i);
        expect(plan.kind[i]).toBe(2);
        if (!ys.has(y1 - y0)) ys.set(y1 - y0, new Set());
        if (!xs.has(x1 - x0)) xs.set(x1 - x0, new Set());
        ys.get(y1 - y0)!.add(y0);
        xs.get(x1 - x0)!.add(x0);
      }
    }
    expect([...ys.keys()].sort()).toEqual([3, 4, 5]); // ⌊10·0.3⌋ .. ⌊10·0.5⌋, both ends
    expect([...xs.keys()].sort()).toEqual([3, 4, 5, 6]); // ⌊12·0.3⌋ .. ⌊12·0.5⌋
    for (const [side, origins] of ys)
      expect([...origins].sort((a, b) => a - b)).toEqual(Array.from({ length: H - side + 1 }, (_, k) => k));
    for (const [side, origins] of xs)
      expect([...origins].sort((a, b) => a - b)).toEqual(Array.from({ length: W - side + 1 }, (_, k) => k));
  });

  it('a CutMix box of zero area stays kind 2 with λ = 1', () => {
    // On a 1x1 image the side ⌊1·sqrt(1 − λ)⌋ is 0 unless λ = 0.
    const plan = createPlanner({ mixupAlpha: 0, cutmixAlpha: 1, mode: 'elem' }).plan(10, { height: 1, width: 1 });
    expect(list(plan.kind)).toEqual(new Array(10).fill(2));
    expect(list(plan.lam)).toEqual(new Array(10).fill(1));
    // With min/max on 2x2, ⌊2·0.1⌋ = 0: some sides are 0.
    const mm = createPlanner({ mixupAlpha: 0, cutmixMinMax: [0.1, 0.6], mode: 'elem', seed: 1 }).plan(64, {
      height: 2,
      width: 2,
    });
    let empty = 0;
    for (let i = 0; i < 64; i++) {
      if (area(boxOf(mm, i)) === 0) {
        empty++;
        expect([mm.kind[i], mm.lam[i]]).toEqual([2, 1]);
      }
    }
    expect(empty).toBeGreaterThan(0);
  });

  it('λ of Beta(0.1, 0.1) mixup is in [0, 1] and piles up near 0 and 1', () => {
    const plan = createPlanner({ mixupAlpha: 0.1, mode: 'elem', seed: 26 }).plan(2000);
    let extreme = 0;
    for (const lam of plan.lam) {
      expect(lam >= 0 && lam <= 1).toBe(true);
      if (lam < 0.05 || lam > 0.95) extreme++;
    }
    expect(extreme).toBeGreaterThan(1000); // P(λ < 0.05 or > 0.95) ≈ 0.6 for α = 0.1
  });
});

describe('createPlanner: reproducibility, streams and forks', () => {
  const opts: MixOptions = { cutmixAlpha: 1, mode: 'elem', pairing: 'shuffle', seed: 77, stream: 4 };
  const size = { height: 16, width: 16 };
  const run = (planner: { plan(b: number, s?: ImageSize): MixPlan }, n = 5) =>
    Array.from({ length: n }, () => planner.plan(16, size));

  it('two planners with the same options give identical plans, batch after batch', () => {
    expect(run(createPlanner(opts))).toEqual(run(createPlanner(opts)));
  });

  it('a different seed or stream gives different plans', () => {
    const ref = run(createPlanner(opts));
    expect(run(createPlanner({ ...opts, seed: 78 }))).not.toEqual(ref);
    expect(run(createPlanner({ ...opts, stream: 5 }))).not.toEqual(ref);
  });

  it('each plan() call advances the generator', () => {
    const [a, b] = run(createPlanner(opts), 2);
    expect(a).not.toEqual(b);
  });

  it('returns fresh arrays: editing one plan does not change the next', () => {
    const p1 = createPlanner(opts);
    const p2 = createPlanner(opts);
    const first = p1.plan(16, size);
    first.lam.fill(0);
    p2.plan(16, size);
    expect(p1.plan(16, size)).toEqual(p2.plan(16, size));
  });

  it('forks differ from each other and from the parent, and are reproducible', () => {
    const root = createPlanner(opts);
    const f0 = run(root.fork(0));
    const f1 = run(root.fork(1));
    expect(f0).not.toEqual(f1);
    expect(f0).not.toEqual(run(createPlanner(opts)));
    expect(run(createPlanner(opts).fork(0))).toEqual(f0);
  });

  it("a fork's sequence does not depend on when it is made or on the parent's use", () => {
    const early = createPlanner(opts).fork(3);
    const root = createPlanner(opts);
    run(root, 3);
    const late = root.fork(3);
    expect(run(late)).toEqual(run(early));
  });

  it('fork w draws from Philox(seed, stream, w + 1): its shuffle is Fisher–Yates on those words', () => {
    const plan = createPlanner({ mode: 'elem', pairing: 'shuffle', seed: 77, stream: 4 }).fork(2).plan(12);
    expect(list(plan.partner)).toEqual(fisherYates(new Philox(77, 4, 3), 12));
  });

  it('forks share the options; forking a fork or a bad worker id is refused', () => {
    const root = createPlanner(opts);
    const fork = root.fork(0);
    expect(fork.options).toBe(root.options);
    expect(() => fork.fork(1)).toThrow(MixupError);
    expect(() => fork.fork(1)).toThrow(/planner must be the root planner/);
    expect(() => root.fork(-1)).toThrow(/worker/);
    expect(() => root.fork(1.5)).toThrow(/worker/);
    expect(() => root.fork(2 ** 32 - 1)).toThrow(/worker/);
  });
});

describe("plan(batchSize, imageSize, into): filling a caller's plan", () => {
  /** A plan for B samples full of values no planner writes, so a field left unwritten shows. */
  function stale(B: number): MixPlan {
    return {
      kind: new Uint8Array(B).fill(7),
      lam: new Float32Array(B).fill(NaN),
      partner: new Uint32Array(B).fill(0xffffffff),
      box: new Int32Array(4 * B).fill(-5),
    };
  }
  const cases: [string, MixOptions, number, ImageSize | undefined][] = [
    [
      'elem, mixup + CutMix, shuffle, 13x21',
      { mixupAlpha: 0.8, cutmixAlpha: 1, mode: 'elem', pairing: 'shuffle', seed: 1 },
      16,
      { height: 13, width: 21 },
    ],
    [
      'pair, shuffle, odd B, prob 0.6',
      { cutmixAlpha: 1, mode: 'pair', pairing: 'shuffle', prob: 0.6, seed: 2 },
      9,
      { height: 8, width: 5 },
    ],
    ['batch, flip, odd B', { cutmixAlpha: 1, seed: 3 }, 7, { height: 6, width: 6 }],
    ['elem, roll, mixup only, no image size', { mode: 'elem', pairing: 'roll', seed: 4 }, 5, undefined],
    [
      'elem, cutmixMinMax',
      { mixupAlpha: 0, cutmixMinMax: [0.2, 0.6], mode: 'elem', seed: 5 },
      6,
      { height: 10, width: 12 },
    ],
  ];

  it.each(cases)('%s: returns `into`, every field overwritten, the same draws as without it', (_, options, B, size) => {
    const fresh = createPlanner(options);
    const filling = createPlanner(options);
    const into = stale(B);
    for (let t = 0; t < 3; t++) {
      const expected = fresh.plan(B, size);
      expect(filling.plan(B, size, into)).toBe(into);
      expect(into).toEqual(expected);
    }
  });

  it('a fork fills `into` too, with its own draws', () => {
    const options: MixOptions = { cutmixAlpha: 1, mode: 'elem', pairing: 'shuffle', seed: 6 };
    const size = { height: 8, width: 8 };
    const into = stale(8);
    expect(createPlanner(options).fork(1).plan(8, size, into)).toEqual(createPlanner(options).fork(1).plan(8, size));
  });

  /** Expects `call` to throw `message`, leaving `into` as it was and the planner's generator unmoved. */
  function expectRejected(
    options: MixOptions,
    call: (p: ReturnType<typeof createPlanner>) => unknown,
    into: MixPlan | null,
    message: RegExp,
    B = 8,
    size?: ImageSize,
  ) {
    const planner = createPlanner(options);
    const before = into && clonePlan(into);
    expect(() => call(planner)).toThrow(MixupError);
    expect(() => call(planner)).toThrow(message);
    if (into && before) expect(into).toEqual(before);
    expect(planner.plan(B, size)).toEqual(createPlanner(options).plan(B, size));
  }

  it('rejects an `into` of the wrong type or length, naming the field, before anything is drawn or written', () => {
    const o: MixOptions = { mode: 'elem', pairing: 'shuffle', seed: 7 };
    const bad = (field: keyof MixPlan, value: unknown) => ({ ...stale(8), [field]: value }) as MixPlan;
    expectRejected(
      o,
      (p) => p.plan(8, undefined, null as unknown as MixPlan),
      null,
      /into must be a MixPlan object, got null/,
    );
    for (const [into, message] of [
      [bad('kind', new Int8Array(8)), /into\.kind must be a Uint8Array of length 8, got Int8Array\(8\)/],
      [bad('lam', new Float64Array(8)), /into\.lam must be a Float32Array of length 8/],
      [bad('partner', new Uint32Array(9)), /into\.partner must be a Uint32Array of length 8, got Uint32Array\(9\)/],
      [bad('box', new Int32Array(8)), /into\.box must be an Int32Array of length 32/],
      [stale(4), /into\.kind must be a Uint8Array of length 8, got Uint8Array\(4\)/],
    ] as const) {
      expectRejected(o, (p) => p.plan(8, undefined, into), into, message);
    }
  });

  it('rejects arrays that overlap in memory (their writes would clobber each other); disjoint views of one buffer are fine', () => {
    const o: MixPlan = stale(8);
    const buffer = new ArrayBuffer(256);
    const overlapping: MixPlan = { ...o, kind: new Uint8Array(buffer, 0, 8), lam: new Float32Array(buffer, 4, 8) };
    expectRejected(
      { mode: 'elem', seed: 8 },
      (p) => p.plan(8, undefined, overlapping),
      overlapping,
      /into\.lam must be an array of its own \(not sharing memory with into\.kind\)/,
    );
    const other = new ArrayBuffer(1024);
    const aliased: MixPlan = { ...o, lam: new Float32Array(other, 0, 8), box: new Int32Array(other, 16, 32) };
    expectRejected(
      { mode: 'elem', seed: 8 },
      (p) => p.plan(8, undefined, aliased),
      aliased,
      /into\.box must be an array of its own \(not sharing memory with into\.lam\)/,
    );
    const disjoint: MixPlan = {
      kind: new Uint8Array(buffer, 0, 8),
      lam: new Float32Array(buffer, 8, 8),
      partner: new Uint32Array(buffer, 40, 8),
      box: new Int32Array(buffer, 72, 32),
    };
    expect(createPlanner({ mode: 'elem', seed: 8 }).plan(8, undefined, disjoint)).toEqual(
      createPlanner({ mode: 'elem', seed: 8 }).plan(8),
    );
  });

  it('a bad pairing or image size with `into` leaves it untouched', () => {
    const into = stale(4);
    expectRejected(
      { pairing: 'roll', mode: 'pair' },
      (p) => p.plan(4, undefined, into),
      into,
      /options\.pairing.*involution/,
      2,
    );
    expectRejected(
      { pairing: [1, 0, 2], mode: 'elem' },
      (p) => p.plan(4, undefined, into),
      into,
      /options\.pairing must be an array of 4/,
      3,
    );
    expectRejected({ cutmixAlpha: 1 }, (p) => p.plan(4, { height: 4, width: 0 }, into), into, /imageSize\.width/, 4, {
      height: 4,
      width: 4,
    });
    expectRejected({ cutmixAlpha: 1 }, (p) => p.plan(4, undefined, into), into, /imageSize must be/, 4, {
      height: 4,
      width: 4,
    });
  });
});

describe('createPlanner: argument checks', () => {
  it('rejects batch sizes that are not integers >= 1', () => {
    const planner = createPlanner();
    for (const b of [0, 2.5, -1, NaN, Infinity]) expect(() => planner.plan(b)).toThrow(/batchSize must be an integer/);
  });

  it('requires imageSize whenever CutMix can be drawn', () => {
    expect(() => createPlanner({ cutmixAlpha: 1 }).plan(4)).toThrow(/imageSize must be/);
    expect(() => createPlanner({ mixupAlpha: 0, cutmixMinMax: [0.2, 0.5] }).plan(4)).toThrow(/imageSize/);
    expect(() => createPlanner({ cutmixAlpha: 1 }).plan(4, { height: 8, width: 2.5 })).toThrow(/imageSize\.width/);
  });

  it('rejects bad options at construction', () => {
    expect(() => createPlanner({ mixupAlpha: -1 })).toThrow(/options\.mixupAlpha/);
  });
});

describe('emptyPlan and clonePlan', () => {
  it('emptyPlan mixes nothing: kind 0, λ 1, identity partners, zero boxes', () => {
    const plan = emptyPlan(3);
    expect(list(plan.kind)).toEqual([0, 0, 0]);
    expect(list(plan.lam)).toEqual([1, 1, 1]);
    expect(list(plan.partner)).toEqual([0, 1, 2]);
    expect(list(plan.box)).toEqual(new Array(12).fill(0));
    expect(() => validatePlan(plan, 3, { height: 1, width: 1 })).not.toThrow();
    expect(() => emptyPlan(0)).toThrow(/batchSize/);
  });

  it('clonePlan is a deep copy', () => {
    const plan = createPlanner({ cutmixAlpha: 1 }).plan(4, { height: 8, width: 8 });
    const copy = clonePlan(plan);
    expect(copy).toEqual(plan);
    for (const key of ['kind', 'lam', 'partner', 'box'] as const) expect(copy[key].buffer).not.toBe(plan[key].buffer);
    copy.lam[0] = 0.5;
    expect(plan.lam[0]).not.toBe(0.5);
  });
});

describe('validatePlan', () => {
  const size = { height: 8, width: 8 };
  /** A valid plan: sample 0 CutMix, 1 mixup, 2 none, 3 CutMix. */
  const good = (): MixPlan => ({
    kind: Uint8Array.of(2, 1, 0, 2),
    lam: Float32Array.of(0.75, 0.3, 1, 0.75),
    partner: Uint32Array.of(3, 2, 1, 0),
    box: Int32Array.of(2, 6, 2, 6, 0, 0, 0, 0, 0, 0, 0, 0, 2, 6, 2, 6),
  });
  const withField = (field: keyof MixPlan, value: unknown) => ({ ...good(), [field]: value }) as MixPlan;
  const edit = (f: (p: MixPlan) => void) => {
    const p = good();
    f(p);
    return p;
  };

  it('accepts planner output, with and without image size', () => {
    expect(() => validatePlan(good(), 4, size)).not.toThrow();
    expect(() => validatePlan(createPlanner({ cutmixAlpha: 1, mode: 'elem' }).plan(32, size), 32, size)).not.toThrow();
    expect(() => validatePlan(createPlanner({ mode: 'elem' }).plan(32), 32)).not.toThrow();
    expect(() => validatePlan(createPlanner({ mode: 'elem' }).plan(32), 32, null)).not.toThrow();
  });

  it('rejects a non-object', () => {
    expect(() => validatePlan(null as unknown as MixPlan, 4, size)).toThrow(/plan must be a MixPlan/);
  });

  it('rejects fields of the wrong type or length, naming the field', () => {
    expect(() => validatePlan(withField('kind', Int8Array.of(2, 1, 0, 2)), 4, size)).toThrow(
      /plan\.kind must be a Uint8Array of length 4/,
    );
    expect(() => validatePlan(withField('lam', new Float64Array(4)), 4, size)).toThrow(
      /plan\.lam must be a Float32Array/,
    );
    expect(() => validatePlan(withField('lam', new Float32Array(3)), 4, size)).toThrow(
      /plan\.lam must be a Float32Array of length 4/,
    );
    expect(() => validatePlan(withField('partner', [3, 2, 1, 0]), 4, size)).toThrow(
      /plan\.partner must be a Uint32Array/,
    );
    expect(() => validatePlan(withField('box', new Int32Array(12)), 4, size)).toThrow(
      /plan\.box must be an? Int32Array of length 16/,
    );
    expect(() => validatePlan(good(), 5, size)).toThrow(/plan\.kind must be a Uint8Array of length 5/);
  });

  it('rejects a kind outside {0, ..., 4}', () => {
    for (const k of [5, 255]) {
      expect(() =>
        validatePlan(
          edit((p) => (p.kind[1] = k)),
          4,
          size,
        ),
      ).toThrow(new RegExp(`plan\\.kind\\[1\\] must be 0 \\(none\\), .* or 4 \\(mask\\), got ${k}`));
    }
  });

  it('rejects λ outside [0, 1] or not finite', () => {
    for (const v of [NaN, 1.5, -0.1, Infinity]) {
      expect(() =>
        validatePlan(
          edit((p) => (p.lam[2] = v)),
          4,
          size,
        ),
      ).toThrow(/plan\.lam\[2\] must be a finite number in \[0, 1\]/);
    }
  });

  it('rejects a partner outside [0, B)', () => {
    expect(() =>
      validatePlan(
        edit((p) => (p.partner[3] = 4)),
        4,
        size,
      ),
    ).toThrow(/plan\.partner\[3\] must be an integer in \[0, 3\], got 4/);
  });

  it('rejects CutMix boxes outside the image or inverted', () => {
    expect(() =>
      validatePlan(
        edit((p) => (p.box[13] = 9)),
        4,
        size,
      ),
    ).toThrow(/plan\.box\[12\.\.15\]/);
    expect(() =>
      validatePlan(
        edit((p) => (p.box[0] = -1)),
        4,
        size,
      ),
    ).toThrow(/plan\.box\[0\.\.3\]/);
    expect(() =>
      validatePlan(
        edit((p) => p.box.set([5, 4], 0)),
        4,
        size,
      ),
    ).toThrow(/plan\.box\[0\.\.3\].*got \[5, 4, 2, 6\]/);
    expect(() =>
      validatePlan(
        edit((p) => p.box.set([7, 7], 14)),
        4,
        size,
      ),
    ).not.toThrow(); // empty box is fine
  });

  it('ignores boxes of samples that are not CutMix', () => {
    expect(() =>
      validatePlan(
        edit((p) => p.box.set([9, 0, 9, 0], 4)),
        4,
        size,
      ),
    ).not.toThrow();
  });

  it('rejects CutMix without an image size (rows data has no boxes)', () => {
    expect(() => validatePlan(good(), 4)).toThrow(/plan\.kind\[0\]/);
    expect(() => validatePlan(good(), 4, null)).toThrow(/plan\.kind\[0\] must be 0 or 1 without an image size/);
  });

  it('rejects a bad image size and batch size', () => {
    expect(() => validatePlan(good(), 4, { height: 0, width: 8 })).toThrow(/imageSize\.height/);
    expect(() => validatePlan(good(), 0, size)).toThrow(/batchSize/);
  });

  it('validatePlanForTargets allows CutMix without an image size and ignores boxes, but checks the rest', () => {
    expect(() =>
      validatePlanForTargets(
        edit((p) => (p.box[13] = 99)),
        4,
      ),
    ).not.toThrow();
    expect(() =>
      validatePlanForTargets(
        edit((p) => (p.lam[0] = 2)),
        4,
      ),
    ).toThrow(/plan\.lam\[0\]/);
    expect(() =>
      validatePlanForTargets(
        edit((p) => (p.partner[0] = 9)),
        4,
      ),
    ).toThrow(/plan\.partner\[0\]/);
  });

  describe('kinds 3 (ResizeMix) and 4 (masks)', () => {
    /** Sample 0 ResizeMix into a 4x4 box, 1 a bits mask, 2 none, 3 a bits mask; two 2x2 masks. */
    const withMasks = (): MixPlan => ({
      kind: Uint8Array.of(3, 4, 0, 4),
      lam: Float32Array.of(0.75, 0.5, 1, 0.25),
      partner: Uint32Array.of(3, 2, 1, 0),
      box: Int32Array.of(2, 6, 2, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
      masks: {
        format: 'bits',
        count: 2,
        height: 2,
        width: 2,
        data: Uint32Array.of(0b0011, 0b0001),
        index: Uint32Array.of(0, 0, 0, 1),
      },
    });
    const masksWith = (patch: Record<string, unknown>) => {
      const p = withMasks();
      p.masks = { ...(p.masks as NonNullable<MixPlan['masks']>), ...patch } as MixPlan['masks'];
      return p;
    };

    it('accepts well-formed plans, bits and soft, and both resize modes', () => {
      expect(() => validatePlan(withMasks(), 4, size)).not.toThrow();
      const soft = masksWith({ format: 'soft', data: new Float32Array(8).fill(0.5) });
      expect(() => validatePlan(soft, 4, size)).not.toThrow();
      for (const resize of ['bilinear', 'nearest'] as const) {
        expect(() => validatePlan({ ...withMasks(), resize }, 4, size)).not.toThrow();
      }
    });

    it('checks the ResizeMix box like a CutMix box', () => {
      const p = withMasks();
      p.box[1] = 9;
      expect(() => validatePlan(p, 4, size)).toThrow(/plan\.box\[0\.\.3\] must be .*sample 0 is kind 3/);
    });

    it('rejects kinds 2 to 4 without an image size (rows)', () => {
      expect(() => validatePlan(withMasks(), 4)).toThrow(/plan\.kind\[0\] must be 0 or 1 without an image size/);
    });

    it.each([
      ['no masks', { masks: undefined }, /plan\.masks must be a PlanMasks object \(a sample is kind 4\)/],
      ['format', { format: 'bytes' }, /plan\.masks\.format must be 'bits' or 'soft', got "bytes"/],
      ['count 0', { count: 0 }, /plan\.masks\.count/],
      ['finer than the image', { height: 9 }, /plan\.masks\.height must be an integer in \[1, 8\]/],
      ['width 0', { width: 0 }, /plan\.masks\.width/],
      [
        'short data',
        { data: Uint32Array.of(1) },
        /plan\.masks\.data must be a Uint32Array of length 2 \(2 masks of 1 words\)/,
      ],
      ['soft data as bits', { format: 'soft' }, /plan\.masks\.data must be a Float32Array of length 8/],
      ['index length', { index: Uint32Array.of(0, 0) }, /plan\.masks\.index must be a Uint32Array of length 4/],
      [
        'index out of range',
        { index: Uint32Array.of(0, 2, 0, 0) },
        /plan\.masks\.index\[1\] must be a mask in \[0, 1\]/,
      ],
    ])('rejects masks: %s', (_name, patch, re) => {
      const p = 'masks' in patch ? { ...withMasks(), masks: undefined } : masksWith(patch);
      expect(() => validatePlan(p, 4, size)).toThrow(re);
    });

    it('rejects soft weights outside [0, 1] or NaN', () => {
      for (const v of [-0.01, 1.01, NaN]) {
        const data = new Float32Array(8).fill(0.5);
        data[5] = v;
        expect(() => validatePlan(masksWith({ format: 'soft', data }), 4, size)).toThrow(
          /plan\.masks\.data\[5\] must be a weight in \[0, 1\]/,
        );
      }
    });

    it('rejects an unknown resize mode', () => {
      expect(() => validatePlan({ ...withMasks(), resize: 'bicubic' as 'nearest' }, 4, size)).toThrow(
        /plan\.resize must be 'bilinear', 'nearest' or undefined, got "bicubic"/,
      );
    });

    it('clonePlan copies masks and resize, sharing no memory', () => {
      const p = { ...withMasks(), resize: 'nearest' as const };
      const copy = clonePlan(p);
      expect(copy).toEqual(p);
      expect(copy.masks?.data.buffer).not.toBe(p.masks?.data.buffer);
      expect(copy.masks?.index.buffer).not.toBe(p.masks?.index.buffer);
    });
  });
});

/**
 * An independent Philox4x32-10 (Random123's spec: 10 rounds of two 32x32->64 multiplies by
 * 0xD2511F53 and 0xCD9E8D57, key bumped by 0x9E3779B9 and 0xBB67AE85), in BigInt arithmetic:
 * nothing shared with src/rng.ts's 16-bit int32 arithmetic. Checked against the known-answer vectors.
 */
function philoxRef(counter: bigint[], key: bigint[]): number[] {
  const mask = 0xffffffffn;
  let [c0, c1, c2, c3] = counter;
  let [k0, k1] = key;
  for (let round = 0; round < 10; round++) {
    const p0 = 0xd2511f53n * c0;
    const p1 = 0xcd9e8d57n * c2;
    [c0, c1, c2, c3] = [(p1 >> 32n) ^ c1 ^ k0, p1 & mask, (p0 >> 32n) ^ c3 ^ k1, p0 & mask];
    k0 = (k0 + 0x9e3779b9n) & mask;
    k1 = (k1 + 0xbb67ae85n) & mask;
  }
  return [c0, c1, c2, c3].map(Number);
}

/**
 * The planner's word stream as README "Determinism" documents it: blocks at counter (n, 0, stream,
 * fork) under key (seed mod 2^32, seed / 2^32), four words each, in order; and the uniforms made from
 * those words.
 */
class RefWords {
  private readonly words: number[] = [];
  private block = 0n;
  private readonly key: bigint[];
  constructor(
    seed: number,
    private readonly stream: number,
    private readonly fork: number,
  ) {
    this.key = [BigInt(seed % 2 ** 32), BigInt(Math.floor(seed / 2 ** 32))];
  }
  u32(): number {
    if (this.words.length === 0) {
      this.words.push(...philoxRef([this.block, 0n, BigInt(this.stream), BigInt(this.fork)], this.key));
      this.block++;
    }
    return this.words.shift()!;
  }
  /** (u + 1/2) / 2^32: one word in (0, 1). */
  open32(): number {
    return (this.u32() + 0.5) / 2 ** 32;
  }
  /** 53-bit [0, 1): 27 bits of one word, 26 of the next. */
  float(): number {
    const a = this.u32() >>> 5;
    const b = this.u32() >>> 6;
    return (a * 2 ** 26 + b) / 2 ** 53;
  }
  /** 52-bit (0, 1). */
  open(): number {
    const a = this.u32() >>> 6;
    const b = this.u32() >>> 6;
    return (a * 2 ** 26 + b + 0.5) / 2 ** 52;
  }
  /** Word mod n, redrawing words at or above the largest multiple of n below 2^32. */
  int(n: number): number {
    const limit = 2 ** 32 - (2 ** 32 % n);
    for (;;) {
      const u = this.u32();
      if (u < limit) return u % n;
    }
  }
}

/**
 * Beta(α, α) as documented in beta.ts, written out: uniform at α = 1, Ulrich's formula for α > 1/2
 * (U then V), Jöhnk for α <= 1/2 (in linear space).
 */
function refBeta(w: RefWords, alpha: number): number {
  if (alpha === 1) return w.open32();
  if (alpha > 0.5) {
    const u = w.open32();
    const v = w.open32();
    return (1 + Math.sqrt(1 - u ** (2 / (2 * alpha - 1))) * Math.cos(2 * Math.PI * v)) / 2;
  }
  for (;;) {
    const x = w.open32() ** (1 / alpha);
    const y = w.open32() ** (1 / alpha);
    if (x + y <= 1) return x / (x + y);
  }
}

interface RefOptions {
  mixupAlpha: number;
  cutmixAlpha: number;
  mode: 'elem' | 'batch' | 'pair';
  pairing: 'flip' | 'roll' | 'shuffle';
  prob: number;
  switchProb: number;
  correctLam: boolean;
  cutmixMinMax: [number, number] | null;
}

/**
 * One plan as README "Determinism" and timm's Mixup (MIXUP-REFERENCE.md) describe it: the shuffle
 * first (Fisher–Yates from the last index down; pairs order[2j], order[2j+1] in pair mode), then per
 * unit: apply (a word below prob·2^32; no word when prob = 1), CutMix or mixup (a word below
 * switchProb·2^32, only when both are on), λ, then the box (centre y, x; or with min/max the
 * sides then the origin). Self-partners pass through.
 */
function refPlan(o: RefOptions, B: number, H: number, W: number, w: RefWords) {
  const kind = new Array<number>(B).fill(0);
  const lam = new Array<number>(B).fill(1);
  const box = new Array<number>(4 * B).fill(0);
  let partner = Array.from({ length: B }, (_, i) => (o.pairing === 'flip' ? B - 1 - i : i === 0 ? B - 1 : i - 1));
  if (o.pairing === 'shuffle') {
    const order = fisherYatesRef(w, B);
    partner = order.slice();
    if (o.mode === 'pair') {
      for (let j = 0; j + 1 < B; j += 2) [partner[order[j]], partner[order[j + 1]]] = [order[j + 1], order[j]];
      if (B % 2) partner[order[B - 1]] = order[B - 1];
    }
  }
  const unit = (): [number, number, number[]] => {
    if (o.prob < 1 && w.u32() >= o.prob * 2 ** 32) return [0, 1, [0, 0, 0, 0]];
    const both = o.mixupAlpha > 0 && o.cutmixAlpha > 0;
    const cut = both ? o.switchProb >= 1 || (o.switchProb > 0 && w.u32() < o.switchProb * 2 ** 32) : o.cutmixAlpha > 0;
    const l = refBeta(w, cut ? o.cutmixAlpha : o.mixupAlpha);
    if (!cut) return [1, Math.fround(l), [0, 0, 0, 0]];
    let b: number[];
    if (o.cutmixMinMax) {
      const [lo, hi] = o.cutmixMinMax;
      const ch = Math.floor(H * lo) + w.int(Math.floor(H * hi) - Math.floor(H * lo) + 1);
      const cw = Math.floor(W * lo) + w.int(Math.floor(W * hi) - Math.floor(W * lo) + 1);
      const y0 = w.int(H - ch + 1);
      const x0 = w.int(W - cw + 1);
      b = [y0, y0 + ch, x0, x0 + cw];
    } else {
      const cy = w.int(H);
      const cx = w.int(W);
      const clip = (v: number, side: number) => Math.min(Math.max(v, 0), side);
      const hh = Math.floor(Math.floor(H * Math.sqrt(1 - l)) / 2);
      const hw = Math.floor(Math.floor(W * Math.sqrt(1 - l)) / 2);
      b = [clip(cy - hh, H), clip(cy + hh, H), clip(cx - hw, W), clip(cx + hw, W)];
    }
    const corrected = o.correctLam || o.cutmixMinMax !== null;
    return [2, Math.fround(corrected ? 1 - ((b[1] - b[0]) * (b[3] - b[2])) / (H * W) : l), b];
  };
  const set = (i: number, [k, l, b]: [number, number, number[]]) => {
    kind[i] = k;
    lam[i] = l;
    box.splice(4 * i, 4, ...b);
  };
  if (o.mode === 'batch') {
    const d = unit();
    for (let i = 0; i < B; i++) set(i, d);
  } else {
    for (let i = 0; i < B; i++) {
      if (o.mode === 'elem') set(i, unit());
      else if (i < partner[i]) {
        const d = unit();
        set(i, d);
        set(partner[i], d);
      }
    }
  }
  for (let i = 0; i < B; i++) if (partner[i] === i) set(i, [0, 1, [0, 0, 0, 0]]);
  return { kind, lam, partner, box };
}

function fisherYatesRef(w: RefWords, n: number): number[] {
  const order = Array.from({ length: n }, (_, k) => k);
  for (let i = n - 1; i > 0; i--) {
    const j = w.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

const asLists = (p: MixPlan) => ({ kind: list(p.kind), lam: list(p.lam), partner: list(p.partner), box: list(p.box) });

/** Plans equal: kinds, partners and boxes exactly, λ to float32 precision (other but equal formulas). */
function expectPlan(got: MixPlan, want: ReturnType<typeof refPlan>): void {
  const g = asLists(got);
  expect({ kind: g.kind, partner: g.partner, box: g.box }).toEqual({
    kind: want.kind,
    partner: want.partner,
    box: want.box,
  });
  for (let i = 0; i < want.lam.length; i++) expect(g.lam[i]).toBeCloseTo(want.lam[i], 6);
}

const REF_DEFAULTS: RefOptions = {
  mixupAlpha: 1,
  cutmixAlpha: 0,
  mode: 'batch',
  pairing: 'flip',
  prob: 1,
  switchProb: 0.5,
  correctLam: true,
  cutmixMinMax: null,
};

/**
 * The draws for a seed, pinned against the reference above (CHANGELOG.md 0.2.0: one-word
 * decisions and uniforms, Beta(1, 1) as one uniform, Ulrich's Beta for α > 1/2, Jöhnk's below). A change of draw
 * order must be deliberate, recorded in CHANGELOG.md, and change the reference with it.
 */
describe('pinned plans (the documented draw order, from an independent Philox)', () => {
  it('the reference Philox matches the Random123 known-answer vectors', () => {
    const ones = 0xffffffffn;
    expect(philoxRef([0n, 0n, 0n, 0n], [0n, 0n])).toEqual([0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]);
    expect(philoxRef([ones, ones, ones, ones], [ones, ones])).toEqual([0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]);
    expect(philoxRef([0x243f6a88n, 0x85a308d3n, 0x13198a2en, 0x03707344n], [0xa4093822n, 0x299f31d0n])).toEqual([
      0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1,
    ]);
  });

  const cases: Array<[string, Partial<RefOptions>, number, number, number, number, number]> = [
    // name, options, seed, stream, B, H, W
    [
      'elem, mixup 0.8 + CutMix 1, shuffle, 13x21',
      { mixupAlpha: 0.8, cutmixAlpha: 1, mode: 'elem', pairing: 'shuffle' },
      12345,
      3,
      8,
      13,
      21,
    ],
    ['batch, defaults (Beta(1, 1) mixup), a seed above 2^32', {}, 2 ** 32 + 7, 0, 5, 0, 0],
    [
      'pair, mixup 0.4 + CutMix 1, prob 0.7, shuffle, odd B',
      { mixupAlpha: 0.4, cutmixAlpha: 1, mode: 'pair', prob: 0.7, pairing: 'shuffle' },
      99,
      0,
      9,
      10,
      14,
    ],
    [
      'cutmixMinMax [0.2, 0.7], elem, correctLam false',
      { mixupAlpha: 0, cutmixAlpha: 1, cutmixMinMax: [0.2, 0.7], mode: 'elem', correctLam: false },
      4,
      0,
      6,
      10,
      14,
    ],
    ['mixup α = 0.1, roll, prob 0.8', { mixupAlpha: 0.1, mode: 'elem', pairing: 'roll', prob: 0.8 }, 31, 0, 6, 0, 0],
    [
      'mixup α = 2 (Ulrich) + CutMix 1, switchProb 0.3, elem',
      { mixupAlpha: 2, cutmixAlpha: 1, switchProb: 0.3, mode: 'elem' },
      5,
      2,
      12,
      9,
      9,
    ],
    [
      'switchProb 1 and prob 1 draw no decision words',
      { mixupAlpha: 0.5, cutmixAlpha: 1, switchProb: 1, mode: 'elem', pairing: 'shuffle' },
      6,
      0,
      7,
      8,
      8,
    ],
    [
      'B = 256 at 224x224, elem shuffle, mixup 0.8 + CutMix 1',
      { mixupAlpha: 0.8, cutmixAlpha: 1, mode: 'elem', pairing: 'shuffle' },
      2024,
      0,
      256,
      224,
      224,
    ],
  ];
  it.each(cases)('%s: three consecutive plans', (_, options, seed, stream, B, H, W) => {
    const o = { ...REF_DEFAULTS, ...options };
    const size = H ? { height: H, width: W } : undefined;
    const planner = createPlanner({ ...o, seed, stream });
    const words = new RefWords(seed, stream, 0);
    for (let t = 0; t < 3; t++) expectPlan(planner.plan(B, size), refPlan(o, B, H, W, words));
  });

  it('fork(2) draws the same way from counter word 3 = 3 (worker + 1)', () => {
    const o = { ...REF_DEFAULTS, mixupAlpha: 0.8, cutmixAlpha: 1, mode: 'elem', pairing: 'shuffle' } as const;
    const fork = createPlanner({ ...o, seed: 12345, stream: 3 }).fork(2);
    const words = new RefWords(12345, 3, 3);
    for (let t = 0; t < 2; t++) expectPlan(fork.plan(6, { height: 13, width: 21 }), refPlan(o, 6, 13, 21, words));
  });
});

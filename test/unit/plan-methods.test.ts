import { describe, it, expect } from 'vitest';
import cdf from '@stdlib/stats-base-dists-beta-cdf';
import { createPlanner, validatePlan } from '../../src/plan.js';
import { Philox } from '../../src/rng.js';
import type { MixOptions, MixPlan } from '../../src/types.js';
import fixture from './fixtures/timm-plans-4a465a4.json';

// ResizeMix, FMix's place in the plan and the weighted choice among methods (issue 11, items 1, 2 and 4).
// Expected values come from the plans of commit 4a465a4 (the fixture, drawn by the old code with
// scripts/gen-timm-plan-fixture.mjs), from mmpretrain's formulas written out here, from the Beta CDF of
// @stdlib and from raw Philox words; never from the planner's own samplers.

const list = (a: ArrayLike<number>) => Array.from(a);
const boxOf = (plan: MixPlan, i: number) => list(plan.box.subarray(4 * i, 4 * i + 4));
const area = ([y0, y1, x0, x1]: number[]) => (y1 - y0) * (x1 - x0);
const arrays = (p: MixPlan) => ({ kind: list(p.kind), lam: list(p.lam), partner: list(p.partner), box: list(p.box) });

/** KS statistic of `values` against the continuous CDF `F`, checked at the 0.1% level. */
function expectKsPass(values: number[], F: (x: number) => number): void {
  const s = Float64Array.from(values).sort();
  const n = s.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = F(s[i]);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  }
  expect(n).toBeGreaterThan(1000);
  expect(d).toBeLessThan(Math.sqrt(-Math.log(0.0005) / 2) / Math.sqrt(n));
}

/** Chi-square of counts against probabilities, below the 0.1% critical value for its degrees of freedom. */
function expectChiSquarePass(counts: number[], probs: number[]): void {
  const n = counts.reduce((a, b) => a + b, 0);
  const chi = counts.reduce((s, c, k) => s + (c - n * probs[k]) ** 2 / (n * probs[k]), 0);
  const critical = [10.83, 13.82, 16.27, 18.47][counts.length - 2];
  expect(chi).toBeLessThan(critical);
}

/** Samples per kind 0..4 over `batches` elem plans of B. */
function kindCounts(options: MixOptions, batches: number, B: number, size = { height: 16, width: 16 }): number[] {
  const planner = createPlanner({ mode: 'elem', fmixSize: 4, ...options });
  const counts = [0, 0, 0, 0, 0];
  for (let t = 0; t < batches; t++) for (const k of planner.plan(B, size).kind) counts[k]++;
  return counts;
}

describe("timm's options draw the plans of commit 4a465a4 (fixture from the old code)", () => {
  type Case = (typeof fixture.cases)[number];
  const draw = (c: Case, extra: MixOptions = {}) => {
    const root = createPlanner({ ...(c.options as MixOptions), ...extra });
    const planner = c.fork === null ? root : root.fork(c.fork);
    const size = c.imageSize ?? undefined;
    return [0, 1, 2].map(() => planner.plan(c.batch, size));
  };

  /**
   * Cases whose Beta method is the same as at 4a465a4: α = 1 (one uniform) or α <= 1/2 (Jöhnk). For
   * 1/2 < α != 1 the draws changed once, deliberately, to Ulrich's method (CHANGELOG.md 0.2.0); the
   * pinned plans in plan.test.ts hold those (α = 0.8, α = 2) to a reference written out there.
   */
  const sameBeta = (c: Case) => {
    const o = c.options as MixOptions;
    return [o.mixupAlpha ?? 1, o.cutmixAlpha ?? 0].every((alpha) => alpha === 1 || alpha <= 0.5);
  };
  it('the fixture still covers most cases, among them every mode and pairing', () => {
    const kept = fixture.cases.filter(sameBeta);
    expect(kept.length).toBe(fixture.cases.length - 2);
    const modes = new Set(kept.map((c) => (c.options as MixOptions).mode ?? 'batch'));
    const pairings = new Set<unknown>(kept.map((c) => (c.options as MixOptions).pairing ?? 'flip'));
    expect([...modes].sort()).toEqual(['batch', 'elem', 'pair']);
    for (const pairing of ['flip', 'roll', 'shuffle']) expect(pairings.has(pairing)).toBe(true);
  });

  it.each(fixture.cases.filter(sameBeta).map((c) => [c.name, c] as const))('%s', (_, c) => {
    const plans = draw(c);
    for (const [t, p] of plans.entries()) expect(arrays(p)).toEqual(c.plans[t]);
    // No new fields appear on plans of timm's options.
    for (const p of plans) expect(Object.keys(p).sort()).toEqual(['box', 'kind', 'lam', 'partner']);
  });

  it('methodWeights { mixup: 1, cutmix: 1 } is switchProb 0.5; ResizeMix and FMix weighed 0 draw nothing', () => {
    const c = fixture.cases.find((k) => k.name === 'mixup+cutmix elem') as Case;
    const { switchProb: _, ...rest } = c.options as MixOptions;
    const weighted = draw({ ...c, options: rest } as unknown as Case, { methodWeights: { mixup: 1, cutmix: 1 } });
    for (const [t, p] of weighted.entries()) expect(arrays(p)).toEqual(c.plans[t]);
    const withOthers = draw({ ...c, options: rest } as unknown as Case, {
      resizemixAlpha: 1,
      fmixAlpha: 1,
      methodWeights: { mixup: 2, cutmix: 2, resizemix: 0, fmix: 0 },
    });
    for (const [t, p] of withOthers.entries()) expect(arrays(p)).toEqual(c.plans[t]);
  });
});

describe('ResizeMix draws (mmpretrain ResizeMix: Beta mapped to [lamMin, lamMax], CutMix box, correctLam)', () => {
  it('λ = lamMin + Beta(α, α)·(lamMax − lamMin) when correctLam is off (KS, α = 2 and α = 1)', () => {
    for (const [alpha, lo, hi, seed] of [
      [2, 0.1, 0.8, 1],
      [1, 0.3, 0.5, 2],
    ]) {
      const planner = createPlanner({
        mixupAlpha: 0,
        resizemixAlpha: alpha,
        resizemixLam: [lo, hi],
        mode: 'elem',
        correctLam: false,
        seed,
      });
      const u: number[] = [];
      for (let t = 0; t < 20; t++) {
        const plan = planner.plan(200, { height: 20, width: 30 });
        for (const lam of plan.lam) u.push((lam - lo) / (hi - lo));
      }
      expectKsPass(u, (x) => cdf(x, alpha, alpha));
    }
  });

  it('boxes are CutMix boxes of λ: ⌊H·sqrt(1 − λ)⌋ cut, centre in the image, clipped; λ = 1 − area / (H·W) with correctLam', () => {
    const H = 13;
    const W = 21;
    const fixed = createPlanner({ mixupAlpha: 0, resizemixAlpha: 1, mode: 'elem', correctLam: false, seed: 3 });
    const corrected = createPlanner({ mixupAlpha: 0, resizemixAlpha: 1, mode: 'elem', seed: 3 });
    let clipped = 0;
    for (let t = 0; t < 10; t++) {
      const a = fixed.plan(100, { height: H, width: W });
      const b = corrected.plan(100, { height: H, width: W });
      expect(b.resize).toBe('bilinear');
      for (let i = 0; i < 100; i++) {
        expect(a.kind[i]).toBe(3);
        const [y0, y1, x0, x1] = boxOf(a, i);
        [
          [H, y0, y1],
          [W, x0, x1],
        ].forEach(([side, lo, hi]) => {
          const half = Math.floor(Math.floor(side * Math.sqrt(1 - a.lam[i])) / 2);
          const clip = (v: number) => Math.min(Math.max(v, 0), side);
          let centres = 0;
          for (let c = 0; c < side; c++) if (clip(c - half) === lo && clip(c + half) === hi) centres++;
          expect(centres).toBeGreaterThan(0);
          if (hi - lo < 2 * half) clipped++;
        });
        // The same words, so the same boxes; only λ differs.
        expect(boxOf(b, i)).toEqual(boxOf(a, i));
        expect(b.lam[i]).toBe(Math.fround(1 - area(boxOf(b, i)) / (H * W)));
      }
      validatePlan(b, 100, { height: H, width: W });
    }
    expect(clipped).toBeGreaterThan(50);
  });

  it('draw order: λ from one word (α = 1), then cy, then cx (raw Philox words)', () => {
    const H = 10;
    const W = 7;
    const plan = createPlanner({
      mixupAlpha: 0,
      resizemixAlpha: 1,
      resizemixLam: [0.2, 0.6],
      mode: 'elem',
      correctLam: false,
      seed: 9,
    }).plan(4, { height: H, width: W });
    const rng = new Philox(9);
    for (let i = 0; i < 4; i++) {
      const lam = 0.2 + ((rng.nextU32() + 0.5) / 2 ** 32) * (0.6 - 0.2);
      const cy = rng.nextInt(H);
      const cx = rng.nextInt(W);
      const hh = Math.floor(Math.floor(H * Math.sqrt(1 - lam)) / 2);
      const hw = Math.floor(Math.floor(W * Math.sqrt(1 - lam)) / 2);
      const clip = (v: number, side: number) => Math.min(Math.max(v, 0), side);
      expect(plan.lam[i]).toBe(Math.fround(lam));
      expect(boxOf(plan, i)).toEqual([clip(cy - hh, H), clip(cy + hh, H), clip(cx - hw, W), clip(cx + hw, W)]);
    }
  });

  it('resizemixMode sets plan.resize; pair mode shares λ and box within a pair; lamMin = lamMax fixes λ', () => {
    const plan = createPlanner({
      mixupAlpha: 0,
      resizemixAlpha: 1,
      resizemixMode: 'nearest',
      mode: 'pair',
      resizemixLam: [0.5, 0.5],
      correctLam: false,
      seed: 4,
    }).plan(8, { height: 16, width: 16 });
    expect(plan.resize).toBe('nearest');
    for (let i = 0; i < 4; i++) {
      expect(plan.lam[7 - i]).toBe(plan.lam[i]);
      expect(boxOf(plan, 7 - i)).toEqual(boxOf(plan, i));
      expect(plan.lam[i]).toBe(0.5);
    }
  });
});

describe('FMix in the plan', () => {
  const size = { height: 24, width: 20 };

  it('batch mode: one mask (count 1) for the whole batch; elem mode: masks 0 .. c − 1 in draw order, the rest zero', () => {
    const batch = createPlanner({ mixupAlpha: 0, fmixAlpha: 1, fmixSize: 8, seed: 1 }).plan(6, size);
    expect(list(batch.kind)).toEqual([4, 4, 4, 4, 4, 4]);
    expect(batch.masks).toMatchObject({ format: 'bits', count: 1, height: 8, width: 8 });
    expect(list(batch.masks?.index ?? [])).toEqual([0, 0, 0, 0, 0, 0]);
    validatePlan(batch, 6, size);

    const elem = createPlanner({ mixupAlpha: 1, fmixAlpha: 1, fmixSize: [5, 7], mode: 'elem', seed: 2 }).plan(8, size);
    const m = elem.masks as NonNullable<MixPlan['masks']>;
    expect(m).toMatchObject({ format: 'bits', count: 8, height: 5, width: 7 });
    const fmixSamples = list(elem.kind).flatMap((k, i) => (k === 4 ? [i] : []));
    expect(fmixSamples.length).toBeGreaterThan(0);
    expect(fmixSamples.length).toBeLessThan(8);
    for (const [order, i] of fmixSamples.entries()) expect(m.index[i]).toBe(order);
    for (const [i, k] of list(elem.kind).entries()) if (k !== 4) expect(m.index[i]).toBe(0);
    const words = Math.ceil(35 / 32);
    expect(list(m.data.subarray(fmixSamples.length * words)).every((w) => w === 0)).toBe(true);
    expect(list(m.data.subarray(0, fmixSamples.length * words)).some((w) => w !== 0)).toBe(true);
    validatePlan(elem, 8, size);
    // An odd batch under flip: the middle sample, its own partner, passes through with mask index 0.
    const odd = createPlanner({ mixupAlpha: 0, fmixAlpha: 1, fmixSize: 4, mode: 'elem', seed: 2 }).plan(9, size);
    expect([odd.kind[4], odd.lam[4], odd.masks?.index[4]]).toEqual([0, 1, 0]);
    expect(list(odd.masks?.index ?? []).filter((_, i) => i !== 4)).toEqual([0, 1, 2, 3, 5, 6, 7, 8]);
  });

  it('pair mode: both members of a pair use the same mask and λ', () => {
    const plan = createPlanner({ mixupAlpha: 0, fmixAlpha: 1, fmixSize: 6, mode: 'pair', seed: 3 }).plan(8, size);
    const m = plan.masks as NonNullable<MixPlan['masks']>;
    for (let i = 0; i < 4; i++) {
      expect(plan.kind[i]).toBe(4);
      expect(m.index[7 - i]).toBe(m.index[i]);
      expect(plan.lam[7 - i]).toBe(plan.lam[i]);
    }
    expect(list(m.index.subarray(0, 4))).toEqual([0, 1, 2, 3]);
  });

  it("draw order and spectrum: λ, then two words a mode; the field is numpy's irfftn written as a direct sum", () => {
    // A 4x6 mask on an 8x12 image, δ = 2, α = 1 (λ is one word). Modes in fftfreq order (ky = 0, 1, −2, −1
    // for 4 rows), kx = 0 .. 3; amplitude (f / f_min)^−δ with f in cycles per image pixel, f_min = 1/12,
    // doubled for 0 < kx < 3 (irfftn's conjugate half); the constant mode and modes below 2^−10 draw nothing.
    const [mh, mw, H, W, decay] = [4, 6, 8, 12, 2];
    const plan = createPlanner({
      mixupAlpha: 0,
      fmixAlpha: 1,
      fmixDecay: decay,
      fmixSize: [mh, mw],
      mode: 'elem',
      seed: 11,
    }).plan(8, { height: H, width: W });
    const rng = new Philox(11);
    const open = () => (rng.nextU32() + 0.5) / 2 ** 32;
    for (let i = 0; i < 8; i++) {
      const lam = open();
      const field = new Float64Array(mh * mw);
      for (let j = 0; j < mh; j++) {
        const ky = j < mh / 2 ? j : j - mh;
        for (let kx = 0; kx <= mw / 2; kx++) {
          const f = Math.hypot(ky / H, kx / W);
          const rel = (Math.max(f, 1 / 12) * 12) ** -decay;
          if (f === 0 || rel < 2 ** -10) continue;
          const amp = (kx > 0 && kx < mw / 2 ? 2 : 1) * rel * Math.sqrt(-2 * Math.log(open()));
          const theta = 2 * Math.PI * open();
          for (let my = 0; my < mh; my++)
            for (let mx = 0; mx < mw; mx++)
              field[my * mw + mx] += amp * Math.cos(2 * Math.PI * ((ky * my) / mh + (kx * mx) / mw) + theta);
        }
      }
      const own = Math.round(lam * mh * mw);
      const order = Array.from(field.keys()).sort((a, b) => field[b] - field[a] || a - b);
      const expected = new Array<number>(mh * mw).fill(0);
      for (const p of order.slice(0, own)) expected[p] = 1;
      const m = plan.masks as NonNullable<MixPlan['masks']>;
      const bits = Array.from({ length: mh * mw }, (_, p) => (m.data[m.index[i] + (p >> 5)] >>> (p & 31)) & 1);
      expect(bits).toEqual(expected);
      let count = 0;
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) count += expected[Math.floor((y * mh) / H) * mw + Math.floor((x * mw) / W)];
      expect(plan.lam[i]).toBe(Math.fround(count / (H * W)));
    }
  });

  it('fmixSize is clamped to the image: a size at least the image gives full-resolution masks', () => {
    const plan = createPlanner({ mixupAlpha: 0, fmixAlpha: 1, fmixSize: [100, 3], seed: 4 }).plan(2, {
      height: 9,
      width: 11,
    });
    expect(plan.masks).toMatchObject({ height: 9, width: 3 });
  });

  it('λ of a sample is the exact own fraction of the image under the nearest rule (13x21 image, 5x7 mask)', () => {
    const H = 13;
    const W = 21;
    const plan = createPlanner({ mixupAlpha: 0, fmixAlpha: 0.5, fmixSize: [5, 7], mode: 'elem', seed: 5 }).plan(40, {
      height: H,
      width: W,
    });
    const m = plan.masks as NonNullable<MixPlan['masks']>;
    const words = Math.ceil((m.height * m.width) / 32);
    for (let i = 0; i < 40; i++) {
      let own = 0;
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const p = Math.floor((y * m.height) / H) * m.width + Math.floor((x * m.width) / W);
          own += (m.data[m.index[i] * words + (p >> 5)] >>> (p & 31)) & 1;
        }
      }
      expect(plan.lam[i]).toBe(Math.fround(own / (H * W)));
    }
  });

  it('the mask own fraction follows Beta(α, α) (KS on 32x32 masks of 32x32 images, α = 0.5 and 2)', () => {
    for (const [alpha, seed] of [
      [0.5, 6],
      [2, 7],
    ]) {
      const planner = createPlanner({ mixupAlpha: 0, fmixAlpha: alpha, fmixSize: 32, mode: 'elem', seed });
      const lams: number[] = [];
      for (let t = 0; t < 10; t++) lams.push(...planner.plan(150, { height: 32, width: 32 }).lam);
      // λ is a count over 1024 pixels: within 1/2048 of the Beta draw, far below the KS bound (0.05).
      expectKsPass(lams, (x) => cdf(x, alpha, alpha));
    }
  });

  it('same seed, same plan bytes (masks included); forks and seeds differ; `into` reuses its masks when they fit', () => {
    const options: MixOptions = { mixupAlpha: 1, fmixAlpha: 1, fmixSize: 8, mode: 'elem', seed: 8 };
    const a = createPlanner(options).plan(10, size);
    const b = createPlanner(options).plan(10, size);
    expect(b).toEqual(a);
    expect(createPlanner(options).fork(1).plan(10, size).masks?.data).not.toEqual(a.masks?.data);
    expect(createPlanner(options).fork(1).plan(10, size)).toEqual(createPlanner(options).fork(1).plan(10, size));
    expect(createPlanner({ ...options, seed: 9 }).plan(10, size).masks?.data).not.toEqual(a.masks?.data);

    const planner = createPlanner(options);
    const into = createPlanner(options).plan(10, size); // a plan with masks of the right size
    into.masks?.data.fill(0xdeadbeef);
    const data = into.masks?.data;
    expect(planner.plan(10, size, into)).toBe(into);
    expect(into.masks?.data).toBe(data);
    expect(into).toEqual(a);
    // Too small a mask set (another image size): replaced, and the plan still equals a fresh one.
    const small = createPlanner(options).plan(10, { height: 4, width: 4 });
    const next = createPlanner(options);
    next.plan(10, size, small);
    expect(small).toEqual(a);
  });
});

describe('the weighted choice among methods (mmpretrain RandomBatchAugment, per unit)', () => {
  const all = { mixupAlpha: 1, cutmixAlpha: 1, resizemixAlpha: 1, fmixAlpha: 1 };

  it('elem mode: kinds in proportion to the weights 1 : 2 : 3 : 4 (chi-square, 16,000 samples)', () => {
    const counts = kindCounts(
      { ...all, methodWeights: { mixup: 1, cutmix: 2, resizemix: 3, fmix: 4 }, seed: 1 },
      40,
      400,
    );
    expect(counts[0]).toBe(0);
    expectChiSquarePass(counts.slice(1), [0.1, 0.2, 0.3, 0.4]);
  });

  it('without methodWeights the enabled methods weigh the same once ResizeMix or FMix is on', () => {
    const counts = kindCounts({ mixupAlpha: 0, cutmixAlpha: 1, resizemixAlpha: 1, seed: 2 }, 20, 400);
    expect(counts[1] + counts[4]).toBe(0);
    expectChiSquarePass([counts[2], counts[3]], [0.5, 0.5]);
    const three = kindCounts({ mixupAlpha: 0.5, resizemixAlpha: 1, fmixAlpha: 1, seed: 3 }, 20, 300);
    expectChiSquarePass([three[1], three[3], three[4]], [1 / 3, 1 / 3, 1 / 3]);
  });

  it('prob still decides whether a unit mixes: none : mixup : fmix = 0.4 : 0.15 : 0.45', () => {
    const counts = kindCounts(
      { mixupAlpha: 1, fmixAlpha: 1, prob: 0.6, methodWeights: { mixup: 1, fmix: 3 }, seed: 4 },
      20,
      400,
    );
    expectChiSquarePass([counts[0], counts[1], counts[4]], [0.4, 0.15, 0.45]);
  });

  it('batch mode chooses once a batch, pair mode once a pair', () => {
    const batch = createPlanner({ ...all, fmixSize: 4, seed: 5 });
    const perBatch = [0, 0, 0, 0, 0];
    for (let t = 0; t < 2000; t++) {
      const kinds = new Set(batch.plan(6, { height: 8, width: 8 }).kind);
      expect(kinds.size).toBe(1);
      perBatch[[...kinds][0]]++;
    }
    expectChiSquarePass(perBatch.slice(1), [0.25, 0.25, 0.25, 0.25]);
    const pair = createPlanner({ ...all, fmixSize: 4, mode: 'pair', seed: 6 });
    let differ = 0;
    for (let t = 0; t < 50; t++) {
      const k = pair.plan(8, { height: 8, width: 8 }).kind;
      for (let i = 0; i < 4; i++) expect(k[7 - i]).toBe(k[i]);
      if (new Set(k).size > 1) differ++;
    }
    expect(differ).toBeGreaterThan(40);
  });

  it('a method with a single positive weight draws no choice word (the same plans as that method alone)', () => {
    const alone = createPlanner({ mixupAlpha: 0, resizemixAlpha: 1, mode: 'elem', seed: 7 }).plan(8, {
      height: 9,
      width: 9,
    });
    const weighted = createPlanner({ ...all, methodWeights: { resizemix: 5 }, mode: 'elem', seed: 7 }).plan(8, {
      height: 9,
      width: 9,
    });
    expect(arrays(weighted)).toEqual(arrays(alone));
  });
});

describe('bad options and calls for the new methods, each named', () => {
  const bad = (options: unknown) => () => createPlanner(options as MixOptions);

  it('methodWeights: not an object, unknown method, negative or NaN weight, disabled method, no positive sum', () => {
    expect(bad({ methodWeights: [1, 2] })).toThrow(
      /options\.methodWeights must be an object \{ mixup\?, cutmix\?, resizemix\?, fmix\? \}/,
    );
    expect(bad({ methodWeights: { mixUp: 1 } })).toThrow(
      /options\.methodWeights\.mixUp must be a known method \(did you mean mixup\?\)/,
    );
    expect(bad({ methodWeights: { mixup: -1 } })).toThrow(
      /options\.methodWeights\.mixup must be a finite number >= 0, got -1/,
    );
    expect(bad({ methodWeights: { mixup: NaN } })).toThrow(
      /options\.methodWeights\.mixup must be a finite number >= 0/,
    );
    expect(bad({ methodWeights: { mixup: 1, fmix: 1 } })).toThrow(
      /options\.methodWeights\.fmix must be 0 or absent while fmixAlpha is 0 \(the method is disabled\), got 1/,
    );
    expect(bad({ methodWeights: { cutmix: 2 } })).toThrow(
      /options\.methodWeights\.cutmix must be 0 or absent while cutmixAlpha is 0 and cutmixMinMax unset/,
    );
    expect(bad({ methodWeights: { mixup: 0, cutmix: 0 }, cutmixAlpha: 1 })).toThrow(
      /options\.methodWeights must be weights whose sum over the enabled methods is a positive finite number/,
    );
    expect(bad({ methodWeights: {} })).toThrow(/options\.methodWeights must be weights whose sum/);
    expect(bad({ methodWeights: { mixup: 1e308, cutmix: 1e308 }, cutmixAlpha: 1 })).toThrow(/positive finite number/);
  });

  it('switchProb beside methodWeights, or with ResizeMix or FMix on', () => {
    expect(bad({ cutmixAlpha: 1, switchProb: 0.3, methodWeights: { mixup: 1 } })).toThrow(
      /options\.switchProb must be undefined when methodWeights is given/,
    );
    expect(bad({ fmixAlpha: 1, switchProb: 0.3 })).toThrow(
      /options\.switchProb must be undefined when ResizeMix or FMix is enabled .*give methodWeights instead/,
    );
    expect(() => createPlanner({ cutmixAlpha: 1, switchProb: 0.3 })).not.toThrow();
  });

  it('ResizeMix options: alpha, lam range, mode', () => {
    expect(bad({ resizemixAlpha: -1 })).toThrow(/options\.resizemixAlpha must be a finite number >= 0/);
    for (const v of [[0.9, 0.1], [0, 2], [-0.1, 0.5], [0.1], 'x', [0.1, NaN]]) {
      expect(bad({ resizemixAlpha: 1, resizemixLam: v })).toThrow(
        /options\.resizemixLam must be \[lamMin, lamMax\] with 0 <= lamMin <= lamMax <= 1/,
      );
    }
    expect(bad({ resizemixAlpha: 1, resizemixMode: 'bicubic' })).toThrow(
      /options\.resizemixMode must be 'bilinear' or 'nearest', got "bicubic"/,
    );
  });

  it('FMix options: alpha, decay, size', () => {
    expect(bad({ fmixAlpha: NaN })).toThrow(/options\.fmixAlpha must be a finite number >= 0/);
    expect(bad({ fmixAlpha: 1, fmixDecay: -1 })).toThrow(/options\.fmixDecay must be a finite number >= 0, got -1/);
    expect(bad({ fmixAlpha: 1, fmixSize: 0 })).toThrow(/options\.fmixSize must be an integer in \[1, 65536\], got 0/);
    expect(bad({ fmixAlpha: 1, fmixSize: 2.5 })).toThrow(/options\.fmixSize must be an integer/);
    expect(bad({ fmixAlpha: 1, fmixSize: [4] })).toThrow(/options\.fmixSize must be a side or \[height, width\]/);
    expect(bad({ fmixAlpha: 1, fmixSize: [4, 0] })).toThrow(
      /options\.fmixSize\[1\] must be an integer in \[1, 65536\]/,
    );
  });

  it('nothing enabled names all four methods; ResizeMix or FMix alone is enough', () => {
    expect(bad({ mixupAlpha: 0 })).toThrow(/or ResizeMix \(resizemixAlpha > 0\) or FMix \(fmixAlpha > 0\)/);
    expect(() => createPlanner({ mixupAlpha: 0, resizemixAlpha: 1 })).not.toThrow();
    expect(() => createPlanner({ mixupAlpha: 0, fmixAlpha: 1 })).not.toThrow();
  });

  it('ResizeMix and FMix need an image size, before anything is drawn', () => {
    for (const o of [{ resizemixAlpha: 1 }, { fmixAlpha: 1 }]) {
      const planner = createPlanner({ ...o, seed: 1 });
      expect(() => planner.plan(4)).toThrow(
        /imageSize must be \{ height, width \} when CutMix is enabled, or ResizeMix or FMix/,
      );
      expect(planner.plan(4, { height: 8, width: 8 })).toEqual(
        createPlanner({ ...o, seed: 1 }).plan(4, { height: 8, width: 8 }),
      );
    }
  });
});

import { describe, it, expect } from 'vitest';
import {
  clonePlan,
  createPlanner,
  cutmixBox,
  emptyPlan,
  validatePlan,
  validatePlanForTargets,
} from '../../src/plan.js';
import { sampleBeta } from '../../src/beta.js';
import { Philox } from '../../src/rng.js';
import { isInvolution, isPermutation } from '../../src/pairing.js';
import { MixupError } from '../../src/errors.js';
import type { ImageSize, MixOptions, MixPlan } from '../../src/types.js';

const list = (a: ArrayLike<number>) => Array.from(a);
const boxOf = (plan: MixPlan, i: number) => list(plan.box.subarray(4 * i, 4 * i + 4));
const area = ([y0, y1, x0, x1]: number[]) => (y1 - y0) * (x1 - x0);

/** Counts plans' samples by kind over `batches` plans. */
function kinds(plan: MixPlan): [number, number, number] {
  const c: [number, number, number] = [0, 0, 0];
  for (const k of plan.kind) c[k]++;
  return c;
}

/** |observed − n·p| within 5 binomial standard deviations. */
function expectBinomial(observed: number, n: number, p: number): void {
  expect(Math.abs(observed - n * p)).toBeLessThan(5 * Math.sqrt(n * p * (1 - p)));
}

/**
 * The documented draw order of one unit, replayed from a fresh generator:
 * u (apply iff u < prob); mixup or CutMix (iff both enabled: CutMix iff next < switchProb);
 * λ ~ Beta(α, α); then the box (centre cy, cx; or with min/max: cut_h, cut_w, y0, x0).
 */
function replayUnit(rng: Philox, o: Required<Omit<MixOptions, 'pairing'>>, size: ImageSize | null) {
  if (rng.nextFloat() >= o.prob) return { kind: 0, lam: 1, box: [0, 0, 0, 0] };
  const minmax = o.cutmixMinMax;
  const cutmixAlpha = minmax ? 1 : o.cutmixAlpha;
  const cut = o.mixupAlpha > 0 && cutmixAlpha > 0 ? rng.nextFloat() < o.switchProb : cutmixAlpha > 0;
  let lam = sampleBeta(rng, cut ? cutmixAlpha : o.mixupAlpha, cut ? cutmixAlpha : o.mixupAlpha);
  if (!cut) return { kind: 1, lam, box: [0, 0, 0, 0] };
  const { height: H, width: W } = size!;
  let box: number[];
  if (minmax) {
    const ch = Math.floor(H * minmax[0]) + rng.nextInt(Math.floor(H * minmax[1]) - Math.floor(H * minmax[0]) + 1);
    const cw = Math.floor(W * minmax[0]) + rng.nextInt(Math.floor(W * minmax[1]) - Math.floor(W * minmax[0]) + 1);
    const y0 = rng.nextInt(H - ch + 1);
    const x0 = rng.nextInt(W - cw + 1);
    box = [y0, y0 + ch, x0, x0 + cw];
  } else {
    const cy = rng.nextInt(H);
    const cx = rng.nextInt(W);
    box = cutmixBox(lam, H, W, cy, cx);
  }
  if (o.correctLam || minmax) lam = 1 - area(box) / (H * W);
  return { kind: 2, lam, box };
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
    expect(cutmixBox(0.75, 8, 8, 4, 4)).toEqual([2, 6, 2, 6]);
  });

  it('clips at the borders: centre (0, 7) gives [0, 2) x [5, 8)', () => {
    expect(cutmixBox(0.75, 8, 8, 0, 7)).toEqual([0, 2, 5, 8]);
  });

  it('uses H for rows and W for columns (4x16, λ = 0.75: cut 2 x 8)', () => {
    expect(cutmixBox(0.75, 4, 16, 1, 8)).toEqual([0, 2, 4, 12]);
  });

  it('an odd side loses a row, as in timm (cut_h = 3 gives a box 2 high)', () => {
    // 10·sqrt(1 − 0.91) = 3.0000000000000013, floored to 3; ⌊3/2⌋ = 1 on each side of the centre.
    expect(cutmixBox(0.91, 10, 10, 5, 5)).toEqual([4, 6, 4, 6]);
  });

  it('λ = 1 gives an empty box at the centre', () => {
    expect(cutmixBox(1, 8, 8, 3, 5)).toEqual([3, 3, 5, 5]);
  });
});

describe('createPlanner: draw order (replayed from Philox(seed, stream, 0))', () => {
  it('batch mode, mixup + CutMix: u, switch, λ, cy, cx, one unit per batch, batch after batch', () => {
    const o = { ...base, cutmixAlpha: 1, seed: 5, stream: 2 };
    const planner = createPlanner(o);
    const rng = new Philox(5, 2, 0);
    const size = { height: 12, width: 20 };
    const seen = new Set<number>();
    for (let t = 0; t < 12; t++) {
      const plan = planner.plan(4, size);
      const d = replayUnit(rng, o, size);
      seen.add(d.kind);
      for (let i = 0; i < 4; i++) {
        expect(plan.kind[i]).toBe(d.kind);
        expect(plan.lam[i]).toBe(Math.fround(d.lam));
        expect(boxOf(plan, i)).toEqual(d.box);
      }
      expect(list(plan.partner)).toEqual([3, 2, 1, 0]);
    }
    expect(seen).toEqual(new Set([1, 2])); // both branches were replayed
  });

  it('pair mode: one unit per pair, visited by the lower index', () => {
    const o = { ...base, cutmixAlpha: 1, mode: 'pair', prob: 0.7, seed: 8 } as const;
    const planner = createPlanner(o);
    const rng = new Philox(8, 0, 0);
    const size = { height: 9, width: 9 };
    for (let t = 0; t < 5; t++) {
      const plan = planner.plan(6, size);
      for (const [i, p] of [[0, 5], [1, 4], [2, 3]]) {
        const d = replayUnit(rng, o, size);
        for (const s of [i, p]) {
          expect(plan.kind[s]).toBe(d.kind);
          expect(plan.lam[s]).toBe(Math.fround(d.lam));
          expect(boxOf(plan, s)).toEqual(d.box);
        }
      }
    }
  });

  it("'shuffle' draws the partner permutation first, then the units", () => {
    const o = { ...base, mode: 'elem', seed: 3 } as const;
    const plan = createPlanner({ ...o, pairing: 'shuffle' }).plan(5);
    const rng = new Philox(3, 0, 0);
    const order = [0, 1, 2, 3, 4];
    for (let i = 4; i > 0; i--) {
      const j = rng.nextInt(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    expect(list(plan.partner)).toEqual(order);
    for (let i = 0; i < 5; i++) {
      const d = replayUnit(rng, o, null);
      expect(plan.lam[i]).toBe(order[i] === i ? 1 : Math.fround(d.lam));
    }
  });

  it('cutmixMinMax: λ is still drawn, then cut_h, cut_w, y0, x0; λ comes from the area', () => {
    const o = { ...base, mixupAlpha: 0, cutmixMinMax: [0.2, 0.7] as [number, number], mode: 'elem', correctLam: false, seed: 4 } as const;
    const planner = createPlanner(o);
    const rng = new Philox(4, 0, 0);
    const size = { height: 10, width: 14 };
    const plan = planner.plan(8, size);
    for (let i = 0; i < 8; i++) {
      const d = replayUnit(rng, o, size);
      expect(plan.kind[i]).toBe(2);
      expect(boxOf(plan, i)).toEqual(d.box);
      expect(plan.lam[i]).toBe(Math.fround(1 - area(d.box) / 140)); // even with correctLam false
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
    const plan = createPlanner({ cutmixAlpha: 1, switchProb: 1, mode: 'pair', seed: 2 }).plan(8, { height: 32, width: 32 });
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
    expect(kinds(createPlanner({ mixupAlpha: 0, cutmixAlpha: 1, mode: 'elem' }).plan(50, { height: 8, width: 8 }))).toEqual([0, 0, 50]);
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

  it('correctLam = false keeps the drawn λ (not the area)', () => {
    const o = { ...base, mixupAlpha: 0, cutmixAlpha: 1, mode: 'elem', correctLam: false, seed: 24 } as const;
    const size = { height: 10, width: 10 };
    const plan = createPlanner(o).plan(50, size);
    const rng = new Philox(24, 0, 0);
    let differs = 0;
    for (let i = 0; i < 50; i++) {
      const drawn = replayUnit(rng, o, size).lam;
      expect(plan.lam[i]).toBe(Math.fround(drawn));
      if (plan.lam[i] !== Math.fround(1 - area(boxOf(plan, i)) / 100)) differs++;
    }
    expect(differs).toBeGreaterThan(25);
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
    for (const [side, origins] of ys) expect([...origins].sort((a, b) => a - b)).toEqual(Array.from({ length: H - side + 1 }, (_, k) => k));
    for (const [side, origins] of xs) expect([...origins].sort((a, b) => a - b)).toEqual(Array.from({ length: W - side + 1 }, (_, k) => k));
  });

  it('a CutMix box of zero area stays kind 2 with λ = 1', () => {
    // On a 1x1 image the side ⌊1·sqrt(1 − λ)⌋ is 0 unless λ = 0.
    const plan = createPlanner({ mixupAlpha: 0, cutmixAlpha: 1, mode: 'elem' }).plan(10, { height: 1, width: 1 });
    expect(list(plan.kind)).toEqual(new Array(10).fill(2));
    expect(list(plan.lam)).toEqual(new Array(10).fill(1));
    // With min/max on 2x2, ⌊2·0.1⌋ = 0: some sides are 0.
    const mm = createPlanner({ mixupAlpha: 0, cutmixMinMax: [0.1, 0.6], mode: 'elem', seed: 1 }).plan(64, { height: 2, width: 2 });
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
  const run = (planner: { plan(b: number, s?: ImageSize): MixPlan }, n = 5) => Array.from({ length: n }, () => planner.plan(16, size));

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

  it('fork w draws from Philox(seed, stream, w + 1)', () => {
    const o = { ...base, mode: 'elem', seed: 77, stream: 4 } as const;
    const plan = createPlanner(o).fork(2).plan(4);
    const rng = new Philox(77, 4, 3);
    for (let i = 0; i < 4; i++) expect(plan.lam[i]).toBe(Math.fround(replayUnit(rng, o, null).lam));
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
    expect(() => validatePlan(withField('kind', Int8Array.of(2, 1, 0, 2)), 4, size)).toThrow(/plan\.kind must be a Uint8Array of length 4/);
    expect(() => validatePlan(withField('lam', new Float64Array(4)), 4, size)).toThrow(/plan\.lam must be a Float32Array/);
    expect(() => validatePlan(withField('lam', new Float32Array(3)), 4, size)).toThrow(/plan\.lam must be a Float32Array of length 4/);
    expect(() => validatePlan(withField('partner', [3, 2, 1, 0]), 4, size)).toThrow(/plan\.partner must be a Uint32Array/);
    expect(() => validatePlan(withField('box', new Int32Array(12)), 4, size)).toThrow(/plan\.box must be an? Int32Array of length 16/);
    expect(() => validatePlan(good(), 5, size)).toThrow(/plan\.kind must be a Uint8Array of length 5/);
  });

  it('rejects a kind outside {0, 1, 2}', () => {
    expect(() => validatePlan(edit((p) => (p.kind[1] = 3)), 4, size)).toThrow(/plan\.kind\[1\]/);
  });

  it('rejects λ outside [0, 1] or not finite', () => {
    for (const v of [NaN, 1.5, -0.1, Infinity]) {
      expect(() => validatePlan(edit((p) => (p.lam[2] = v)), 4, size)).toThrow(/plan\.lam\[2\] must be a finite number in \[0, 1\]/);
    }
  });

  it('rejects a partner outside [0, B)', () => {
    expect(() => validatePlan(edit((p) => (p.partner[3] = 4)), 4, size)).toThrow(/plan\.partner\[3\] must be an integer in \[0, 3\], got 4/);
  });

  it('rejects CutMix boxes outside the image or inverted', () => {
    expect(() => validatePlan(edit((p) => (p.box[13] = 9)), 4, size)).toThrow(/plan\.box\[12\.\.15\]/);
    expect(() => validatePlan(edit((p) => (p.box[0] = -1)), 4, size)).toThrow(/plan\.box\[0\.\.3\]/);
    expect(() => validatePlan(edit((p) => p.box.set([5, 4], 0)), 4, size)).toThrow(/plan\.box\[0\.\.3\].*got \[5, 4, 2, 6\]/);
    expect(() => validatePlan(edit((p) => p.box.set([7, 7], 14)), 4, size)).not.toThrow(); // empty box is fine
  });

  it('ignores boxes of samples that are not CutMix', () => {
    expect(() => validatePlan(edit((p) => p.box.set([9, 0, 9, 0], 4)), 4, size)).not.toThrow();
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
    expect(() => validatePlanForTargets(edit((p) => (p.box[13] = 99)), 4)).not.toThrow();
    expect(() => validatePlanForTargets(edit((p) => (p.lam[0] = 2)), 4)).toThrow(/plan\.lam\[0\]/);
    expect(() => validatePlanForTargets(edit((p) => (p.partner[0] = 9)), 4)).toThrow(/plan\.partner\[0\]/);
  });
});

import { describe, it, expect } from 'vitest';
import { isInvolution, isPermutation, partnerFor } from '../../src/pairing.js';
import { Philox } from '../../src/rng.js';
import type { RandomSource } from '../../src/rng.js';
import { MixupError } from '../../src/errors.js';

/** A generator whose nextInt answers come from a script (and that fails on any other call). */
class ScriptedInts implements RandomSource {
  readonly bounds: number[] = [];
  constructor(private readonly answers: number[]) {}
  nextInt(n: number): number {
    this.bounds.push(n);
    const v = this.answers.shift();
    if (v === undefined) throw new Error('script exhausted');
    return v;
  }
  nextU32(): number {
    throw new Error('unexpected nextU32');
  }
  nextFloat(): number {
    throw new Error('unexpected nextFloat');
  }
  nextOpen(): number {
    throw new Error('unexpected nextOpen');
  }
  nextOpen32(): number {
    throw new Error('unexpected nextOpen32');
  }
}

/** A generator that must not be used: fixed pairings consume no draws. */
const noDraws: RandomSource = new ScriptedInts([]);

const list = (a: Uint32Array) => Array.from(a);

describe("partnerFor 'flip' (timm)", () => {
  it('pairs i with B-1-i for an even batch', () => {
    expect(list(partnerFor('flip', 6, noDraws, 'batch'))).toEqual([5, 4, 3, 2, 1, 0]);
  });

  it('leaves the middle sample of an odd batch as its own partner', () => {
    expect(list(partnerFor('flip', 5, noDraws, 'elem'))).toEqual([4, 3, 2, 1, 0]);
  });

  it('is a single self-pair for B = 1 and is accepted in pair mode (always an involution)', () => {
    expect(list(partnerFor('flip', 1, noDraws, 'pair'))).toEqual([0]);
    expect(list(partnerFor('flip', 7, noDraws, 'pair'))).toEqual([6, 5, 4, 3, 2, 1, 0]);
  });
});

describe("partnerFor 'roll' (torchvision roll(1, 0))", () => {
  it('mixes sample i with i-1 and sample 0 with B-1', () => {
    expect(list(partnerFor('roll', 4, noDraws, 'batch'))).toEqual([3, 0, 1, 2]);
    expect(list(partnerFor('roll', 5, noDraws, 'elem'))).toEqual([4, 0, 1, 2, 3]);
  });

  it('is an involution only for B <= 2, so pair mode accepts it only there', () => {
    expect(list(partnerFor('roll', 1, noDraws, 'pair'))).toEqual([0]);
    expect(list(partnerFor('roll', 2, noDraws, 'pair'))).toEqual([1, 0]);
    expect(() => partnerFor('roll', 3, noDraws, 'pair')).toThrow(MixupError);
    expect(() => partnerFor('roll', 4, noDraws, 'pair')).toThrow(/options\.pairing.*involution/);
  });
});

describe("partnerFor 'shuffle'", () => {
  it('is a Fisher–Yates permutation: for i = B-1 down to 1, swap i with nextInt(i + 1)', () => {
    // B = 4, answers j = 1 (i = 3), 2 (i = 2), 0 (i = 1):
    // [0,1,2,3] -> swap 3,1 -> [0,3,2,1] -> swap 2,2 -> [0,3,2,1] -> swap 1,0 -> [3,0,2,1]
    const rng = new ScriptedInts([1, 2, 0]);
    expect(list(partnerFor('shuffle', 4, rng, 'batch'))).toEqual([3, 0, 2, 1]);
    expect(rng.bounds).toEqual([4, 3, 2]);
  });

  it('may have fixed points outside pair mode (sample 2 above keeps itself)', () => {
    const p = partnerFor('shuffle', 4, new ScriptedInts([1, 2, 0]), 'elem');
    expect(p[2]).toBe(2);
  });

  it('in pair mode is a random perfect matching of the shuffled order, (order[0], order[1]), ...', () => {
    // Same shuffle, order [3,0,2,1]: pairs {3,0} and {2,1}.
    const p = partnerFor('shuffle', 4, new ScriptedInts([1, 2, 0]), 'pair');
    expect(list(p)).toEqual([3, 2, 1, 0]);
  });

  it('in pair mode with an odd batch leaves the last of the order as its own partner', () => {
    // B = 5, answers 4, 3, 2, 1, 0 for i = 4..1 keep the identity order [0,1,2,3,4]:
    // pairs {0,1}, {2,3}; 4 alone.
    const p = partnerFor('shuffle', 5, new ScriptedInts([4, 3, 2, 1]), 'pair');
    expect(list(p)).toEqual([1, 0, 3, 2, 4]);
  });

  it('draws a permutation (odd and even B), an involution in pair mode, from the seeded generator', () => {
    for (const B of [1, 2, 7, 8, 33]) {
      const rng = new Philox(3, B);
      for (let t = 0; t < 20; t++) {
        expect(isPermutation(partnerFor('shuffle', B, rng, 'elem'))).toBe(true);
        const matched = partnerFor('shuffle', B, rng, 'pair');
        expect(isInvolution(matched)).toBe(true);
        const fixed = list(matched).filter((p, i) => p === i).length;
        expect(fixed).toBe(B % 2); // a perfect matching: only an odd leftover stands alone
      }
    }
  });

  it('is reproducible from the seed and changes from batch to batch', () => {
    const a = new Philox(9);
    const b = new Philox(9);
    const first = list(partnerFor('shuffle', 16, a, 'batch'));
    expect(list(partnerFor('shuffle', 16, b, 'batch'))).toEqual(first);
    expect(list(partnerFor('shuffle', 16, a, 'batch'))).not.toEqual(first);
  });

  it('makes every permutation of 3 equally likely (chi-square)', () => {
    const rng = new Philox(10);
    const counts = new Map<string, number>();
    const draws = 12_000;
    for (let t = 0; t < draws; t++) {
      const key = list(partnerFor('shuffle', 3, rng, 'batch')).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    const e = draws / 6;
    let chi2 = 0;
    for (const c of counts.values()) chi2 += ((c - e) * (c - e)) / e;
    expect(chi2).toBeLessThan(20.52); // 5 degrees of freedom, p = 0.001
  });
});

describe('partnerFor with an explicit array', () => {
  it('copies a number[] or Uint32Array, so later edits of the input do not leak into plans', () => {
    const given = [1, 0, 2];
    const p = partnerFor(given, 3, noDraws, 'pair');
    given[0] = 2;
    expect(list(p)).toEqual([1, 0, 2]);
    const typed = Uint32Array.of(2, 2, 0);
    const q = partnerFor(typed, 3, noDraws, 'batch');
    expect(q).not.toBe(typed);
    expect(list(q)).toEqual([2, 2, 0]);
  });

  it('need not be a permutation outside pair mode (each output mixes original inputs)', () => {
    expect(list(partnerFor([1, 1, 1], 3, noDraws, 'elem'))).toEqual([1, 1, 1]);
  });

  it('rejects a wrong length, naming options.pairing', () => {
    expect(() => partnerFor([1, 0], 3, noDraws, 'batch')).toThrow(/options\.pairing must be an array of 3/);
  });

  it('rejects entries that are out of range or not integers, naming the entry', () => {
    expect(() => partnerFor([0, 3, 1], 3, noDraws, 'batch')).toThrow(/options\.pairing\[1\]/);
    expect(() => partnerFor([0, 1.5, 1], 3, noDraws, 'batch')).toThrow(/options\.pairing\[1\]/);
    expect(() => partnerFor([-1, 0, 1], 3, noDraws, 'batch')).toThrow(/options\.pairing\[0\]/);
  });

  it('must be an involution in pair mode', () => {
    expect(() => partnerFor([1, 2, 0], 3, noDraws, 'pair')).toThrow(
      /options\.pairing.*partner\[0\] = 1 but partner\[1\] = 2/,
    );
  });

  it('rejects unknown pairing names and batch sizes below 1', () => {
    expect(() => partnerFor('reverse' as never, 3, noDraws, 'batch')).toThrow(/options\.pairing/);
    expect(() => partnerFor('flip', 0, noDraws, 'batch')).toThrow(/batchSize/);
  });
});

describe("partnerFor into a caller's array", () => {
  it('writes `out` and returns it, for every pairing', () => {
    for (const pairing of ['flip', 'roll', 'shuffle', [2, 0, 1, 1]] as const) {
      const out = new Uint32Array(4).fill(99);
      const result = partnerFor(pairing, 4, new Philox(1), 'elem', out);
      expect(result).toBe(out);
      expect(list(out)).toEqual(list(partnerFor(pairing, 4, new Philox(1), 'elem')));
    }
  });

  it('pair-mode shuffle gives the same matching with a scratch order array, reused or too short', () => {
    const scratch = new Uint32Array(16).fill(7);
    const expected = list(partnerFor('shuffle', 9, new Philox(2), 'pair'));
    expect(list(partnerFor('shuffle', 9, new Philox(2), 'pair', new Uint32Array(9), scratch))).toEqual(expected);
    expect(list(partnerFor('shuffle', 9, new Philox(2), 'pair', new Uint32Array(9), scratch))).toEqual(expected);
    expect(list(partnerFor('shuffle', 9, new Philox(2), 'pair', new Uint32Array(9), new Uint32Array(3)))).toEqual(
      expected,
    );
  });

  it('rejects an `out` of the wrong length; a rejected pairing leaves `out` untouched and draws nothing', () => {
    expect(() => partnerFor('flip', 4, noDraws, 'batch', new Uint32Array(5))).toThrow(
      /out must be a Uint32Array of length 4, got Uint32Array\(5\)/,
    );
    const out = Uint32Array.of(9, 9, 9, 9);
    expect(() => partnerFor('roll', 4, noDraws, 'pair', out)).toThrow(
      /roll at batch size 4: partner\[0\] = 3 but partner\[3\] = 2/,
    );
    expect(() => partnerFor([0, 1, 5, 2], 4, noDraws, 'elem', out)).toThrow(/options\.pairing\[2\]/);
    expect(() => partnerFor([1, 2, 3, 0], 4, noDraws, 'pair', out)).toThrow(/involution/);
    expect(list(out)).toEqual([9, 9, 9, 9]);
  });
});

describe('isPermutation and isInvolution', () => {
  it('recognise permutations', () => {
    expect(isPermutation([2, 0, 1])).toBe(true);
    expect(isPermutation([])).toBe(true);
    expect(isPermutation([0, 0, 1])).toBe(false);
    expect(isPermutation([0, 3, 1])).toBe(false);
  });

  it('recognise involutions (every involution is a permutation, not conversely)', () => {
    expect(isInvolution([1, 0, 2])).toBe(true);
    expect(isInvolution(Uint32Array.of(3, 2, 1, 0))).toBe(true);
    expect(isInvolution([1, 2, 0])).toBe(false);
    expect(isPermutation([1, 2, 0])).toBe(true);
    expect(isInvolution([0, 5])).toBe(false);
  });
});

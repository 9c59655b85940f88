import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import { Philox, philox4x32, philoxEngine } from '../../src/rng.js';
import { instantiatePhilox, PHILOX_WASM } from '../../src/philox-wasm.js';
import { MixupError } from '../../src/errors.js';

const hex = (words: readonly number[]) => words.map((w) => w.toString(16).padStart(8, '0')).join(' ');

function words(rng: Philox, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(rng.nextU32());
  return out;
}

/**
 * A Philox whose blocks come from a script (then zeros): nextFloat, nextOpen and nextInt run as they
 * are, on chosen words.
 */
class ScriptedWords extends Philox {
  constructor(private readonly script: number[]) {
    super(0);
  }
  protected override nextBlocks(words: Uint32Array, at: number): void {
    for (let k = 0; k < 64; k++) words[at + k] = this.script.shift() ?? 0;
  }
}

const ONES = 0xffffffff;

/** The 4-word blocks of a word sequence, as strings, for overlap checks. */
function blocks(seq: number[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 4 <= seq.length; i += 4) out.push(hex(seq.slice(i, i + 4)));
  return out;
}

describe('philox4x32 (Philox4x32-10 block function)', () => {
  // Random123 tests/kat_vectors, the three "philox4x32 10" lines: counter[4] key[2] -> result[4].
  it('matches the known-answer vector for counter 0, key 0', () => {
    expect(hex(philox4x32([0, 0, 0, 0], [0, 0]))).toBe('6627e8d5 e169c58d bc57ac4c 9b00dbd8');
  });

  it('matches the known-answer vector for all-ones counter and key', () => {
    const ones = 0xffffffff;
    expect(hex(philox4x32([ones, ones, ones, ones], [ones, ones]))).toBe('408f276d 41c83b0e a20bc7c6 6d5451fd');
  });

  it('matches the known-answer vector for the digits of pi', () => {
    const out = philox4x32([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0]);
    expect(hex(out)).toBe('d16cfe09 94fdcceb 5001e420 24126ea1');
  });

  it('returns u32 values', () => {
    for (const w of philox4x32([1, 2, 3, 4], [5, 6])) {
      expect(Number.isInteger(w) && w >= 0 && w <= 0xffffffff).toBe(true);
    }
  });
});

describe('Philox4x32-10 in WebAssembly (philox-wasm.ts)', () => {
  const wasm = instantiatePhilox();
  /** The words of `n` blocks written by the module's fill. */
  const fill = (lo: number, hi: number, c2: number, c3: number, k0: number, k1: number, n: number): number[] => {
    if (wasm === null) throw new Error('WebAssembly did not compile');
    wasm.fill(lo, hi, c2, c3, k0, k1, n);
    return Array.from(new Uint32Array(wasm.memory, 0, 4 * n));
  };

  it('compiles here, and the streams use it', () => {
    expect(WebAssembly.validate(PHILOX_WASM)).toBe(true);
    expect(wasm).not.toBeNull();
    expect(philoxEngine()).toBe('wasm');
  });

  it('matches the three known-answer vectors', () => {
    const ones = 0xffffffff | 0;
    expect(hex(fill(0, 0, 0, 0, 0, 0, 1))).toBe('6627e8d5 e169c58d bc57ac4c 9b00dbd8');
    expect(hex(fill(ones, ones, ones, ones, ones, ones, 1))).toBe('408f276d 41c83b0e a20bc7c6 6d5451fd');
    const pi = [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0].map((w) => w | 0);
    expect(hex(fill(pi[0], pi[1], pi[2], pi[3], pi[4], pi[5], 1))).toBe('d16cfe09 94fdcceb 5001e420 24126ea1');
  });

  it('counts blocks in a 64-bit counter: word 0 carries into word 1', () => {
    const expected: number[] = [];
    for (let b = 0; b < 40; b++) {
      const lo = (0xffffffe0 + b) % 2 ** 32;
      expected.push(...philox4x32([lo, b < 32 ? 9 : 10, 0xdeadbeef, 1], [0xfeedface, 2]));
    }
    expect(fill(0xffffffe0 | 0, 9, 0xdeadbeef | 0, 1, 0xfeedface | 0, 2, 40)).toEqual(expected);
  });
});

describe.each(['wasm', 'js'] as const)('Philox stream (%s blocks)', (name) => {
  beforeAll(() => {
    philoxEngine(name);
  });
  afterAll(() => {
    philoxEngine('wasm');
  });

  it('emits the blocks at counters (0, 0, stream, fork), (1, 0, stream, fork), ... under key (seed lo, seed hi)', () => {
    const seed = 0x1_2345_6789; // above 2^32, so both key words matter
    const rng = new Philox(seed, 7, 3);
    const key = [0x2345_6789, 0x1];
    // 40 blocks: across the stream's refills of several blocks at a time.
    const expected: number[] = [];
    for (let block = 0; block < 40; block++) expected.push(...philox4x32([block, 0, 7, 3], key));
    expect(words(rng, 160)).toEqual(expected);
  });

  it('two-word reads (nextFloat, nextOpen) take the next two words of the stream, also across a refill', () => {
    // Odd offsets make some pairs start on the last word of a refill.
    for (const skip of [0, 1, 3]) {
      const a = new Philox(21, 1);
      const b = new Philox(21, 1);
      for (let i = 0; i < skip; i++) expect(a.nextU32()).toBe(b.nextU32());
      for (let i = 0; i < 200; i++) {
        const [w0, w1] = [b.nextU32(), b.nextU32()];
        if (i % 2 === 0) expect(a.nextFloat()).toBe(((w0 >>> 5) * 2 ** 26 + (w1 >>> 6)) / 2 ** 53);
        else expect(a.nextOpen()).toBe(((w0 >>> 6) * 2 ** 26 + (w1 >>> 6) + 0.5) / 2 ** 52);
        if (i % 7 === 0) expect(a.nextU32()).toBe(b.nextU32());
      }
    }
  });

  it('carries block word 0 into word 1 across refills', () => {
    const rng = new Philox(77, 4, 5);
    // White-box: start the counter 24 blocks below 2^32 (the field is private; 2^32 blocks cannot be drawn).
    (rng as unknown as { blockLo: number }).blockLo = 0xffffffe8 | 0;
    const expected: number[] = [];
    for (let b = 0; b < 48; b++)
      expected.push(...philox4x32([(0xffffffe8 + b) % 2 ** 32, b < 24 ? 0 : 1, 4, 5], [77, 0]));
    expect(words(rng, 4 * 48)).toEqual(expected);
  });

  it('gives the same words for large stream and fork ids (above 2^31) and key words', () => {
    const rng = new Philox(2 ** 53 - 1, ONES, ONES - 1);
    const key = [ONES, 2 ** 21 - 1];
    const expected = [...philox4x32([0, 0, ONES, ONES - 1], key), ...philox4x32([1, 0, ONES, ONES - 1], key)];
    expect(words(rng, 8)).toEqual(expected);
  });

  it('is deterministic: two instances with the same seed and stream give the same sequence', () => {
    const a = new Philox(42, 5);
    const b = new Philox(42, 5);
    expect(words(a, 1000)).toEqual(words(b, 1000));
    const c = new Philox(42, 5);
    const d = new Philox(42, 5);
    const fa = Array.from({ length: 200 }, () => c.nextFloat());
    const fb = Array.from({ length: 200 }, () => d.nextFloat());
    expect(fa).toEqual(fb);
  });

  it('gives distinct seeds, streams and forks disjoint sequences (no shared 4-word block in 10,000 words)', () => {
    const generators = [
      new Philox(0, 0, 0),
      new Philox(1, 0, 0),
      new Philox(2 ** 32, 0, 0), // differs from seed 0 only in the high key word
      new Philox(0, 1, 0),
      new Philox(0, 2, 0),
      new Philox(0, 0, 1),
      new Philox(0, 0, 2),
      new Philox(0, 1, 1),
    ];
    const seen = new Set<string>();
    let total = 0;
    for (const g of generators) {
      for (const block of blocks(words(g, 10_000))) {
        seen.add(block);
        total++;
      }
    }
    expect(seen.size).toBe(total);
  });

  it('rejects a seed that is negative, fractional or unsafe, and out-of-range stream or fork ids', () => {
    expect(() => new Philox(-1)).toThrow(MixupError);
    expect(() => new Philox(1.5)).toThrow(/seed/);
    expect(() => new Philox(2 ** 53)).toThrow(/seed/);
    expect(() => new Philox(0, 2 ** 32)).toThrow(/stream/);
    expect(() => new Philox(0, 0, -1)).toThrow(/fork/);
  });
});

describe('Philox.nextFloat, nextOpen, nextInt', () => {
  it('nextFloat is in [0, 1) on a 2^-53 grid, with mean near 1/2', () => {
    const rng = new Philox(1);
    const n = 20_000;
    let sum = 0;
    let bad = 0;
    for (let i = 0; i < n; i++) {
      const x = rng.nextFloat();
      if (!(x >= 0 && x < 1) || !Number.isInteger(x * 2 ** 53)) bad++;
      sum += x;
    }
    expect(bad).toBe(0);
    // Var of U(0,1) is 1/12; 5 sigma.
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
  });

  it('nextFloat is (first word >>> 5) / 2^27 + (second word >>> 6) / 2^53: 0 for zero words, 1 − 2^−53 for all-ones', () => {
    expect(new ScriptedWords([0, 0]).nextFloat()).toBe(0);
    expect(new ScriptedWords([ONES, ONES]).nextFloat()).toBe(1 - 2 ** -53);
    // 0x80000000 >>> 5 = 2^26 -> 1/2; 0x40 >>> 6 = 1 -> 2^-53.
    expect(new ScriptedWords([0x8000_0000, 0x40]).nextFloat()).toBe(0.5 + 2 ** -53);
    // The low 5 bits of the first word and the low 6 of the second are not used.
    expect(new ScriptedWords([0x1f, 0x3f]).nextFloat()).toBe(0);
  });

  it('nextOpen is ((first >>> 6)·2^26 + (second >>> 6) + 1/2) / 2^52: strictly inside (0, 1) at the extreme words', () => {
    const zero = new ScriptedWords([0, 0, 1234]);
    expect(zero.nextOpen()).toBe(2 ** -53);
    expect(zero.nextU32()).toBe(1234); // two words per value
    const top = new ScriptedWords([ONES, ONES]).nextOpen();
    expect(top).toBe(1 - 2 ** -53);
    expect(top).toBeLessThan(1);
    expect(Math.log(top)).toBeLessThan(0); // finite and nonzero: safe for log U
    // 0x80000000 >>> 6 = 2^25 -> 1/2; second word 0x7f >>> 6 = 1 -> (1 + 1/2) / 2^52.
    expect(new ScriptedWords([0x8000_0000, 0x7f]).nextOpen()).toBe(0.5 + 1.5 * 2 ** -52);
  });

  it('nextOpen32 is (word + 1/2) / 2^32 from one word: strictly inside (0, 1) at the extreme words', () => {
    const rng = new ScriptedWords([0, ONES, 0x80000000, 7]);
    expect(rng.nextOpen32()).toBe(0.5 / 2 ** 32);
    const top = rng.nextOpen32();
    expect(top).toBe((2 ** 32 - 0.5) / 2 ** 32);
    expect(top).toBeLessThan(1);
    expect(rng.nextOpen32()).toBe((2 ** 31 + 0.5) / 2 ** 32);
    expect(rng.nextU32()).toBe(7); // one word each: the fourth word is next
  });

  it('nextOpen of the real stream stays strictly inside (0, 1)', () => {
    const rng = new Philox(2);
    let bad = 0;
    for (let i = 0; i < 10_000; i++) {
      const x = rng.nextOpen();
      if (!(x > 0 && x < 1)) bad++;
    }
    expect(bad).toBe(0);
  });

  it('nextInt(n) is word mod n below the largest multiple of n, and redraws words at or above it', () => {
    // n = 7: 2^32 mod 7 = 4, so the words 2^32 − 4 .. 2^32 − 1 are redrawn.
    const rng = new ScriptedWords([ONES - 3, ONES, ONES - 4, 99]);
    expect(rng.nextInt(7)).toBe(Number((2n ** 32n - 5n) % 7n));
    expect(rng.nextU32()).toBe(99);
    // n = 3·2^30: 2^32 mod n = 2^30, so words >= 3·2^30 are redrawn.
    const n = 3 * 2 ** 30;
    const big = new ScriptedWords([n, n + 12345, n - 1, 5]);
    expect(big.nextInt(n)).toBe(n - 1);
    expect(big.nextInt(n)).toBe(5);
    // Powers of two divide 2^32: no word is redrawn, and n = 2^32 returns the word itself.
    expect(new ScriptedWords([ONES]).nextInt(256)).toBe(255);
    expect(new ScriptedWords([ONES]).nextInt(2 ** 32)).toBe(ONES);
    expect(new ScriptedWords([ONES]).nextInt(1)).toBe(0);
  });

  it('nextInt(n) matches exact integer arithmetic at the rejection boundary, for n up to 2^32', () => {
    // For each n: the largest multiple of n at most 2^32 is L; the words L − 1 (kept) and L (redrawn,
    // when L < 2^32) probe the boundary, then a random word. BigInt is the reference.
    const source = new Philox(99);
    const ns = [2, 3, 5, 7, 1000, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + 1, 3 * 2 ** 30, ONES, 2 ** 32];
    for (let k = 0; k < 300; k++) ns.push(1 + source.nextInt(ONES), 1 + (source.nextU32() >>> (k % 32)));
    for (const n of ns) {
      const big = BigInt(n);
      const L = (2n ** 32n / big) * big;
      const w = source.nextU32();
      const script = L < 2n ** 32n ? [Number(L - 1n), Number(L), w] : [Number(L - 1n), w];
      const rng = new ScriptedWords(script);
      expect(rng.nextInt(n)).toBe(Number((L - 1n) % big));
      // L is redrawn; so is w at or above L, and then the script's end (zeros) gives 0.
      expect(rng.nextInt(n)).toBe(BigInt(w) < L ? Number(BigInt(w) % big) : 0);
    }
  });

  it('nextInt(n) covers [0, n) uniformly (chi-square, n = 7)', () => {
    const rng = new Philox(3);
    const counts = new Array<number>(7).fill(0);
    const draws = 70_000;
    for (let i = 0; i < draws; i++) counts[rng.nextInt(7)]++;
    const e = draws / 7;
    const chi2 = counts.reduce((s, c) => s + ((c - e) * (c - e)) / e, 0);
    expect(chi2).toBeLessThan(22.46); // chi-square, 6 degrees of freedom, p = 0.001
  });

  it('nextInt rejects the partial top range so that large n stays unbiased', () => {
    // n = 3·2^30: the top 2^30 words would land in [0, 2^30) twice as often; they are redrawn instead.
    const n = 3 * 2 ** 30;
    const rng = new Philox(4);
    const probe = new Philox(4);
    let redraws = 0;
    const thirds = [0, 0, 0];
    const draws = 30_000;
    for (let i = 0; i < draws; i++) {
      const v = rng.nextInt(n);
      while (probe.nextU32() >= n) redraws++;
      thirds[Math.floor(v / 2 ** 30)]++;
    }
    expect(redraws).toBeGreaterThan(0);
    for (const t of thirds) expect(Math.abs(t - draws / 3)).toBeLessThan(5 * Math.sqrt((draws * 2) / 9));
  });

  it('nextInt(1) is 0, and n outside [1, 2^32] is rejected', () => {
    const rng = new Philox(5);
    expect(rng.nextInt(1)).toBe(0);
    expect(() => rng.nextInt(0)).toThrow(/\bn must be/);
    expect(() => rng.nextInt(2.5)).toThrow(MixupError);
    expect(() => rng.nextInt(2 ** 32 + 1)).toThrow(MixupError);
  });
});

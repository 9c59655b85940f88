// The cycle walk on the CPU: executing the segment table must write every output once, with the
// right partner, and read each input once when cycles are whole.
import { describe, expect, it } from 'vitest';
import { MAX_CHAIN, buildWalk } from '../../src/gpu/walk.js';
import { Philox } from '../../src/rng.js';

/** Simulates the kernel's walk: returns per-output partner used, and how often each input was loaded. */
function simulate(partner: Uint32Array, inPlace: boolean, quads = 1, targetThreads = 1, maxChain = Infinity) {
  const w = buildWalk(partner, { inPlace, quads, targetThreads, maxChain });
  const n = partner.length;
  const loads = new Array(n).fill(0);
  const used = new Array(n).fill(-1);
  const written = new Array(n).fill(0);
  for (let k = 0; k < w.count; k++) {
    const [off, length, closes] = w.segments.subarray(4 * k, 4 * k + 3);
    let s = w.walk[off];
    loads[s]++;
    const first = s;
    for (let j = 0; j < length; j++) {
      const next = w.walk[off + j + 1];
      if (!(j + 1 === length && closes)) loads[next]++;
      else expect(next).toBe(first);
      used[s] = next;
      written[s]++;
      s = next;
    }
  }
  return { w, loads, used, written };
}

const flip = (n: number) => Uint32Array.from({ length: n }, (_, i) => n - 1 - i);
const roll = (n: number) => Uint32Array.from({ length: n }, (_, i) => (i - 1 + n) % n);

describe('buildWalk', () => {
  it.each([
    ['flip, even', flip(8)],
    ['flip, odd (a fixed point)', flip(7)],
    ['roll (one long cycle)', roll(9)],
    ['a shuffle with several cycles', Uint32Array.from([3, 0, 4, 1, 2, 5, 7, 6])],
  ])('%s: whole cycles read each input exactly once and write each output once', (_, partner) => {
    const { w, loads, used, written } = simulate(partner, true);
    expect(loads).toEqual(new Array(partner.length).fill(1));
    expect(written).toEqual(new Array(partner.length).fill(1));
    expect(used).toEqual(Array.from(partner));
    expect(w.loads).toBe(partner.length);
  });

  it('flip gives one closed segment per pair (cycles of length 2)', () => {
    const { w } = simulate(flip(8), false, 1000, 1);
    expect(w.count).toBe(4);
    for (let k = 0; k < 4; k++) expect(Array.from(w.segments.subarray(4 * k + 1, 4 * k + 3))).toEqual([2, 1]);
  });

  it('cuts a long cycle out of place when threads are scarce, re-reading one sample per cut', () => {
    // One cycle of 100, 1 quad a sample, 50 threads wanted: pieces of at least 8 samples.
    const partner = roll(100);
    const { w, loads, used, written } = simulate(partner, false, 1, 50);
    expect(w.count).toBe(13);
    expect(written).toEqual(new Array(100).fill(1));
    expect(used).toEqual(Array.from(partner));
    expect(w.loads).toBe(113);
    expect(loads.reduce((a, b) => a + b, 0)).toBe(113);
    // Plenty of quads per sample: pieces are as long as the thread target allows (here 25).
    expect(simulate(partner, false, 1000, 4000).w.count).toBe(4);
  });

  it('never cuts in place, and by thread count only when whole cycles give too few threads', () => {
    expect(simulate(roll(100), true, 1, 1e6).w.count).toBe(1);
    expect(simulate(roll(100), true, 1, 1e6, 16).w.count).toBe(1);
    expect(simulate(roll(100), false, 1e6, 1e6).w.count).toBe(1);
  });

  it('cuts by chain length out of place even with threads to spare, within 1/8 of the minimum reads', () => {
    // Enough threads (1e6 quads a sample), but a chain of 100 dependent steps: pieces of at most 16.
    for (const [partner, n] of [
      [roll(100), 100],
      [roll(256), 256],
      [Uint32Array.from([...roll(40), ...roll(3).map((p) => p + 40)]), 43],
    ] as const) {
      const { w, used, written } = simulate(partner, false, 1e6, 1, 16);
      expect(written).toEqual(new Array(n).fill(1));
      expect(used).toEqual(Array.from(partner));
      let longest = 0;
      for (let k = 0; k < w.count; k++) longest = Math.max(longest, w.segments[4 * k + 1]);
      expect(longest).toBeLessThanOrEqual(16);
      expect(w.loads).toBeLessThanOrEqual(n * (1 + 1 / 8));
    }
    // Never below 8 samples a piece, however small the cap.
    expect(simulate(roll(64), false, 1e6, 1, 2).w.count).toBe(8);
    // The default cap is MAX_CHAIN.
    expect(buildWalk(roll(100), { inPlace: false, quads: 1e6, targetThreads: 1 }).count).toBe(
      Math.ceil(100 / MAX_CHAIN),
    );
  });

  it('falls back to one open segment per sample for repeated partners, and refuses that in place', () => {
    const partner = Uint32Array.from([0, 0, 3, 3]);
    const { w, used, written } = simulate(partner, false);
    expect(w.count).toBe(4);
    expect(used).toEqual([0, 0, 3, 3]);
    expect(written).toEqual([1, 1, 1, 1]);
    expect(() => buildWalk(partner, { inPlace: true, quads: 1, targetThreads: 1 })).toThrow(
      /plan\.partner must be a permutation when mixing in place/,
    );
  });

  /** Checks a walk with output windows of `per`; returns how many segments are open. */
  function checkWindows(partner: Uint32Array, per: number, maxChain = Infinity): { loads: number; cuts: number } {
    const n = partner.length;
    const w = buildWalk(partner, { inPlace: false, quads: 1e6, targetThreads: 1, outputChunk: per, maxChain });
    const groups = w.outputGroups!;
    expect(groups.map((g) => g.chunk)).toEqual(Array.from({ length: Math.ceil(n / per) }, (_, c) => c));
    const written = new Array(n).fill(0);
    let cuts = 0;
    let next = 0;
    for (const g of groups) {
      // Windows of at most `per` samples inside the batch, segments in order.
      expect(g.base).toBeGreaterThanOrEqual(0);
      expect(g.count).toBeLessThanOrEqual(per);
      expect(g.base + g.count).toBeLessThanOrEqual(n);
      expect(g.segBase).toBe(next);
      next += g.segCount;
      for (let k = g.segBase; k < g.segBase + g.segCount; k++) {
        const [off, length, closes] = w.segments.subarray(4 * k, 4 * k + 3);
        if (!closes) cuts++;
        expect(length).toBeLessThanOrEqual(Math.min(n, maxChain));
        for (let j = 0; j < length; j++) {
          const s = w.walk[off + j];
          expect(s >= g.base && s < g.base + g.count, `sample ${s} in window ${g.chunk}`).toBe(true);
          expect(w.walk[off + j + 1]).toBe(partner[s]);
          written[s]++;
        }
        if (closes) expect(w.walk[off + length]).toBe(w.walk[off]);
      }
    }
    expect(next).toBe(w.count);
    expect(written).toEqual(new Array(n).fill(1));
    // Each open segment re-reads one sample; whole cycles inside a window read nothing twice.
    expect(w.loads).toBe(n + cuts);
    return { loads: w.loads, cuts };
  }

  it('with output windows, groups segments by window, each writing only samples of its window', () => {
    const shuffle = Uint32Array.from([5, 9, 0, 7, 1, 3, 11, 2, 10, 4, 6, 8]);
    const repeats = Uint32Array.from({ length: 12 }, (_, i) => (i * 3) % 10); // not a permutation: singles
    for (const partner of [flip(12), roll(12), shuffle, flip(11), repeats]) checkWindows(partner, 5);
    // Random permutations, window sizes and chain caps.
    const rng = new Philox(7);
    for (let t = 0; t < 200; t++) {
      const n = 2 + rng.nextInt(60);
      const p = Uint32Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        const j = rng.nextInt(i + 1);
        [p[i], p[j]] = [p[j], p[i]];
      }
      checkWindows(p, 1 + rng.nextInt(n), t % 2 ? 8 : Infinity);
    }
    // flip(12) with windows of 6: every pair crosses, so every output is its own open segment.
    expect(checkWindows(flip(12), 6).loads).toBe(24);
    // roll(12) with windows of 6: two runs of 6, two cuts.
    expect(checkWindows(roll(12), 6).loads).toBe(14);
  });

  it('with output windows, overlapping windows keep a cycle whole where adjacent windows would cut it', () => {
    // 10 samples in windows of 6: [0, 6) and [4, 10). The pairs (4, 6) and (5, 7) fit the second
    // window whole (adjacent windows [0, 6) and [6, 10) would cut both: 4 extra loads).
    const partner = Uint32Array.from([1, 0, 2, 3, 6, 7, 4, 5, 9, 8]);
    const w = buildWalk(partner, { inPlace: false, quads: 1e6, targetThreads: 1, outputChunk: 6 });
    expect(w.outputGroups!.map((g) => [g.base, g.count])).toEqual([
      [0, 6],
      [4, 6],
    ]);
    expect(checkWindows(partner, 6)).toEqual({ loads: 10, cuts: 0 });
    // A roll of 10: the cycle is cut once per window (2 runs), not at every crossing.
    expect(checkWindows(roll(10), 6).cuts).toBe(2);
    // Cycles (0 9 4 5), (1 8 3 6), (2 7): 4 and 5 fit either window, so (9 4 5) stays one run (2 cuts
    // for the first cycle, 4 and 2 for the others, where only one window holds each sample): 8 in all;
    // adjacent windows cut (0)(9)(4 5) as well, 9.
    const cycles = Uint32Array.from([9, 8, 7, 6, 5, 0, 1, 2, 3, 4]);
    expect(checkWindows(cycles, 6).cuts).toBe(8);
  });
});

// The cycle walk on the CPU: executing the segment table must write every output once, with the
// right partner, and read each input once when cycles are whole.
import { describe, expect, it } from 'vitest';
import { MAX_CHAIN, buildWalk } from '../../src/gpu/walk.js';

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

  it('with output windows, groups segments by window and cuts only where a cycle crosses windows', () => {
    const shuffle = Uint32Array.from([5, 9, 0, 7, 1, 3, 11, 2, 10, 4, 6, 8]);
    const repeats = Uint32Array.from({ length: 12 }, (_, i) => (i * 3) % 10); // not a permutation: singles
    for (const partner of [flip(12), roll(12), shuffle, flip(11), repeats]) {
      const n = partner.length;
      const w = buildWalk(partner, { inPlace: false, quads: 1e6, targetThreads: 1, outputChunk: 5 });
      const groups = w.outputGroups!;
      expect(groups.map((g) => g.chunk)).toEqual([0, 1, 2].slice(0, Math.ceil(n / 5)));
      const written = new Array(n).fill(0);
      let cuts = 0;
      for (const g of groups) {
        for (let k = g.segBase; k < g.segBase + g.segCount; k++) {
          const [off, length, closes] = w.segments.subarray(4 * k, 4 * k + 3);
          if (!closes) cuts++;
          for (let j = 0; j < length; j++) {
            const s = w.walk[off + j];
            expect(Math.floor(s / 5), `sample ${s} in window ${g.chunk}`).toBe(g.chunk);
            expect(w.walk[off + j + 1]).toBe(partner[s]);
            written[s]++;
          }
        }
      }
      expect(written).toEqual(new Array(n).fill(1));
      // Each open segment re-reads one sample; whole cycles inside a window read nothing twice.
      expect(w.loads).toBe(n + cuts);
    }
    // flip(12) with windows of 6: every pair crosses, so every output is its own open segment.
    expect(buildWalk(flip(12), { inPlace: false, quads: 1e6, targetThreads: 1, outputChunk: 6 }).loads).toBe(24);
    // roll(12) with windows of 6: two runs of 6, two cuts.
    expect(buildWalk(roll(12), { inPlace: false, quads: 1e6, targetThreads: 1, outputChunk: 6 }).loads).toBe(14);
  });
});

// The cycle walk on the CPU: executing the segment table must write every output once, with the
// right partner, and read each input once when cycles are whole.
import { describe, expect, it } from 'vitest';
import { buildWalk } from '../../src/gpu/walk.js';

/** Simulates the kernel's walk: returns per-output partner used, and how often each input was loaded. */
function simulate(partner: Uint32Array, inPlace: boolean, quads = 1, targetThreads = 1) {
  const w = buildWalk(partner, { inPlace, quads, targetThreads });
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

  it('never cuts in place, and never when whole cycles already give enough threads', () => {
    expect(simulate(roll(100), true, 1, 1e6).w.count).toBe(1);
    expect(simulate(roll(100), false, 1e6, 1e6).w.count).toBe(1);
  });

  it('falls back to one open segment per sample for repeated partners, and refuses that in place', () => {
    const partner = Uint32Array.from([0, 0, 3, 3]);
    const { w, used, written } = simulate(partner, false);
    expect(w.count).toBe(4);
    expect(used).toEqual([0, 0, 3, 3]);
    expect(written).toEqual([1, 1, 1, 1]);
    expect(() => buildWalk(partner, { inPlace: true, quads: 1, targetThreads: 1 })).toThrow(/plan\.partner must be a permutation when mixing in place/);
  });
});

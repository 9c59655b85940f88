// The chunked work list (a batch too large to bind at once) and walk copies, by the rules the
// kernel relies on, executed from the segment format documented on `Walk` (offset into `walk`,
// outputs to write, 1 if it closes its cycle, 0): every output written once with its own partner;
// each dispatch group holds exactly the samples whose output lies in its chunk and whose partner
// lies in its partner chunk; the groups partition the segment table in (chunk, partner chunk) order.
import { describe, expect, it } from 'vitest';
import { buildChunkedWalk, buildWalk, cloneWalk } from '../../src/gpu/walk.js';

/** A seeded shuffle (LCG + Fisher–Yates), independent of the package's RNG. */
function shuffle(n: number, seed: number): Uint32Array {
  const p = Uint32Array.from({ length: n }, (_, i) => i);
  let s = seed >>> 0;
  for (let i = n - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

const CASES: Array<[string, Uint32Array]> = [
  ['shuffle of 100', shuffle(100, 7)],
  ['shuffle of 7', shuffle(7, 3)],
  ['one sample', Uint32Array.of(0)],
  ['repeated partners', Uint32Array.from({ length: 37 }, (_, i) => (i * 5) % 4)],
  ['flip of 64', Uint32Array.from({ length: 64 }, (_, i) => 63 - i)],
];

describe('buildChunkedWalk', () => {
  for (const [name, partner] of CASES) {
    for (const perChunk of [1, 3, 16, 100]) {
      it(`${name}, ${perChunk} per chunk: one open segment per output, grouped by (chunk, partner chunk)`, () => {
        const n = partner.length;
        const w = buildChunkedWalk(partner, perChunk);
        expect(w.count, 'one segment per output').toBe(n);
        expect(w.used, 'walk words in use: two per output').toBe(2 * n);
        expect(w.loads, 'inputs loaded: each sample and its partner').toBe(2 * n);
        const written = new Array(n).fill(0);
        const groupOf = new Array(w.count).fill(-1);
        w.groups.forEach((g, gi) => {
          for (let k = g.segBase; k < g.segBase + g.segCount; k++) groupOf[k] = gi;
        });
        expect(groupOf.includes(-1), 'every segment belongs to a group').toBe(false);
        for (let k = 0; k < w.count; k++) {
          const [off, length, closes, zero] = w.segments.subarray(4 * k, 4 * k + 4);
          expect([length, closes, zero], `segment ${k}: one output, open`).toEqual([1, 0, 0]);
          const s = w.walk[off];
          expect(w.walk[off + 1], `segment ${k} reads the partner of ${s}`).toBe(partner[s]);
          written[s]++;
          const g = w.groups[groupOf[k]];
          expect([g.chunk, g.partnerChunk], `segment ${k} (sample ${s}) is in the group of its chunks`).toEqual([
            Math.floor(s / perChunk),
            Math.floor(partner[s] / perChunk),
          ]);
        }
        expect(written, 'every output written exactly once').toEqual(new Array(n).fill(1));
        let next = 0;
        let lastKey = -1;
        const chunks = Math.ceil(n / perChunk);
        for (const g of w.groups) {
          expect(g.segBase, 'groups are contiguous and in order').toBe(next);
          expect(g.segCount, 'no empty group').toBeGreaterThan(0);
          const key = g.chunk * chunks + g.partnerChunk;
          expect(key, 'groups sorted by (chunk, partner chunk), each once').toBeGreaterThan(lastKey);
          lastKey = key;
          next += g.segCount;
        }
        expect(next, 'the groups cover the segment table').toBe(w.count);
      });
    }
  }
});

describe('cloneWalk', () => {
  it('copies exactly the segments and walk words in use, into arrays of its own', () => {
    const partner = shuffle(50, 11);
    const w = buildWalk(partner, { inPlace: false, quads: 1, targetThreads: 1 });
    const copy = cloneWalk(w);
    expect(copy.segments.length, 'four words per segment').toBe(4 * w.count);
    expect(copy.walk.length, 'the walk words in use').toBe(w.used);
    expect(Array.from(copy.segments)).toEqual(Array.from(w.segments.subarray(0, 4 * w.count)));
    expect(Array.from(copy.walk)).toEqual(Array.from(w.walk.subarray(0, w.used)));
    const before = Array.from(copy.walk);
    w.walk.fill(9999);
    w.segments.fill(9999);
    expect(Array.from(copy.walk), 'the copy does not share the source walk').toEqual(before);
    expect(copy.segments.includes(9999), 'nor its segments').toBe(false);
    expect([copy.count, copy.used, copy.loads]).toEqual([w.count, w.used, w.loads]);
  });
});

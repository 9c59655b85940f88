import { describe, it, expect } from 'vitest';
import { FmixSampler, maskWords, selectNth } from '../../src/fmix.js';
import { Philox } from '../../src/rng.js';

// FMix masks (src/fmix.ts) against properties written out here: the own-pixel count round(λ·N), the
// exact own fraction over the image by the nearest rule, the low-frequency structure that δ controls,
// and quickselect against a sort.

const bit = (data: Uint32Array, at: number, p: number) => (data[at + (p >> 5)] >>> (p & 31)) & 1;

function drawMask(sampler: FmixSampler, rng: Philox, lam: number): Uint32Array {
  const data = new Uint32Array(maskWords(sampler.height, sampler.width) + 2).fill(0xffffffff);
  sampler.draw(rng, lam, data, 1);
  // Only its own words are written (and every bit past the mask's last pixel is 0).
  expect(data[0]).toBe(0xffffffff);
  expect(data[data.length - 1]).toBe(0xffffffff);
  return data;
}

function ownCount(sampler: FmixSampler, data: Uint32Array): number {
  let own = 0;
  for (let p = 0; p < 32 * maskWords(sampler.height, sampler.width); p++) own += bit(data, 1, p);
  return own;
}

/** Share of 4-neighbour pixel pairs of a mask that differ: ~2·λ(1 − λ) for noise, small for smooth blobs. */
function edgeShare(sampler: FmixSampler, data: Uint32Array): number {
  const { height: h, width: w } = sampler;
  let differ = 0;
  let pairs = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = bit(data, 1, y * w + x);
      if (x + 1 < w) {
        pairs++;
        differ += v ^ bit(data, 1, y * w + x + 1);
      }
      if (y + 1 < h) {
        pairs++;
        differ += v ^ bit(data, 1, (y + 1) * w + x);
      }
    }
  }
  return differ / pairs;
}

describe('selectNth (quickselect)', () => {
  it('returns the k-th smallest, as a sort does, with and without ties', () => {
    const rng = new Philox(1);
    for (let t = 0; t < 200; t++) {
      const n = 1 + rng.nextInt(60);
      const values = Float64Array.from({ length: n }, () => (t % 2 ? rng.nextInt(5) : rng.nextFloat()));
      const sorted = values.slice().sort();
      for (let k = 0; k < n; k++) expect(selectNth(values.slice(), n, k)).toBe(sorted[k]);
    }
  });
});

describe('FmixSampler', () => {
  it('a mask has round(λ·N) own pixels, for λ at 0, 1, just around .5 and small', () => {
    const sampler = new FmixSampler(10, 13, 10, 13, 3);
    const rng = new Philox(2);
    for (const lam of [0, 1, 0.5, 0.4999, 0.0038, 0.0039, 0.9962, 0.3]) {
      const data = drawMask(sampler, rng, lam);
      expect(ownCount(sampler, data)).toBe(Math.round(lam * 130));
      expect(sampler.lam).toBe(Math.round(lam * 130) / 130);
    }
  });

  it('λ is the exact own fraction of the image under the nearest rule (mask 4x5 on a 10x7 image)', () => {
    const sampler = new FmixSampler(4, 5, 10, 7, 3);
    const rng = new Philox(3);
    for (let t = 0; t < 30; t++) {
      const data = drawMask(sampler, rng, t / 29);
      let own = 0;
      for (let y = 0; y < 10; y++)
        for (let x = 0; x < 7; x++) own += bit(data, 1, Math.floor((y * 4) / 10) * 5 + Math.floor((x * 5) / 7));
      expect(sampler.lam).toBe(own / 70);
    }
  });

  it('δ = 3 gives smooth blobs (few differing neighbours), δ = 0 gives pixel noise (about 2λ(1 − λ))', () => {
    const rng = new Philox(4);
    const share = (decay: number) => {
      const sampler = new FmixSampler(32, 32, 224, 224, decay);
      let s = 0;
      for (let t = 0; t < 20; t++) s += edgeShare(sampler, drawMask(sampler, rng, 0.5));
      return s / 20;
    };
    expect(share(3)).toBeLessThan(0.08);
    expect(share(0)).toBeGreaterThan(0.4);
    // A larger δ leaves lower frequencies: smoother still.
    expect(share(5)).toBeLessThan(share(1.5));
  });

  it('blobs are round in image pixels, whatever the mask grid: a 16x64 mask on a 64x64 image', () => {
    // f is measured per image pixel. A mask pixel here is 4 image pixels tall and 1 wide, so a boundary
    // is crossed about 4 times as often per mask step down as per mask step across (were f measured per
    // mask pixel, the blobs would be round on the mask grid, and the ratio about 1).
    const sampler = new FmixSampler(16, 64, 64, 64, 3);
    const rng = new Philox(5);
    let across = 0;
    let down = 0;
    for (let t = 0; t < 200; t++) {
      const d = drawMask(sampler, rng, 0.5);
      for (let y = 0; y < 16; y++)
        for (let x = 0; x < 64; x++) {
          if (x + 1 < 64) across += bit(d, 1, y * 64 + x) ^ bit(d, 1, y * 64 + x + 1);
          if (y + 1 < 16) down += bit(d, 1, y * 64 + x) ^ bit(d, 1, (y + 1) * 64 + x);
        }
    }
    const ratio = down / (15 * 64) / (across / (63 * 16));
    // The mask grid holds fewer frequencies down (|ky| <= 8) than across, hence a little under 4.
    expect(ratio).toBeGreaterThan(2.5);
    expect(ratio).toBeLessThan(5);
  });

  it('the same words give the same mask; the next words another; any finite δ stays finite', () => {
    const sampler = new FmixSampler(12, 12, 12, 12, 3);
    expect(drawMask(sampler, new Philox(6), 0.4)).toEqual(drawMask(sampler, new Philox(6), 0.4));
    const rng = new Philox(6);
    expect(drawMask(sampler, rng, 0.4)).not.toEqual(drawMask(sampler, rng, 0.4));
    const steep = new FmixSampler(12, 12, 12, 12, 400);
    expect(ownCount(steep, drawMask(steep, new Philox(7), 0.25))).toBe(36);
    const single = new FmixSampler(1, 1, 5, 5, 3); // no mode at all: ties broken by index
    expect(ownCount(single, drawMask(single, new Philox(8), 0.7))).toBe(1);
    expect(single.lam).toBe(1);
  });
});

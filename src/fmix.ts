/**
 * FMix masks (Harris et al., "FMix: Enhancing Mixed Sample Data Augmentation", 2020), drawn on the host
 * as bit-packed {@link PlanMasks}.
 *
 * What the reference (`fmix.py`: `make_low_freq_image`, `binarise_mask`) does, and what we do:
 * - A low-frequency grey image: a random complex spectrum, each mode (a, b) iid N(0, 1) scaled by
 *   1 / max(f, 1 / max(H, W))^δ, inverted by a real 2-D inverse DFT (numpy's `irfftn`: the half plane
 *   kx in [0, ⌊w/2⌋], every ky, interior columns counted twice, the real part kept). We draw the same
 *   spectrum on the mask's own grid (mh x mw): the modes that grid holds, with f measured in cycles per
 *   *image* pixel, sqrt((ky/H)² + (kx/W)²), so a mask at any resolution is the same kind of field and a
 *   full-resolution mask is the reference's (less the negligible modes MODE_CUTOFF drops). The constant
 *   mode (f = 0) moves every pixel alike and cannot change the mask: it is not drawn. Each mode takes
 *   two words: r = sqrt(−2 ln u1), θ = 2π·u2 (the complex normal by Box–Muller), modes in numpy's order
 *   (ky = 0, 1, …, −1 as `fftfreq`, then kx).
 *   Amplitudes are divided by that of the lowest mode, so any finite δ stays finite.
 * - Binarising: the reference keeps the top ⌈λN⌉ or ⌊λN⌋ pixels (a coin decides) and labels the sample
 *   with the nominal λ. We keep the top round(λ·N) mask pixels (ties by index), and label with the
 *   *exact* fraction of the H x W image's pixels that are the sample's own under the nearest rule of
 *   PlanMasks (mask row ⌊y·mh/H⌋, column ⌊x·mw/W⌋): a count over the image, computed in double.
 * - No `max_soft` (soft edges) and no `reformulate`: bits masks only.
 *
 * Resolution and algorithm, from measurement (`node scripts/plan-cost.mjs`, Node 20, a 2-core machine
 * shared with other jobs; 224 x 224 images, δ = 3). The inverse DFT is separable and direct (any size, no
 * FFT), over the modes drawn only: modes below MODE_CUTOFF of the lowest mode's amplitude are dropped,
 * which at 224 x 224 loses 0.004% of the field's variance and cuts one mask from 86 ms to 3.1 ms.
 *
 *   mask side        16      32      56      112     224
 *   one mask (ms)    0.03    0.11    0.25    0.89    3.1
 *   256 masks (ms)   8.8     27      66      224     ~800
 *
 * (measured before the y pass folded the rows of ky and −ky together, which halves its products).
 *
 * Per-sample full-resolution masks (256 x 224 x 224, also 1.6 MB of bits a batch) cannot be made fast on
 * the host this way; 32 x 32 masks (the reference's CIFAR size; a mask pixel is 7 x 7 image pixels at 224)
 * cost 0.1 ms each, so `fmixSize` defaults to 32. One mask per batch (mode 'batch', the paper's way) at
 * full resolution costs about 3 ms, for when staircase edges matter.
 */

import type { RandomSource } from './rng.js';

const TWO_PI = 2 * Math.PI;
/**
 * Modes whose amplitude is below this fraction of the lowest mode's are not drawn (no words): with
 * δ = 3 that keeps f up to about 10 times the lowest frequency, and the modes dropped carry a
 * negligible share of the field's variance (measured by scripts/plan-cost.mjs); it is what makes a
 * full-resolution mask affordable. With δ <= 1 nothing is dropped below 1024 pixels a side.
 */
export const MODE_CUTOFF = 2 ** -10;

/** Bits-mask words of one mh x mw mask. */
export function maskWords(height: number, width: number): number {
  return Math.ceil((height * width) / 32);
}

/**
 * Draws FMix masks of mh x mw pixels for H x W images. Made once per (mask size, image size, δ): the
 * trigonometric tables, amplitudes and scratch arrays are allocated here, so a draw allocates nothing.
 */
export class FmixSampler {
  readonly height: number;
  readonly width: number;
  readonly imageHeight: number;
  readonly imageWidth: number;
  /** Columns of the half spectrum, ⌊mw/2⌋ + 1. */
  private readonly kxCount: number;
  /**
   * The ky rows with a mode drawn, as pairs (j, j') of the rows of ky and −ky (j' = −1 for ky = 0 and
   * the Nyquist row, their own mirror): the inverse DFT along y sums these only, a pair at a time.
   */
  private readonly rowPairs: Int32Array;
  /** Per mode (ky index j, kx): its amplitude, with numpy's doubling of interior columns; 0 for f = 0. */
  private readonly amp: Float64Array;
  /** cos and sin of 2π·kx·mx / mw, [kx][mx]; of 2π·ky_j·my / mh, [j][my]. */
  private readonly cosX: Float64Array;
  private readonly sinX: Float64Array;
  private readonly cosY: Float64Array;
  private readonly sinY: Float64Array;
  /** The spectrum drawn (re, im per mode), its inverse along x ([j][mx]), and the field ([my][mx]). */
  private readonly specRe: Float64Array;
  private readonly specIm: Float64Array;
  private readonly rowRe: Float64Array;
  private readonly rowIm: Float64Array;
  private readonly field: Float64Array;
  private readonly scratch: Float64Array;
  /** Image rows (columns) that take each mask row (column) under the nearest rule. */
  private readonly rowCount: Float64Array;
  private readonly colCount: Float64Array;

  /** The exact own-pixel fraction of the last {@link draw}'s mask over the image (a field: see beta.ts). */
  lam = 0;

  /** @param height, width the mask's size (1 to the image's); `decay` δ >= 0. */
  constructor(height: number, width: number, imageHeight: number, imageWidth: number, decay: number) {
    this.height = height;
    this.width = width;
    this.imageHeight = imageHeight;
    this.imageWidth = imageWidth;
    const kxCount = Math.floor(width / 2) + 1;
    this.kxCount = kxCount;
    const fMin = 1 / Math.max(imageHeight, imageWidth);
    this.amp = new Float64Array(height * kxCount);
    for (let j = 0; j < height; j++) {
      const ky = j < Math.ceil(height / 2) ? j : j - height; // numpy's fftfreq order
      for (let kx = 0; kx < kxCount; kx++) {
        const f = Math.hypot(ky / imageHeight, kx / imageWidth);
        // irfftn counts a column twice unless it is its own conjugate (kx = 0, or w/2 for even w).
        const twice = kx > 0 && 2 * kx !== width ? 2 : 1;
        const relative = (Math.max(f, fMin) / fMin) ** -decay;
        this.amp[j * kxCount + kx] = f === 0 || relative < MODE_CUTOFF ? 0 : twice * relative;
      }
    }
    // Amplitudes depend on |ky| only, so rows j and height − j are drawn or not together.
    const pairs: number[] = [];
    for (let j = 0; 2 * j <= height; j++) {
      if (!this.amp.subarray(j * kxCount, (j + 1) * kxCount).some((a) => a > 0)) continue;
      pairs.push(j, j === 0 || 2 * j === height ? -1 : height - j);
    }
    this.rowPairs = Int32Array.from(pairs);
    this.cosX = new Float64Array(kxCount * width);
    this.sinX = new Float64Array(kxCount * width);
    for (let kx = 0; kx < kxCount; kx++) {
      for (let mx = 0; mx < width; mx++) {
        const a = (TWO_PI * ((kx * mx) % width)) / width;
        this.cosX[kx * width + mx] = Math.cos(a);
        this.sinX[kx * width + mx] = Math.sin(a);
      }
    }
    this.cosY = new Float64Array(height * height);
    this.sinY = new Float64Array(height * height);
    for (let j = 0; j < height; j++) {
      for (let my = 0; my < height; my++) {
        const a = (TWO_PI * ((j * my) % height)) / height;
        this.cosY[j * height + my] = Math.cos(a);
        this.sinY[j * height + my] = Math.sin(a);
      }
    }
    this.specRe = new Float64Array(height * kxCount);
    this.specIm = new Float64Array(height * kxCount);
    this.rowRe = new Float64Array(height * width);
    this.rowIm = new Float64Array(height * width);
    this.field = new Float64Array(height * width);
    this.scratch = new Float64Array(height * width);
    this.rowCount = new Float64Array(height);
    this.colCount = new Float64Array(width);
    for (let y = 0; y < imageHeight; y++) this.rowCount[Math.floor((y * height) / imageHeight)]++;
    for (let x = 0; x < imageWidth; x++) this.colCount[Math.floor((x * width) / imageWidth)]++;
  }

  /**
   * Draws one mask whose own pixels are the top round(`lam`·mh·mw) of a fresh low-frequency image, into
   * `data[at .. at + maskWords)` (bit p = my·mw + mx set: the sample's own pixel), and leaves the exact
   * own fraction over the image in {@link lam}.
   */
  draw(rng: RandomSource, lam: number, data: Uint32Array, at: number): void {
    this.drawField(rng);
    const n = this.height * this.width;
    const own = Math.round(lam * n);
    const field = this.field;
    const words = maskWords(this.height, this.width);
    data.fill(0, at, at + words);
    if (own === 0) {
      this.lam = 0;
      return;
    }
    // The own pixels: values above the threshold, then values equal to it in index order.
    const scratch = this.scratch;
    scratch.set(field);
    const threshold = selectNth(scratch, n, n - own);
    let above = 0;
    for (let p = 0; p < n; p++) if (field[p] > threshold) above++;
    let ties = own - above;
    let count = 0;
    const { width, rowCount, colCount } = this;
    for (let p = 0; p < n; p++) {
      const v = field[p];
      if (v > threshold || (v === threshold && ties-- > 0)) {
        data[at + (p >> 5)] |= 1 << (p & 31);
        const my = Math.floor(p / width);
        count += rowCount[my] * colCount[p - my * width];
      }
    }
    this.lam = count / (this.imageHeight * this.imageWidth);
  }

  /** The spectrum, then the inverse DFT along x (per ky row) and along y, into `field`. */
  private drawField(rng: RandomSource): void {
    const { height, width, kxCount, amp, specRe, specIm } = this;
    for (let m = 0; m < height * kxCount; m++) {
      if (amp[m] === 0) {
        specRe[m] = 0;
        specIm[m] = 0;
        continue;
      }
      const r = amp[m] * Math.sqrt(-2 * Math.log(rng.nextOpen32()));
      const theta = TWO_PI * rng.nextOpen32();
      specRe[m] = r * Math.cos(theta);
      specIm[m] = r * Math.sin(theta);
    }
    const { cosX, sinX, rowRe, rowIm } = this;
    rowRe.fill(0);
    rowIm.fill(0);
    for (let j = 0; j < height; j++) {
      for (let kx = 0; kx < kxCount; kx++) {
        const re = specRe[j * kxCount + kx];
        const im = specIm[j * kxCount + kx];
        if (re === 0 && im === 0) continue;
        const t = kx * width;
        const row = j * width;
        for (let mx = 0; mx < width; mx++) {
          const c = cosX[t + mx];
          const s = sinX[t + mx];
          rowRe[row + mx] += re * c - im * s;
          rowIm[row + mx] += re * s + im * c;
        }
      }
    }
    const { cosY, sinY, field, rowPairs } = this;
    field.fill(0);
    for (let r = 0; r < rowPairs.length; r += 2) {
      const j = rowPairs[r];
      const row = j * width;
      const mirror = rowPairs[r + 1];
      if (mirror >= 0) {
        // Row −ky folds into row ky: its angle is −φ, and cos is even, sin odd.
        const row2 = mirror * width;
        for (let mx = 0; mx < width; mx++) {
          rowRe[row + mx] += rowRe[row2 + mx];
          rowIm[row + mx] -= rowIm[row2 + mx];
        }
      }
      for (let my = 0; my < height; my++) {
        const c = cosY[j * height + my];
        const s = sinY[j * height + my];
        const out = my * width;
        for (let mx = 0; mx < width; mx++) field[out + mx] += rowRe[row + mx] * c - rowIm[row + mx] * s;
      }
    }
  }
}

/**
 * The k-th smallest (0-based) of a[0 .. n): Hoare's quickselect with a median-of-three pivot, O(n) on
 * average; reorders `a`. Deterministic (no random pivots: the planner's words are for the plan).
 * @internal
 */
export function selectNth(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    const x = a[lo];
    const y = a[(lo + hi) >>> 1];
    const z = a[hi];
    const pivot = Math.max(Math.min(x, y), Math.min(Math.max(x, y), z)); // the median of the three
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    // Now a[lo .. j] <= pivot <= a[i .. hi], and everything strictly between j and i equals the pivot.
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

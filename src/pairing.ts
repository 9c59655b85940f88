/**
 * Who mixes with whom: the `partner` array of a plan.
 */

import { MixupError, got } from './errors.js';
import { checkInteger } from './validate.js';
import type { RandomSource } from './rng.js';
import type { MixMode, Pairing } from './types.js';

/** True when `partner` maps [0, n) onto itself one-to-one. */
export function isPermutation(partner: ArrayLike<number>): boolean {
  const n = partner.length;
  const seen = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const p = partner[i];
    if (!Number.isInteger(p) || p < 0 || p >= n || seen[p]) return false;
    seen[p] = 1;
  }
  return true;
}

/** True when `partner[partner[i]] === i` for every i: samples come in swapped pairs or stand alone. */
export function isInvolution(partner: ArrayLike<number>): boolean {
  const n = partner.length;
  for (let i = 0; i < n; i++) {
    const p = partner[i];
    if (!Number.isInteger(p) || p < 0 || p >= n || partner[p] !== i) return false;
  }
  return true;
}

/** In-place Fisher–Yates (Durstenfeld) shuffle of `order[0 .. n)` driven by `rng`, from the last index down. */
function shuffleInPlace(order: Uint32Array, n: number, rng: RandomSource): void {
  for (let i = n - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
}

function fillIdentity(order: Uint32Array, n: number): void {
  for (let i = 0; i < n; i++) order[i] = i;
}

/** The first i with partner[partner[i]] != i, or -1: where a partner array stops being an involution. */
function firstUnpaired(partner: ArrayLike<number>): number {
  for (let i = 0; i < partner.length; i++) if (partner[partner[i]] !== i) return i;
  return -1;
}

/**
 * Throws unless `pairing` can pair `batchSize` samples in `mode`: an explicit
 * array needs B integer entries in [0, B), and in `'pair'` mode (both members of
 * a pair share one draw) the pairing must be an involution, which rules out
 * `'roll'` for B > 2. Pure: draws nothing and writes nothing.
 */
function checkPairing(pairing: Pairing, batchSize: number, mode: MixMode): void {
  let unpaired: string | null = null;
  if (pairing === 'flip' || pairing === 'shuffle') return; // involutions by construction
  if (pairing === 'roll') {
    // partner[0] = B − 1 but partner[B − 1] = B − 2.
    const B = batchSize;
    if (mode === 'pair' && B > 2)
      unpaired = `roll at batch size ${B}: partner[0] = ${B - 1} but partner[${B - 1}] = ${B - 2}`;
  } else if (pairing instanceof Uint32Array || Array.isArray(pairing)) {
    if (pairing.length !== batchSize) {
      throw new MixupError('options.pairing', `an array of ${batchSize} partner indices (one per sample)`, pairing);
    }
    for (let i = 0; i < batchSize; i++) {
      const p = pairing[i];
      if (!(Number.isInteger(p) && p >= 0 && p < batchSize)) checkInteger(`options.pairing[${i}]`, p, 0, batchSize - 1);
    }
    const i = mode === 'pair' ? firstUnpaired(pairing) : -1;
    if (i >= 0) {
      const p = pairing[i];
      unpaired =
        `the given partner array at batch size ${batchSize}: ` +
        `partner[${i}] = ${p} but partner[${p}] = ${pairing[p]}`;
    }
  } else {
    throw new MixupError('options.pairing', "'flip', 'roll', 'shuffle' or an array of partner indices", pairing);
  }
  if (unpaired !== null) {
    throw new MixupError(
      'options.pairing',
      "an involution in 'pair' mode (partner[partner[i]] == i, since both members of a pair share one draw)",
      got(unpaired),
    );
  }
}

/**
 * The partner of every sample for one batch, written into `out` (length
 * `batchSize`, a new array by default) and returned.
 * - `'flip'` (timm): i ↔ B−1−i; with an odd B the middle sample is its own partner.
 * - `'roll'` (torchvision's `roll(1, 0)`): i mixes with i−1, sample 0 with B−1.
 * - `'shuffle'`: a Fisher–Yates permutation from `rng` (fixed points possible);
 *   in `'pair'` mode a random perfect matching instead: shuffle, then pair
 *   order[2j] with order[2j+1]; an odd leftover is its own partner. The order
 *   is kept in `scratch` when it has room for B entries (else a new array).
 * - an array: checked (length B, integers in [0, B)) and copied.
 *
 * In `'pair'` mode both members of a pair share one draw, so the result must be
 * an involution; anything else is rejected naming `options.pairing`. Every
 * check comes before the first draw and the first write to `out`.
 * Only `'shuffle'` consumes draws from `rng`.
 */
export function partnerFor(
  pairing: Pairing,
  batchSize: number,
  rng: RandomSource,
  mode: MixMode,
  out?: Uint32Array,
  scratch?: Uint32Array,
): Uint32Array {
  const B = checkInteger('batchSize', batchSize, 1);
  if (out !== undefined && out.length !== B) throw new MixupError('out', `a Uint32Array of length ${B}`, out);
  checkPairing(pairing, B, mode);
  if (out === undefined) out = new Uint32Array(B);
  if (pairing === 'flip') {
    for (let i = 0; i < B; i++) out[i] = B - 1 - i;
  } else if (pairing === 'roll') {
    for (let i = 0; i < B; i++) out[i] = i === 0 ? B - 1 : i - 1;
  } else if (pairing === 'shuffle' && mode !== 'pair') {
    fillIdentity(out, B);
    shuffleInPlace(out, B, rng);
  } else if (pairing === 'shuffle') {
    const order = scratch !== undefined && scratch.length >= B ? scratch : new Uint32Array(B);
    fillIdentity(order, B);
    shuffleInPlace(order, B, rng);
    for (let j = 0; j + 1 < B; j += 2) {
      out[order[j]] = order[j + 1];
      out[order[j + 1]] = order[j];
    }
    if (B % 2 === 1) out[order[B - 1]] = order[B - 1];
  } else {
    for (let i = 0; i < B; i++) out[i] = (pairing as ArrayLike<number>)[i];
  }
  return out;
}

/**
 * Who mixes with whom: the `partner` array of a plan.
 */

import { MixupError, checkInteger } from './errors.js';
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

/** In-place Fisher–Yates (Durstenfeld) shuffle driven by `rng`, from the last index down. */
function shuffleInPlace(order: Uint32Array, rng: RandomSource): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
}

function identity(n: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order;
}

/** Copies an explicit partner array after checking its length and entries. */
function explicitPartner(pairing: Uint32Array | readonly number[], batchSize: number): Uint32Array {
  if (pairing.length !== batchSize) {
    throw new MixupError('options.pairing', `an array of ${batchSize} partner indices (one per sample)`, pairing);
  }
  const partner = new Uint32Array(batchSize);
  for (let i = 0; i < batchSize; i++) {
    partner[i] = checkInteger(`options.pairing[${i}]`, pairing[i], 0, batchSize - 1);
  }
  return partner;
}

/**
 * The partner of every sample for one batch.
 * - `'flip'` (timm): i ↔ B−1−i; with an odd B the middle sample is its own partner.
 * - `'roll'` (torchvision's `roll(1, 0)`): i mixes with i−1, sample 0 with B−1.
 * - `'shuffle'`: a Fisher–Yates permutation from `rng` (fixed points possible);
 *   in `'pair'` mode a random perfect matching instead: shuffle, then pair
 *   order[2j] with order[2j+1]; an odd leftover is its own partner.
 * - an array: checked (length B, integers in [0, B)) and copied.
 *
 * In `'pair'` mode both members of a pair share one draw, so the result must be
 * an involution; anything else is rejected naming `options.pairing`.
 * Only `'shuffle'` consumes draws from `rng`.
 */
export function partnerFor(pairing: Pairing, batchSize: number, rng: RandomSource, mode: MixMode): Uint32Array {
  checkInteger('batchSize', batchSize, 1);
  let partner: Uint32Array;
  let name: string;
  if (pairing === 'flip') {
    partner = new Uint32Array(batchSize);
    for (let i = 0; i < batchSize; i++) partner[i] = batchSize - 1 - i;
    name = 'flip';
  } else if (pairing === 'roll') {
    partner = new Uint32Array(batchSize);
    for (let i = 0; i < batchSize; i++) partner[i] = (i - 1 + batchSize) % batchSize;
    name = 'roll';
  } else if (pairing === 'shuffle') {
    const order = identity(batchSize);
    shuffleInPlace(order, rng);
    if (mode === 'pair') {
      partner = new Uint32Array(batchSize);
      for (let j = 0; j + 1 < batchSize; j += 2) {
        partner[order[j]] = order[j + 1];
        partner[order[j + 1]] = order[j];
      }
      if (batchSize % 2 === 1) partner[order[batchSize - 1]] = order[batchSize - 1];
    } else {
      partner = order;
    }
    name = 'shuffle';
  } else if (pairing instanceof Uint32Array || Array.isArray(pairing)) {
    partner = explicitPartner(pairing, batchSize);
    name = 'the given partner array';
  } else {
    throw new MixupError('options.pairing', "'flip', 'roll', 'shuffle' or an array of partner indices", pairing);
  }
  if (mode === 'pair' && !isInvolution(partner)) {
    let i = 0;
    while (partner[partner[i]] === i) i++;
    throw new MixupError(
      'options.pairing',
      "an involution in 'pair' mode (partner[partner[i]] == i, since both members of a pair share one draw)",
      `${name} at batch size ${batchSize}: partner[${i}] = ${partner[i]} but partner[${partner[i]}] = ${partner[partner[i]]}`,
    );
  }
  return partner;
}

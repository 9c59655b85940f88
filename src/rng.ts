/**
 * Philox4x32-10, the counter-based generator of Salmon, Moraes, Dror and Shaw,
 * "Parallel Random Numbers: As Easy as 1, 2, 3" (SC '11), as in Random123.
 *
 * A block is a pure function of a 128-bit counter and a 64-bit key, so any
 * (seed, stream, worker) triple names its own sequence with no shared state and
 * nothing to seed-scramble: that is what makes plans reproducible across
 * workers. Everything is done in 32-bit integer arithmetic so that the same
 * words can be produced in WGSL, which has no 64-bit integers.
 */

import { checkInteger } from './errors.js';

/** Philox multipliers and Weyl key increments (Random123's PHILOX_M4x32_*, PHILOX_W32_*). */
const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

const TWO_32 = 4294967296;
const TWO_26 = 67108864;
const TWO_52 = 4503599627370496;
const TWO_53 = 9007199254740992;
const U32_MAX = 0xffffffff;

/**
 * High 32 bits of the 64-bit product of two u32. JavaScript doubles hold only
 * 53 bits, so the product is assembled from 16-bit halves; every partial
 * product is below 2^32 and every sum below 2^53, hence exact.
 */
function mulhi(a: number, b: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const ll = al * bl;
  const lh = al * bh;
  const hl = ah * bl;
  // Carry out of bits 16..31 of the low word into the high word.
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (ah * bh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) >>> 0;
}

/**
 * One Philox4x32-10 block: 4 output words for a 4-word counter and a 2-word key
 * (all u32). Exposed for known-answer tests against Random123's `kat_vectors`.
 * @internal
 */
export function philox4x32(
  counter: ArrayLike<number>,
  key: ArrayLike<number>,
): [number, number, number, number] {
  let c0 = counter[0] >>> 0;
  let c1 = counter[1] >>> 0;
  let c2 = counter[2] >>> 0;
  let c3 = counter[3] >>> 0;
  let k0 = key[0] >>> 0;
  let k1 = key[1] >>> 0;
  for (let round = 0; round < 10; round++) {
    if (round > 0) {
      // The key schedule bumps before every round but the first.
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    const hi0 = mulhi(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
  }
  return [c0, c1, c2, c3];
}

/** What the samplers need from a generator; {@link Philox} is the one used, tests may script another. */
export interface RandomSource {
  /** A uniform u32. */
  nextU32(): number;
  /** A uniform double in [0, 1). */
  nextFloat(): number;
  /** A uniform double in (0, 1), safe to take the log of. */
  nextOpen(): number;
  /** A uniform integer in [0, n). */
  nextInt(n: number): number;
}

/**
 * A stream of Philox4x32-10 words. Key = (seed low 32 bits, seed high bits);
 * counter = (block low, block high, stream, fork). Blocks are consumed in
 * order, four words each, so two instances with the same arguments produce the
 * same sequence, and instances differing in stream or fork never share a block.
 */
export class Philox implements RandomSource {
  readonly seed: number;
  readonly stream: number;
  readonly fork: number;
  private readonly key: [number, number];
  private blockLo = 0;
  private blockHi = 0;
  private buffer: [number, number, number, number] = [0, 0, 0, 0];
  /** Next unread word of `buffer`; 4 means empty. */
  private index = 4;

  /**
   * @param seed a safe integer >= 0 (the key).
   * @param stream a u32 user stream id, e.g. an epoch.
   * @param fork a u32 worker id; 0 is the parent planner.
   */
  constructor(seed: number, stream = 0, fork = 0) {
    this.seed = checkInteger('seed', seed, 0);
    this.stream = checkInteger('stream', stream, 0, U32_MAX);
    this.fork = checkInteger('fork', fork, 0, U32_MAX);
    this.key = [seed % TWO_32 >>> 0, Math.floor(seed / TWO_32) >>> 0];
  }

  nextU32(): number {
    if (this.index === 4) {
      this.buffer = philox4x32([this.blockLo, this.blockHi, this.stream, this.fork], this.key);
      this.index = 0;
      this.blockLo = (this.blockLo + 1) >>> 0;
      if (this.blockLo === 0) this.blockHi = (this.blockHi + 1) >>> 0;
    }
    return this.buffer[this.index++];
  }

  /** Uniform in [0, 1) on the grid k / 2^53: 27 high bits of one word, 26 of the next. */
  nextFloat(): number {
    const a = this.nextU32() >>> 5;
    const b = this.nextU32() >>> 6;
    return (a * TWO_26 + b) / TWO_53;
  }

  /**
   * Uniform in (0, 1) on the grid (k + 1/2) / 2^52. With 52 bits the largest
   * value, 1 − 2^−53, is still a double below 1 (with 53 bits it would round to 1).
   */
  nextOpen(): number {
    const a = this.nextU32() >>> 6;
    const b = this.nextU32() >>> 6;
    return (a * TWO_26 + b + 0.5) / TWO_52;
  }

  /** Unbiased integer in [0, n) for 1 <= n <= 2^32, by rejecting the top partial range of u32 words. */
  nextInt(n: number): number {
    checkInteger('n', n, 1, TWO_32);
    const limit = TWO_32 - (TWO_32 % n);
    for (;;) {
      const u = this.nextU32();
      if (u < limit) return u % n;
    }
  }
}

/**
 * Philox4x32-10, the counter-based generator of Salmon, Moraes, Dror and Shaw,
 * "Parallel Random Numbers: As Easy as 1, 2, 3" (SC '11), as in Random123.
 *
 * A block is a pure function of a 128-bit counter and a 64-bit key, so any
 * (seed, stream, worker) triple names its own sequence with no shared state and
 * nothing to seed-scramble: that is what makes plans reproducible across
 * workers. Everything is done in 32-bit integer arithmetic so that the same
 * words can be produced in WGSL, which has no 64-bit integers.
 *
 * Streams compute their blocks 16 at a time in WebAssembly (philox-wasm.ts: a 64-bit multiply is one
 * instruction there, four Math.imul here), with the JavaScript block function below as the fallback
 * and as the reference; both give the same words.
 */

import { checkInteger } from './validate.js';
import { PHILOX_M0, PHILOX_M1, PHILOX_W0, PHILOX_W1, instantiatePhilox } from './philox-wasm.js';

/** Philox's multipliers and Weyl key increments (philox-wasm.ts has them as u32), as int32 bits. */
const M0 = PHILOX_M0 | 0;
const M1 = PHILOX_M1 | 0;
const W0 = PHILOX_W0 | 0;
const W1 = PHILOX_W1 | 0;

const TWO_32 = 4294967296;
const TWO_26 = 67108864;
const TWO_52 = 4503599627370496;
const TWO_53 = 9007199254740992;
const U32_MAX = 0xffffffff;
/** Blocks computed per refill of a {@link Philox} stream, and the words they give. */
const BLOCKS_PER_REFILL = 16;
const WORDS = 4 * BLOCKS_PER_REFILL;

/**
 * High 32 bits of the 64-bit product of the u32 multiplier m = (mHi·2^16 + mLo) and b, as an int32
 * (the same 32 bits). JavaScript doubles hold only 53 bits, so the product is assembled from 16-bit
 * halves with Math.imul, whose 32-bit results are exact for products below 2^32. Everything stays
 * int32 (`| 0`, never `>>> 0`): V8 keeps int32 values unboxed, while a u32 above 2^31 may become a
 * heap number. The callers pass the halves of a constant as literals, which V8 folds in when it
 * inlines this.
 */
function mulhi(mLo: number, mHi: number, b: number): number {
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const lh = Math.imul(mLo, bh);
  const hl = Math.imul(mHi, bl);
  // Carry out of bits 16..31 of the low word into the high word.
  const mid = (Math.imul(mLo, bl) >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (Math.imul(mHi, bh) + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) | 0;
}

/**
 * One Philox4x32-10 block for counter (c0, c1, c2, c3) and key (k0, k1), 32-bit
 * words, written to `out[at .. at + 3]`. Takes and writes plain words so that a
 * stream allocates nothing per block.
 */
function philoxBlock(
  out: Uint32Array,
  at: number,
  c0: number,
  c1: number,
  c2: number,
  c3: number,
  k0: number,
  k1: number,
): void {
  for (let round = 0; round < 10; round++) {
    const hi0 = mulhi(0x1f53, 0xd251, c0) /* M0 */;
    const lo0 = Math.imul(M0, c0);
    const hi1 = mulhi(0x8d57, 0xcd9e, c2) /* M1 */;
    const lo1 = Math.imul(M1, c2);
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
    // The key schedule: bumped between rounds (the bump after the last round is unused).
    k0 = (k0 + W0) | 0;
    k1 = (k1 + W1) | 0;
  }
  // Uint32Array stores take the words modulo 2^32, so int32 words land as u32.
  out[at] = c0;
  out[at + 1] = c1;
  out[at + 2] = c2;
  out[at + 3] = c3;
}

/**
 * One Philox4x32-10 block: 4 output words for a 4-word counter and a 2-word key
 * (all u32). Exposed for known-answer tests against Random123's `kat_vectors`.
 * @internal
 */
export function philox4x32(counter: ArrayLike<number>, key: ArrayLike<number>): [number, number, number, number] {
  const out = new Uint32Array(4);
  philoxBlock(out, 0, counter[0] | 0, counter[1] | 0, counter[2] | 0, counter[3] | 0, key[0] | 0, key[1] | 0);
  return [out[0], out[1], out[2], out[3]];
}

/**
 * A refill's BLOCKS_PER_REFILL consecutive blocks, counters (lo, hi) + 0, 1, ... (a 64-bit counter in
 * words 0 and 1) and (c2, c3), key (k0, k1), written to `out[at .. at + WORDS)`.
 */
type BlockRun = (
  out: Uint32Array,
  at: number,
  lo: number,
  hi: number,
  c2: number,
  c3: number,
  k0: number,
  k1: number,
) => void;

/** The JavaScript block run: the fallback where WebAssembly is unavailable, and the tests' reference. */
const jsBlocks: BlockRun = (out, at, lo, hi, c2, c3, k0, k1) => {
  for (let b = 0; b < BLOCKS_PER_REFILL; b++) {
    philoxBlock(out, at + 4 * b, lo, hi, c2, c3, k0, k1);
    lo = (lo + 1) | 0;
    if (lo === 0) hi = (hi + 1) | 0;
  }
};

/** The block run through philox-wasm.ts: its fill, then one copy of the words out of its memory. */
function wasmBlocks(): BlockRun | null {
  const wasm = instantiatePhilox();
  if (wasm === null) return null;
  const { fill, memory } = wasm;
  const view = new Uint32Array(memory, 0, WORDS); // a refill's words: no view made per call
  return (out, at, lo, hi, c2, c3, k0, k1) => {
    fill(lo, hi, c2, c3, k0, k1, BLOCKS_PER_REFILL);
    out.set(view, at);
  };
}

/** The block run streams use: WebAssembly when it compiles (chosen when the first stream refills). */
let engine: BlockRun | null = null;

/**
 * Which block run Philox streams use ('wasm' unless WebAssembly cannot be compiled here); `use`
 * switches it, so that tests can hold both to the same words. Both give the same words.
 * @internal
 */
export function philoxEngine(use?: 'wasm' | 'js'): 'wasm' | 'js' {
  if (use !== undefined || engine === null) engine = (use === 'js' ? null : wasmBlocks()) ?? jsBlocks;
  return engine === jsBlocks ? 'js' : 'wasm';
}

/** The current block run, chosen on first use (see {@link philoxEngine}). */
function blocks(): BlockRun {
  if (engine === null) philoxEngine();
  return engine as BlockRun;
}

/** What the samplers need from a generator; {@link Philox} is the one used, tests may script another. */
export interface RandomSource {
  /** A uniform u32. */
  nextU32(): number;
  /** A uniform double in [0, 1). */
  nextFloat(): number;
  /** A uniform double in (0, 1), safe to take the log of. */
  nextOpen(): number;
  /** A uniform double in (0, 1) from one word: (u + 1/2) / 2^32 (see {@link Philox.nextOpen32}). */
  nextOpen32(): number;
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
  private readonly key0: number;
  private readonly key1: number;
  /** Counter words 0 and 1 of the next block to compute. */
  private blockLo = 0;
  private blockHi = 0;
  /**
   * Words of BLOCKS_PER_REFILL blocks, computed together (the stream is the same whatever the refill
   * size: blocks are a function of their counter, and one refill per 64 words costs less than a call
   * per block), after the one word a two-word read may have left unread. Unread: words[index .. end).
   */
  private readonly words = new Uint32Array(WORDS + 1);
  private index = 0;
  private end = 0;

  /**
   * @param seed a safe integer >= 0 (the key).
   * @param stream a u32 user stream id, e.g. an epoch.
   * @param fork a u32 worker id; 0 is the parent planner.
   */
  constructor(seed: number, stream = 0, fork = 0) {
    this.seed = checkInteger('seed', seed, 0);
    this.stream = checkInteger('stream', stream, 0, U32_MAX);
    this.fork = checkInteger('fork', fork, 0, U32_MAX);
    // Key words as int32 (the same bits), see mulhi.
    this.key0 = (seed % TWO_32) | 0;
    this.key1 = Math.floor(seed / TWO_32) | 0;
  }

  /** Keeps the unread word, if any, in front and appends BLOCKS_PER_REFILL new blocks. */
  private refill(): void {
    const words = this.words;
    const left = this.end - this.index; // 0, or 1 when a two-word read found one word
    if (left > 0) words[0] = words[this.index];
    this.nextBlocks(words, left);
    this.index = 0;
    this.end = left + WORDS;
  }

  /**
   * Writes the BLOCKS_PER_REFILL blocks from the current counter to `words[at .. at + WORDS)` and
   * advances the counter. Protected so that tests can script the words the uniform draws are made from.
   */
  protected nextBlocks(words: Uint32Array, at: number): void {
    const lo = this.blockLo;
    blocks()(words, at, lo, this.blockHi, this.stream | 0, this.fork | 0, this.key0, this.key1);
    this.blockLo = (lo + BLOCKS_PER_REFILL) | 0;
    // A carry into word 1 when word 0 wrapped (compared as u32).
    if (this.blockLo >>> 0 < lo >>> 0) this.blockHi = (this.blockHi + 1) | 0;
  }

  nextU32(): number {
    if (this.index === this.end) this.refill();
    return this.words[this.index++];
  }

  /*
   * nextFloat and nextOpen read their two words from the buffer themselves rather than through
   * nextU32, which halves their code. V8 inlines only so much code into one optimised function, and
   * a double returned from a call it did not inline is boxed: an allocation per draw.
   */

  /** Uniform in [0, 1) on the grid k / 2^53: 27 high bits of one word, 26 of the next. */
  nextFloat(): number {
    if (this.end - this.index < 2) this.refill();
    const i = this.index;
    this.index = i + 2;
    return ((this.words[i] >>> 5) * TWO_26 + (this.words[i + 1] >>> 6)) / TWO_53;
  }

  /**
   * Uniform in (0, 1) on the grid (k + 1/2) / 2^52. With 52 bits the largest
   * value, 1 − 2^−53, is still a double below 1 (with 53 bits it would round to 1).
   */
  nextOpen(): number {
    if (this.end - this.index < 2) this.refill();
    const i = this.index;
    this.index = i + 2;
    return ((this.words[i] >>> 6) * TWO_26 + (this.words[i + 1] >>> 6) + 0.5) / TWO_52;
  }

  /**
   * Uniform in (0, 1) on the grid (k + 1/2) / 2^32, from one word: half the words of
   * {@link nextOpen}, for draws whose result is kept as a float32 (λ), whose own rounding (2^−25
   * near 1) is coarser than this grid.
   */
  nextOpen32(): number {
    if (this.index === this.end) this.refill();
    return (this.words[this.index++] + 0.5) / TWO_32;
  }

  /** Unbiased integer in [0, n) for 1 <= n <= 2^32, by rejecting the top partial range of u32 words. */
  nextInt(n: number): number {
    // The full check (and its message) only for a bad n: the planner calls this per sample.
    if (!(n >= 1 && n <= TWO_32 && Math.floor(n) === n)) checkInteger('n', n, 1, TWO_32);
    // u = q·n + r is accepted when its block [q·n, (q + 1)·n) lies below 2^32, i.e. u < 2^32 − (2^32 mod n).
    // One double division: ⌊u / n⌋ is exact for u < 2^53 (the quotient cannot round up to the next
    // integer), while V8 computes % of a u32 above 2^31 (a double) by a call to fmod.
    for (;;) {
      const u = this.nextU32();
      const r = u - Math.floor(u / n) * n;
      if (u - r + n <= TWO_32) return r;
    }
  }
}

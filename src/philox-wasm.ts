/**
 * Philox4x32-10 blocks in WebAssembly, for the planner's host cost (issue 14).
 *
 * JavaScript has no 32×32 → 64-bit multiply, so rng.ts assembles each of a round's two high words from
 * four Math.imul calls: about 25-30 ns a word in V8. WebAssembly's i64.mul gives the 64-bit product in
 * one instruction. The module is written here as its bytes (it is 200-odd bytes and has one function),
 * assembled when first needed, so the package needs no WebAssembly tool chain and no fetch.
 *
 * `fill(lo, hi, c2, c3, k0, k1, n)` writes the n blocks at counters (lo, hi) + 0 .. n − 1 (a 64-bit
 * counter in words 0 and 1, as rng.ts counts), (c2, c3) and key (k0, k1) to the module's memory from
 * byte 0, four little-endian u32 words a block. rng.ts keeps its own JavaScript block function as the
 * fallback (no WebAssembly, or a page whose Content-Security-Policy forbids compiling it) and as the
 * reference the tests hold this one to; both give the same words.
 */

/** Philox multipliers and Weyl key increments (Random123's PHILOX_M4x32_*, PHILOX_W32_*), as u32. */
export const PHILOX_M0 = 0xd2511f53;
export const PHILOX_M1 = 0xcd9e8d57;
export const PHILOX_W0 = 0x9e3779b9;
export const PHILOX_W1 = 0xbb67ae85;

/** Signed LEB128 of an integer (bigint for i64 constants). */
function sleb(value: bigint): number[] {
  const out: number[] = [];
  let v = value;
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    const done = (v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/** Unsigned LEB128 (section and vector lengths). */
function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value;
  do {
    const byte = v & 0x7f;
    v >>>= 7;
    out.push(v !== 0 ? byte | 0x80 : byte);
  } while (v !== 0);
  return out;
}

/** A section: id, byte length, contents. */
const section = (id: number, bytes: number[]): number[] => [id, ...uleb(bytes.length), ...bytes];

// Opcodes used (WebAssembly core spec, binary format).
const GET = 0x20;
const SET = 0x21;
const TEE = 0x22;
const I32 = 0x41; // i32.const
const I64 = 0x42; // i64.const
const EQZ = 0x45; // i32.eqz
const ADD = 0x6a; // i32.add
const SUB = 0x6b; // i32.sub
const XOR = 0x73; // i32.xor
const ADD64 = 0x7c;
const MUL64 = 0x7e;
const OR64 = 0x84;
const SHL64 = 0x86;
const SHR64 = 0x88; // i64.shr_u
const WRAP = 0xa7; // i32.wrap_i64
const EXTEND = 0xad; // i64.extend_i32_u
const STORE = 0x36; // i32.store
const BLOCK = 0x02;
const LOOP = 0x03;
const BR = 0x0c;
const BR_IF = 0x0d;
const END = 0x0b;
const VOID = 0x40;

// Locals: the seven i32 parameters, then eight i32 and three i64 locals.
const [LO, HI, C2, C3, K0, K1, N] = [0, 1, 2, 3, 4, 5, 6];
const [X0, X1, X2, X3, A0, A1, ROUND, PTR] = [7, 8, 9, 10, 11, 12, 13, 14];
const [P, Q, CTR] = [15, 16, 17];

const i32 = (v: number): number[] => [I32, ...sleb(BigInt(v | 0))];
const i64 = (v: number): number[] => [I64, ...sleb(BigInt(v))];
/** The high word of an i64 local, as an i32. */
const high = (local: number): number[] => [GET, local, ...i64(32), SHR64, WRAP];
/** x = x + c (i32). */
const bump = (local: number, c: number): number[] => [GET, local, ...i32(c), ADD, SET, local];
const store = (local: number, offset: number): number[] => [GET, PTR, GET, local, STORE, 2, offset];

/** The body of `fill`: for each block, ten rounds as rng.ts's philoxBlock, then four stores. */
const body: number[] = [
  // ctr = hi·2^32 + lo
  ...[GET, HI, EXTEND, ...i64(32), SHL64, GET, LO, EXTEND, OR64, SET, CTR],
  ...[BLOCK, VOID, LOOP, VOID],
  ...[GET, N, EQZ, BR_IF, 1],
  ...[GET, CTR, WRAP, SET, X0, ...high(CTR), SET, X1, GET, C2, SET, X2, GET, C3, SET, X3],
  ...[GET, K0, SET, A0, GET, K1, SET, A1, ...i32(10), SET, ROUND],
  ...[LOOP, VOID],
  // p = x0·M0, q = x2·M1 (64-bit products of u32 words)
  ...[GET, X0, EXTEND, ...i64(PHILOX_M0), MUL64, SET, P, GET, X2, EXTEND, ...i64(PHILOX_M1), MUL64, SET, Q],
  // (x0, x1, x2, x3) = (hi(q) ^ x1 ^ a0, lo(q), hi(p) ^ x3 ^ a1, lo(p))
  ...[...high(Q), GET, X1, XOR, GET, A0, XOR, SET, X0, GET, Q, WRAP, SET, X1],
  ...[...high(P), GET, X3, XOR, GET, A1, XOR, SET, X2, GET, P, WRAP, SET, X3],
  ...bump(A0, PHILOX_W0),
  ...bump(A1, PHILOX_W1),
  ...[GET, ROUND, ...i32(1), SUB, TEE, ROUND, BR_IF, 0, END],
  ...[...store(X0, 0), ...store(X1, 4), ...store(X2, 8), ...store(X3, 12)],
  ...bump(PTR, 16),
  ...[GET, CTR, ...i64(1), ADD64, SET, CTR],
  ...bump(N, -1),
  ...[BR, 0, END, END, END],
];

const name = (s: string): number[] => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
const locals = [2, 8, 0x7f, 3, 0x7e];
const code = [...uleb(locals.length + body.length), ...locals, ...body];

/** The module's bytes. @internal */
export const PHILOX_WASM = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  ...section(1, [1, 0x60, 7, ...Array(7).fill(0x7f), 0]), // type 0: (i32 × 7) → ()
  ...section(3, [1, 0]), // function 0 has type 0
  ...section(5, [1, 0, 1]), // one memory, at least one page
  ...section(7, [2, ...name('fill'), 0x00, 0, ...name('memory'), 0x02, 0]),
  ...section(10, [1, ...code]),
]);

/**
 * Writes `n` blocks (at most 4096: the module's one 64 KiB page) from byte 0 of the memory; see the
 * file's comment for the counter.
 */
export type BlockFill = (lo: number, hi: number, c2: number, c3: number, k0: number, k1: number, n: number) => void;

/**
 * The module's `fill` and its memory (the output words are its first 16·n bytes), or null where
 * WebAssembly cannot be compiled (absent, or forbidden by a Content-Security-Policy) or the host is
 * big-endian (a Uint32Array view would read the little-endian words swapped).
 */
export function instantiatePhilox(): { fill: BlockFill; memory: ArrayBuffer } | null {
  if (typeof WebAssembly !== 'object' || new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) return null;
  try {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(PHILOX_WASM));
    const { fill, memory } = instance.exports as { fill: BlockFill; memory: WebAssembly.Memory };
    return { fill, memory: memory.buffer };
  } catch {
    return null;
  }
}

// Deterministic test data and comparisons shared by the GPU tests.
import { expect } from 'vitest';
import { Philox } from '../../src/rng.js';
import { f32ToF16Bits } from '../../src/f16.js';
import type { BatchData } from '../../src/reference.js';
import type { DType } from '../../src/types.js';

/** `count` elements of `dtype` from a seeded stream: bytes 0..255, or floats in [-4, 4). */
export function randomData(dtype: DType, count: number, seed: number): BatchData {
  const rng = new Philox(seed, 7);
  if (dtype === 'uint8') return Uint8Array.from({ length: count }, () => rng.nextInt(256));
  const floats = Float32Array.from({ length: count }, () => rng.nextFloat() * 8 - 4);
  return dtype === 'float32' ? floats : Uint16Array.from(floats, f32ToF16Bits);
}

/** Reinterprets bytes read back from the GPU as the typed array of `dtype`. */
export function typedFrom(dtype: DType, bytes: ArrayBuffer, count: number): BatchData {
  if (dtype === 'uint8') return new Uint8Array(bytes, 0, count);
  if (dtype === 'float16') return new Uint16Array(bytes, 0, count);
  return new Float32Array(bytes, 0, count);
}

/**
 * How GPU floats are compared with the CPU reference. The kernels and the reference round every
 * step to float32 in the same order (src/reference.ts), so the default is bit equality. A real GPU's
 * compiler may fuse `a * lam + b * (1 - lam)` into a multiply-add (WGSL allows it), which rounds
 * once instead of twice: `MIXUP_TEST_TOLERANCE=fma` allows for that on such hardware (float32
 * within 1e-6 relative). Not the default: SwiftShader in CI
 * must match exactly.
 */
export type Tolerance = 'exact' | 'fma';

/** Replaced by vite's `define` in the browser project (vite.config.ts); undeclared in Node. */
declare const __MIXUP_TEST_TOLERANCE__: string | undefined;

/** The comparison mode from MIXUP_TEST_TOLERANCE (unset or 'exact': bit equality; 'fma'). */
export function toleranceMode(): Tolerance {
  const value =
    (typeof __MIXUP_TEST_TOLERANCE__ === 'string' ? __MIXUP_TEST_TOLERANCE__ : undefined) ??
    (typeof process !== 'undefined' ? process.env?.MIXUP_TEST_TOLERANCE : undefined) ??
    '';
  if (value === '' || value === 'exact') return 'exact';
  if (value === 'fma') return 'fma';
  throw new Error(`MIXUP_TEST_TOLERANCE must be 'exact' or 'fma', got ${JSON.stringify(value)}`);
}

/** The float32 bit pattern of `v` (NaN payloads kept as the GPU wrote them). */
function f32Bits(v: number): number {
  const f = new Float32Array([v]);
  return new Uint32Array(f.buffer)[0];
}

/**
 * GPU vs CPU. uint8: equal values. float32: equal bit patterns (NaN equals NaN, since the reference
 * has no way to predict a payload), or with MIXUP_TEST_TOLERANCE=fma within 1e-6 relative.
 * float16, in both modes: within 1 unit in the last place of the half with the same sign. WGSL leaves
 * the rounding of an f32 -> f16 conversion to the implementation (round to nearest even or toward
 * zero may be used), so the f16 store is not held to the reference's round-to-nearest-even.
 */
export function expectClose(
  dtype: DType,
  gpu: BatchData,
  cpu: BatchData,
  what = 'output',
  mode: Tolerance = toleranceMode(),
): void {
  expect(gpu.length, `${what} length`).toBe(cpu.length);
  let bad = -1;
  for (let i = 0; i < cpu.length; i++) {
    const g = gpu[i];
    const c = cpu[i];
    let ok: boolean;
    if (dtype === 'float32') {
      const bothNaN = Number.isNaN(g) && Number.isNaN(c);
      ok =
        bothNaN || (mode === 'exact' ? f32Bits(g) === f32Bits(c) : Math.abs(g - c) <= 1e-6 * Math.max(1, Math.abs(c)));
    } else if (dtype === 'float16') {
      ok = Math.abs(g - c) <= 1 && (g & 0x8000) === (c & 0x8000);
    } else ok = g === c;
    if (!ok) {
      bad = i;
      break;
    }
  }
  if (bad >= 0) {
    const extra =
      dtype === 'float32' ? ` (bits 0x${f32Bits(gpu[bad]).toString(16)} vs 0x${f32Bits(cpu[bad]).toString(16)})` : '';
    expect.fail(`${what}[${bad}]: gpu ${gpu[bad]} vs cpu ${cpu[bad]} (${dtype}, ${mode})${extra}`);
  }
}

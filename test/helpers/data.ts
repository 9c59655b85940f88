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
 * GPU vs CPU. uint8: bit-exact. float32: within 1e-6 relative (|g - c| <= 1e-6 * max(1, |c|)), which
 * absorbs a fused multiply-add the GPU compiler may use in the blend. float16: at most 1 unit in the
 * last place of the half (bit patterns differ by <= 1), since an FMA can move an f32 value across
 * a rounding boundary of the f16 conversion.
 */
export function expectClose(dtype: DType, gpu: BatchData, cpu: BatchData, what = 'output'): void {
  expect(gpu.length, `${what} length`).toBe(cpu.length);
  let bad = -1;
  for (let i = 0; i < cpu.length; i++) {
    const g = gpu[i];
    const c = cpu[i];
    const ok =
      dtype === 'float32'
        ? Math.abs(g - c) <= 1e-6 * Math.max(1, Math.abs(c)) || (Number.isNaN(g) && Number.isNaN(c))
        : dtype === 'float16'
          ? Math.abs(g - c) <= 1 && (g & 0x8000) === (c & 0x8000)
          : g === c;
    if (!ok) {
      bad = i;
      break;
    }
  }
  if (bad >= 0) expect.fail(`${what}[${bad}]: gpu ${gpu[bad]} vs cpu ${cpu[bad]} (${dtype})`);
}

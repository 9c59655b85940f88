// Message helpers shared by every check (src/validate.ts, src/shape.ts), on the CPU alone.
import { describe, expect, it } from 'vitest';
import { checkLabelShape } from '../../src/shape.js';
import { usageFlags } from '../../src/validate.js';

describe('usageFlags', () => {
  it('names the flags as GPUBufferUsage spells them, with the number WebGPU reports', () => {
    // The spec's values: MAP_READ 1, COPY_SRC 4, COPY_DST 8, UNIFORM 0x40, STORAGE 0x80, QUERY_RESOLVE 0x200.
    expect(usageFlags(0x1 | 0x8)).toBe('usage MAP_READ | COPY_DST (0x9)');
    expect(usageFlags(0x80 | 0x4 | 0x8)).toBe('usage COPY_SRC | COPY_DST | STORAGE (0x8c)');
    expect(usageFlags(0x40 | 0x200)).toBe('usage UNIFORM | QUERY_RESOLVE (0x240)');
    expect(usageFlags(0)).toBe('usage none (0x0)');
    expect(usageFlags(0x800 | 0x2)).toBe('usage MAP_WRITE | 0x800 (0x802)');
  });
});

describe('checkLabelShape', () => {
  const check = (shape: unknown, dtype: 'int32' | 'float32', bytes?: number) => () =>
    checkLabelShape('labels.shape', shape, dtype, 4, 10, bytes);
  it('accepts [B] (or nothing) for ids and exactly [B, K] for float32 targets', () => {
    expect(check(undefined, 'int32')).not.toThrow();
    expect(check([4], 'int32')).not.toThrow();
    expect(check([4, 10], 'float32')).not.toThrow();
  });
  it.each([
    [
      'float32 of another width',
      [4, 20],
      'float32',
      undefined,
      /labels\.shape must be \[4, 10\] \(float32 soft targets: batch x numClasses\), got \[4, 20\]$/,
    ],
    ['float32 of another batch', [5, 10], 'float32', undefined, /got \[5, 10\]$/],
    [
      'float32 without a shape',
      undefined,
      'float32',
      4096,
      /; a buffer's size does not tell their width\), got undefined$/,
    ],
    ['float32 [B]', [4], 'float32', undefined, /got \[4\]: did you mean int32 class ids\?$/],
    [
      'float32 buffer of B floats, no shape',
      undefined,
      'float32',
      16,
      /got undefined \(the buffer holds 4 floats, one per sample: did you mean int32 class ids\?\)$/,
    ],
    [
      'ids [B, 1]',
      [4, 1],
      'int32',
      undefined,
      /labels\.shape must be \[4\] \(int32 class ids, one per sample; one-hot or soft targets \[B, K\] are dtype 'float32'\), got \[4, 1\]$/,
    ],
    ['ids of another batch', [3], 'int32', undefined, /got \[3\]$/],
    ['a number', 4, 'int32', undefined, /got 4$/],
  ] as const)('rejects %s', (_name, shape, dtype, bytes, message) => {
    expect(check(shape, dtype, bytes)).toThrow(message);
  });
});

import { describe, expect, it } from 'vitest';
import { Philox, philox4x32, philoxEngine } from '../../src/rng.js';

describe('Philox in the browser', () => {
  it('streams compute their blocks in WebAssembly here, with the words of the JavaScript block function', () => {
    expect(philoxEngine()).toBe('wasm');
    const rng = new Philox(2 ** 40 + 3, 9, 2);
    const key = [3, 2 ** 8];
    const expected: number[] = [];
    for (let block = 0; block < 50; block++) expected.push(...philox4x32([block, 0, 9, 2], key));
    expect(Array.from({ length: 200 }, () => rng.nextU32())).toEqual(expected);
  });
});

// Rules of the pairing checks that Stryker found unguarded (npm run test:stryker, src/pairing.ts):
// - a permutation of [0, n) holds integers in [0, n) only: fractions and negative numbers are not
//   indices, even where a typed-array lookup of them would quietly answer `undefined`;
// - in pair mode, a given partner array is checked at every index, not only the first;
// - a pairing that is neither a known name nor an array is refused as such, whatever its length.
import { describe, expect, it } from 'vitest';
import { isPermutation, partnerFor } from '../../src/pairing.js';
import { Philox } from '../../src/rng.js';

describe('pairing checks', () => {
  it('isPermutation refuses fractions and negative entries', () => {
    expect(isPermutation([0.5, 0])).toBe(false);
    expect(isPermutation([1, 0.5])).toBe(false);
    expect(isPermutation([-1, 0])).toBe(false);
    expect(isPermutation([1, -1])).toBe(false);
    expect(isPermutation([1, 0])).toBe(true);
  });

  it('pair mode checks a given partner array at every index: an unpaired entry after a good pair is refused', () => {
    // 0 <-> 1 is a pair; 2 -> 3 but 3 -> 3.
    expect(() => partnerFor([1, 0, 3, 3], 4, new Philox(1), 'pair')).toThrow(
      /options\.pairing must be an involution in 'pair' mode.*partner\[2\] = 3 but partner\[3\] = 3/,
    );
    expect(Array.from(partnerFor([1, 0, 3, 2], 4, new Philox(1), 'pair'))).toEqual([1, 0, 3, 2]);
  });

  it('an unknown pairing name is refused as a pairing, not as an array of the wrong length', () => {
    for (const bad of ['swap', 'flip!', 'abcd']) {
      expect(() => partnerFor(bad as never, 4, new Philox(1), 'batch')).toThrow(
        /options\.pairing must be 'flip', 'roll', 'shuffle' or an array of partner indices/,
      );
    }
  });
});

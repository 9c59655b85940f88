import { describe, it, expect } from 'vitest';
import { resolveOptions } from '../../src/options.js';
import { MixupError } from '../../src/errors.js';
import type { MixOptions } from '../../src/types.js';

describe('resolveOptions defaults (timm Mixup)', () => {
  it('fills in timm defaults, plus flip pairing, seed 0 and stream 0', () => {
    expect(resolveOptions()).toEqual({
      mixupAlpha: 1,
      cutmixAlpha: 0,
      cutmixMinMax: null,
      prob: 1,
      switchProb: 0.5,
      mode: 'batch',
      correctLam: true,
      labelSmoothing: 0.1,
      numClasses: 1000,
      pairing: 'flip',
      seed: 0,
      stream: 0,
      // ResizeMix (mmpretrain's lam_min 0.1, lam_max 0.8, bilinear) and FMix (δ = 3) off by default.
      resizemixAlpha: 0,
      resizemixLam: [0.1, 0.8],
      resizemixMode: 'bilinear',
      fmixAlpha: 0,
      fmixDecay: 3,
      fmixSize: [32, 32],
      methodWeights: null,
    });
    expect(resolveOptions({})).toEqual(resolveOptions());
  });

  it('keeps given values and treats undefined as "use the default"', () => {
    const o = resolveOptions({
      mixupAlpha: 0.2,
      cutmixAlpha: 1,
      mode: 'elem',
      seed: 7,
      stream: 3,
      correctLam: false,
      prob: undefined,
    });
    expect(o).toMatchObject({
      mixupAlpha: 0.2,
      cutmixAlpha: 1,
      prob: 1,
      mode: 'elem',
      seed: 7,
      stream: 3,
      correctLam: false,
    });
  });

  it('forces cutmixAlpha to 1 when cutmixMinMax is set, as timm does', () => {
    expect(resolveOptions({ cutmixMinMax: [0.2, 0.8] }).cutmixAlpha).toBe(1);
    expect(resolveOptions({ cutmixAlpha: 0.3, cutmixMinMax: [0.2, 0.8] }).cutmixAlpha).toBe(1);
    expect(resolveOptions({ mixupAlpha: 0, cutmixMinMax: [0.2, 0.8] }).cutmixMinMax).toEqual([0.2, 0.8]);
  });

  it('is frozen, and copies an explicit pairing so later edits of the input do not leak in', () => {
    const pairing = [1, 0];
    const o = resolveOptions({ pairing });
    pairing[0] = 0;
    expect(Object.isFrozen(o)).toBe(true);
    expect(Array.from(o.pairing as Uint32Array)).toEqual([1, 0]);
  });

  it('accepts the extremes of every range', () => {
    expect(() => resolveOptions({ prob: 0, switchProb: 1, labelSmoothing: 0, numClasses: 1 })).not.toThrow();
    expect(() =>
      resolveOptions({ prob: 1, switchProb: 0, labelSmoothing: 1, seed: Number.MAX_SAFE_INTEGER, stream: 2 ** 32 - 1 }),
    ).not.toThrow();
  });
});

describe('resolveOptions rejects each bad option, naming it', () => {
  const bad = (options: unknown) => () => resolveOptions(options as MixOptions);

  it('mixupAlpha and cutmixAlpha: negative, NaN or infinite', () => {
    for (const v of [-0.1, NaN, Infinity, '1']) {
      expect(bad({ mixupAlpha: v })).toThrow(/options\.mixupAlpha must be a finite number >= 0/);
      expect(bad({ cutmixAlpha: v })).toThrow(/options\.cutmixAlpha/);
    }
    expect(bad({ mixupAlpha: -1 })).toThrow(MixupError);
  });

  it('prob and switchProb: outside [0, 1] or NaN', () => {
    for (const v of [-0.01, 1.01, NaN]) {
      expect(bad({ prob: v })).toThrow(/options\.prob must be a finite number in \[0, 1\]/);
      expect(bad({ switchProb: v })).toThrow(/options\.switchProb/);
    }
  });

  it('cutmixMinMax: not two finite numbers with 0 < min < max < 1', () => {
    for (const v of [
      [0.8, 0.2],
      [0.5, 0.5],
      [0, 0.5],
      [0.5, 1],
      [-0.1, 0.5],
      [0.2, NaN],
      [0.2],
      [0.1, 0.2, 0.3],
      0.5,
      'a',
    ]) {
      expect(bad({ cutmixMinMax: v })).toThrow(/options\.cutmixMinMax must be \[min, max\] with 0 < min < max < 1/);
    }
  });

  it('labelSmoothing outside [0, 1]', () => {
    expect(bad({ labelSmoothing: -0.1 })).toThrow(/options\.labelSmoothing/);
    expect(bad({ labelSmoothing: 1.5 })).toThrow(/options\.labelSmoothing/);
  });

  it('numClasses not an integer >= 1', () => {
    for (const v of [0, 2.5, -3, NaN])
      expect(bad({ numClasses: v })).toThrow(/options\.numClasses must be an integer >= 1/);
  });

  it('mode not batch, pair or elem', () => {
    expect(bad({ mode: 'sample' })).toThrow(/options\.mode must be 'batch', 'pair' or 'elem', got "sample"/);
  });

  it('correctLam not a boolean', () => {
    expect(bad({ correctLam: 1 })).toThrow(/options\.correctLam must be a boolean/);
  });

  it('seed not a safe integer >= 0', () => {
    for (const v of [-1, 0.5, 2 ** 53, NaN]) expect(bad({ seed: v })).toThrow(/options\.seed/);
  });

  it('stream not an integer in [0, 2^32 - 1]', () => {
    for (const v of [-1, 2 ** 32, 1.5])
      expect(bad({ stream: v })).toThrow(/options\.stream must be an integer in \[0, 4294967295\]/);
  });

  it('pairing: unknown name, bad entries, or not an involution in pair mode', () => {
    expect(bad({ pairing: 'reverse' })).toThrow(/options\.pairing/);
    expect(bad({ pairing: [] })).toThrow(/options\.pairing/);
    expect(bad({ pairing: [0, 2] })).toThrow(/options\.pairing\[1\]/);
    expect(bad({ pairing: [1, 2, 0], mode: 'pair' })).toThrow(/options\.pairing.*involution/);
    expect(() => resolveOptions({ pairing: [1, 2, 0], mode: 'elem' })).not.toThrow();
  });

  it('null where a number is expected (only undefined means default)', () => {
    expect(bad({ mixupAlpha: null })).toThrow(/options\.mixupAlpha/);
  });

  it('unknown keys, with a hint for a snake_case spelling', () => {
    expect(bad({ mixup_alpha: 0.2 })).toThrow(
      /options\.mixup_alpha must be a known option \(did you mean mixupAlpha\?\)/,
    );
    expect(bad({ alpha: 0.2 })).toThrow(/options\.alpha must be one of the known options/);
  });

  it('neither mixup nor CutMix enabled', () => {
    expect(bad({ mixupAlpha: 0 })).toThrow(
      /options\.mixupAlpha must be > 0 unless CutMix is enabled \(cutmixAlpha > 0 or cutmixMinMax set\)/,
    );
    expect(bad({ mixupAlpha: 0, cutmixAlpha: 0, cutmixMinMax: null })).toThrow(MixupError);
  });

  it('options that are not an object', () => {
    expect(bad(null)).toThrow(/\boptions must be an object/);
    expect(bad([1])).toThrow(/\boptions must be an object/);
    expect(bad(3)).toThrow(/\boptions must be an object/);
  });
});

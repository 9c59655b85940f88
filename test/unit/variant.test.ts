// Kernel variants are interned (one frozen object per canonical variant, its key made once), so a
// loop builds no variant or key per call. These tests pin that interning never merges variants
// whose code differs and never splits equal ones: the canonical rules are written out here.
import { describe, expect, it } from 'vitest';
import { CoefficientsMemo, normalizeCoefficients } from '../../src/formulas.js';
import { BATCH_ENTRIES, batchKey, imagesVariant, softVariant } from '../../src/gpu/variant.js';
import type { BatchVariant } from '../../src/gpu/variant.js';
import type { DType, Layout } from '../../src/types.js';

const DTYPES: DType[] = ['uint8', 'float16', 'float32'];
const LAYOUTS: Layout[] = ['NCHW', 'NHWC', 'rows'];
const bools = [false, true];

/** The canonical fields of an images variant, by the rules in variant.ts's doc comments. */
function expectedImages(c: {
  inDtype: DType;
  outDtype: DType;
  inPlace: boolean;
  normalize: boolean;
  layout: Layout;
  n: number;
  width: number;
  blend: boolean;
  paste: boolean;
  mask: 'bits' | 'soft' | null;
  windowed: boolean;
  srcSplit: boolean;
  dstWindowed: boolean;
  dstSplit: boolean;
}): BatchVariant {
  const rows = c.layout === 'rows';
  const split = !c.windowed && !c.inPlace;
  return {
    inDtype: c.inDtype,
    outDtype: c.outDtype,
    vec4: c.n % 4 === 0,
    inPlace: c.inPlace,
    layout: c.layout,
    normalize: c.normalize,
    blendOnly: false,
    windowed: c.windowed,
    srcSplit: split && c.srcSplit,
    dstWindowed: split && c.dstWindowed,
    // A split output and output windows exclude each other: windows win.
    dstSplit: split && !c.dstWindowed && c.dstSplit,
    blend: c.blend,
    paste: c.paste && !rows,
    rowAligned: c.layout !== 'NHWC' && c.width % 4 === 0,
    mask: rows ? null : c.mask,
  };
}

/** Every combination of an images variant's inputs (n and width chosen to cover vec4 and row alignment). */
function* imageCases() {
  for (const inDtype of DTYPES)
    for (const outDtype of DTYPES)
      for (const layout of LAYOUTS)
        for (const [n, width] of [
          [48, 4],
          [45, 5],
        ])
          for (const inPlace of bools)
            for (const normalize of bools)
              for (const blend of bools)
                for (const paste of bools)
                  for (const mask of [null, 'bits', 'soft'] as const)
                    for (const windowed of bools)
                      for (const srcSplit of bools)
                        for (const dstWindowed of bools)
                          for (const dstSplit of bools)
                            yield {
                              inDtype,
                              outDtype,
                              layout,
                              n,
                              width,
                              inPlace,
                              normalize,
                              blend,
                              paste,
                              mask,
                              windowed,
                              srcSplit,
                              dstWindowed,
                              dstSplit,
                            };
}

const build = (c: Parameters<typeof expectedImages>[0]) =>
  imagesVariant(c, { blend: c.blend, paste: c.paste, mask: c.mask }, c);

describe('kernel variants are interned', () => {
  it('one frozen object per canonical variant, and its keys tell exactly the distinct variants apart', () => {
    const byKey = new Map<string, string>();
    const byCanonical = new Map<string, BatchVariant>();
    let cases = 0;
    // Mismatches are collected and compared once (an expect per case would take minutes).
    const wrong: string[] = [];
    for (const c of imageCases()) {
      cases++;
      const v = build(c);
      const canonical = JSON.stringify(expectedImages(c));
      if (JSON.stringify(v) !== canonical) wrong.push(`fields of ${JSON.stringify(c)}: ${JSON.stringify(v)}`);
      if (!Object.isFrozen(v)) wrong.push(`not frozen: ${canonical}`);
      // The same inputs again, and any inputs with the same canonical fields, give the same object.
      if (build({ ...c }) !== v) wrong.push(`rebuilt: ${canonical}`);
      const seen = byCanonical.get(canonical);
      if (!seen) byCanonical.set(canonical, v);
      else if (seen !== v) wrong.push(`two objects for ${canonical}`);
      for (const entry of BATCH_ENTRIES) {
        const key = batchKey(v, entry);
        if (batchKey(v, entry) !== key) wrong.push(`key remade: ${key}`);
        // A key names one canonical variant and entry, never two.
        const other = byKey.get(key);
        if (other === undefined) byKey.set(key, `${canonical}:${entry}`);
        else if (other !== `${canonical}:${entry}`) wrong.push(`key ${key} for ${other} and ${canonical}:${entry}`);
      }
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    // Distinct canonical variants have distinct keys (one per entry point).
    expect(byKey.size).toBe(byCanonical.size * BATCH_ENTRIES.length);
    expect(cases).toBeGreaterThan(byCanonical.size);
  });

  it('soft-target variants: every mixed kind blends, no paste or mask, keyed apart from images', () => {
    const whole = { windowed: false, srcSplit: false, dstWindowed: false, dstSplit: false };
    const a = softVariant(8, { blend: false, paste: true }, whole);
    expect(a).toBe(softVariant(8, { blend: true, paste: false }, whole));
    expect(a).toMatchObject({ blend: true, paste: false, blendOnly: true, layout: 'rows', vec4: true, mask: null });
    expect(softVariant(8, { blend: false, paste: false }, whole).blend).toBe(false);
    expect(softVariant(6, { blend: true, paste: false }, whole)).not.toBe(a);
    const rowsImages = imagesVariant(
      { inDtype: 'float32', outDtype: 'float32', inPlace: false, normalize: false, layout: 'rows', n: 8, width: 8 },
      { blend: true, paste: false },
      whole,
    );
    expect(batchKey(rowsImages, 'main_walk')).not.toBe(batchKey(a, 'main_walk'));
  });
});

describe('CoefficientsMemo', () => {
  const imagenet = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

  it('gives the coefficients of the numbers it is passed, made once while they stay the same', () => {
    const memo = new CoefficientsMemo();
    const first = memo.of('options.normalize', imagenet, 3);
    expect(first).toEqual(normalizeCoefficients(imagenet, 3));
    expect(memo.of('options.normalize', { mean: [...imagenet.mean], std: [...imagenet.std] }, 3)).toBe(first);
  });

  it('sees numbers changed in place in the same arrays, and other channel counts', () => {
    const memo = new CoefficientsMemo();
    const norm = { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] };
    const before = memo.of('options.normalize', norm, 3);
    norm.std[2] = 0.5;
    const after = memo.of('options.normalize', norm, 3);
    expect(after).toEqual(normalizeCoefficients({ mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.5] }, 3));
    expect(after.scale[2]).not.toBe(before.scale[2]);
    expect(memo.of('options.normalize', { mean: [0.5], std: [0.25] }, 1)).toEqual(
      normalizeCoefficients({ mean: [0.5], std: [0.25] }, 1),
    );
    // Back to three channels: the numbers of the three-channel call before, not the one-channel ones.
    expect(memo.of('options.normalize', norm, 3)).toEqual(after);
  });

  it('still checks every call: a value made bad after a good call is refused', () => {
    const memo = new CoefficientsMemo();
    const norm = { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] };
    memo.of('options.normalize', norm, 3);
    norm.mean[1] = 123.675;
    expect(() => memo.of('options.normalize', norm, 3)).toThrow(/options\.normalize\.mean\[1\].*0-255 units/);
  });
});

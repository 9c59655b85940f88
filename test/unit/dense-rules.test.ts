// The rules of dense targets (src/dense.ts) and the CPU reference of dense maps (mixDenseCpu):
// what an integer map may take of a plan, and hand-computed mixed maps.
import { describe, expect, it } from 'vitest';
import { canDrawBlends, checkDrawableForDense, denseResize, denseRules } from '../../src/dense.js';
import { MixupError } from '../../src/errors.js';
import { resolveOptions } from '../../src/options.js';
import { mixDenseCpu } from '../../src/reference.js';
import type { MixOptions, MixPlan, PlanMasks } from '../../src/types.js';

const f = Math.fround;

/** A hand-written plan; `box` 4 per sample (y0, y1, x0, x1), zeros by default. */
function makePlan(kind: number[], lam: number[], partner: number[], box?: number[]): MixPlan {
  return {
    kind: Uint8Array.from(kind),
    lam: Float32Array.from(lam),
    partner: Uint32Array.from(partner),
    box: Int32Array.from(box ?? new Array<number>(4 * kind.length).fill(0)),
  };
}

function mixupError(fn: () => unknown): MixupError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MixupError);
    return e as MixupError;
  }
  throw new Error('expected a MixupError, nothing was thrown');
}

const softMasks = (B: number): PlanMasks => ({
  format: 'soft',
  count: 1,
  height: 1,
  width: 1,
  data: Float32Array.from([0.5]),
  index: new Uint32Array(B),
});
const bitMasks = (B: number): PlanMasks => ({
  format: 'bits',
  count: 1,
  height: 1,
  width: 1,
  data: Uint32Array.from([1]),
  index: new Uint32Array(B),
});

describe('denseRules: what an integer map can take', () => {
  it('rejects a mixup blend, naming the argument and the sample', () => {
    const plan = makePlan([2, 0, 0, 1], [0.5, 1, 1, 0.3], [1, 1, 2, 0]);
    const e = mixupError(() => denseRules('inputs.dense[2]', plan, true));
    expect(e.argument).toBe('inputs.dense[2]');
    expect(e.message).toContain('sample 3 of the plan is a mixup blend (kind 1)');
    expect(e.message).toContain('integer: false');
  });

  it('rejects a soft mask (kind 4 with soft masks), naming the sample and its mask', () => {
    const plan = { ...makePlan([0, 4], [1, 0.5], [0, 0]), masks: softMasks(2) };
    const e = mixupError(() => denseRules('map', plan, true));
    expect(e.argument).toBe('map');
    expect(e.message).toContain('sample 1 of the plan is a soft mask (kind 4, plan.masks.index[1] 0)');
  });

  it('takes soft masks a plan holds when no sample is kind 4, and binary masks', () => {
    const idle = { ...makePlan([0, 2], [1, 0.5], [0, 0], [0, 0, 0, 0, 0, 1, 0, 1]), masks: softMasks(2) };
    expect(denseRules('map', idle, true)).toBe('nearest');
    const bits = { ...makePlan([4, 4], [1, 1], [1, 0]), masks: bitMasks(2) };
    expect(denseRules('map', bits, true)).toBe('nearest');
  });

  it('takes pastes (kinds 0, 2, 3) on integer maps and everything on float maps', () => {
    const pastes = makePlan([0, 2, 3], [1, 0.5, 0.5], [0, 2, 1]);
    expect(() => denseRules('map', pastes, true)).not.toThrow();
    const blends = { ...makePlan([1, 4, 2], [0.5, 0.5, 0.5], [1, 0, 0]), masks: softMasks(3) };
    expect(denseRules('map', blends, false)).toBe('bilinear');
  });

  it('resamples ResizeMix with nearest on integer maps, as the plan says on float maps', () => {
    const plan = (resize?: 'bilinear' | 'nearest') => ({ ...makePlan([3], [0.5], [0]), resize });
    for (const resize of [undefined, 'bilinear', 'nearest'] as const) {
      expect(denseResize(plan(resize), true)).toBe('nearest');
      expect(denseRules('map', plan(resize), true)).toBe('nearest');
      expect(denseResize(plan(resize), false)).toBe(resize ?? 'bilinear');
      expect(denseRules('map', plan(resize), false)).toBe(resize ?? 'bilinear');
    }
  });
});

describe('drawn plans and integer maps', () => {
  const can = (o: MixOptions) => canDrawBlends(resolveOptions(o));
  it('knows which options can draw a blend', () => {
    expect(can({})).toBe(true); // timm's default: mixup α = 1
    expect(can({ mixupAlpha: 0, cutmixAlpha: 1 })).toBe(false);
    expect(can({ mixupAlpha: 1, cutmixAlpha: 1, switchProb: 1 })).toBe(false);
    expect(can({ mixupAlpha: 1, cutmixAlpha: 1, switchProb: 0.99 })).toBe(true);
    expect(can({ mixupAlpha: 1, cutmixAlpha: 0, switchProb: 1 })).toBe(true); // the switch needs both on
    expect(can({ mixupAlpha: 1, prob: 0 })).toBe(false);
  });

  it('follows a weighted choice among methods where the options have one (mixup weighted 0 is never drawn)', () => {
    const weighted = (mixup: number | undefined) =>
      canDrawBlends({
        ...resolveOptions({ mixupAlpha: 1, cutmixAlpha: 1, switchProb: 1 }),
        methodWeights: { mixup, cutmix: 1 },
      } as never);
    expect(weighted(0)).toBe(false);
    expect(weighted(2)).toBe(true); // switchProb no longer decides
    expect(weighted(undefined)).toBe(true); // not said: taken as drawable (the call is rejected, not blended)
  });

  it('rejects an integer map when the options can draw a blend, saying how to fix it', () => {
    const e = mixupError(() => checkDrawableForDense('inputs.dense[0]', resolveOptions({ mixupAlpha: 0.2 }), true));
    expect(e.argument).toBe('inputs.dense[0]');
    expect(e.message).toContain('mixupAlpha 0.2');
    expect(e.message).toContain('mixupAlpha: 0');
    expect(e.message).toContain('explicit plan');
    expect(() => checkDrawableForDense('m', resolveOptions({ mixupAlpha: 0.2 }), false)).not.toThrow();
    expect(() => checkDrawableForDense('m', resolveOptions({ mixupAlpha: 0, cutmixAlpha: 1 }), true)).not.toThrow();
  });
});

describe('mixDenseCpu', () => {
  // Two 1-channel 2 x 3 maps: sample 0 holds 0..5, sample 1 holds 10..15 (row-major).
  const shape = { layout: 'NCHW', batch: 2, channels: 1, height: 2, width: 3 } as const;
  const ids = Uint8Array.from([0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15]);

  it('pastes a CutMix box of the partner into an integer map, by hand', () => {
    // Sample 0 takes rows [0, 1) x columns [1, 3) from sample 1; sample 1 is unchanged.
    const plan = makePlan([2, 0], [f(1 - 2 / 6), 1], [1, 1], [0, 1, 1, 3, 0, 0, 0, 0]);
    const out = mixDenseCpu({ data: ids, dtype: 'uint8', shape }, plan);
    expect(Array.from(out)).toEqual([0, 11, 12, 3, 4, 5, 10, 11, 12, 13, 14, 15]);
    expect(out).toBeInstanceOf(Uint8Array);
  });

  it('pastes whole pixels of a 2-channel NHWC map, by hand', () => {
    const nhwc = { layout: 'NHWC', batch: 2, channels: 2, height: 1, width: 2 } as const;
    // Pixel (0, 1) of sample 1 comes from sample 0, both channels.
    const data = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const plan = makePlan([0, 2], [1, 0.5], [1, 0], [0, 0, 0, 0, 0, 1, 1, 2]);
    const out = mixDenseCpu({ data, dtype: 'float32', shape: nhwc }, plan, { integer: true });
    expect(Array.from(out)).toEqual([1, 2, 3, 4, 5, 6, 3, 4]);
  });

  it('blends a float map with lam, rounded as the images are', () => {
    const data = Float32Array.from([0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15]);
    const lam = 0.3;
    const plan = makePlan([1, 0], [lam, 1], [1, 1]);
    const out = mixDenseCpu({ data, dtype: 'float32', shape }, plan);
    const want = [0, 1, 2, 3, 4, 5].map((a) => f(f(a * f(lam)) + f((a + 10) * f(1 - f(lam)))));
    expect(Array.from(out.subarray(0, 6))).toEqual(want);
    expect(Array.from(out.subarray(6))).toEqual([10, 11, 12, 13, 14, 15]);
  });

  it('rejects blends on uint8 maps by default, and on float maps declared integer', () => {
    const plan = makePlan([0, 1], [1, 0.5], [1, 0]);
    const e = mixupError(() => mixDenseCpu({ data: ids, dtype: 'uint8', shape }, plan));
    expect(e.argument).toBe('map');
    expect(e.message).toContain('sample 1');
    const floats = Float32Array.from(ids);
    expect(() => mixDenseCpu({ data: floats, dtype: 'float32', shape }, plan)).not.toThrow();
    expect(
      mixupError(() => mixDenseCpu({ data: floats, dtype: 'float32', shape }, plan, { integer: true })).argument,
    ).toBe('map');
    // uint8 declared float: blended and rounded like uint8 images.
    const out = mixDenseCpu({ data: ids, dtype: 'uint8', shape }, plan, { integer: false });
    expect(out[6]).toBe(5); // 0.5·10 + 0.5·0
  });

  it('checks its arguments', () => {
    const plan = makePlan([0, 0], [1, 1], [0, 1]);
    const rows = { layout: 'rows', batch: 2, features: 6 } as const;
    expect(mixupError(() => mixDenseCpu({ data: ids, dtype: 'uint8', shape: rows }, plan)).argument).toBe(
      'map.shape.layout',
    );
    expect(mixupError(() => mixDenseCpu({ data: ids.subarray(1), dtype: 'uint8', shape }, plan)).argument).toBe(
      'map.data',
    );
    expect(mixupError(() => mixDenseCpu({ data: ids, dtype: 'float32', shape }, plan)).argument).toBe('map.data');
    expect(mixupError(() => mixDenseCpu(ids as never, plan)).message).toMatch(
      /^webgpu-mixup: map must be \{ data, dtype, shape \} \(the typed array goes in its data field.*got Uint8Array\(12\)$/,
    );
    expect(
      mixupError(() => mixDenseCpu({ data: ids, dtype: 'uint8', shape }, plan, { intger: true } as never)).argument,
    ).toBe('options.intger');
    expect(mixupError(() => mixDenseCpu({ data: ids, dtype: 'uint8', shape }, makePlan([0], [1], [0]))).argument).toBe(
      'plan.kind',
    );
  });
});

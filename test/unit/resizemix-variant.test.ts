// ResizeMix's pass as the host assembles it: valid WGSL that declares what the host binds, the
// resampling mode as a constant, and cache keys that tell apart exactly the code that differs.
import { WgslReflect } from 'wgsl_reflect/wgsl_reflect.module.js';
import { describe, expect, it } from 'vitest';
import { ResizeBindings, ResizeSampleLayout } from '../../src/gpu/layouts.generated.js';
import { resizeShaderCode } from '../../src/gpu/shaders.js';
import {
  drawableResizeModes,
  imagesVariant,
  planKinds,
  resizeKey,
  resizeVariant,
  softVariant,
} from '../../src/gpu/variant.js';
import type { ResolvedMixOptions } from '../../src/options.js';
import { resolveOptions } from '../../src/options.js';
import type { DType } from '../../src/types.js';

const call = (inDtype: DType, outDtype: DType) => ({
  inDtype,
  outDtype,
  inPlace: false,
  normalize: inDtype === 'uint8' && outDtype !== 'uint8',
  layout: 'NCHW' as const,
  n: 3 * 5 * 7,
  width: 7,
});
const whole = { windowed: false, srcSplit: false, dstWindowed: false, dstSplit: false };

describe('ResizeMix pass variants', () => {
  for (const inDtype of ['float32', 'float16', 'uint8'] as const) {
    for (const outDtype of ['float32', 'float16', 'uint8'] as const) {
      it(`${inDtype} -> ${outDtype}: parses, binds the ResizeBindings table, one entry point`, () => {
        for (const binding of [
          whole,
          { ...whole, windowed: true },
          { ...whole, srcSplit: true, dstWindowed: true },
          { ...whole, srcSplit: true, dstSplit: true },
        ]) {
          const v = resizeVariant(
            imagesVariant(call(inDtype, outDtype), { blend: true, paste: true }, binding),
            'bilinear',
          );
          const reflect = new WgslReflect(resizeShaderCode(v));
          const declared = Object.fromEntries(reflect.storage.map((s) => [s.name, s.binding]));
          for (const [name, { binding: number }] of Object.entries(ResizeBindings))
            if (name !== 'params') expect(declared[name], name).toBe(number);
          expect(reflect.entry.compute.map((e) => e.name)).toEqual(['main']);
          // A split output is written through the helpers that pick dst or dst2; never dst2 otherwise.
          expect(resizeShaderCode(v).includes('dst2['), JSON.stringify(binding)).toBe(binding.dstSplit);
          expect(resizeShaderCode(v)).toMatch(/const NEAREST = false;/);
        }
      });
    }
  }

  it('the ResizeSample table is 4 words: sample, two float32 scales, padding', () => {
    expect(ResizeSampleLayout.size).toBe(16);
    expect(ResizeSampleLayout.fields.scale_y).toEqual({ offset: 4, type: 'f32' });
    expect(ResizeSampleLayout.fields.scale_x).toEqual({ offset: 8, type: 'f32' });
  });

  it('keys: one per mode and io, the batch-only flags cleared', () => {
    const io = (kinds: { blend: boolean; paste: boolean }) => imagesVariant(call('uint8', 'float32'), kinds, whole);
    const a = resizeKey(resizeVariant(io({ blend: true, paste: true }), 'bilinear'));
    expect(resizeKey(resizeVariant(io({ blend: false, paste: false }), 'bilinear'))).toBe(a);
    expect(resizeKey(resizeVariant(io({ blend: false, paste: false }), 'nearest'))).not.toBe(a);
    expect(resizeShaderCode(resizeVariant(io({ blend: false, paste: false }), 'nearest'))).toMatch(
      /const NEAREST = true;/,
    );
    const f16 = resizeKey(
      resizeVariant(imagesVariant(call('uint8', 'float16'), { blend: true, paste: true }, whole), 'bilinear'),
    );
    expect(f16).not.toBe(a);
  });

  it('planKinds sees kind 3, and soft targets then blend', () => {
    expect(planKinds(Uint8Array.from([0, 3]))).toEqual({ blend: false, paste: false, resize: true, mask: null });
    expect(planKinds(Uint8Array.from([0, 2])).resize).toBe(false);
    expect(softVariant(8, planKinds(Uint8Array.from([0, 3])), whole).blend).toBe(true);
    expect(softVariant(8, planKinds(Uint8Array.from([0, 0])), whole).blend).toBe(false);
  });

  it('the planner hook: no ResizeMix until resizemixAlpha > 0, then its mode (bilinear by default)', () => {
    const base = resolveOptions({});
    const withResize = (extra: object) => ({ ...base, ...extra }) as ResolvedMixOptions;
    expect(drawableResizeModes(base)).toEqual([]);
    expect(drawableResizeModes(withResize({ resizemixAlpha: 0 }))).toEqual([]);
    expect(drawableResizeModes(withResize({ resizemixAlpha: 1 }))).toEqual(['bilinear']);
    expect(drawableResizeModes(withResize({ resizemixAlpha: 0.5, resizemixMode: 'nearest' }))).toEqual(['nearest']);
  });
});

// The host's struct layouts are generated from the WGSL by reflection; this pins the committed file
// to the current shader, and checks the variants the host assembles are valid WGSL that declares
// what the host binds.
import { readFileSync } from 'node:fs';
import { WgslReflect } from 'wgsl_reflect/wgsl_reflect.module.js';
import { describe, expect, it } from 'vitest';
import { renderLayouts, SOURCE, TARGET } from '../../scripts/gen-layouts.mjs';
import { ParamsLayout, SamplePlanLayout } from '../../src/gpu/layouts.generated.js';
import { WORKGROUP_SIZE, batchShaderCode, dispatchSize, labelsShaderCode } from '../../src/gpu/shaders.js';
import type { DType } from '../../src/types.js';

describe('struct layouts from WGSL reflection', () => {
  it('src/gpu/layouts.generated.ts matches shaders/mix_common.wgsl', () => {
    expect(readFileSync(TARGET, 'utf8')).toBe(renderLayouts(readFileSync(SOURCE, 'utf8')));
  });

  it('SamplePlan and Params have the sizes and offsets WGSL alignment rules give', () => {
    expect(SamplePlanLayout.size).toBe(32);
    expect(SamplePlanLayout.fields.box).toEqual({ offset: 16, type: 'vec4<i32>' });
    expect(ParamsLayout.size % 4).toBe(0);
    expect(ParamsLayout.fields.label_off.type).toBe('f32');
  });
});

describe('assembled kernel variants', () => {
  const dtypes: DType[] = ['float32', 'float16', 'uint8'];
  for (const inDtype of dtypes) {
    for (const outDtype of dtypes) {
      for (const vec4 of [true, false]) {
        for (const mode of inDtype === outDtype ? ['copy', 'windowed', 'in place'] : ['copy', 'windowed']) {
          it(`${inDtype} -> ${outDtype} ${vec4 ? 'vec4' : 'scalar'} ${mode} parses and binds what the host binds`, () => {
            const inPlace = mode === 'in place';
            const windowed = mode === 'windowed';
            const code = batchShaderCode({ inDtype, outDtype, vec4, inPlace, windowed, layout: 'NHWC', normalize: true, blendOnly: false, blend: true, paste: true, rowAligned: false });
            const reflect = new WgslReflect(code);
            const names = reflect.storage.map((s) => s.name).sort();
            const inputs = inPlace ? [] : windowed ? ['src', 'src2'] : ['src'];
            expect(names).toEqual(['dst', 'norm', 'samples', 'segments', 'walk', ...inputs].sort());
            expect(reflect.uniforms.map((u) => u.name)).toEqual(['params']);
            expect(code.includes('enable f16;')).toBe(inDtype === 'float16' || outDtype === 'float16');
            expect(reflect.entry.compute.map((e) => e.name).sort()).toEqual(['main_pairs', 'main_singles', 'main_walk']);
            // Window arithmetic only where the batch is bound in windows.
            expect(code.includes('params.src2_base')).toBe(windowed);
            expect(code.includes('params.dst_shift')).toBe(windowed);
          });
        }
      }
    }
  }

  it('writes the variant as constants, so untaken paths are compiled out', () => {
    const code = batchShaderCode({ inDtype: 'uint8', outDtype: 'float32', vec4: true, inPlace: false, windowed: false, layout: 'NCHW', normalize: true, blendOnly: false, blend: true, paste: false, rowAligned: true });
    expect(code).toMatch(/const LAYOUT: u32 = 0u;/);
    expect(code).toMatch(/const NORMALIZE = true;/);
    expect(code).toMatch(/const HAS_PASTE = false;/);
    expect(code).not.toMatch(/\boverride\b/);
  });

  it('the labels kernel binds labels, targets, the plan and the bad-id counter', () => {
    const reflect = new WgslReflect(labelsShaderCode());
    expect(reflect.storage.map((s) => `${s.binding}:${s.name}`).sort()).toEqual(['1:labels', '2:targets', '3:samples', '4:bad_ids']);
  });
});

describe('dispatchSize', () => {
  it('uses the workgroup size the WGSL declares', () => {
    const declared = /const WORKGROUP_SIZE: u32 = (\d+)u;/.exec(readFileSync(SOURCE, 'utf8'));
    expect(Number(declared?.[1])).toBe(WORKGROUP_SIZE);
  });

  it('stays 1-D up to the per-dimension limit and folds into 2-D past it', () => {
    expect(dispatchSize(256 * 65_535, 65_535)).toEqual([65_535, 1]);
    const [x, y] = dispatchSize(256 * 65_535 + 1, 65_535);
    expect(y).toBe(2);
    expect(x * y * 256).toBeGreaterThanOrEqual(256 * 65_535 + 1);
    expect(x).toBeLessThanOrEqual(65_535);
    expect(dispatchSize(0, 65_535)).toEqual([1, 1]);
  });
});

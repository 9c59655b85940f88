// The host's struct layouts are generated from the WGSL by reflection; this pins the committed file
// to the current shader, and checks the variants the host assembles are valid WGSL that declares
// what the host binds.
import { readFileSync } from 'node:fs';
import { WgslReflect } from 'wgsl_reflect/wgsl_reflect.module.js';
import { describe, expect, it } from 'vitest';
import { bindingsFromWgsl, renderFromDisk, SOURCE, TARGET } from '../../scripts/gen-layouts.mjs';
import {
  BatchBindings,
  LabelsBindings,
  ParamsLayout,
  ResizeBindings,
  SamplePlanLayout,
} from '../../src/gpu/layouts.generated.js';
import { WORKGROUP_SIZE, batchShaderCode, dispatchSize, labelsShaderCode } from '../../src/gpu/shaders.js';
import type { DType } from '../../src/types.js';

describe('struct layouts from WGSL reflection', () => {
  it('src/gpu/layouts.generated.ts matches the shaders', () => {
    expect(readFileSync(TARGET, 'utf8')).toBe(renderFromDisk());
  });

  it('binding tables: each number means one thing across the kernels, and the bad-id counter has its own', () => {
    const meaning = new Map<number, string>();
    // The input and output roles share numbers across kernels (1 reads, 2 writes); nothing else does.
    const role = (name: string) => ({ src: 'input', labels: 'input', dst: 'output', targets: 'output' })[name] ?? name;
    for (const table of [BatchBindings, LabelsBindings, ResizeBindings] as Record<string, { binding: number }>[]) {
      for (const [name, { binding }] of Object.entries(table)) {
        expect(meaning.get(binding) ?? role(name), `binding ${binding}`).toBe(role(name));
        meaning.set(binding, role(name));
      }
    }
    expect(LabelsBindings.bad_ids).toEqual({ binding: 8, type: 'storage' });
    expect(BatchBindings.src2.type).toBe('read-only-storage');
    expect(() =>
      bindingsFromWgsl(
        '@group(0) @binding(1) var<storage, read> a: array<u32>;\n@group(0) @binding(1) var<storage, read> b: array<u32>;',
      ),
    ).toThrow(/binding 1 declared twice/);
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
        for (const mode of inDtype === outDtype
          ? ['copy', 'windowed', 'split', 'split output', 'in place']
          : ['copy', 'windowed', 'split', 'split output']) {
          it(`${inDtype} -> ${outDtype} ${vec4 ? 'vec4' : 'scalar'} ${mode} parses and binds what the host binds`, () => {
            const inPlace = mode === 'in place';
            const windowed = mode === 'windowed';
            const split = mode === 'split';
            const splitOutput = mode === 'split output';
            const code = batchShaderCode({
              inDtype,
              outDtype,
              vec4,
              inPlace,
              windowed,
              srcSplit: split || splitOutput,
              dstWindowed: split,
              dstSplit: splitOutput,
              layout: 'NHWC',
              normalize: true,
              blendOnly: false,
              blend: true,
              paste: true,
              rowAligned: false,
              mask: vec4 ? 'bits' : 'soft',
            });
            const reflect = new WgslReflect(code);
            // Every binding is declared (the table is one for all variants); only these are used.
            const names = reflect.storage.map((s) => s.name).sort();
            expect(names).toEqual(['dst', 'dst2', 'masks', 'norm', 'samples', 'src', 'src2', 'walk']);
            // 8 storage buffers: the default maxStorageBuffersPerShaderStage.
            expect(names).toHaveLength(8);
            expect(code.includes('load_src2(')).toBe(windowed);
            // A split input is read through the helper that picks its binding.
            expect(code.includes('src_at(')).toBe(split || splitOutput);
            // A split output is stored through the helpers that pick dst or dst2, and only there.
            const stores = code.slice(code.indexOf('fn store4('));
            expect(/\bdst2?\[/.test(stores), 'stores index dst directly').toBe(!splitOutput);
            expect(/\bdst2\[/.test(code)).toBe(splitOutput);
            expect(/load_src\(/.test(code)).toBe(!inPlace);
            expect(reflect.uniforms.map((u) => u.name)).toEqual(['params']);
            // float16 travels as u32 words (core WGSL): never the shader-f16 extension.
            expect(code.includes('enable f16')).toBe(false);
            expect(code.includes('fn f16_bits(')).toBe(inDtype === 'float16' || outDtype === 'float16');
            expect(reflect.entry.compute.map((e) => e.name).sort()).toEqual([
              'main_pairs',
              'main_singles',
              'main_walk',
            ]);
            // Window arithmetic only where the batch is bound in windows.
            expect(code.includes('params.src2_base')).toBe(windowed);
            expect(code.includes('params.dst_shift')).toBe(windowed || split);
          });
        }
      }
    }
  }

  it('writes the variant as constants, so untaken paths are compiled out', () => {
    const code = batchShaderCode({
      inDtype: 'uint8',
      outDtype: 'float32',
      vec4: true,
      inPlace: false,
      windowed: false,
      srcSplit: false,
      dstWindowed: false,
      dstSplit: false,
      layout: 'NCHW',
      normalize: true,
      blendOnly: false,
      blend: true,
      paste: false,
      rowAligned: true,
      mask: null,
    });
    expect(code).toMatch(/const LAYOUT: u32 = 0u;/);
    expect(code).toMatch(/const NORMALIZE = true;/);
    expect(code).toMatch(/const HAS_PASTE = false;/);
    expect(code).not.toMatch(/\boverride\b/);
  });

  it('the labels kernel binds labels, targets, the plan and the bad-id counter', () => {
    const reflect = new WgslReflect(labelsShaderCode());
    expect(reflect.storage.map((s) => `${s.binding}:${s.name}`).sort()).toEqual([
      '1:labels',
      '2:targets',
      '3:samples',
      '8:bad_ids',
    ]);
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

// The first-call check of class ids (issue 9.5): ids outside [0, numClasses), which the CPU
// reference rejects, are caught on a mixer's first call with class ids, before its plan is drawn;
// float32 values in an int32 buffer (every id but 0 reads as a huge integer) are named as the cause.
import { describe, expect } from 'vitest';
import { createMixer } from '../../src/gpu/mixer.js';
import type { MixInputs, Mixer } from '../../src/gpu/types.js';
import { PipelineCache } from '../../src/gpu/pipelines.js';
import { mixTargetsCpu } from '../../src/reference.js';
import type { BatchShape, MixOptions } from '../../src/types.js';
import { expectClose, randomData } from '../helpers/data.js';
import { bufferFrom, gpuTest, readBuffer } from '../helpers/gpu.js';

const SHAPE: BatchShape = { layout: 'NCHW', batch: 4, channels: 1, height: 2, width: 4 };
const OPTIONS: MixOptions = { numClasses: 10, mode: 'elem', pairing: 'shuffle', seed: 3 };

function fixture(device: GPUDevice) {
  const images = bufferFrom(device, randomData('float32', 32, 5));
  const input = (labels: GPUBuffer): MixInputs => ({
    images: { buffer: images, shape: SHAPE, dtype: 'float32' },
    labels: { buffer: labels, dtype: 'int32' },
  });
  const good = bufferFrom(device, Int32Array.from([3, 1, 4, 1]));
  return { images, input, good };
}

const mixPlan = async (m: Mixer, inputs: MixInputs) => {
  const r = await m.mix(inputs);
  r.images.destroy();
  r.targets?.destroy();
  return r.plan;
};

describe('class ids are checked on the first call', () => {
  gpuTest(
    'float32 ids in an int32 buffer: rejected before the draw, naming the cause; nothing left behind',
    async ({ device, buffers }) => {
      const f = fixture(device);
      const floats = new Float32Array([3, 1, 4, 1]);
      const floatIds = bufferFrom(device, floats);
      const mixer = createMixer(device, OPTIONS);
      await expect(mixer.mix(f.input(floatIds))).rejects.toThrow(
        /^webgpu-mixup: inputs\.labels\.buffer must be int32 class ids in \[0, 9\] \(numClasses 10\), as the CPU reference requires .*got 4 of 4 ids outside that range: are they float32 values in an int32 buffer \(1\.0 reads as id 1065353216\)\? Write class ids as an Int32Array/,
      );
      expect(buffers.live('mixup images') + buffers.live('mixup targets'), 'buffers left by the rejected call').toBe(0);
      expect(new Float32Array(await readBuffer(device, floatIds))).toEqual(floats);
      // The stream was not advanced: the next call's plan is a clean mixer's first.
      const clean = createMixer(device, OPTIONS);
      expect(await mixPlan(mixer, f.input(f.good))).toEqual(await mixPlan(clean, f.input(f.good)));
      // The CPU reference rejects the same bits read as int32.
      expect(() =>
        mixTargetsCpu({ data: new Int32Array(floats.buffer), dtype: 'int32' }, clean.plan(4), { numClasses: 10 }),
      ).toThrow(/labels\.data\[0\]/);
      mixer.destroy();
      clean.destroy();
    },
  );

  gpuTest(
    'a few ids out of range: rejected with the count; checkLabels: false skips the check; later calls are not checked',
    async ({ device }) => {
      const f = fixture(device);
      const oneBad = bufferFrom(device, Int32Array.from([0, 12, 1, 2]));
      const first = createMixer(device, OPTIONS);
      await expect(first.mix(f.input(oneBad))).rejects.toThrow(/got 1 of 4 ids outside that range$/);
      const unchecked = createMixer(device, OPTIONS);
      const r = await unchecked.mix(f.input(oneBad), { checkLabels: false });
      expect(r.invalidLabels).toBeNull();
      r.images.destroy();
      r.targets?.destroy();
      // Once a call's ids passed, later calls are not checked (a check per call would wait for the GPU).
      await mixPlan(first, f.input(f.good));
      await expect(mixPlan(first, f.input(oneBad))).resolves.toBeTruthy();
      // checkLabels: true counts on every call and never throws.
      const counted = await first.mix(f.input(oneBad), { checkLabels: true });
      expect(counted.invalidLabels).toBe(1);
      counted.images.destroy();
      counted.targets?.destroy();
      first.destroy();
      unchecked.destroy();
    },
  );

  gpuTest(
    'the valid range ends at K - 1: an id equal to K is counted (int32 and uint32), K - 1 is not and maps to the last column',
    async ({ device }) => {
      const f = fixture(device);
      const K = OPTIONS.numClasses!;
      for (const dtype of ['int32', 'uint32'] as const) {
        const Ids = dtype === 'int32' ? Int32Array : Uint32Array;
        const edge = Ids.from([K - 1, 0, K - 1, 1]);
        const over = Ids.from([K - 1, K, 0, K - 1]);
        const mixer = createMixer(device, OPTIONS);
        const input = (ids: Int32Array | Uint32Array): MixInputs => ({
          images: f.input(f.good).images,
          labels: { buffer: bufferFrom(device, ids), dtype },
        });
        // The first-call check: K rejects, K - 1 passes.
        await expect(mixer.mix(input(over)), `${dtype}: id K`).rejects.toThrow(/got 1 of 4 ids outside that range$/);
        const r = await mixer.mix(input(edge), { checkLabels: true });
        expect(r.invalidLabels, `${dtype}: ids K - 1 counted`).toBe(0);
        const cpu = mixTargetsCpu({ data: edge, dtype }, r.plan, mixer.options);
        expectClose('float32', new Float32Array(await readBuffer(device, r.targets!)), cpu, `${dtype}: targets`);
        const counted = await mixer.mix(input(over), { checkLabels: true });
        expect(counted.invalidLabels, `${dtype}: one id equal to K`).toBe(1);
        for (const result of [r, counted]) {
          result.images.destroy();
          result.targets?.destroy();
        }
        mixer.destroy();
      }
    },
  );

  gpuTest(
    'calls made without waiting still draw their plans in call order while the first call is checked',
    async ({ device }) => {
      const f = fixture(device);
      const clean = createMixer(device, OPTIONS);
      const expected = [
        await mixPlan(clean, f.input(f.good)),
        await mixPlan(clean, { images: f.input(f.good).images }),
        await mixPlan(clean, f.input(f.good)),
      ];
      const mixer = createMixer(device, OPTIONS);
      const plans = await Promise.all([
        mixPlan(mixer, f.input(f.good)),
        mixPlan(mixer, { images: f.input(f.good).images }),
        mixPlan(mixer, f.input(f.good)),
      ]);
      expect(plans).toEqual(expected);
      mixer.destroy();
      clean.destroy();
    },
  );

  gpuTest(
    'prepare() compiles the kernels of the first-call check too: the first mix compiles nothing',
    async ({ device }) => {
      const f = fixture(device);
      const mixer = createMixer(device, { ...OPTIONS, pairing: 'flip' });
      await mixer.prepare(f.input(f.good));
      const compiled = PipelineCache.for(device).compiled;
      await mixPlan(mixer, f.input(f.good));
      expect(PipelineCache.for(device).compiled).toBe(compiled);
      mixer.destroy();
    },
  );
});

// The checks stage (src/gpu/checks.ts): unknown keys are rejected with a suggestion in every
// object a call takes (issue 9.2), and a rejected call never advances the plan stream: everything
// is checked before the plan is drawn (issue 9.3).
import { describe, expect } from 'vitest';
import { createMixer } from '../../src/gpu/mixer.js';
import type { MixCallOptions, MixInputs, Mixer } from '../../src/gpu/types.js';
import type { BatchShape, MixOptions } from '../../src/types.js';
import { gpuTest } from '../helpers/gpu.js';

const SHAPE: BatchShape = { layout: 'NCHW', batch: 4, channels: 3, height: 2, width: 8 }; // 48 elements a sample

function fixture(device: GPUDevice) {
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  const images = device.createBuffer({ size: 4 * 48 * 4, usage });
  const bytes = device.createBuffer({ size: 4 * 48, usage });
  const big = device.createBuffer({ size: 4096, usage });
  const labels = device.createBuffer({ size: 16, usage });
  const out = device.createBuffer({ size: 4 * 48 * 4, usage });
  const targets = device.createBuffer({ size: 4 * 10 * 4, usage });
  const inputs: MixInputs = {
    images: { buffer: images, shape: SHAPE, dtype: 'float32' },
    labels: { buffer: labels, dtype: 'int32' },
  };
  return { images, bytes, big, labels, out, targets, inputs, outputs: { images: out, targets } };
}

describe('unknown keys in a call are rejected with a suggestion', () => {
  gpuTest(
    'in the options, inputs, images, labels, outputs and normalize of mix, encode and prepare',
    async ({ device }) => {
      const mixer = createMixer(device, { numClasses: 10 });
      const f = fixture(device);
      const plan = mixer.plan(4, { height: 2, width: 8 });
      const u8 = { images: { buffer: f.bytes, shape: SHAPE, dtype: 'uint8' as const } };
      const cases: Array<[string, () => unknown, RegExp]> = [
        [
          'mix options',
          () => mixer.mix(f.inputs, { inplace: true } as MixCallOptions),
          /options\.inplace must be a known option \(did you mean inPlace\?\), got true/,
        ],
        [
          'mix options, no near key',
          () => mixer.mix(f.inputs, { speed: 1 } as MixCallOptions),
          /options\.speed must be one of the known options \(plan, outDtype, normalize, inPlace, outputs, checkLabels\)/,
        ],
        [
          'inputs',
          () => mixer.mix({ ...f.inputs, Labels: f.inputs.labels } as MixInputs),
          /inputs\.Labels must be a known input \(did you mean labels\?\)/,
        ],
        [
          'inputs.images',
          () => mixer.mix({ images: { ...f.inputs.images, d_type: 'float32' } } as unknown as MixInputs),
          /inputs\.images\.d_type must be a known field \(did you mean dtype\?\)/,
        ],
        [
          'inputs.labels',
          () => mixer.mix({ ...f.inputs, labels: { ...f.inputs.labels, numClasses: 10 } } as unknown as MixInputs),
          /inputs\.labels\.numClasses must be one of the known fields \(buffer, dtype, shape\)/,
        ],
        [
          'outputs',
          () => mixer.mix(f.inputs, { outputs: { image: f.out } } as unknown as MixCallOptions),
          /options\.outputs\.image must be a known output \(did you mean images\?\)/,
        ],
        [
          'normalize',
          () => mixer.mix(u8, { normalize: { mean: [0.5], std: [0.5], st_d: [1] } } as unknown as MixCallOptions),
          /options\.normalize\.st_d must be a known field \(did you mean std\?\)/,
        ],
        [
          'encode options',
          () =>
            mixer.encode(device.createCommandEncoder(), f.inputs, {
              plan,
              outputs: f.outputs,
              check_labels: true,
            } as never),
          /options\.check_labels must be a known option \(did you mean checkLabels\?\)/,
        ],
        [
          'prepare options',
          () => mixer.prepare(f.inputs, { out_dtype: 'float32' } as MixCallOptions),
          /options\.out_dtype must be a known option \(did you mean outDtype\?\)/,
        ],
        [
          'mixer settings',
          () => createMixer(device, {}, { max_binding_bytes: 1024 } as never),
          /settings\.max_binding_bytes must be a known setting \(did you mean maxBindingBytes\?\)/,
        ],
      ];
      const failures: string[] = [];
      for (const [name, run, message] of cases) {
        try {
          await run();
          failures.push(`${name}: no error`);
        } catch (error) {
          const text = error instanceof Error ? error.message : String(error);
          if (!message.test(text)) failures.push(`${name}: ${text}`);
        }
      }
      expect(failures).toEqual([]);
      // Keys set to undefined are known keys left at their default.
      await mixer.mix(
        { ...f.inputs, labels: undefined },
        { outputs: { images: f.out, targets: undefined }, normalize: undefined },
      );
      mixer.destroy();
    },
  );
});

describe('a rejected call does not advance the plan stream', () => {
  const cases: Array<[string, MixOptions, (m: Mixer, f: ReturnType<typeof fixture>) => Promise<unknown>, RegExp]> = [
    ['an unknown option', {}, (m, f) => m.mix(f.inputs, { inplace: true } as MixCallOptions), /did you mean inPlace/],
    [
      'an output buffer too small',
      {},
      (m, f) => m.mix(f.inputs, { outputs: { images: f.targets } }),
      /options\.outputs\.images\.size/,
    ],
    [
      'in place with repeated partners in the pairing',
      { pairing: [0, 0, 3, 3] },
      (m, f) => m.mix(f.inputs, { inPlace: true }),
      /plan\.partner must be a permutation when mixing in place/,
    ],
    [
      'a sample larger than a binding',
      {},
      (m, f) => m.mix({ images: { buffer: f.big, shape: { ...SHAPE, batch: 1, height: 24 }, dtype: 'float32' } }),
      /samples of at most 768 bytes/,
    ],
    [
      'in place on a chunked batch',
      {},
      (m, f) =>
        m.mix({ images: { buffer: f.big, shape: { ...SHAPE, batch: 8 }, dtype: 'float32' } }, { inPlace: true }),
      /options\.inPlace must be false for a batch larger than one binding/,
    ],
    [
      'rows with CutMix on',
      { cutmixAlpha: 1 },
      (m, f) =>
        m.mix({ images: { buffer: f.images, shape: { layout: 'rows', batch: 4, features: 48 }, dtype: 'float32' } }),
      /inputs\.images\.shape\.layout must be 'NCHW' or 'NHWC' when the mixer has CutMix enabled/,
    ],
    [
      'soft targets of the wrong width',
      {},
      (m, f) => m.mix({ ...f.inputs, labels: { buffer: f.big, dtype: 'float32', shape: [4, 20] } }),
      /inputs\.labels\.shape must be \[4, 10\]/,
    ],
    [
      'normalize in 0-255 units',
      {},
      (m, f) =>
        m.mix(
          { images: { buffer: f.bytes, shape: SHAPE, dtype: 'uint8' } },
          { normalize: { mean: [123.7, 116.3, 103.5], std: [58.4, 57.1, 57.4] } },
        ),
      /0-255 units\?/,
    ],
    [
      'images given as a bare GPUBuffer',
      {},
      (m, f) => m.mix({ images: f.images } as unknown as MixInputs),
      /inputs\.images must be \{ buffer, shape, dtype \}/,
    ],
  ];
  for (const [name, options, reject, message] of cases) {
    gpuTest(`${name}: the plans around it equal those of a run without it`, async ({ device }) => {
      // A 1 KiB binding: a 1152-byte sample does not fit, 8 x 192-byte samples are chunked.
      const settings = { maxBindingBytes: 1024 };
      const f = fixture(device);
      const config: MixOptions = { mode: 'elem', pairing: 'shuffle', numClasses: 10, seed: 5, ...options };
      const small: MixInputs = {
        images: { buffer: f.images, shape: { ...SHAPE, batch: 4, height: 2, width: 4 }, dtype: 'float32' },
      };
      const good = (m: Mixer) => m.mix(options.cutmixAlpha ? f.inputs : small, { outputs: { images: f.out } });
      const clean = createMixer(device, config, settings);
      const expected = [(await good(clean)).plan, (await good(clean)).plan];
      const mixer = createMixer(device, config, settings);
      const first = (await good(mixer)).plan;
      await expect(reject(mixer, f)).rejects.toThrow(message);
      const second = (await good(mixer)).plan;
      expect(first).toEqual(expected[0]);
      expect(second, 'the plan after the rejected call').toEqual(expected[1]);
      clean.destroy();
      mixer.destroy();
    });
  }
});

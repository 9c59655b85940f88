// The bad-input suite, as a table: each case, and the message it must raise. Every case is rejected
// before any GPU work: the input is unchanged afterwards, no buffer is left behind, and no WebGPU
// validation error reaches the test's error scope (that would fail the test).
import { describe, expect } from 'vitest';
import { createMixer } from '../../src/gpu/mixer.js';
import type { MixCallOptions, MixInputs, Mixer } from '../../src/gpu/types.js';
import type { BatchShape, MixPlan } from '../../src/types.js';
import { randomData } from '../helpers/data.js';
import { bufferFrom, createTestDevice, gpuTest, readBuffer, requestTestAdapter } from '../helpers/gpu.js';

const SHAPE: BatchShape = { layout: 'NCHW', batch: 4, channels: 3, height: 4, width: 5 }; // 60 elements a sample
const BYTES = 4 * 60 * 4;

interface Ctx {
  device: GPUDevice;
  mixer: Mixer;
  images: GPUBuffer;
  labels: GPUBuffer;
  /** Valid inputs and a valid plan to start each case from. */
  inputs: MixInputs;
  plan: MixPlan;
  other: GPUDevice;
}

type Case = [name: string, run: (c: Ctx) => unknown, message: RegExp];

const withImages = (c: Ctx, patch: Record<string, unknown>): MixInputs => ({
  ...c.inputs,
  images: { ...c.inputs.images, ...patch } as MixInputs['images'],
});
const withShape = (c: Ctx, patch: Record<string, unknown>) => withImages(c, { shape: { ...SHAPE, ...patch } });
const mix = (c: Ctx, inputs: MixInputs, options: MixCallOptions = {}) => c.mixer.mix(inputs, options);
const planWith = (c: Ctx, field: 'kind' | 'lam' | 'partner' | 'box', index: number, value: number): MixPlan => {
  const p = {
    kind: c.plan.kind.slice(),
    lam: c.plan.lam.slice(),
    partner: c.plan.partner.slice(),
    box: c.plan.box.slice(),
  };
  p[field][index] = value;
  return p;
};
const buffer = (c: Ctx, size: number, usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC) =>
  c.device.createBuffer({ size, usage });

const CASES: Case[] = [
  // buffers
  [
    'images buffer too small',
    (c) => mix(c, withImages(c, { buffer: buffer(c, BYTES - 4) })),
    /inputs\.images\.buffer\.size must be at least 960 bytes, got 956 bytes/,
  ],
  [
    'images buffer without STORAGE usage',
    (c) => mix(c, withImages(c, { buffer: buffer(c, BYTES, GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST) })),
    /inputs\.images\.buffer\.usage must be flags that include GPUBufferUsage\.STORAGE, got usage COPY_SRC \| COPY_DST \(0xc\)/,
  ],
  [
    'images given as a typed array',
    (c) => mix(c, withImages(c, { buffer: new Float32Array(240) })),
    /inputs\.images\.buffer must be a GPUBuffer, got Float32Array\(240\)/,
  ],
  [
    'images buffer still mapped',
    (c) =>
      mix(
        c,
        withImages(c, {
          buffer: c.device.createBuffer({ size: BYTES, usage: GPUBufferUsage.STORAGE, mappedAtCreation: true }),
        }),
      ),
    /inputs\.images\.buffer must be an unmapped buffer, got a buffer in map state "mapped"/,
  ],
  [
    'images buffer already destroyed',
    (c) => {
      const b = bufferFrom(c.device, new Float32Array(240));
      b.destroy();
      return mix(c, withImages(c, { buffer: b }));
    },
    /inputs and outputs must be live GPUBuffers of the mixer's device \(one is destroyed, or belongs to another device\)/,
  ],
  [
    'images buffer of another device',
    (c) => mix(c, withImages(c, { buffer: bufferFrom(c.other, new Float32Array(240)) })),
    /inputs and outputs must be live GPUBuffers of the mixer's device/,
  ],
  [
    'output buffer too small',
    (c) => mix(c, c.inputs, { outputs: { images: buffer(c, 100) } }),
    /options\.outputs\.images\.size must be at least 960 bytes, got 100 bytes/,
  ],
  [
    'output buffer is the input',
    (c) => mix(c, c.inputs, { outputs: { images: c.images } }),
    /options\.outputs\.images must be a buffer other than the input \(use options\.inPlace/,
  ],
  [
    'labels buffer too small',
    (c) => mix(c, { ...c.inputs, labels: { buffer: buffer(c, 12), dtype: 'int32' } }),
    /inputs\.labels\.buffer\.size must be at least 16 bytes, got 12 bytes/,
  ],
  [
    'soft labels buffer too small for B x K',
    (c) => mix(c, { ...c.inputs, labels: { buffer: c.labels, dtype: 'float32', shape: [4, 5] } }),
    /inputs\.labels\.buffer\.size must be at least 80 bytes, got 16 bytes/,
  ],
  // soft targets are checked exactly (issue 9.1): a buffer's size does not tell a [B, K] target's width
  [
    'soft targets of the wrong width',
    (c) => mix(c, { ...c.inputs, labels: { buffer: buffer(c, 320), dtype: 'float32', shape: [4, 20] } }),
    /inputs\.labels\.shape must be \[4, 5\] \(float32 soft targets: batch x numClasses\), got \[4, 20\]/,
  ],
  [
    'soft targets without a shape',
    (c) => mix(c, { ...c.inputs, labels: { buffer: buffer(c, 320), dtype: 'float32' } }),
    /inputs\.labels\.shape must be \[4, 5\] \(float32 soft targets: batch x numClasses; a buffer's size does not tell their width\), got undefined/,
  ],
  [
    'float32 labels of shape [B]',
    (c) => mix(c, { ...c.inputs, labels: { buffer: c.labels, dtype: 'float32', shape: [4] } }),
    /inputs\.labels\.shape must be \[4, 5\] \(float32 soft targets: batch x numClasses\), got \[4\]: did you mean int32 class ids\?/,
  ],
  [
    'float32 labels buffer of B values without a shape',
    (c) => mix(c, { ...c.inputs, labels: { buffer: c.labels, dtype: 'float32' } }),
    /inputs\.labels\.shape must be \[4, 5\] .*got undefined \(the buffer holds 4 floats, one per sample: did you mean int32 class ids\?\)/,
  ],
  [
    'class ids of shape [B, K]',
    (c) => mix(c, { ...c.inputs, labels: { ...c.inputs.labels!, shape: [4, 5] } }),
    /inputs\.labels\.shape must be \[4\] \(int32 class ids, one per sample; one-hot or soft targets \[B, K\] are dtype 'float32'\), got \[4, 5\]/,
  ],
  [
    'labels shape not an array',
    (c) => mix(c, { ...c.inputs, labels: { ...c.inputs.labels!, shape: 4 as never } }),
    /inputs\.labels\.shape must be \[4\] .*got 4/,
  ],
  [
    'targets buffer too small',
    (c) => mix(c, c.inputs, { outputs: { targets: buffer(c, 40) } }),
    /options\.outputs\.targets\.size must be at least 80 bytes, got 40 bytes/,
  ],
  // shapes, dtypes, layouts
  ['inputs not an object', (c) => mix(c, null as unknown as MixInputs), /inputs must be an object, got null/],
  // messages that name what the user did (issue 9.8)
  [
    'images given as a bare GPUBuffer',
    (c) => mix(c, { images: c.images } as unknown as MixInputs),
    /inputs\.images must be \{ buffer, shape, dtype \} \(the GPUBuffer goes in its buffer field, with its shape and dtype beside it\), got a GPUBuffer/,
  ],
  [
    'labels given as a bare GPUBuffer',
    (c) => mix(c, { ...c.inputs, labels: c.labels } as unknown as MixInputs),
    /inputs\.labels must be \{ buffer, dtype, shape \} \(the GPUBuffer goes in its buffer field\), got a GPUBuffer/,
  ],
  [
    'images without a shape',
    (c) => mix(c, withImages(c, { shape: undefined })),
    /inputs\.images\.shape must be a BatchShape: \{ layout: 'NCHW' \| 'NHWC', batch, channels, height, width \} or \{ layout: 'rows', batch, features \}, got undefined/,
  ],
  [
    'rows with CutMix enabled',
    (c) =>
      createMixer(c.device, { cutmixAlpha: 1 }).mix(
        withImages(c, { shape: { layout: 'rows', batch: 4, features: 60 } }),
      ),
    /inputs\.images\.shape\.layout must be 'NCHW' or 'NHWC' when the mixer has CutMix enabled \(rows have no height and width to cut boxes from; mix rows with a mixer created with cutmixAlpha: 0\), got "rows"/,
  ],
  [
    'batch of zero',
    (c) => mix(c, withShape(c, { batch: 0 })),
    /inputs\.images\.shape\.batch must be an integer >= 1, got 0/,
  ],
  [
    'non-integer channels',
    (c) => mix(c, withShape(c, { channels: 2.5 })),
    /inputs\.images\.shape\.channels must be an integer >= 1, got 2\.5/,
  ],
  [
    'unknown layout',
    (c) => mix(c, withShape(c, { layout: 'CHW' })),
    /inputs\.images\.shape\.layout must be one of "NCHW", "NHWC", "rows", got "CHW"/,
  ],
  [
    'shape larger than the buffer',
    (c) => mix(c, withShape(c, { height: 5 })),
    /inputs\.images\.buffer\.size must be at least 1200 bytes, got 960 bytes/,
  ],
  [
    'unknown dtype',
    (c) => mix(c, withImages(c, { dtype: 'int8' })),
    /inputs\.images\.dtype must be one of "float32", "float16", "uint8", got "int8"/,
  ],
  [
    'unknown output dtype',
    (c) => mix(c, c.inputs, { outDtype: 'float64' as never }),
    /options\.outDtype must be one of "float32", "float16", "uint8", got "float64"/,
  ],
  [
    'unknown label dtype',
    (c) => mix(c, { ...c.inputs, labels: { buffer: c.labels, dtype: 'int64' as never } }),
    /inputs\.labels\.dtype must be one of "int32", "uint32", "float32", got "int64"/,
  ],
  // plans
  [
    'plan of another batch size',
    (c) => mix(c, c.inputs, { plan: { ...c.plan, kind: new Uint8Array(5) } }),
    /plan\.kind must be a Uint8Array of length 4, got Uint8Array\(5\)/,
  ],
  [
    'plan partner out of range',
    (c) => mix(c, c.inputs, { plan: planWith(c, 'partner', 2, 4) }),
    /plan\.partner\[2\] must be an integer in \[0, 3\], got 4/,
  ],
  [
    'plan lam NaN',
    (c) => mix(c, c.inputs, { plan: planWith(c, 'lam', 1, NaN) }),
    /plan\.lam\[1\] must be a finite number in \[0, 1\], got NaN/,
  ],
  [
    'plan kind 5',
    (c) => mix(c, c.inputs, { plan: planWith(c, 'kind', 0, 5) }),
    /plan\.kind\[0\] must be 0 \(none\), 1 \(mixup\), 2 \(CutMix\), 3 \(ResizeMix\) or 4 \(mask\), got 5/,
  ],
  [
    'plan box outside the image',
    (c) => mix(c, c.inputs, { plan: planWith(planAs(c, 2), 'box', 1, 9) }),
    /plan\.box\[0\.\.3\]/,
  ],
  [
    'plan CutMix on rows',
    (c) => mix(c, withImages(c, { shape: { layout: 'rows', batch: 4, features: 60 } }), { plan: planAs(c, 2).plan }),
    /plan\.kind\[0\] must be 0 or 1 without an image size/,
  ],
  [
    'in place with repeated partners',
    (c) => mix(c, c.inputs, { plan: planWith(c, 'partner', 0, 1), inPlace: true }),
    /plan\.partner must be a permutation when mixing in place/,
  ],
  // options and normalisation
  [
    'normalize with float32 input',
    (c) => mix(c, c.inputs, { normalize: { mean: [0], std: [1] } }),
    /options\.normalize must be used with uint8 input only/,
  ],
  [
    'std of zero',
    (c) => mix(c, withImages(c, { dtype: 'uint8' }), { normalize: { mean: [0, 0, 0], std: [1, 0, 1] } }),
    /normalize\.std\[1\] must be a number in \(0, 1\] \(.*\), got 0$/,
  ],
  [
    'std of Infinity',
    (c) => mix(c, withImages(c, { dtype: 'uint8' }), { normalize: { mean: [0, 0, 0], std: [1, 1, Infinity] } }),
    /normalize\.std\[2\] must be a number in \(0, 1\] .*got Infinity$/,
  ],
  [
    'negative std',
    (c) => mix(c, withImages(c, { dtype: 'uint8' }), { normalize: { mean: [0, 0, 0], std: [1, -0.2, 1] } }),
    /normalize\.std\[1\] must be a number in \(0, 1\] .*got -0\.2$/,
  ],
  [
    'mean NaN',
    (c) => mix(c, withImages(c, { dtype: 'uint8' }), { normalize: { mean: [NaN, 0, 0], std: [1, 1, 1] } }),
    /normalize\.mean\[0\] must be a number in \[0, 1\] .*got NaN$/,
  ],
  // normalisation in 0-255 units (issue 9.4): the likely cause is named
  [
    'mean in 0-255 units',
    (c) =>
      mix(c, withImages(c, { dtype: 'uint8' }), {
        normalize: { mean: [123.7, 116.3, 103.5], std: [58.4, 57.1, 57.4] },
      }),
    /options\.normalize\.mean\[0\] must be a number in \[0, 1\] \(mean and std are in units of x \/ 255, as torchvision's Normalize takes them after ToTensor\), got 123\.7: 0-255 units\? Divide mean and std by 255/,
  ],
  [
    'std in 0-255 units',
    (c) =>
      mix(c, withImages(c, { dtype: 'uint8' }), {
        normalize: { mean: [0.485, 0.456, 0.406], std: [58.4, 57.1, 57.4] },
      }),
    /options\.normalize\.std\[0\] must be a number in \(0, 1\] .*got 58\.4: 0-255 units\? Divide mean and std by 255/,
  ],
  [
    'mean of the wrong length',
    (c) => mix(c, withImages(c, { dtype: 'uint8' }), { normalize: { mean: [0, 0], std: [1, 1, 1] } }),
    /normalize\.mean must be an array of numbers of length 3 \(one per channel\) or 1/,
  ],
  [
    'normalised uint8 output',
    (c) => mix(c, withImages(c, { dtype: 'uint8' }), { normalize: { mean: [0], std: [1] }, outDtype: 'uint8' }),
    /options\.outDtype must be 'float32' or 'float16' when normalising, got "uint8"/,
  ],
  [
    'in place with another output dtype',
    (c) => mix(c, c.inputs, { inPlace: true, outDtype: 'uint8' }),
    /options\.inPlace must be output of the input's dtype \(float32\) without normalisation/,
  ],
  [
    'inPlace not a boolean',
    (c) => mix(c, c.inputs, { inPlace: 'yes' as never }),
    /options\.inPlace must be a boolean, got "yes"/,
  ],
  [
    'mixer option NaN',
    (c) => createMixer(c.device, { mixupAlpha: NaN }),
    /options\.mixupAlpha must be a finite number >= 0, got NaN/,
  ],
  [
    'mixer option Infinity',
    (c) => createMixer(c.device, { prob: Infinity }),
    /options\.prob must be a finite number in \[0, 1\], got Infinity/,
  ],
  [
    'mixer option misspelt',
    (c) => createMixer(c.device, { mixup_alpha: 0.2 } as never),
    /options\.mixup_alpha must be a known option \(did you mean mixupAlpha\?\)/,
  ],
  ['no device', () => createMixer(null as unknown as GPUDevice), /device must be a GPUDevice, got null/],
  [
    'binding cap below 1 KiB',
    (c) => createMixer(c.device, {}, { maxBindingBytes: 10 }),
    /settings\.maxBindingBytes must be an integer in \[1024, \d+\], got 10/,
  ],
  [
    'a sample larger than a binding',
    (c) =>
      createMixer(c.device, {}, { maxBindingBytes: 1024 }).mix({
        images: { buffer: buffer(c, 1440), dtype: 'float32', shape: { ...SHAPE, batch: 1, height: 24 } },
      }),
    /inputs\.images\.shape must be samples of at most 768 bytes/,
  ],
  [
    'in place on a chunked batch',
    (c) =>
      createMixer(c.device, {}, { maxBindingBytes: 1024 }).mix(
        { images: { buffer: buffer(c, 1920), dtype: 'float32', shape: { ...SHAPE, batch: 8 } } },
        { inPlace: true },
      ),
    /options\.inPlace must be false for a batch larger than one binding/,
  ],
  // encode
  [
    'encode without a plan',
    (c) => c.mixer.encode(c.device.createCommandEncoder(), c.inputs, {} as never),
    /options\.plan must be a MixPlan/,
  ],
  [
    'encode without outputs',
    (c) => c.mixer.encode(c.device.createCommandEncoder(), c.inputs, { plan: c.plan }),
    /options\.outputs\.images must be a GPUBuffer \(encode does not allocate outputs\)/,
  ],
];

/** The valid plan with every sample given `kind`, and boxes inside the image for CutMix. */
function planAs(c: Ctx, kind: number): Ctx {
  const p = {
    kind: new Uint8Array(4).fill(kind),
    lam: new Float32Array(4).fill(0.5),
    partner: c.plan.partner.slice(),
    box: new Int32Array(16),
  };
  if (kind === 2) for (let i = 0; i < 4; i++) p.box.set([1, 3, 1, 4], 4 * i);
  return { ...c, plan: p };
}

describe('bad input is rejected with a message naming the argument, before any GPU work', () => {
  gpuTest(`${CASES.length} cases`, async ({ device, buffers }) => {
    const data = randomData('float32', 240, 3);
    const images = bufferFrom(device, data);
    const labels = bufferFrom(device, Int32Array.from([0, 1, 2, 3]));
    const other = await createTestDevice(await requestTestAdapter());
    const mixer = createMixer(device, { numClasses: 5 });
    const plan = mixer.plan(4, { height: 4, width: 5 });
    const ctx: Ctx = {
      device,
      mixer,
      images,
      labels,
      plan,
      other,
      inputs: {
        images: { buffer: images, shape: SHAPE, dtype: 'float32' },
        labels: { buffer: labels, dtype: 'int32' },
      },
    };
    await mixer.mix(ctx.inputs, { plan }).then((r) => (r.images.destroy(), r.targets?.destroy()));
    const failures: string[] = [];
    for (const [name, run, message] of CASES) {
      const outputsBefore = buffers.live('mixup images') + buffers.live('mixup targets');
      try {
        await run(ctx);
        failures.push(`${name}: no error`);
      } catch (error) {
        const text = error instanceof Error ? error.message : String(error);
        if (!message.test(text)) failures.push(`${name}: message ${JSON.stringify(text)} does not match ${message}`);
        else if (!(error instanceof Error) || error.name !== 'MixupError')
          failures.push(`${name}: ${String(error)} is not a MixupError`);
      }
      // A rejected call leaves no output buffer behind (upload slots are pooled, and checked below).
      expect(buffers.live('mixup images') + buffers.live('mixup targets'), `${name}: outputs left`).toBe(outputsBefore);
    }
    expect(failures).toEqual([]);
    expect(Array.from(new Float32Array(await readBuffer(device, images)))).toEqual(Array.from(data));
    other.destroy();
    await device.queue.onSubmittedWorkDone();
    mixer.destroy();
    expect(buffers.live('mixup')).toBe(0);
  });
});

describe('outputs larger than the device allows (issue 9.8)', () => {
  // A device with the spec's default limits (256 MiB buffers, 128 MiB bindings), as most users create.
  gpuTest(
    'the message says to request larger limits in requiredLimits or split the batch, not to give outputs',
    async ({ device }) => {
      const limit = device.limits.maxBufferSize;
      // uint8 in, float32 out: the output is 4x the input, past maxBufferSize.
      const features = (1 << 20) + 16;
      const batch = Math.floor(limit / (4 * features)) + 1;
      const images = device.createBuffer({
        size: Math.ceil((batch * features) / 4) * 4,
        usage: GPUBufferUsage.STORAGE,
      });
      const mixer = createMixer(device);
      const message = new RegExp(
        `inputs\\.images\\.shape\\.batch must be a batch whose mixed images fit one buffer of this device \\(maxBufferSize ${limit} bytes\\): request a larger maxBufferSize and maxStorageBufferBindingSize in requiredLimits when creating the device \\(up to adapter\\.limits\\.maxBufferSize\\), or split the batch, got ${batch} samples, ${batch * features * 4} bytes of float32 output`,
      );
      await expect(
        mixer.mix(
          { images: { buffer: images, shape: { layout: 'rows', batch, features }, dtype: 'uint8' } },
          { outDtype: 'float32' },
        ),
      ).rejects.toThrow(message);
      mixer.destroy();
      images.destroy();
    },
    { limits: {} },
  );
});

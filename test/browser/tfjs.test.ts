/**
 * webgpu-mixup/tfjs in headless Chromium: TF.js 4.x on its WebGPU backend, on the backend's own
 * device and on a device the test creates and shares with TF.js. Results are checked value for value
 * against the CPU reference run with the returned plan; memory is checked through tf.memory() and by
 * counting the GPUBuffers created on a shared device; every test runs inside WebGPU error scopes.
 */
import * as tf from '@tensorflow/tfjs';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTfjsMixer } from '../../src/adapters/tfjs.js';
import { MixupError } from '../../src/errors.js';
import { mixBatchCpu, mixTargetsCpu } from '../../src/reference.js';
import { Philox } from '../../src/rng.js';
import type { BatchShape, MixPlan } from '../../src/types.js';
import { expectClose, randomData } from '../helpers/data.js';
import { bufferFrom, gpuTest, withErrorScopes } from '../helpers/gpu.js';

const CPU_FORWARD = 'WEBGPU_CPU_FORWARD';
let cpuForwardDefault: boolean;

function webgpuDevice(): GPUDevice {
  const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
  if (!device) throw new Error(`the active backend ${tf.getBackend()} has no GPUDevice`);
  return device;
}

/** A test on TF.js's own webgpu backend and device, inside error scopes. */
function tfTest(name: string, body: () => Promise<void>): void {
  it(name, async () => {
    expect(await tf.setBackend('webgpu')).toBe(true);
    await withErrorScopes(webgpuDevice(), body);
  });
}

function classIds(count: number, numClasses: number, seed: number): Int32Array {
  const rng = new Philox(seed, 11);
  return Int32Array.from({ length: count }, () => rng.nextU32() % numClasses);
}

function softTargets(count: number, numClasses: number, seed: number): Float32Array {
  const rng = new Philox(seed, 13);
  return Float32Array.from({ length: count * numClasses }, () => rng.nextU32() / 2 ** 32);
}

/** A tensor TF.js holds on the GPU: the result of a GPU kernel (CPU forwarding off). */
function onGpu(t: tf.Tensor): tf.Tensor {
  const previous = tf.env().getBool(CPU_FORWARD);
  tf.env().set(CPU_FORWARD, false);
  const result = tf.add(t, tf.scalar(0, t.dtype));
  tf.env().set(CPU_FORWARD, previous);
  t.dispose();
  return result;
}

/** Throws unless `dataToGPU` works on `t` (TF.js holds it on the GPU), so the test takes the path it means to. */
function expectOnGpu(t: tf.Tensor): void {
  const { tensorRef, buffer } = t.dataToGPU();
  expect(buffer).toBeInstanceOf(GPUBuffer);
  tensorRef.dispose();
}

async function expectImagesMatch(
  result: tf.Tensor,
  data: Float32Array,
  shape: BatchShape,
  plan: MixPlan,
  what = 'images',
): Promise<void> {
  expect(result.dtype).toBe('float32');
  const gpu = (await result.data()) as Float32Array;
  expectClose('float32', gpu, mixBatchCpu({ data, dtype: 'float32', shape }, plan), what);
}

function kinds(plan: MixPlan): Set<number> {
  return new Set(plan.kind);
}

const B = 16;
// Non-square, and a width that is not a multiple of 4 (the NCHW test adds one that is): an adapter
// that swapped H and W, or read a layout's axes in the wrong order, would move the CutMix boxes.
const H = 6;
const W = 10;
const C = 3;
const K = 10;
const NHWC: BatchShape = { layout: 'NHWC', batch: B, channels: C, height: H, width: W };
/** Mixup and CutMix per sample, so one batch holds both kinds (asserted where it matters). */
const OPTIONS = { mixupAlpha: 1, cutmixAlpha: 1, mode: 'elem' as const, numClasses: K, seed: 3 };

beforeAll(async () => {
  // No adapter, or a backend that fails to initialise, fails here: the tests never skip.
  expect(navigator.gpu, 'navigator.gpu').toBeTruthy();
  expect(await tf.setBackend('webgpu')).toBe(true);
  await tf.ready();
  expect(tf.getBackend()).toBe('webgpu');
  cpuForwardDefault = tf.env().getBool(CPU_FORWARD);
});

afterEach(async () => {
  tf.env().set(CPU_FORWARD, cpuForwardDefault);
  await tf.setBackend('webgpu');
});

describe('createTfjsMixer on the webgpu backend', () => {
  tfTest('mixes NHWC float32 images and int32 class ids held on the GPU like the CPU reference', async () => {
    const mixer = createTfjsMixer(tf, OPTIONS);
    const data = randomData('float32', B * H * W * C, 1) as Float32Array;
    const ids = classIds(B, K, 1);
    const x = onGpu(tf.tensor4d(data, [B, H, W, C]));
    const y = onGpu(tf.tensor1d(ids, 'int32'));
    expectOnGpu(x);
    expectOnGpu(y);

    const { images, targets, plan } = await mixer.mix(x, y);
    expect(kinds(plan).has(1) && kinds(plan).has(2), 'the plan mixes with both mixup and CutMix').toBe(true);
    expect(images.shape).toEqual([B, H, W, C]);
    await expectImagesMatch(images, data, NHWC, plan);
    expect(targets!.shape).toEqual([B, K]);
    expect(targets!.dtype).toBe('float32');
    const cpuTargets = mixTargetsCpu({ data: ids, dtype: 'int32' }, plan, {
      numClasses: K,
      labelSmoothing: mixer.options.labelSmoothing,
    });
    expectClose('float32', (await targets!.data()) as Float32Array, cpuTargets, 'targets');
    // The inputs are untouched and still the caller's.
    expect(x.isDisposed || y.isDisposed).toBe(false);
    expect(Array.from((await x.data()) as Float32Array)).toEqual(Array.from(data));
    tf.dispose([x, y, images, targets!]);
    mixer.destroy();
  });

  tfTest('mixes float32 soft targets [B, K] as given, and casts int32 ones', async () => {
    const mixer = createTfjsMixer(tf, OPTIONS);
    const data = randomData('float32', B * H * W * C, 2) as Float32Array;
    const soft = softTargets(B, K, 2);
    const oneHot = new Int32Array(B * K);
    classIds(B, K, 2).forEach((id, i) => {
      oneHot[i * K + id] = 1;
    });
    const x = onGpu(tf.tensor4d(data, [B, H, W, C]));
    for (const [y, reference] of [
      [onGpu(tf.tensor2d(soft, [B, K])), soft],
      [onGpu(tf.tensor2d(oneHot, [B, K], 'int32')), Float32Array.from(oneHot)],
    ] as const) {
      const { images, targets, plan } = await mixer.mix(x, y);
      await expectImagesMatch(images, data, NHWC, plan);
      // Soft targets are not smoothed.
      const cpu = mixTargetsCpu({ data: reference, dtype: 'float32' }, plan, { numClasses: K });
      expectClose('float32', (await targets!.data()) as Float32Array, cpu, 'targets');
      tf.dispose([y, images, targets!]);
    }
    x.dispose();
    mixer.destroy();
  });

  tfTest('reads NCHW and rows layouts, and casts int32 images to float32', async () => {
    const mixer = createTfjsMixer(tf, OPTIONS);
    const nchw: BatchShape = { layout: 'NCHW', batch: B, channels: C, height: H, width: W };
    const data = randomData('float32', B * C * H * W, 3) as Float32Array;
    const x = onGpu(tf.tensor4d(data, [B, C, H, W]));
    const a = await mixer.mix(x, null, { layout: 'NCHW' });
    expect(a.targets).toBeNull();
    expect(kinds(a.plan).has(2)).toBe(true);
    await expectImagesMatch(a.images, data, nchw, a.plan, 'NCHW images');
    // A width divisible by 4, taller than wide: [B, C, 8, 4].
    const tall: BatchShape = { layout: 'NCHW', batch: B, channels: C, height: 8, width: 4 };
    const tallData = randomData('float32', B * C * 32, 33) as Float32Array;
    const xt = onGpu(tf.tensor4d(tallData, [B, C, 8, 4]));
    const t = await mixer.mix(xt, null, { layout: 'NCHW' });
    expect(kinds(t.plan).has(2)).toBe(true);
    expect(
      t.plan.box.every((v, i) => v <= (i % 4 < 2 ? 8 : 4)),
      'boxes drawn inside 8 x 4',
    ).toBe(true);
    await expectImagesMatch(t.images, tallData, tall, t.plan, 'NCHW 8x4 images');
    tf.dispose([xt, t.images]);

    // Rows have no boxes: a mixup-only mixer, on [B, D] features.
    const rowsMixer = createTfjsMixer(tf, { mixupAlpha: 0.4, mode: 'elem', numClasses: K, seed: 5 });
    const features = randomData('float32', B * 37, 4) as Float32Array;
    const r = onGpu(tf.tensor2d(features, [B, 37]));
    const b = await rowsMixer.mix(r);
    expect(b.images.shape).toEqual([B, 37]);
    expect(kinds(b.plan).has(1)).toBe(true);
    await expectImagesMatch(b.images, features, { layout: 'rows', batch: B, features: 37 }, b.plan, 'rows');

    // Bytes in an int32 tensor (TF.js has no uint8 on the GPU) come back as mixed float32.
    const bytes = Int32Array.from(randomData('uint8', B * H * W * C, 5));
    const xi = onGpu(tf.tensor4d(bytes, [B, H, W, C], 'int32'));
    const c = await mixer.mix(xi);
    expect(c.images.dtype).toBe('float32');
    await expectImagesMatch(c.images, Float32Array.from(bytes), NHWC, c.plan, 'int32 images');
    expect(xi.dtype).toBe('int32');
    // tf.cast to float32 relabels the tensor but leaves integers in its GPU buffer: still read as numbers.
    const relabelled = tf.cast(xi, 'float32');
    const { tensorRef } = relabelled.dataToGPU();
    expect(tensorRef.dtype, 'the buffer still holds int32').toBe('int32');
    tensorRef.dispose();
    const d = await mixer.mix(relabelled);
    await expectImagesMatch(d.images, Float32Array.from(bytes), NHWC, d.plan, 'cast images');

    tf.dispose([x, r, xi, relabelled, a.images, b.images, c.images, d.images]);
    mixer.destroy();
    rowsMixer.destroy();
  });

  tfTest('uploads tensors that TF.js holds on the CPU (WEBGPU_CPU_FORWARD on, tensors made from arrays)', async () => {
    tf.env().set(CPU_FORWARD, true);
    const mixer = createTfjsMixer(tf, OPTIONS);
    const data = randomData('float32', B * H * W * C, 6) as Float32Array;
    const ids = classIds(B, K, 6);
    const x = tf.tensor4d(data, [B, H, W, C]);
    const y = tf.tensor1d(ids, 'int32');
    // This is the case the fallback exists for: dataToGPU refuses these tensors.
    expect(() => x.dataToGPU()).toThrow(/not on GPU but on CPU/);
    expect(() => y.dataToGPU()).toThrow(/not on GPU but on CPU/);
    const before = tf.memory().numTensors;

    const { images, targets, plan } = await mixer.mix(x, y);
    expect(tf.memory().numTensors).toBe(before + 2);
    await expectImagesMatch(images, data, NHWC, plan);
    expectClose(
      'float32',
      (await targets!.data()) as Float32Array,
      mixTargetsCpu({ data: ids, dtype: 'int32' }, plan, { numClasses: K, labelSmoothing: 0.1 }),
      'targets',
    );
    // A small result that CPU forwarding computes on the CPU works too.
    const small = tf.add(tf.tensor2d(data.subarray(0, B * 4), [B, 4]), 1);
    const rowsMixer = createTfjsMixer(tf, { mixupAlpha: 1, numClasses: K, seed: 9 });
    const s = await rowsMixer.mix(small);
    await expectImagesMatch(
      s.images,
      Float32Array.from(data.subarray(0, B * 4), (v) => Math.fround(v + 1)),
      { layout: 'rows', batch: B, features: 4 },
      s.plan,
      'small rows',
    );
    // int32 images and bool-backed int32 ids held on the CPU are converted on upload.
    const bytes = Int32Array.from(randomData('uint8', B * H * W * C, 6));
    const xi = tf.tidy(() => tf.cast(tf.tensor4d(bytes, [B, H, W, C], 'int32'), 'float32'));
    const flags = tf.tidy(() =>
      tf.cast(
        tf.tensor1d(
          Array.from(ids, (id) => id % 2 === 1),
          'bool',
        ),
        'int32',
      ),
    );
    expect(() => xi.dataToGPU()).toThrow(/not on GPU but on CPU/);
    const c = await mixer.mix(xi, flags);
    await expectImagesMatch(c.images, Float32Array.from(bytes), NHWC, c.plan, 'int32 images on the CPU');
    const flagIds = Int32Array.from(ids, (id) => id % 2);
    expectClose(
      'float32',
      (await c.targets!.data()) as Float32Array,
      mixTargetsCpu({ data: flagIds, dtype: 'int32' }, c.plan, { numClasses: K, labelSmoothing: 0.1 }),
      'bool ids',
    );
    tf.dispose([x, y, small, xi, flags, images, targets!, s.images, c.images, c.targets!]);
    mixer.destroy();
    rowsMixer.destroy();
  });

  tfTest('executes an explicit plan exactly; the seeded stream is reproducible', async () => {
    const data = randomData('float32', 4 * H * W * C, 7) as Float32Array;
    const x = onGpu(tf.tensor4d(data, [4, H, W, C]));
    const plan: MixPlan = {
      kind: Uint8Array.from([1, 2, 0, 2]),
      lam: Float32Array.from([0.25, 0.75, 1, 0.75]),
      partner: Uint32Array.from([3, 2, 2, 1]),
      box: Int32Array.from([0, 0, 0, 0, 2, 6, 4, 8, 0, 0, 0, 0, 1, 3, 0, 8]),
    };
    const mixer = createTfjsMixer(tf, OPTIONS);
    const explicit = await mixer.mix(x, null, { plan });
    expect(explicit.plan).toBe(plan);
    await expectImagesMatch(explicit.images, data, { ...NHWC, batch: 4 }, plan);

    // Two mixers with one seed draw the same plans, whether through plan() or mix().
    const a = createTfjsMixer(tf, OPTIONS);
    const b = createTfjsMixer(tf, OPTIONS);
    const drawn = await a.mix(x);
    expect(b.plan(4, { height: H, width: W })).toEqual(drawn.plan);
    await expectImagesMatch(drawn.images, data, { ...NHWC, batch: 4 }, drawn.plan);
    tf.dispose([x, explicit.images, drawn.images]);
    for (const m of [mixer, a, b]) m.destroy();
  });

  tfTest(
    'returned tensors are independent of later calls and of destroy(); they are ordinary TF.js tensors',
    async () => {
      const mixer = createTfjsMixer(tf, OPTIONS);
      const first = randomData('float32', B * H * W * C, 8) as Float32Array;
      const second = randomData('float32', B * H * W * C, 9) as Float32Array;
      const x1 = onGpu(tf.tensor4d(first, [B, H, W, C]));
      const x2 = onGpu(tf.tensor4d(second, [B, H, W, C]));
      const r1 = await mixer.mix(x1);
      // Same shape: the mixer writes the same kept buffers again, which must not show through r1.
      const r2 = await mixer.mix(x2);
      mixer.destroy();
      await expectImagesMatch(r1.images, first, NHWC, r1.plan, 'first result');
      await expectImagesMatch(r2.images, second, NHWC, r2.plan, 'second result');
      // TF.js owns them: views and tidy work as on any tensor.
      const flat = r1.images.reshape([B, H * W * C]);
      r1.images.dispose();
      const sum = tf.tidy(() => flat.sum());
      const expected = (mixBatchCpu({ data: first, dtype: 'float32', shape: NHWC }, r1.plan) as Float32Array).reduce(
        (a, v) => a + v,
        0,
      );
      expect(Math.abs((await sum.data())[0] - expected)).toBeLessThan(1e-2);
      tf.dispose([x1, x2, flat, sum, r2.images]);
      await expect(mixer.mix(x1)).rejects.toThrow(MixupError);
    },
  );

  tfTest('leaks no tensors and no GPU memory over 50 calls when results are disposed', async () => {
    const mixer = createTfjsMixer(tf, OPTIONS);
    const data = randomData('float32', B * H * W * C, 10) as Float32Array;
    const ids = classIds(B, K, 10);
    const xGpu = onGpu(tf.tensor4d(data, [B, H, W, C]));
    const yGpu = onGpu(tf.tensor1d(ids, 'int32'));
    const xCpu = tf.tensor4d(data, [B, H, W, C]);
    const yCpu = tf.tensor1d(ids, 'int32');
    const step = async (i: number) => {
      // Both input paths: pooled dataToGPU copies, and uploads of CPU-held tensors.
      const { images, targets } = i % 2 === 0 ? await mixer.mix(xGpu, yGpu) : await mixer.mix(xCpu, yCpu);
      tf.dispose([images, targets!]);
    };
    const start = tf.memory().numTensors;
    await step(0);
    await step(1);
    const baseline = tf.memory() as tf.MemoryInfo & { numBytesInGPU: number; numBytesAllocatedInGPU: number };
    expect(baseline.numTensors).toBe(start);
    for (let i = 2; i < 52; i++) await step(i);
    const after = tf.memory() as typeof baseline;
    expect(after.numTensors).toBe(baseline.numTensors);
    expect(after.numDataBuffers).toBe(baseline.numDataBuffers);
    expect(after.numBytesInGPU).toBe(baseline.numBytesInGPU);
    // TF.js's pool reuses the same buffers every call: it does not grow.
    expect(after.numBytesAllocatedInGPU).toBe(baseline.numBytesAllocatedInGPU);
    // The results were real tensors in TF.js's pool while alive.
    const live = await mixer.mix(xGpu, yGpu);
    expect(tf.memory().numTensors).toBe(baseline.numTensors + 2);
    expect((tf.memory() as typeof baseline).numBytesInGPU).toBe(baseline.numBytesInGPU + 4 * (B * H * W * C + B * K));
    tf.dispose([live.images, live.targets!, xGpu, yGpu, xCpu, yCpu]);
    mixer.destroy();
  });

  tfTest('calls made without waiting run in order, each on its own input, even across destroy()', async () => {
    const mixer = createTfjsMixer(tf, OPTIONS);
    const inputs = [11, 12, 13].map((seed) => randomData('float32', B * H * W * C, seed) as Float32Array);
    const tensors = inputs.map((d, i) =>
      i === 1 ? tf.tensor4d(d, [B, H, W, C]) : onGpu(tf.tensor4d(d, [B, H, W, C])),
    );
    const calls = tensors.map((t) => mixer.mix(t));
    // destroy() waits for calls already made; later ones are refused.
    mixer.destroy();
    await expect(mixer.mix(tensors[0])).rejects.toThrow(/after destroy/);
    const results = await Promise.all(calls);
    for (let i = 0; i < 3; i++)
      await expectImagesMatch(results[i].images, inputs[i], NHWC, results[i].plan, `call ${i}`);
    // In call order: the plans are the stream's first three.
    const replay = createTfjsMixer(tf, OPTIONS);
    for (const r of results) expect(r.plan).toEqual(replay.plan(B, { height: H, width: W }));
    tf.dispose([...tensors, ...results.map((r) => r.images)]);
    replay.destroy();
  });

  tfTest('rejects bad arguments with a MixupError, leaking nothing', async () => {
    const mixer = createTfjsMixer(tf, OPTIONS);
    const x = onGpu(tf.tensor4d(randomData('float32', B * H * W * C, 14) as Float32Array, [B, H, W, C]));
    const args = {
      floatIds: tf.tensor1d(classIds(B, K, 1), 'float32'),
      wideTargets: tf.zeros([B, K + 1]),
      shortIds: tf.zeros([B - 1], 'int32'),
      rank3: tf.zeros([B, H, W]),
      rows: tf.zeros([B, 12]),
      bools: tf.zeros([B, 4], 'bool'),
    };
    const cases: Array<[string, () => Promise<unknown>, RegExp]> = [
      ['float class ids', () => mixer.mix(x, args.floatIds), /labels must be int32 class ids/],
      ['K mismatch', () => mixer.mix(x, args.wideTargets), /labels\.shape must be \[16, 10\]/],
      ['batch mismatch', () => mixer.mix(x, args.shortIds), /labels\.shape must be \[16\]/],
      ['3-D images', () => mixer.mix(args.rank3), /for other ranks set callOptions\.layout to 'rows'/],
      ['NCHW needs 4-D', () => mixer.mix(args.rows, null, { layout: 'NCHW' }), /a 4-D tensor for layout 'NCHW'/],
      ['bool images', () => mixer.mix(args.bools), /images\.dtype/],
      ['unknown option', () => mixer.mix(x, null, { outDtype: 'float16' } as never), /callOptions\.outDtype/],
      ['not a tensor', () => mixer.mix(new Float32Array(4) as never), /images must be a tf\.Tensor/],
      [
        'bad plan',
        () =>
          mixer.mix(x, null, {
            plan: { ...mixer.plan(B, { height: H, width: W }), partner: new Uint32Array(B).fill(B) },
          }),
        /plan\.partner/,
      ],
    ];
    const before = tf.memory().numTensors;
    for (const [name, call, message] of cases) {
      const error = await call().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error, name).toBeInstanceOf(MixupError);
      expect((error as Error).message, name).toMatch(message);
    }
    // A rejected call leaves no tensor behind (no cast, no dataToGPU copy, no output).
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(args));
    expect(() => createTfjsMixer(tf, { mixup_alpha: 1 } as never)).toThrow(/did you mean/);
    expect(() => createTfjsMixer({} as never)).toThrow(MixupError);

    // A backend that is not WebGPU.
    expect(await tf.setBackend('cpu')).toBe(true);
    const onCpu = tf.zeros([B, H, W, C]);
    await expect(mixer.mix(onCpu)).rejects.toThrow(/a WebGPU backend.*got the "cpu" backend/);
    onCpu.dispose();
    await tf.setBackend('webgpu');
    mixer.destroy();
    await expect(mixer.mix(x)).rejects.toThrow(/after destroy/);
    expect(() => mixer.plan(4)).toThrow(/after destroy/);
    x.dispose();
  });
});

describe('createTfjsMixer on a device shared with TF.js', () => {
  let backends = 0;

  /** Registers a WebGPUBackend on `device` under a new name, with TF.js's webgpu kernels; returns the name and an undo. */
  function registerShared(adapter: GPUAdapter, device: GPUDevice): { name: string; remove: () => Promise<void> } {
    const name = `webgpu-shared-${backends++}`;
    tf.registerBackend(name, () => new WebGPUBackend(device, adapter.info));
    // Kernels are registered per backend name: the package registers them for 'webgpu' only.
    const kernels = tf.getKernelsForBackend('webgpu');
    for (const k of kernels) tf.registerKernel({ ...k, backendName: name });
    return {
      name,
      remove: async () => {
        await tf.setBackend('webgpu');
        tf.removeBackend(name);
        for (const k of kernels) tf.unregisterKernel(k.kernelName, name);
      },
    };
  }

  gpuTest(
    "mixes on a WebGPUBackend registered on the caller's device, with buffers of the caller's own",
    async ({ adapter, device, buffers }) => {
      const { name, remove } = registerShared(adapter, device);
      try {
        expect(await tf.setBackend(name)).toBe(true);
        expect(webgpuDevice()).toBe(device);
        const mixer = createTfjsMixer(tf, OPTIONS);
        const data = randomData('float32', B * H * W * C, 15) as Float32Array;
        const ids = classIds(B, K, 15);
        // The caller's own GPUBuffer, filled by the caller, wrapped for TF.js without a copy.
        const own = bufferFrom(device, data);
        const x = tf.tensor({ buffer: own, zeroCopy: true }, [B, H, W, C], 'float32');
        const y = onGpu(tf.tensor1d(ids, 'int32'));
        expectOnGpu(x);

        const { images, targets, plan } = await mixer.mix(x, y);
        expect(kinds(plan).has(1) && kinds(plan).has(2)).toBe(true);
        await expectImagesMatch(images, data, NHWC, plan);
        expectClose(
          'float32',
          (await targets!.data()) as Float32Array,
          mixTargetsCpu({ data: ids, dtype: 'int32' }, plan, { numClasses: K, labelSmoothing: 0.1 }),
          'targets',
        );
        tf.dispose([images, targets!]);

        // 50 more calls: the mixer's buffers on this device stay the same few, TF.js's tensors come back.
        const tensorsBefore = tf.memory().numTensors;
        const mixerBuffers = buffers.live('mixup');
        const allBuffers = buffers.live();
        for (let i = 0; i < 50; i++) {
          const r = await mixer.mix(x, y);
          tf.dispose([r.images, r.targets!]);
        }
        expect(tf.memory().numTensors).toBe(tensorsBefore);
        expect(buffers.live('mixup')).toBe(mixerBuffers);
        expect(buffers.live()).toBe(allBuffers);
        mixer.destroy();
        expect(buffers.live('mixup'), 'destroy() releases every buffer the mixer made').toBe(0);
        // The caller's buffer is still the caller's: TF.js and the mixer left it alone.
        expect(own.mapState).toBe('unmapped');
        const check = onGpu(tf.clone(x));
        expect(Array.from((await check.data()) as Float32Array)).toEqual(Array.from(data));
        tf.dispose([x, y, check]);
        own.destroy();
      } finally {
        await remove();
      }
    },
  );

  gpuTest(
    "one mixer follows the active backend from TF.js's device to a shared one",
    async ({ adapter, device, buffers }) => {
      const { name, remove } = registerShared(adapter, device);
      try {
        const mixer = createTfjsMixer(tf, OPTIONS);
        const data = randomData('float32', B * H * W * C, 16) as Float32Array;
        expect(await tf.setBackend('webgpu')).toBe(true);
        const ownDevice = webgpuDevice();
        expect(ownDevice).not.toBe(device);
        const x1 = tf.tensor4d(data, [B, H, W, C]);
        const r1 = await mixer.mix(x1);
        await expectImagesMatch(r1.images, data, NHWC, r1.plan, "on TF.js's device");
        tf.dispose([x1, r1.images]);

        expect(await tf.setBackend(name)).toBe(true);
        const x2 = tf.tensor4d(data, [B, H, W, C]);
        const r2 = await mixer.mix(x2);
        expect(buffers.live('mixup')).toBeGreaterThan(0);
        await expectImagesMatch(r2.images, data, NHWC, r2.plan, 'on the shared device');
        // One stream across devices: the second call got the stream's second plan.
        const replay = createTfjsMixer(tf, OPTIONS);
        replay.plan(B, { height: H, width: W });
        expect(r2.plan).toEqual(replay.plan(B, { height: H, width: W }));
        tf.dispose([x2, r2.images]);
        mixer.destroy();
        replay.destroy();
        expect(buffers.live('mixup')).toBe(0);
      } finally {
        await remove();
      }
    },
  );
});

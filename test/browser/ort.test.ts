// webgpu-mixup/ort: mixing onnxruntime-web GPU tensors on the device ORT runs on, in headless Chromium.
// A tiny ONNX model (Y = 2X, written byte by byte in ./onnx-model.ts) runs on ORT's WebGPU execution
// provider with the test's device; its GPU output is mixed, checked against the CPU reference, and fed
// back to the session. Every test runs in gpuTest's error scopes: any WebGPU error fails it.
import { describe, expect } from 'vitest';
import * as ort from 'onnxruntime-web/webgpu';
// ORT fetches its WebAssembly at run time; Vite serves it from node_modules (the glue code is in the bundle).
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import { createOrtMixer, mixOrtTensors } from '../../src/adapters/ort.js';
import { MixupError } from '../../src/errors.js';
import { createMixer } from '../../src/gpu/mixer.js';
import { mixBatchCpu, mixTargetsCpu } from '../../src/reference.js';
import { KIND_CUTMIX, KIND_MIXUP } from '../../src/types.js';
import { bufferFrom, gpuTest, readBuffer, requestTestAdapter } from '../helpers/gpu.js';
import { expectClose, randomData } from '../helpers/data.js';
import { mulModel } from './onnx-model.js';

ort.env.wasm.wasmPaths = { wasm: ortWasmUrl };
// No cross-origin isolation in the test page, so no SharedArrayBuffer: one thread.
ort.env.wasm.numThreads = 1;

const B = 6;
const C = 3;
// Non-square, the width not a multiple of 4 (the uint8 case below has one that is).
const H = 6;
const W = 10;
const DIMS = [B, C, H, W];
const NCHW = { layout: 'NCHW' as const, batch: B, channels: C, height: H, width: W };

/** A session of Y = 2X on `device`, outputs left on the GPU. */
function doublingSession(device: GPUDevice): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(mulModel(['batch', C, H, W], 2), {
    executionProviders: [{ name: 'webgpu', device }],
    preferredOutputLocation: 'gpu-buffer',
  });
}

/** Expects `promise` to reject with a MixupError about `argument` whose message matches `message`. */
async function expectMixupError(
  promise: Promise<unknown> | (() => unknown),
  argument: string,
  message: RegExp,
): Promise<void> {
  let error: unknown = null;
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (e) {
    error = e;
  }
  expect(error, `an error about ${argument}`).toBeInstanceOf(MixupError);
  expect((error as MixupError).argument).toBe(argument);
  expect((error as MixupError).message).toMatch(message);
}

describe('webgpu-mixup/ort with an InferenceSession on the shared device', () => {
  gpuTest(
    'mixes a session output, matches the CPU reference, and feeds the result back to ORT',
    async ({ device, buffers }) => {
      const session = await doublingSession(device);
      const x = randomData('float32', B * C * H * W, 21) as Float32Array;
      const doubled = Float32Array.from(x, (v) => v * 2); // exact in float32
      const X = ort.Tensor.fromGpuBuffer(bufferFrom(device, x), { dataType: 'float32', dims: DIMS });
      const { Y } = await session.run({ X });
      expect(Y.location).toBe('gpu-buffer');
      expect(Y.dims).toEqual(DIMS);

      const ids = Int32Array.from([0, 4, 2, 3, 1, 4]);
      const labels = ort.Tensor.fromGpuBuffer(bufferFrom(device, ids), { dataType: 'int32', dims: [B] });
      const mixer = createOrtMixer(ort, device, {
        mixupAlpha: 0.4,
        cutmixAlpha: 1,
        mode: 'elem',
        numClasses: 5,
        seed: 3,
      });
      const { images, targets, plan, invalidLabels } = await mixer.mix({ images: Y, labels }, { checkLabels: true });

      // Both operations really happen in this batch (the seed is fixed, so this is deterministic).
      expect(Array.from(plan.kind)).toContain(KIND_MIXUP);
      expect(Array.from(plan.kind)).toContain(KIND_CUTMIX);
      expect(invalidLabels).toBe(0);
      expect(images.location).toBe('gpu-buffer');
      expect(images.type).toBe('float32');
      expect(images.dims).toEqual(DIMS);
      expect((images.gpuBuffer as GPUBuffer).label).toBe('mixup images');
      expect(targets!.location).toBe('gpu-buffer');
      expect(targets!.dims).toEqual([B, 5]);
      expect(buffers.live('mixup images')).toBe(1);
      expect(buffers.live('mixup targets')).toBe(1);

      // ORT's output is read, not written: it still holds 2X.
      expectClose(
        'float32',
        new Float32Array(await readBuffer(device, Y.gpuBuffer as GPUBuffer, x.byteLength)),
        doubled,
        'session output',
      );
      const expected = mixBatchCpu({ data: doubled, dtype: 'float32', shape: NCHW }, plan) as Float32Array;

      // The mixed GPU tensor is a valid ORT input: 2 * mixed, computed by ORT on the same device.
      const { Y: again } = await session.run({ X: images });
      expect(again.location).toBe('gpu-buffer');
      expectClose(
        'float32',
        new Float32Array(await readBuffer(device, again.gpuBuffer as GPUBuffer, x.byteLength)),
        Float32Array.from(expected, (v) => v * 2),
        'mixed, then through ORT',
      );

      // getData() downloads through the adapter's downloader.
      expectClose('float32', (await images.getData()) as Float32Array, expected, 'images');
      expectClose(
        'float32',
        (await targets!.getData()) as Float32Array,
        mixTargetsCpu({ data: ids, dtype: 'int32' }, plan, { numClasses: 5, labelSmoothing: 0.1 }),
        'targets',
      );

      // Disposing the results destroys the buffers the mixer allocated, and only those.
      images.dispose();
      targets!.dispose();
      expect(images.location).toBe('none');
      expect(buffers.live('mixup images')).toBe(0);
      expect(buffers.live('mixup targets')).toBe(0);
      expectClose(
        'float32',
        new Float32Array(await readBuffer(device, Y.gpuBuffer as GPUBuffer, x.byteLength)),
        doubled,
        'session output after dispose',
      );

      for (const t of [X, Y, labels, again]) t.dispose();
      await session.release();
      mixer.destroy();
      // ORT releasing its session leaves the shared device alive.
      const probe = bufferFrom(device, Float32Array.of(1, 2, 3, 4));
      expect(new Float32Array(await readBuffer(device, probe))).toEqual(Float32Array.of(1, 2, 3, 4));
    },
  );

  gpuTest(
    'mixes the same session output twice with a fork and a plain mixer, keeping each plan',
    async ({ device }) => {
      const session = await doublingSession(device);
      const x = randomData('float32', B * C * H * W, 5) as Float32Array;
      const X = ort.Tensor.fromGpuBuffer(bufferFrom(device, x), { dataType: 'float32', dims: DIMS });
      const { Y } = await session.run({ X });
      const doubled = Float32Array.from(x, (v) => v * 2);
      const base = createOrtMixer(ort, device, { mixupAlpha: 1, cutmixAlpha: 1, seed: 8 });
      const worker = base.fork(2);
      const plan = worker.plan(B, { height: H, width: W });
      const forked = await worker.mix({ images: Y }, { plan });
      expect(forked.plan).toBe(plan);
      expect(forked.targets).toBeNull();
      const plain = createMixer(device, { mixupAlpha: 1, seed: 1 });
      const other = await mixOrtTensors(ort, plain, { images: Y });
      for (const [result, what] of [
        [forked, 'fork'],
        [other, 'plain mixer'],
      ] as const) {
        expectClose(
          'float32',
          (await result.images.getData()) as Float32Array,
          mixBatchCpu({ data: doubled, dtype: 'float32', shape: NCHW }, result.plan) as Float32Array,
          what,
        );
        result.images.dispose();
      }
      for (const t of [X, Y]) t.dispose();
      await session.release();
      base.destroy();
      worker.destroy();
      plain.destroy();
    },
  );
});

describe('webgpu-mixup/ort with tensors from Tensor.fromGpuBuffer', () => {
  gpuTest('NHWC uint8 with normalisation and float32 soft targets', async ({ device, buffers }) => {
    const shape = { layout: 'NHWC' as const, batch: 4, channels: 3, height: 5, width: 6 };
    const data = randomData('uint8', 4 * 90, 2) as Uint8Array;
    const soft = Float32Array.from(randomData('float32', 4 * 7, 3) as Float32Array, (v) => Math.abs(v) / 4);
    const images = ort.Tensor.fromGpuBuffer(bufferFrom(device, data), { dataType: 'uint8', dims: [4, 5, 6, 3] });
    const labels = ort.Tensor.fromGpuBuffer(bufferFrom(device, soft), { dataType: 'float32', dims: [4, 7] });
    const normalize = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
    const mixer = createOrtMixer(ort, device, {
      mixupAlpha: 0,
      cutmixAlpha: 1,
      numClasses: 7,
      pairing: 'roll',
      seed: 4,
    });
    const result = await mixer.mix({ images, labels }, { layout: 'NHWC', normalize });
    expect(Array.from(result.plan.kind)).toContain(KIND_CUTMIX);
    expect(result.images.type).toBe('float32');
    expect(result.images.dims).toEqual([4, 5, 6, 3]);
    expectClose(
      'float32',
      (await result.images.getData(true)) as Float32Array,
      mixBatchCpu({ data, dtype: 'uint8', shape }, result.plan, { normalize }) as Float32Array,
      'images',
    );
    // getData(true) downloads, then releases the GPU buffer.
    expect(buffers.live('mixup images')).toBe(0);
    expectClose(
      'float32',
      (await result.targets!.getData()) as Float32Array,
      mixTargetsCpu({ data: soft, dtype: 'float32' }, result.plan, { numClasses: 7 }),
      'soft targets',
    );
    result.targets!.dispose();
    expect(buffers.live('mixup targets')).toBe(0);
    mixer.destroy();
  });

  gpuTest('uint8 NCHW to uint8, rows in place, and outputs of the caller', async ({ device, buffers }) => {
    const mixer = createOrtMixer(ort, device, { mixupAlpha: 0.7, seed: 12 });

    // uint8 in and out (rounded half to even on both sides).
    const bytes = randomData('uint8', 2 * 4 * 3 * 8, 9) as Uint8Array;
    const u8 = ort.Tensor.fromGpuBuffer(bufferFrom(device, bytes), { dataType: 'uint8', dims: [2, 4, 3, 8] });
    const mixedBytes = await mixer.mix({ images: u8 });
    expect(mixedBytes.images.type).toBe('uint8');
    const u8Shape = { layout: 'NCHW' as const, batch: 2, channels: 4, height: 3, width: 8 };
    expectClose(
      'uint8',
      (await mixedBytes.images.getData()) as Uint8Array,
      mixBatchCpu({ data: bytes, dtype: 'uint8', shape: u8Shape }, mixedBytes.plan),
      'uint8',
    );
    mixedBytes.images.dispose();

    // Rows [B, D] in place: the result is the input tensor, and nothing is allocated.
    const rows = randomData('float32', 5 * 12, 4) as Float32Array;
    const rowsBuffer = bufferFrom(device, rows);
    const rowsTensor = ort.Tensor.fromGpuBuffer(rowsBuffer, { dataType: 'float32', dims: [5, 12] });
    const before = buffers.live('mixup images');
    const inPlace = await mixer.mix({ images: rowsTensor }, { inPlace: true });
    expect(inPlace.images).toBe(rowsTensor);
    expect(buffers.live('mixup images')).toBe(before);
    const rowShape = { layout: 'rows' as const, batch: 5, features: 12 };
    expectClose(
      'float32',
      new Float32Array(await readBuffer(device, rowsBuffer)),
      mixBatchCpu({ data: rows, dtype: 'float32', shape: rowShape }, inPlace.plan) as Float32Array,
      'rows in place',
    );

    // Caller-owned outputs: wrapped, never destroyed by dispose().
    const ids = Uint32Array.from([1, 0, 2, 2, 1]);
    const labels = ort.Tensor.fromGpuBuffer(bufferFrom(device, ids), { dataType: 'uint32', dims: [5] });
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const out = device.createBuffer({ label: 'caller images', size: rows.byteLength, usage });
    const outTargets = device.createBuffer({ label: 'caller targets', size: 5 * 1000 * 4, usage });
    const source = ort.Tensor.fromGpuBuffer(bufferFrom(device, rows), { dataType: 'float32', dims: [5, 12] });
    const given = await mixer.mix({ images: source, labels }, { outputs: { images: out, targets: outTargets } });
    expect(given.images.gpuBuffer).toBe(out);
    expect(given.targets!.gpuBuffer).toBe(outTargets);
    const liveBefore = buffers.live();
    given.images.dispose();
    given.targets!.dispose();
    expect(buffers.live()).toBe(liveBefore);
    expectClose(
      'float32',
      new Float32Array(await readBuffer(device, out)),
      mixBatchCpu({ data: rows, dtype: 'float32', shape: rowShape }, given.plan) as Float32Array,
      'rows into caller buffer',
    );
    expectClose(
      'float32',
      new Float32Array(await readBuffer(device, outTargets)),
      mixTargetsCpu({ data: ids, dtype: 'uint32' }, given.plan, { numClasses: 1000, labelSmoothing: 0.1 }),
      'targets into caller buffer',
    );

    // A caller buffer without COPY_SRC can be mixed into, but not downloaded: a clear error, no GPU error.
    const noCopy = device.createBuffer({
      label: 'caller storage only',
      size: rows.byteLength,
      usage: GPUBufferUsage.STORAGE,
    });
    const storageOnly = await mixer.mix({ images: source }, { outputs: { images: noCopy } });
    await expectMixupError(storageOnly.images.getData(), 'tensor.gpuBuffer.usage', /COPY_SRC/);
    mixer.destroy();
  });
});

describe('webgpu-mixup/ort argument checks', () => {
  gpuTest(
    'rejects bad tensors with a MixupError naming the argument, before any GPU work',
    async ({ device, buffers }) => {
      const mixer = createOrtMixer(ort, device, { mixupAlpha: 1, numClasses: 5 });
      const f32 = (dims: number[], bytes = dims.reduce((a, b) => a * b, 1) * 4) =>
        ort.Tensor.fromGpuBuffer(bufferFrom(device, new Uint8Array(bytes)), { dataType: 'float32', dims });
      const good = f32(DIMS);
      const ids = ort.Tensor.fromGpuBuffer(bufferFrom(device, new Int32Array(B)), { dataType: 'int32', dims: [B] });
      const flat = f32([B, C, H * W]);
      const small = f32(DIMS, 64);
      const copyOnly = device.createBuffer({
        size: B * C * H * W * 4,
        usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      });
      const noStorage = ort.Tensor.fromGpuBuffer(copyOnly, { dataType: 'float32', dims: DIMS });
      const softK4 = f32([B, 4]);
      const softFlat = f32([B]);
      const longIds = ort.Tensor.fromGpuBuffer(bufferFrom(device, new BigInt64Array(B)), {
        dataType: 'int64',
        dims: [B],
      });
      const extraIds = ort.Tensor.fromGpuBuffer(bufferFrom(device, new Int32Array(B + 1)), {
        dataType: 'int32',
        dims: [B + 1],
      });
      const disposed = f32(DIMS);
      disposed.dispose();
      const created = buffers.created;

      await expectMixupError(
        mixer.mix({ images: new ort.Tensor('float32', new Float32Array(B * C * H * W), DIMS) }),
        'inputs.images.location',
        /'gpu-buffer'.*got location "cpu"/,
      );
      await expectMixupError(mixer.mix({ images: disposed }), 'inputs.images.location', /the tensor was disposed/);
      await expectMixupError(
        mixer.mix({ images: ids }),
        'inputs.images.type',
        /"float32", "uint8", "float16", got "int32"/,
      );
      await expectMixupError(
        mixer.mix({ images: { dims: [1] } as unknown as ort.Tensor }),
        'inputs.images',
        /an onnxruntime-web Tensor/,
      );
      await expectMixupError(
        mixer.mix({ images: flat }),
        'inputs.images.dims',
        /\[B, C, H, W\].*got 3-D dims \[6, 3, 60\]/,
      );
      await expectMixupError(
        mixer.mix({ images: good }, { layout: 'rows' }),
        'inputs.images.dims',
        /\[B, D\] for layout "rows"/,
      );
      await expectMixupError(
        mixer.mix({ images: good }, { layout: 'NCWH' as 'NCHW' }),
        'options.layout',
        /"NCHW", "NHWC", "rows", got "NCWH"/,
      );
      await expectMixupError(
        mixer.mix({ images: good }, { layuot: 'NHWC' } as object),
        'options.layuot',
        /a known option \(did you mean layout\?\)/,
      );
      await expectMixupError(
        mixer.mix({ images: small }),
        'inputs.images.gpuBuffer.size',
        /at least 4320 bytes.*got 64 bytes/,
      );
      await expectMixupError(mixer.mix({ images: noStorage }), 'inputs.images.gpuBuffer.usage', /STORAGE/);
      await expectMixupError(
        mixer.mix({ images: good, labels: softK4 }),
        'inputs.labels.dims',
        /\[6, 5\] \(float32 soft targets.*got \[6, 4\]/,
      );
      await expectMixupError(mixer.mix({ images: good, labels: softFlat }), 'inputs.labels.dims', /got \[6\]/);
      await expectMixupError(
        mixer.mix({ images: good, labels: longIds }),
        'inputs.labels.type',
        /convert int64 class ids to int32/,
      );
      await expectMixupError(
        mixer.mix({ images: good, labels: extraIds }),
        'inputs.labels.dims',
        /\[6\] \(class ids.*got \[7\]/,
      );
      // Checks that the executor makes still apply, under its own names.
      await expectMixupError(
        mixer.mix({ images: good }, { normalize: { mean: [0], std: [1] } }),
        'options.normalize',
        /uint8 input only/,
      );
      await expectMixupError(() => createOrtMixer({} as typeof ort, device), 'ort', /onnxruntime-web namespace/);
      await expectMixupError(
        () => mixOrtTensors(ort, {} as ReturnType<typeof createMixer>, { images: good }),
        'mixer',
        /a Mixer/,
      );

      // Every rejection came before any GPU work: not one buffer was created.
      expect(buffers.created).toBe(created);
      // The inputs are untouched and still usable.
      const ok = await mixer.mix({ images: good, labels: ids });
      expect(ok.images.dims).toEqual(DIMS);
      mixer.destroy();
    },
  );

  gpuTest('rejects a tensor of another device, pointing at executionProviders', async ({ device, buffers }) => {
    const other = await (await requestTestAdapter()).requestDevice();
    try {
      const foreign = other.createBuffer({
        size: B * C * H * W * 4,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
      });
      const mixer = createOrtMixer(ort, device, { mixupAlpha: 1 });
      await expectMixupError(
        mixer.mix({ images: ort.Tensor.fromGpuBuffer(foreign, { dataType: 'float32', dims: DIMS }) }),
        'inputs',
        /executionProviders: \[\{ name: 'webgpu', device \}\].*WebGPU validation error/,
      );
      expect(buffers.live('mixup images')).toBe(0); // the output it had allocated was destroyed
      mixer.destroy();
    } finally {
      other.destroy();
    }
  });
});

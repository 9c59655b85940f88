// Reliability: chunked large batches, out-of-range class ids, device loss, leaks over many calls,
// concurrency, and determinism.
import { describe, expect, it } from 'vitest';
import { createMixer } from '../../src/gpu/mixer.js';
import { createPlanner } from '../../src/plan.js';
import { mixBatchCpu, mixTargetsCpu, smoothingValues } from '../../src/reference.js';
import type { BatchShape, MixPlan } from '../../src/types.js';
import { checkCase } from '../helpers/cases.js';
import { randomData, typedFrom } from '../helpers/data.js';
import { bufferFrom, createTestDevice, gpuTest, readBuffer, requestTestAdapter } from '../helpers/gpu.js';

/** FNV-1a over bytes: a short fingerprint of an output, compared and logged. */
function fingerprint(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

describe('large batches in chunks', () => {
  gpuTest(
    'a batch beyond the binding limit is mixed in chunks of whole samples, partners across chunks included',
    async ({ device }) => {
      // 1 KiB bindings: 3 samples of 240 bytes per chunk, so an 11-sample batch needs 4 chunks and
      // flip / roll / shuffle partners sit in other chunks. Offsets are not 256-aligned sample starts.
      const mixer = createMixer(device, { numClasses: 60 }, { maxBindingBytes: 1024 });
      let seed = 0;
      for (const shape of [
        { layout: 'NCHW', batch: 11, channels: 3, height: 4, width: 5 },
        { layout: 'NHWC', batch: 11, channels: 3, height: 4, width: 5 },
        { layout: 'rows', batch: 13, features: 59 },
      ] as BatchShape[]) {
        const rows = shape.layout === 'rows';
        for (const pairing of ['flip', 'roll', 'shuffle'] as const) {
          for (const mode of ['batch', 'elem'] as const) {
            const planner = createPlanner({ mixupAlpha: 1, cutmixAlpha: rows ? 0 : 1, mode, pairing, seed: ++seed });
            const plan = planner.plan(shape.batch, rows ? undefined : { height: 4, width: 5 });
            for (const [inDtype, outDtype] of [
              ['float32', 'float32'],
              ['uint8', 'float32'],
              ['uint8', 'uint8'],
            ] as const) {
              if (rows && outDtype === 'uint8') continue; // 59 elements: uint8 output needs a multiple of 4
              for (const labels of ['int32', 'float32'] as const) {
                await checkCase(device, mixer, {
                  shape,
                  inDtype,
                  outDtype,
                  labels,
                  numClasses: 60,
                  labelSmoothing: 0.1,
                  plan,
                  seed,
                });
              }
            }
          }
        }
      }
      mixer.destroy();
    },
  );

  gpuTest('chunked and single-pass execution give identical bytes', async ({ device }) => {
    const shape: BatchShape = { layout: 'NCHW', batch: 9, channels: 3, height: 4, width: 5 };
    const data = randomData('uint8', 9 * 60, 21);
    const images = bufferFrom(device, data);
    const plan = createPlanner({ cutmixAlpha: 1, mode: 'elem', pairing: 'shuffle', seed: 5 }).plan(9, {
      height: 4,
      width: 5,
    });
    const outputs: ArrayBuffer[] = [];
    for (const settings of [{}, { maxBindingBytes: 1024 }]) {
      const mixer = createMixer(device, {}, settings);
      const result = await mixer.mix(
        { images: { buffer: images, shape, dtype: 'uint8' } },
        { plan, normalize: { mean: [0.5], std: [0.25] } },
      );
      outputs.push(await readBuffer(device, result.images));
      mixer.destroy();
    }
    expect(new Uint8Array(outputs[1])).toEqual(new Uint8Array(outputs[0]));
  });
});

describe('out-of-range class ids', () => {
  gpuTest('never write outside their target row, and are counted by checkLabels', async ({ device }) => {
    const K = 4;
    const mixer = createMixer(device, { numClasses: K, labelSmoothing: 0.2 });
    const shape: BatchShape = { layout: 'rows', batch: 4, features: 8 };
    const images = bufferFrom(device, randomData('float32', 32, 2));
    const ids = Int32Array.from([1, -1, 7, 2]); // two bad ids: -1 (reads as 2^32 - 1) and 7
    const labels = bufferFrom(device, ids);
    // Targets buffer with room after the B x K values, filled with a sentinel.
    const sentinel = new Float32Array(4 * K + 8).fill(-123);
    const targets = bufferFrom(device, sentinel);
    const plan: MixPlan = {
      kind: Uint8Array.from([1, 1, 1, 1]),
      lam: Float32Array.from([0.75, 0.5, 0.25, 1]),
      partner: Uint32Array.from([3, 2, 1, 0]),
      box: new Int32Array(16),
    };
    const result = await mixer.mix(
      { images: { buffer: images, shape, dtype: 'float32' }, labels: { buffer: labels, dtype: 'int32' } },
      { plan, outputs: { targets }, checkLabels: true },
    );
    expect(result.invalidLabels).toBe(2);
    const out = new Float32Array(await readBuffer(device, targets));
    expect(Array.from(out.subarray(4 * K))).toEqual(new Array(8).fill(-123));
    // A bad id contributes only the off value to every column: the expected rows, with it replaced by "no class".
    const { on, off } = smoothingValues(K, 0.2);
    const oneHot = (id: number) => Array.from({ length: K }, (_, k) => (k === id ? on : off));
    const f = Math.fround;
    for (let i = 0; i < 4; i++) {
      const lam = plan.lam[i];
      const a = oneHot(ids[i]);
      const b = oneHot(ids[plan.partner[i]]);
      const expected = a.map((av, k) => f(f(av * lam) + f(b[k] * f(1 - lam))));
      expect(Array.from(out.subarray(i * K, (i + 1) * K)), `row ${i}`).toEqual(expected);
    }
    // On the CPU the same ids are an error.
    expect(() => mixTargetsCpu({ data: ids, dtype: 'int32' }, plan, { numClasses: K })).toThrow(/labels\.data\[1\]/);
    // Valid ids count zero; without checkLabels there is no count.
    const ok = bufferFrom(device, Int32Array.from([0, 1, 2, 3]));
    expect(
      (
        await mixer.mix(
          { images: { buffer: images, shape, dtype: 'float32' }, labels: { buffer: ok, dtype: 'int32' } },
          { plan, outputs: { targets }, checkLabels: true },
        )
      ).invalidLabels,
    ).toBe(0);
    expect(
      (
        await mixer.mix(
          { images: { buffer: images, shape, dtype: 'float32' }, labels: { buffer: ok, dtype: 'int32' } },
          { plan, outputs: { targets } },
        )
      ).invalidLabels,
    ).toBeNull();
    mixer.destroy();
  });
});

describe('device loss', () => {
  it('a lost device rejects calls clearly, exposes the loss, and a new mixer on a new device works', async () => {
    const adapter = await requestTestAdapter();
    const device = await createTestDevice(adapter);
    const mixer = createMixer(device);
    const shape: BatchShape = { layout: 'rows', batch: 4, features: 8 };
    const images = bufferFrom(device, randomData('float32', 32, 1));
    await mixer.mix({ images: { buffer: images, shape, dtype: 'float32' } });
    device.destroy();
    const info = await mixer.lost;
    expect(info.reason).toBe('destroyed');
    await expect(mixer.mix({ images: { buffer: images, shape, dtype: 'float32' } })).rejects.toThrow(
      /device must be a live GPUDevice, got a lost device \(destroyed/,
    );
    expect(() => mixer.plan(4)).toThrow(/lost device/);
    mixer.destroy();

    const fresh = await createTestDevice(await requestTestAdapter());
    fresh.pushErrorScope('validation');
    const again = createMixer(fresh);
    const data = randomData('float32', 32, 1);
    const buffer = bufferFrom(fresh, data);
    const result = await again.mix({ images: { buffer, shape, dtype: 'float32' } });
    const out = new Float32Array(await readBuffer(fresh, result.images));
    expect(Array.from(out)).toEqual(Array.from(mixBatchCpu({ data, dtype: 'float32', shape }, result.plan)));
    expect(await fresh.popErrorScope()).toBeNull();
    again.destroy();
    // The mixer never destroys a device it did not create.
    let lost = false;
    fresh.lost.then(() => (lost = true));
    await fresh.queue.onSubmittedWorkDone();
    expect(lost).toBe(false);
    fresh.destroy();
  });
});

describe('resources', () => {
  gpuTest(
    '10,000 mix calls leave the count of live GPU buffers flat, and destroy() releases everything',
    async ({ device, buffers }) => {
      const baseline = buffers.live();
      const mixer = createMixer(device, { numClasses: 10, mode: 'elem', cutmixAlpha: 1 });
      const shape: BatchShape = { layout: 'NCHW', batch: 8, channels: 1, height: 2, width: 8 };
      const images = bufferFrom(device, randomData('uint8', 128, 3));
      const labels = bufferFrom(
        device,
        Int32Array.from({ length: 8 }, (_, i) => i),
      );
      const out = device.createBuffer({ size: 8 * 16 * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
      const targets = device.createBuffer({
        size: 8 * 10 * 4,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
      });
      const inputs = {
        images: { buffer: images, shape, dtype: 'uint8' as const },
        labels: { buffer: labels, dtype: 'int32' as const },
      };
      const options = { outputs: { images: out, targets }, normalize: { mean: [0.5], std: [0.5] } };
      // Warm up, so pipelines and the slot pool reach their steady state.
      for (let i = 0; i < 100; i++) await mixer.mix(inputs, options);
      await device.queue.onSubmittedWorkDone();
      const steady = buffers.live();
      const createdBefore = buffers.created;
      // 10,000 calls, 50 in flight at a time.
      for (let round = 0; round < 200; round++) {
        await Promise.all(Array.from({ length: 50 }, () => mixer.mix(inputs, options)));
      }
      await device.queue.onSubmittedWorkDone();
      console.log(
        `[leaks] live buffers after warm-up ${steady}, after 10,000 calls ${buffers.live()}; buffers created during the run: ${buffers.created - createdBefore}`,
      );
      expect(buffers.live()).toBe(steady);
      expect(buffers.created - createdBefore).toBe(0);
      mixer.destroy();
      expect(buffers.live('mixup')).toBe(0);
      expect(buffers.live()).toBe(baseline + 4);
      await expect(mixer.mix(inputs, options)).rejects.toThrow(
        /mixer must be a live mixer, got a mixer after destroy\(\)/,
      );
      expect(() => mixer.plan(8)).toThrow(/after destroy/);
    },
    { timeout: 300_000 },
  );

  gpuTest('sequential calls with given outputs allocate no buffers after warm-up', async ({ device, buffers }) => {
    const mixer = createMixer(device, { numClasses: 10 });
    const shape: BatchShape = { layout: 'rows', batch: 16, features: 32 };
    const images = bufferFrom(device, randomData('float32', 16 * 32, 3));
    const out = device.createBuffer({ size: 16 * 32 * 4, usage: GPUBufferUsage.STORAGE });
    for (let i = 0; i < 5; i++)
      await mixer.mix({ images: { buffer: images, shape, dtype: 'float32' } }, { outputs: { images: out } });
    await device.queue.onSubmittedWorkDone();
    await new Promise((resolve) => setTimeout(resolve, 0));
    const created = buffers.created;
    for (let i = 0; i < 200; i++) {
      await mixer.mix({ images: { buffer: images, shape, dtype: 'float32' } }, { outputs: { images: out } });
      await device.queue.onSubmittedWorkDone();
    }
    expect(buffers.created - created).toBe(0);
    mixer.destroy();
  });
});

describe('concurrency', () => {
  gpuTest(
    '64 calls in flight on one mixer and interleaved calls on three mixers all give their own correct result',
    async ({ device }) => {
      const shape: BatchShape = { layout: 'NHWC', batch: 6, channels: 3, height: 8, width: 2 };
      const mixers = [0, 1, 2].map((m) =>
        createMixer(device, { cutmixAlpha: 1, mode: 'elem', pairing: 'shuffle', seed: 100 + m, numClasses: 5 }),
      );
      const jobs = Array.from({ length: 64 }, (_, j) => {
        const data = randomData('float32', 6 * 48, 1000 + j);
        const ids = Int32Array.from({ length: 6 }, (_, i) => (i + j) % 5);
        return { data, ids, images: bufferFrom(device, data), labels: bufferFrom(device, ids), mixer: mixers[j % 3] };
      });
      const results = await Promise.all(
        jobs.map((job) =>
          job.mixer.mix({
            images: { buffer: job.images, shape, dtype: 'float32' },
            labels: { buffer: job.labels, dtype: 'int32' },
          }),
        ),
      );
      for (let j = 0; j < jobs.length; j++) {
        const { data, ids } = jobs[j];
        const { plan } = results[j];
        const gpu = typedFrom('float32', await readBuffer(device, results[j].images), data.length);
        expect(Array.from(gpu), `job ${j}`).toEqual(Array.from(mixBatchCpu({ data, dtype: 'float32', shape }, plan)));
        const targets = new Float32Array(await readBuffer(device, results[j].targets!));
        expect(Array.from(targets), `job ${j} targets`).toEqual(
          Array.from(mixTargetsCpu({ data: ids, dtype: 'int32' }, plan, { numClasses: 5, labelSmoothing: 0.1 })),
        );
      }
      // Each mixer drew its own sequence: job j's plan is the (j / 3)-th plan of mixer j % 3's stream.
      for (let m = 0; m < 3; m++) {
        const planner = createPlanner({
          cutmixAlpha: 1,
          mode: 'elem',
          pairing: 'shuffle',
          seed: 100 + m,
          numClasses: 5,
        });
        for (let j = m; j < 64; j += 3)
          expect(results[j].plan, `job ${j}`).toEqual(planner.plan(6, { height: 8, width: 2 }));
      }
      for (const mixer of mixers) mixer.destroy();
    },
  );
});

describe('determinism', () => {
  // The same bytes in the browser and in Node: each project asserts, in its own run, that the GPU's
  // bytes equal the CPU reference's for the same calls. The reference is the same JavaScript in both,
  // so if one path's bytes differed from the other's, that path's assertion fails here. The
  // fingerprints are logged so the two projects' logs can be compared by eye too.
  gpuTest(
    'the same seed gives bit-identical outputs, equal to the CPU reference bit for bit on every path',
    async ({ device, adapter }) => {
      const shape: BatchShape = { layout: 'NCHW', batch: 16, channels: 3, height: 6, width: 10 };
      const n = 180;
      const data = randomData('uint8', 16 * n, 77);
      const floats = randomData('float32', 16 * n, 78);
      const labels = Int32Array.from({ length: 16 }, (_, i) => i % 10);
      const soft = Float32Array.from(randomData('float32', 16 * 10, 79) as Float32Array, Math.abs);
      const normalize = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
      const calls = [
        { name: 'uint8 -> normalised float32, class-id targets', input: data, dtype: 'uint8', normalize, soft: false },
        { name: 'float32 -> float32, soft targets', input: floats, dtype: 'float32', normalize: null, soft: true },
        { name: 'uint8 -> uint8, class-id targets', input: data, dtype: 'uint8', normalize: null, soft: false },
      ] as const;
      const prints: string[] = [];
      for (const call of calls) {
        const runs: Uint8Array[] = [];
        for (let run = 0; run < 2; run++) {
          const mixer = createMixer(device, {
            mixupAlpha: 0.2,
            cutmixAlpha: 1,
            mode: 'elem',
            pairing: 'shuffle',
            seed: 2026,
            numClasses: 10,
          });
          const result = await mixer.mix(
            {
              images: { buffer: bufferFrom(device, call.input), shape, dtype: call.dtype },
              labels: call.soft
                ? { buffer: bufferFrom(device, soft), dtype: 'float32', shape: [16, 10] }
                : { buffer: bufferFrom(device, labels), dtype: 'int32' },
            },
            { normalize: call.normalize },
          );
          const images = mixBatchCpu({ data: call.input, dtype: call.dtype, shape }, result.plan, {
            normalize: call.normalize,
          });
          const targets = call.soft
            ? mixTargetsCpu({ data: soft, dtype: 'float32' }, result.plan, mixer.options)
            : mixTargetsCpu({ data: labels, dtype: 'int32' }, result.plan, mixer.options);
          const cpu = new Uint8Array([
            ...new Uint8Array(images.buffer, 0, images.byteLength),
            ...new Uint8Array(targets.buffer),
          ]);
          const gpu = new Uint8Array([
            ...new Uint8Array(await readBuffer(device, result.images, images.byteLength)),
            ...new Uint8Array(await readBuffer(device, result.targets!)),
          ]);
          expect(fingerprint(gpu), `${call.name}, run ${run}: fingerprint of the GPU bytes = the reference's`).toBe(
            fingerprint(cpu),
          );
          expect(gpu, `${call.name}, run ${run}: GPU bytes = CPU reference bytes`).toEqual(cpu);
          runs.push(gpu);
          mixer.destroy();
        }
        expect(runs[1], `${call.name}: run 2 = run 1`).toEqual(runs[0]);
        prints.push(`${call.name} ${fingerprint(runs[0])}`);
      }
      console.log(
        `[determinism] ${adapter.info.architecture || adapter.info.vendor}: output fingerprints (= the reference's): ${prints.join('; ')}`,
      );
    },
  );

  gpuTest('forked mixers draw from their own streams, never repeating each other', async ({ device }) => {
    const mixer = createMixer(device, { mode: 'elem', seed: 9 });
    const forks = [0, 1, 2].map((w) => mixer.fork(w));
    const plans = [mixer, ...forks].map((m) => m.plan(64));
    for (let a = 0; a < plans.length; a++) {
      for (let b = a + 1; b < plans.length; b++) expect(Array.from(plans[a].lam)).not.toEqual(Array.from(plans[b].lam));
    }
    // A fork's stream is a function of (seed, worker): a fresh fork 1 of the same seed replays it.
    const replay = createPlanner({ mode: 'elem', seed: 9 }).fork(1);
    expect(plans[2], "fork 1's first plan = a fresh fork 1's first plan").toEqual(replay.plan(64));
    expect(forks[1].plan(64), "fork 1's second plan = a fresh fork 1's second plan").toEqual(replay.plan(64));
    mixer.destroy();
  });
});

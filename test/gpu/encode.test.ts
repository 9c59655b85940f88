// encode() and the upload-slot pool (src/gpu/slots.ts), and the executor paths that only go wrong
// under unusual use: encode() without prepare(), many encodings recorded before one submit, more
// encodings in flight than the pool keeps, release() called twice, and recording or compiling that
// throws. The rule for each: every encoding writes exactly the CPU reference's bytes for its own
// plan, with no GPU validation error (gpuTest fails on one), and a failure surfaces as an error.
import { describe, expect } from 'vitest';
import { createMixer } from '../../src/gpu/mixer.js';
import { MAX_FREE_SLOTS, WATCH_BATCH } from '../../src/gpu/slots.js';
import type { MixInputs, Mixer } from '../../src/gpu/types.js';
import { mixBatchCpu, mixTargetsCpu } from '../../src/reference.js';
import type { BatchShape, MixPlan } from '../../src/types.js';
import { expectClose, randomData } from '../helpers/data.js';
import { bufferFrom, gpuTest, readBuffer } from '../helpers/gpu.js';

// Non-square, 30 elements a sample (not a multiple of 4), labels with K = 7.
const SHAPE: BatchShape = { layout: 'NCHW', batch: 6, channels: 2, height: 3, width: 5 };
const N = 30;
const K = 7;
const OPTIONS = { mixupAlpha: 1, cutmixAlpha: 1, mode: 'elem', pairing: 'shuffle', numClasses: K } as const;

function fixture(device: GPUDevice) {
  const data = randomData('float32', SHAPE.batch * N, 41) as Float32Array;
  const ids = Int32Array.from([0, 6, 3, 1, 5, 2]);
  const inputs: MixInputs = {
    images: { buffer: bufferFrom(device, data), shape: SHAPE, dtype: 'float32' },
    labels: { buffer: bufferFrom(device, ids), dtype: 'int32' },
  };
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC;
  /** Records one encoding of `plan` into `encoder` with outputs of its own; `check` compares them with the CPU. */
  const encodeInto = (mixer: Mixer, encoder: GPUCommandEncoder, plan: MixPlan, what: string) => {
    const images = device.createBuffer({ size: SHAPE.batch * N * 4, usage });
    const targets = device.createBuffer({ size: SHAPE.batch * K * 4, usage });
    const encoding = mixer.encode(encoder, inputs, { plan, outputs: { images, targets } });
    const check = async () => {
      const cpu = mixBatchCpu({ data, dtype: 'float32', shape: SHAPE }, plan) as Float32Array;
      expectClose('float32', new Float32Array(await readBuffer(device, images)), cpu, `${what}: images`);
      const cpuTargets = mixTargetsCpu({ data: ids, dtype: 'int32' }, plan, mixer.options);
      expectClose('float32', new Float32Array(await readBuffer(device, targets)), cpuTargets, `${what}: targets`);
      images.destroy();
      targets.destroy();
    };
    return { encoding, check };
  };
  /** Distinct plans (their lam and boxes differ), so two encodings reading one upload would show. */
  const plans = (mixer: Mixer, count: number) =>
    Array.from({ length: count }, () => mixer.plan(SHAPE.batch, { height: 3, width: 5 }));
  return { data, inputs, encodeInto, plans };
}

/** Lets the pool's onSubmittedWorkDone callbacks (which return released slots) run. */
async function settle(device: GPUDevice): Promise<void> {
  await device.queue.onSubmittedWorkDone();
  await new Promise((resolve) => setTimeout(resolve, 0));
}

describe('encode()', () => {
  gpuTest(
    'without prepare(): compiles on the spot and writes the reference bytes; three encodings in one encoder each write their own',
    async ({ device }) => {
      const f = fixture(device);
      const mixer = createMixer(device, OPTIONS);
      const encoder = device.createCommandEncoder();
      const runs = f.plans(mixer, 3).map((plan, i) => f.encodeInto(mixer, encoder, plan, `encoding ${i}`));
      device.queue.submit([encoder.finish()]);
      for (const run of runs) run.encoding.release();
      for (const run of runs) await run.check();
      // And again, one submit each, after the first ones released their slots.
      await settle(device);
      for (const [i, plan] of f.plans(mixer, 2).entries()) {
        const again = device.createCommandEncoder();
        const run = f.encodeInto(mixer, again, plan, `repeat ${i}`);
        device.queue.submit([again.finish()]);
        run.encoding.release();
        await run.check();
      }
      mixer.destroy();
    },
  );

  gpuTest(
    'more encodings in flight than the pool keeps: each writes its own bytes; released slots are kept or destroyed, and kept ones are reused',
    async ({ device, buffers }) => {
      const f = fixture(device);
      const mixer = createMixer(device, OPTIONS);
      // More in flight than the pool keeps free, so some released slots must be destroyed.
      const inFlight = MAX_FREE_SLOTS + 3;
      const round = async (name: string) => {
        const encoder = device.createCommandEncoder();
        const runs = f.plans(mixer, inFlight).map((plan, i) => f.encodeInto(mixer, encoder, plan, `${name} ${i}`));
        device.queue.submit([encoder.finish()]);
        for (const run of runs) run.encoding.release();
        for (const run of runs) await run.check();
        await settle(device);
      };
      await round('first round');
      const kept = buffers.live('mixup upload');
      expect(kept, 'slots kept after release: at most the pool size').toBe(MAX_FREE_SLOTS);
      expect(kept, 'slots kept after release').toBeGreaterThan(0);
      const created = buffers.created;
      await round('second round');
      // Every kept slot served an encoding before a new one was made: (inFlight - kept) new slots,
      // each an upload buffer and a bad-id counter.
      expect(buffers.created - created, 'buffers created by the second round').toBe(
        2 * (inFlight - kept) + 4 * inFlight,
      );
      mixer.destroy();
      expect(buffers.live('mixup upload'), 'upload slots after destroy()').toBe(0);
    },
  );

  gpuTest(
    'a loop that drains every step: one onSubmittedWorkDone per WATCH_BATCH releases, WATCH_BATCH upload slots, the reference bytes every step',
    async ({ device, buffers }) => {
      const f = fixture(device);
      const mixer = createMixer(device, OPTIONS);
      const queue = device.queue;
      const done = queue.onSubmittedWorkDone.bind(queue);
      let watches = 0;
      // The mixer's own calls are counted; the loop drains with the original.
      queue.onSubmittedWorkDone = () => {
        watches++;
        return done();
      };
      const steps = 3 * WATCH_BATCH;
      for (const [i, plan] of f.plans(mixer, steps).entries()) {
        const encoder = device.createCommandEncoder();
        const run = f.encodeInto(mixer, encoder, plan, `step ${i}`);
        device.queue.submit([encoder.finish()]);
        run.encoding.release();
        await done();
        await new Promise((resolve) => setTimeout(resolve, 0));
        await run.check();
      }
      queue.onSubmittedWorkDone = done;
      expect(watches, 'watches made by the mixer').toBe(steps / WATCH_BATCH);
      expect(buffers.live('mixup upload'), 'upload slots in rotation').toBe(WATCH_BATCH);
      mixer.destroy();
      expect(buffers.live('mixup upload'), 'upload slots after destroy()').toBe(0);
    },
  );

  gpuTest(
    'release() twice returns the slot to the pool once: two later encodings in flight never share it',
    async ({ device }) => {
      const f = fixture(device);
      const mixer = createMixer(device, OPTIONS);
      const [first, ...later] = f.plans(mixer, 3);
      const encoder = device.createCommandEncoder();
      const run = f.encodeInto(mixer, encoder, first, 'released twice');
      device.queue.submit([encoder.finish()]);
      run.encoding.release();
      run.encoding.release();
      await run.check();
      await settle(device);
      const both = device.createCommandEncoder();
      const runs = later.map((plan, i) => f.encodeInto(mixer, both, plan, `after the double release ${i}`));
      device.queue.submit([both.finish()]);
      for (const r of runs) r.encoding.release();
      for (const r of runs) await r.check();
      mixer.destroy();
    },
  );

  gpuTest(
    'a compile that throws inside encode() is thrown by encode(), and the mixer works after',
    async ({ device }) => {
      const f = fixture(device);
      const mixer = createMixer(device, OPTIONS);
      const [plan] = f.plans(mixer, 1);
      const compile = device.createComputePipeline;
      device.createComputePipeline = () => {
        throw new Error('planted compile failure');
      };
      const encoder = device.createCommandEncoder();
      expect(() => f.encodeInto(mixer, encoder, plan, 'failing')).toThrow('planted compile failure');
      device.createComputePipeline = compile;
      const ok = device.createCommandEncoder();
      const run = f.encodeInto(mixer, ok, plan, 'after the failure');
      device.queue.submit([ok.finish()]);
      run.encoding.release();
      await run.check();
      mixer.destroy();
    },
  );
});

describe('mix() when recording throws', () => {
  gpuTest(
    'rejects with the error, destroys the outputs it made, and the next call writes the reference bytes',
    async ({ device, buffers }) => {
      const f = fixture(device);
      const mixer = createMixer(device, OPTIONS);
      const [plan] = f.plans(mixer, 1);
      // checkLabels: false keeps the first-call check of the ids (a mix() of its own) out of the way.
      const options = { plan, checkLabels: false };
      await mixer.prepare(f.inputs, options);
      const write = device.queue.writeBuffer;
      device.queue.writeBuffer = () => {
        throw new Error('planted recording failure');
      };
      // The caller's own scope: mix() must pop exactly the scope it pushed.
      device.pushErrorScope('validation');
      await expect(mixer.mix(f.inputs, options)).rejects.toThrow('planted recording failure');
      expect(await device.popErrorScope(), "the caller's scope, still in place and empty").toBeNull();
      device.queue.writeBuffer = write;
      expect(buffers.live('mixup images') + buffers.live('mixup targets'), 'outputs left by the failed call').toBe(0);
      const result = await mixer.mix(f.inputs, options);
      const cpu = mixBatchCpu({ data: f.data, dtype: 'float32', shape: SHAPE }, plan);
      expectClose(
        'float32',
        new Float32Array(await readBuffer(device, result.images)),
        cpu,
        'images after the failure',
      );
      mixer.destroy();
    },
  );
});

describe('outputs that alias inputs', () => {
  gpuTest(
    'targets written over the labels are refused by mix() and encode() before any GPU work; the labels stay as they were',
    async ({ device }) => {
      const f = fixture(device);
      const mixer = createMixer(device, OPTIONS);
      const [plan] = f.plans(mixer, 1);
      // Large enough to pass for a [B, K] targets buffer: only the alias is wrong.
      const ids = new Int32Array(SHAPE.batch * K);
      ids.set([0, 6, 3, 1, 5, 2]);
      const labels = bufferFrom(device, ids);
      const inputs: MixInputs = { ...f.inputs, labels: { buffer: labels, dtype: 'int32' } };
      const before = new Uint8Array(await readBuffer(device, labels));
      const images = device.createBuffer({ size: SHAPE.batch * N * 4, usage: GPUBufferUsage.STORAGE });
      const message =
        /^webgpu-mixup: options\.outputs\.targets must be a buffer other than the labels, got the labels buffer/;
      await expect(mixer.mix(inputs, { plan, outputs: { targets: labels } })).rejects.toThrow(message);
      expect(() =>
        mixer.encode(device.createCommandEncoder(), inputs, { plan, outputs: { images, targets: labels } }),
      ).toThrow(message);
      expect(new Uint8Array(await readBuffer(device, labels)), 'labels after the refused calls').toEqual(before);
      mixer.destroy();
    },
  );
});

// The executor's host side (issue 14, items 2 and 6): bind groups are cached, mix() submits
// synchronously once its pipelines are compiled, prepare() compiles every kernel later calls can
// need, one pipeline cache serves every mixer and fork on a device, and plans can be drawn into a
// caller's plan object.
import { describe, expect } from 'vitest';
import { createMixer } from '../../src/gpu/mixer.js';
import type { MixInputs } from '../../src/gpu/types.js';
import { createPlanner, emptyPlan } from '../../src/plan.js';
import type { BatchShape, MixOptions } from '../../src/types.js';
import { mixBatchCpu } from '../../src/reference.js';
import { expectClose, randomData } from '../helpers/data.js';
import { bufferFrom, gpuTest, readBuffer } from '../helpers/gpu.js';

/** Counts the device's pipeline compiles, bind groups and queue submits from now on. */
function count(device: GPUDevice) {
  const counts = { pipelines: 0, bindGroups: 0, submits: 0 };
  const sync = device.createComputePipeline.bind(device);
  const async = device.createComputePipelineAsync.bind(device);
  const group = device.createBindGroup.bind(device);
  const submit = device.queue.submit.bind(device.queue);
  device.createComputePipeline = (d) => (counts.pipelines++, sync(d));
  device.createComputePipelineAsync = (d) => (counts.pipelines++, async(d));
  device.createBindGroup = (d) => (counts.bindGroups++, group(d));
  device.queue.submit = (buffers) => (counts.submits++, submit(buffers));
  return counts;
}

const SHAPE: BatchShape = { layout: 'NCHW', batch: 16, channels: 3, height: 2, width: 8 };

function buffers(device: GPUDevice, labels = false) {
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  const images = device.createBuffer({ size: 16 * 48 * 4, usage });
  const out = device.createBuffer({ size: 16 * 48 * 4, usage });
  const ids = device.createBuffer({ size: 16 * 4, usage });
  const targets = device.createBuffer({ size: 16 * 10 * 4, usage });
  const inputs: MixInputs = {
    images: { buffer: images, shape: SHAPE, dtype: 'float32' },
    ...(labels ? { labels: { buffer: ids, dtype: 'int32' as const } } : {}),
  };
  return { inputs, outputs: labels ? { images: out, targets } : { images: out } };
}

describe('host side of a call', () => {
  gpuTest(
    'after warm-up, a loop of one shape creates no bind groups, and mix() submits before it returns',
    async ({ device }) => {
      const counts = count(device);
      const mixer = createMixer(device, {
        mixupAlpha: 1,
        cutmixAlpha: 1,
        mode: 'elem',
        pairing: 'shuffle',
        numClasses: 10,
      });
      const { inputs, outputs } = buffers(device, true);
      await mixer.prepare(inputs, { outputs });
      const encodeOnce = async () => {
        const encoder = device.createCommandEncoder();
        const encoding = mixer.encode(encoder, inputs, { outputs, plan: mixer.plan(16, { height: 2, width: 8 }) });
        device.queue.submit([encoder.finish()]);
        encoding.release();
        await device.queue.onSubmittedWorkDone();
      };
      // Warm-up: the mix() slot and one encode() slot get their groups.
      for (let i = 0; i < 5; i++) {
        await mixer.mix(inputs, { outputs });
        await encodeOnce();
      }
      const groups = counts.bindGroups;
      const submits = counts.submits;
      const pending = mixer.mix(inputs, { outputs });
      // Submitted synchronously: no await stood between the call and its submit.
      expect(counts.submits).toBe(submits + 1);
      await pending;
      for (let i = 0; i < 20; i++) {
        await encodeOnce();
        await mixer.mix(inputs, { outputs });
      }
      expect(counts.bindGroups - groups, 'bind groups created after warm-up').toBe(0);
      mixer.destroy();
    },
  );

  gpuTest(
    'prepare() without a plan compiles every kernel the options can need; later calls compile nothing',
    async ({ device }) => {
      const counts = count(device);
      const configs: MixOptions[] = [
        { mixupAlpha: 1, cutmixAlpha: 1, mode: 'elem', pairing: 'shuffle', prob: 0.5 },
        { mixupAlpha: 0.4, cutmixAlpha: 1, mode: 'batch', pairing: 'flip', switchProb: 0.5 },
        { mixupAlpha: 1, mode: 'pair', pairing: 'shuffle', prob: 0.7 },
        { mixupAlpha: 1, pairing: 'roll' },
      ];
      for (const [c, options] of configs.entries()) {
        const mixer = createMixer(device, { ...options, numClasses: 10, seed: c });
        const { inputs, outputs } = buffers(device, c % 2 === 0);
        await mixer.prepare(inputs, { outputs });
        const compiled = counts.pipelines;
        // Many plans: batch-mode plans are all mixup or all CutMix, elem plans mix kinds, prob < 1 gives none.
        for (let i = 0; i < 40; i++) await mixer.mix(inputs, { outputs });
        expect(counts.pipelines - compiled, `config ${c}: pipelines compiled after prepare()`).toBe(0);
        mixer.destroy();
      }
    },
  );

  gpuTest('forks and mixers on one device share compiled pipelines', async ({ device }) => {
    const counts = count(device);
    const options: MixOptions = { mixupAlpha: 1, mode: 'elem', pairing: 'flip' };
    const { inputs, outputs } = buffers(device);
    const first = createMixer(device, options);
    await first.mix(inputs, { outputs });
    const compiled = counts.pipelines;
    const fork = first.fork(0);
    const other = createMixer(device, { ...options, seed: 3 });
    await fork.mix(inputs, { outputs });
    await other.mix(inputs, { outputs });
    expect(counts.pipelines).toBe(compiled);
    for (const m of [first, fork, other]) m.destroy();
  });

  gpuTest('encode() while prepare() is still compiling uses one pipeline from then on', async ({ device }) => {
    const counts = count(device);
    const mixer = createMixer(device, { mixupAlpha: 1, pairing: 'flip' });
    const { inputs, outputs } = buffers(device);
    const plan = mixer.plan(16, { height: 2, width: 8 });
    const preparing = mixer.prepare(inputs, { outputs, plan });
    const encoder = device.createCommandEncoder();
    mixer.encode(encoder, inputs, { outputs, plan }).release();
    device.queue.submit([encoder.finish()]);
    await preparing;
    const compiled = counts.pipelines;
    // WebGPU cannot wait for the pending compile synchronously, so encode compiled once more; after
    // that the key holds one pipeline and neither path compiles again.
    expect(compiled).toBe(2);
    await mixer.mix(inputs, { outputs, plan });
    const again = device.createCommandEncoder();
    mixer.encode(again, inputs, { outputs, plan }).release();
    device.queue.submit([again.finish()]);
    expect(counts.pipelines).toBe(compiled);
    mixer.destroy();
  });

  gpuTest(
    'plan(B, size, into) fills the caller plan with the stream next plan, and a wrong-sized one is refused without a draw',
    async ({ device }) => {
      const options: MixOptions = { cutmixAlpha: 1, mode: 'elem', pairing: 'shuffle', seed: 8 };
      const mixer = createMixer(device, options);
      const planner = createPlanner(options);
      const into = emptyPlan(12);
      const size = { height: 5, width: 6 };
      expect(mixer.plan(12, size, into)).toBe(into);
      expect(into).toEqual(planner.plan(12, size));
      expect(() => mixer.plan(12, size, emptyPlan(11))).toThrow(/into\.kind must be a Uint8Array of length 12/);
      expect(mixer.plan(12, size, into)).toEqual(planner.plan(12, size));
      mixer.destroy();
    },
  );

  gpuTest(
    "successive calls whose plans need other kernels each run their own (the last call's pipelines are reused only for the same keys)",
    async ({ device }) => {
      const B = 16;
      const n = 48;
      const x = randomData('float32', B * n, 5) as Float32Array;
      const source = bufferFrom(device, x);
      const out = device.createBuffer({ size: x.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
      const inputs: MixInputs = { images: { buffer: source, shape: SHAPE, dtype: 'float32' } };
      const mixer = createMixer(device, { mixupAlpha: 1, cutmixAlpha: 1 });
      // Every kernel compiled first, so that each call below finds its pipelines ready.
      await mixer.prepare(inputs, { outputs: { images: out } });
      const partner = Uint32Array.from({ length: B }, (_, i) => B - 1 - i);
      const plan = (kind: number, lam: number, box: number[]) => ({
        kind: new Uint8Array(B).fill(kind),
        lam: new Float32Array(B).fill(lam),
        partner: partner.slice(),
        box: Int32Array.from({ length: 4 * B }, (_, i) => box[i % 4]),
      });
      // Blend only, paste only, both, none, blend again: one mixer, one shape, other kernels each time.
      const both = plan(1, 0.25, [0, 0, 0, 0]);
      for (let i = 0; i < B; i += 2) {
        both.kind[i] = 2;
        both.box.set([0, 1, 2, 6], 4 * i);
        both.lam[i] = 0.75;
      }
      const plans = [plan(1, 0.25, [0, 0, 0, 0]), plan(2, 0.75, [0, 1, 2, 6]), both, plan(0, 1, [0, 0, 0, 0])];
      for (const p of [...plans, plans[0]]) {
        const encoder = device.createCommandEncoder();
        mixer.encode(encoder, inputs, { plan: p, outputs: { images: out } }).release();
        device.queue.submit([encoder.finish()]);
        const gpu = new Float32Array(await readBuffer(device, out, x.byteLength));
        expectClose(
          'float32',
          gpu,
          mixBatchCpu({ data: x, dtype: 'float32', shape: SHAPE }, p),
          `kinds ${p.kind[0]}, ${p.kind[1]}`,
        );
      }
      mixer.destroy();
      source.destroy();
      out.destroy();
    },
  );
});

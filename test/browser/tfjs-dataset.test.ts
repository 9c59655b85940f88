/**
 * mixDataset: a tf.data.Dataset of { xs, ys } batches mixed on TF.js's WebGPU device for
 * model.fitDataset. Values are checked against the CPU reference run with the plans a second planner
 * of the same options and seed draws (the mixer takes one plan per batch, in order); memory through
 * tf.memory() over many batches, when iterated by hand and inside fitDataset; every test runs inside
 * WebGPU error scopes.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { describe, expect, it } from 'vitest';
import { createTfjsMixer, mixDataset } from '../../src/adapters/tfjs.js';
import type { TfjsBatch } from '../../src/adapters/tfjs.js';
import { MixupError } from '../../src/errors.js';
import { createPlanner } from '../../src/plan.js';
import { mixBatchCpu, mixTargetsCpu } from '../../src/reference.js';
import { Philox } from '../../src/rng.js';
import type { BatchShape, MixOptions } from '../../src/types.js';
import { expectClose } from '../helpers/data.js';
import { withErrorScopes } from '../helpers/gpu.js';

const B = 8;
// Non-square, with a width (and a sample) that is not a multiple of 4.
const H = 5;
const W = 7;
const C = 1;
const K = 5;
const SHAPE: BatchShape = { layout: 'NHWC', batch: B, channels: C, height: H, width: W };
/** Mixup and CutMix per sample with smoothing: one plan exercises blends, pastes and smoothed targets. */
const OPTIONS: MixOptions = {
  mixupAlpha: 1,
  cutmixAlpha: 1,
  mode: 'elem',
  pairing: 'shuffle',
  labelSmoothing: 0.1,
  numClasses: K,
  seed: 7,
};

function webgpuDevice(): GPUDevice {
  return (tf.backend() as unknown as { device: GPUDevice }).device;
}

function tfTest(name: string, body: () => Promise<void>): void {
  it(name, async () => {
    expect(await tf.setBackend('webgpu')).toBe(true);
    await withErrorScopes(webgpuDevice(), body);
  });
}

/** Batch `i` of a seeded synthetic data set: pixels and class ids as arrays, so the test knows them. */
function batchData(i: number): { pixels: Float32Array; ids: Int32Array } {
  const rng = new Philox(100 + i);
  return {
    pixels: Float32Array.from({ length: B * H * W * C }, () => rng.nextFloat()),
    ids: Int32Array.from({ length: B }, () => rng.nextInt(K)),
  };
}

/** A dataset of `count` batches; each pass makes them anew (as a `.batch(n)` pipeline does). */
function batches(count: number): tf.data.Dataset<TfjsBatch> {
  return tf.data.generator(function* () {
    for (let i = 0; i < count; i++) {
      const { pixels, ids } = batchData(i % 4);
      yield { xs: tf.tensor4d(pixels, [B, H, W, C]), ys: tf.tensor1d(ids, 'int32') };
    }
  });
}

describe('mixDataset', () => {
  tfTest('mixes every batch with the next plan of the stream: values equal the CPU reference', async () => {
    const mixer = createTfjsMixer(tf, OPTIONS);
    const reference = createPlanner(OPTIONS);
    const it = await mixDataset(mixer, batches(6)).iterator();
    const kinds = new Set<number>();
    for (let i = 0; i < 6; i++) {
      const { value, done } = await it.next();
      expect(done).toBe(false);
      const { xs, ys } = value as TfjsBatch;
      const plan = reference.plan(B, { height: H, width: W });
      plan.kind.forEach((k) => {
        kinds.add(k);
      });
      const { pixels, ids } = batchData(i % 4);
      expect(xs.shape).toEqual([B, H, W, C]);
      expect(ys.shape).toEqual([B, K]);
      expectClose(
        'float32',
        (await xs.data()) as Float32Array,
        mixBatchCpu({ data: pixels, dtype: 'float32', shape: SHAPE }, plan),
        `batch ${i} xs`,
      );
      expectClose(
        'float32',
        (await ys.data()) as Float32Array,
        mixTargetsCpu({ data: ids, dtype: 'int32' }, plan, { numClasses: K, labelSmoothing: 0.1 }),
        `batch ${i} ys`,
      );
      tf.dispose([xs, ys]);
    }
    expect((await it.next()).done).toBe(true);
    // Both kinds of mixing happened, so both kernels were checked.
    expect(kinds.has(1) && kinds.has(2)).toBe(true);
    mixer.destroy();
  });

  tfTest(
    'batches stay intact when each is used by queued GPU work and disposed at once, as fitDataset does',
    async () => {
      const mixer = createTfjsMixer(tf, OPTIONS);
      const reference = createPlanner(OPTIONS);
      const it = await mixDataset(mixer, batches(10)).iterator();
      const copies: tf.Tensor[] = [];
      for (let i = 0; i < 10; i++) {
        const { xs, ys } = (await it.next()).value as TfjsBatch;
        // GPU kernels read the batch; nothing waits for them before the batch is disposed and the next is mixed.
        copies.push(tf.mul(xs, 1), tf.mul(ys, 1));
        tf.dispose([xs, ys]);
      }
      for (let i = 0; i < 10; i++) {
        const plan = reference.plan(B, { height: H, width: W });
        const { pixels, ids } = batchData(i % 4);
        expectClose(
          'float32',
          (await copies[2 * i].data()) as Float32Array,
          mixBatchCpu({ data: pixels, dtype: 'float32', shape: SHAPE }, plan),
          `batch ${i} xs`,
        );
        expectClose(
          'float32',
          (await copies[2 * i + 1].data()) as Float32Array,
          mixTargetsCpu({ data: ids, dtype: 'int32' }, plan, { numClasses: K, labelSmoothing: 0.1 }),
          `batch ${i} ys`,
        );
      }
      tf.dispose(copies);
      mixer.destroy();
    },
  );

  tfTest('tf.memory() stays flat over many batches iterated by hand', async () => {
    const mixer = createTfjsMixer(tf, OPTIONS);
    const mixed = mixDataset(mixer, batches(40));
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    await mixed.forEachAsync((batch) => {
      // Each batch holds its two tensors; the input batch it came from is gone.
      counts.push(tf.memory().numTensors - before);
      tf.dispose(batch);
    });
    expect(counts).toHaveLength(40);
    expect(new Set(counts)).toEqual(new Set([2]));
    expect(tf.memory().numTensors).toBe(before);
    mixer.destroy();
  });

  tfTest(
    'model.fitDataset trains on the mixed batches with tf.memory() flat from batch to batch and epoch to epoch',
    async () => {
      const model = tf.sequential({
        layers: [tf.layers.flatten({ inputShape: [H, W, C] }), tf.layers.dense({ units: K, activation: 'softmax' })],
      });
      model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
      const mixer = createTfjsMixer(tf, OPTIONS);
      const perBatch: number[] = [];
      const perEpoch: number[] = [];
      const history = await model.fitDataset(mixDataset(mixer, batches(12)), {
        epochs: 3,
        verbose: 0,
        callbacks: {
          onBatchEnd: async () => {
            perBatch.push(tf.memory().numTensors);
          },
          onEpochEnd: async () => {
            perEpoch.push(tf.memory().numTensors);
          },
        },
      });
      expect(history.history.loss).toHaveLength(3);
      expect(history.history.loss.every((l) => Number.isFinite(l as number))).toBe(true);
      expect(perBatch).toHaveLength(36);
      // After the first step (which creates Adam's moments), the count does not move.
      expect(new Set(perBatch.slice(1))).toEqual(new Set([perBatch[1]]));
      expect(new Set(perEpoch)).toEqual(new Set([perEpoch[0]]));
      mixer.destroy();
      model.optimizer.dispose();
      model.dispose();
    },
  );

  tfTest(
    'fitDataset on mixed batches is deterministic: the same seeds give the same weights, bit for bit',
    async () => {
      const train = async () => {
        const model = tf.sequential({
          layers: [
            tf.layers.flatten({ inputShape: [H, W, C] }),
            tf.layers.dense({
              units: K,
              activation: 'softmax',
              kernelInitializer: tf.initializers.heNormal({ seed: 3 }),
            }),
          ],
        });
        model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
        const mixer = createTfjsMixer(tf, OPTIONS);
        await model.fitDataset(mixDataset(mixer, batches(8)), { epochs: 3, verbose: 0 });
        const weights = Float32Array.from((await model.getWeights()[0].data()) as Float32Array);
        mixer.destroy();
        model.optimizer.dispose();
        model.dispose();
        return weights;
      };
      const first = await train();
      const second = await train();
      expect(new Uint32Array(second.buffer)).toEqual(new Uint32Array(first.buffer));
    },
  );

  tfTest('checks its arguments before anything is mixed', async () => {
    const mixer = createTfjsMixer(tf, OPTIONS);
    const data = batches(2);
    expect(() => mixDataset({} as never, data)).toThrow(/mixer.*createTfjsMixer/);
    expect(() => mixDataset(mixer, [] as never)).toThrow(/dataset.*tf\.data\.Dataset/);
    expect(() => mixDataset(mixer, data, { layot: 'NHWC' } as never)).toThrow(/options\.layot.*'layout'/);
    expect(() => mixDataset(mixer, data, { layout: 'HWC' as never })).toThrow(/options\.layout/);
    // A dataset of bare tensors (no { xs, ys }) rejects at its first batch, naming what is wrong.
    const bare = tf.data.generator(function* () {
      yield tf.zeros([B, H, W, C]);
    });
    const error = await (await mixDataset(mixer, bare as unknown as typeof data).iterator())
      .next()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MixupError);
    expect(String(error)).toMatch(/dataset element.*\{ xs, ys \}/);
    // Nothing was mixed: the stream is where a fresh one starts.
    const plan = mixer.plan(B, { height: H, width: W });
    expect(Array.from(plan.lam)).toEqual(Array.from(createPlanner(OPTIONS).plan(B, { height: H, width: W }).lam));
    mixer.destroy();
  });
});

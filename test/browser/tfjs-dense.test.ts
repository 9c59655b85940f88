/**
 * Dense targets through webgpu-mixup/tfjs (callOptions.dense): int32 segmentation maps and float32
 * maps mixed by the images' plan, checked value for value against mixDenseCpu with the returned plan;
 * blends on int32 maps rejected before the draw; nothing leaked.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTfjsMixer } from '../../src/adapters/tfjs.js';
import { MixupError } from '../../src/errors.js';
import { createPlanner } from '../../src/plan.js';
import { mixBatchCpu, mixDenseCpu } from '../../src/reference.js';
import type { ImageBatchShape } from '../../src/types.js';
import { expectClose, randomData } from '../helpers/data.js';
import { withErrorScopes } from '../helpers/gpu.js';

const B = 8;
const H = 6;
const W = 5;
const C = 3;
const PASTES = { mixupAlpha: 0, cutmixAlpha: 1, mode: 'elem' as const, numClasses: 4, seed: 9 };

function tfTest(name: string, body: () => Promise<void>): void {
  it(name, async () => {
    expect(await tf.setBackend('webgpu')).toBe(true);
    const device = (tf.backend() as unknown as { device: GPUDevice }).device;
    await withErrorScopes(device, body);
  });
}

/** A tensor TF.js holds on the GPU (the result of a GPU kernel). */
function onGpu(t: tf.Tensor): tf.Tensor {
  const previous = tf.env().getBool('WEBGPU_CPU_FORWARD');
  tf.env().set('WEBGPU_CPU_FORWARD', false);
  const result = tf.add(t, tf.scalar(0, t.dtype));
  tf.env().set('WEBGPU_CPU_FORWARD', previous);
  t.dispose();
  return result;
}

const ids = (n: number, seed: number) => Int32Array.from({ length: n }, (_, i) => (i * 5 + seed) % 21);

beforeAll(async () => {
  expect(await tf.setBackend('webgpu')).toBe(true);
  await tf.ready();
});

describe('webgpu-mixup/tfjs: dense targets', () => {
  tfTest('int32 [B, H, W] ids and float32 [B, H, W, 2] maps follow the images, NHWC', async () => {
    const mixer = createTfjsMixer(tf, PASTES);
    const data = randomData('float32', B * H * W * C, 2) as Float32Array;
    const seg = ids(B * H * W, 1);
    const depth = randomData('float32', B * H * W * 2, 3) as Float32Array;
    const x = onGpu(tf.tensor4d(data, [B, H, W, C]));
    const s = onGpu(tf.tensor3d(seg, [B, H, W], 'int32'));
    const d = tf.tensor4d(depth, [B, H, W, 2]); // held on the CPU: uploaded by the adapter
    const before = tf.memory().numTensors;
    const result = await mixer.mix(x, null, { dense: [s, d] });
    expect(new Set(result.plan.kind).has(2)).toBe(true);
    const shape: ImageBatchShape = { layout: 'NHWC', batch: B, channels: C, height: H, width: W };
    expectClose(
      'float32',
      (await result.images.data()) as Float32Array,
      mixBatchCpu({ data, dtype: 'float32', shape }, result.plan),
    );
    const [mixedSeg, mixedDepth] = result.dense;
    expect(mixedSeg.dtype).toBe('int32');
    expect(mixedSeg.shape).toEqual([B, H, W]);
    const segShape: ImageBatchShape = { layout: 'NCHW', batch: B, channels: 1, height: H, width: W };
    const cpuSeg = mixDenseCpu({ data: Float32Array.from(seg), dtype: 'float32', shape: segShape }, result.plan, {
      integer: true,
    });
    expect(Array.from((await mixedSeg.data()) as Int32Array)).toEqual(Array.from(cpuSeg));
    expect(mixedDepth.dtype).toBe('float32');
    const cpuDepth = mixDenseCpu({ data: depth, dtype: 'float32', shape: { ...shape, channels: 2 } }, result.plan);
    expectClose('float32', (await mixedDepth.data()) as Float32Array, cpuDepth, 'depth');
    tf.dispose([result.images, ...result.dense]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, s, d]);
    mixer.destroy();
  });

  tfTest('NCHW: [B, C, H, W] float maps are blended by a mixup plan', async () => {
    const mixer = createTfjsMixer(tf, { mixupAlpha: 1, cutmixAlpha: 1, mode: 'elem', numClasses: 4, seed: 4 });
    const data = randomData('float32', B * C * H * W, 5) as Float32Array;
    const map = randomData('float32', B * 2 * H * W, 6) as Float32Array;
    const x = onGpu(tf.tensor4d(data, [B, C, H, W]));
    const m = onGpu(tf.tensor4d(map, [B, 2, H, W]));
    const result = await mixer.mix(x, null, { layout: 'NCHW', dense: [m] });
    expect(new Set(result.plan.kind).has(1)).toBe(true);
    const shape: ImageBatchShape = { layout: 'NCHW', batch: B, channels: 2, height: H, width: W };
    expectClose(
      'float32',
      (await result.dense[0].data()) as Float32Array,
      mixDenseCpu({ data: map, dtype: 'float32', shape }, result.plan),
    );
    tf.dispose([x, m, result.images, ...result.dense]);
    mixer.destroy();
  });

  tfTest('int32 maps with a mixer that can blend, and bad maps, are rejected before the draw', async () => {
    const options = { mixupAlpha: 0.5, cutmixAlpha: 1, numClasses: 4, seed: 12 };
    const mixer = createTfjsMixer(tf, options);
    const x = onGpu(tf.tensor4d(randomData('float32', B * H * W * C, 7) as Float32Array, [B, H, W, C]));
    const args = {
      seg: tf.zeros([B, H, W], 'int32'),
      short: tf.zeros([B, H - 1, W], 'int32'),
      bools: tf.zeros([B, H, W], 'bool'),
      rank2: tf.zeros([B, H * W]),
    };
    const blend = createPlanner({ mixupAlpha: 1, mode: 'elem' }).plan(B, { height: H, width: W });
    const cases: Array<[string, () => Promise<unknown>, RegExp]> = [
      [
        'drawn blends',
        () => mixer.mix(x, null, { dense: [args.seg] }),
        /callOptions\.dense\[0\] must be a map that can be blended .*mixupAlpha 0\.5/,
      ],
      [
        'explicit blend',
        () => mixer.mix(x, null, { dense: [args.seg], plan: blend }),
        /callOptions\.dense\[0\] must be .*sample \d+ of the plan is a mixup blend/,
      ],
      [
        'wrong height',
        () => mixer.mix(x, null, { dense: [args.short] }),
        /callOptions\.dense\[0\]\.shape must be \[8, 6, 5\] or \[8, 6, 5, C\]/,
      ],
      ['bool map', () => mixer.mix(x, null, { dense: [args.bools] }), /callOptions\.dense\[0\]\.dtype/],
      ['rank 2', () => mixer.mix(x, null, { dense: [args.rank2] }), /callOptions\.dense\[0\]\.shape/],
      ['not an array', () => mixer.mix(x, null, { dense: args.seg as never }), /callOptions\.dense must be an array/],
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
    expect(tf.memory().numTensors).toBe(before);
    // Nothing was drawn.
    expect(mixer.plan(B, { height: H, width: W })).toEqual(createPlanner(options).plan(B, { height: H, width: W }));
    tf.dispose([x, ...Object.values(args)]);
    mixer.destroy();
  });
});

// Edge plans executed exactly as given: boxes on the borders, zero-area boxes, λ = 0 and 1,
// self partners, repeated partners, odd batches; the encode() path; dispatches folded into 2-D.
import { describe, expect } from 'vitest';
import { createMixer } from '../../src/gpu/mixer.js';
import { createPlanner } from '../../src/plan.js';
import { mixBatchCpu } from '../../src/reference.js';
import type { BatchShape, MixPlan } from '../../src/types.js';
import { checkCase } from '../helpers/cases.js';
import { expectClose, randomData, typedFrom } from '../helpers/data.js';
import { bufferFrom, gpuTest, readBuffer } from '../helpers/gpu.js';

function plan(kind: number[], lam: number[], partner: number[], boxes: number[][] = []): MixPlan {
  const box = new Int32Array(4 * kind.length);
  boxes.forEach((b, i) => {
    box.set(b, 4 * i);
  });
  return { kind: Uint8Array.from(kind), lam: Float32Array.from(lam), partner: Uint32Array.from(partner), box };
}

const IMAGE: BatchShape = { layout: 'NCHW', batch: 5, channels: 2, height: 5, width: 6 };
const IMAGE_NHWC: BatchShape = { layout: 'NHWC', batch: 5, channels: 2, height: 5, width: 6 };

// Boxes: the whole image, zero area, the bottom-right pixel, the top row, the left column.
const BORDER_BOXES = plan(
  [2, 2, 2, 2, 2],
  [0, 1, 1 - 1 / 30, 1 - 6 / 30, 1 - 5 / 30],
  [4, 3, 2, 1, 0],
  [
    [0, 5, 0, 6],
    [3, 3, 2, 2],
    [4, 5, 5, 6],
    [0, 1, 0, 6],
    [0, 5, 0, 1],
  ],
);
const LAM_EXTREMES = plan([1, 1, 0, 1, 1], [0, 1, 1, 0.5, 1], [4, 3, 2, 1, 0]);
const MIXED_KINDS_SELF_PARTNER = plan(
  [1, 2, 0, 2, 1],
  [0.25, 0.8, 1, 0.9, 0.75],
  [4, 3, 2, 1, 0],
  [[], [1, 3, 2, 4], [], [0, 2, 3, 6], []],
);
const REPEATED_PARTNERS = plan(
  [1, 2, 1, 1, 2],
  [0.3, 0.5, 0.7, 0.1, 0.6],
  [0, 0, 0, 4, 1],
  [[], [0, 5, 0, 3], [], [], [2, 4, 1, 5]],
);

describe('edge plans', () => {
  for (const shape of [IMAGE, IMAGE_NHWC]) {
    gpuTest(
      `${shape.layout}: border boxes, zero-area boxes, λ = 0 and 1, self and repeated partners`,
      async ({ device }) => {
        const mixer = createMixer(device, { numClasses: 4 });
        for (const p of [BORDER_BOXES, LAM_EXTREMES, MIXED_KINDS_SELF_PARTNER, REPEATED_PARTNERS]) {
          for (const inDtype of ['float32', 'uint8'] as const) {
            for (const labels of ['int32', 'float32'] as const) {
              await checkCase(device, mixer, {
                shape,
                inDtype,
                outDtype: 'float32',
                labels,
                numClasses: 4,
                labelSmoothing: 0.1,
                plan: p,
              });
            }
            if (p !== REPEATED_PARTNERS)
              await checkCase(device, mixer, {
                shape,
                inDtype,
                labels: 'uint32',
                numClasses: 4,
                labelSmoothing: 0.1,
                plan: p,
                inPlace: true,
              });
          }
        }
        mixer.destroy();
      },
    );
  }

  gpuTest('a full-image box gives the partner exactly, a zero-area box the sample itself', async ({ device }) => {
    const mixer = createMixer(device);
    const data = randomData('float32', 5 * 60, 4) as Float32Array;
    const images = bufferFrom(device, data);
    const result = await mixer.mix(
      { images: { buffer: images, shape: IMAGE, dtype: 'float32' } },
      { plan: BORDER_BOXES },
    );
    const out = new Float32Array(await readBuffer(device, result.images));
    expect(Array.from(out.subarray(0, 60))).toEqual(Array.from(data.subarray(240, 300)));
    expect(Array.from(out.subarray(60, 120))).toEqual(Array.from(data.subarray(60, 120)));
    mixer.destroy();
  });

  gpuTest('mixing in place with repeated partners is refused before any GPU work', async ({ device }) => {
    const mixer = createMixer(device);
    const data = randomData('float32', 5 * 60, 5);
    const images = bufferFrom(device, data);
    await expect(
      mixer.mix(
        { images: { buffer: images, shape: IMAGE, dtype: 'float32' } },
        { plan: REPEATED_PARTNERS, inPlace: true },
      ),
    ).rejects.toThrow(/plan\.partner must be a permutation when mixing in place/);
    const after = new Float32Array(await readBuffer(device, images));
    expect(Array.from(after)).toEqual(Array.from(data));
    mixer.destroy();
  });

  gpuTest('an explicit plan is honoured exactly and does not advance the mixer stream', async ({ device }) => {
    const mixer = createMixer(device, { seed: 11, cutmixAlpha: 1 });
    const data = randomData('uint8', 5 * 60, 6);
    const images = bufferFrom(device, data);
    const given = MIXED_KINDS_SELF_PARTNER;
    const result = await mixer.mix({ images: { buffer: images, shape: IMAGE, dtype: 'uint8' } }, { plan: given });
    expect(result.plan).toBe(given);
    const fresh = createPlanner({ seed: 11, cutmixAlpha: 1 }).plan(5, { height: 5, width: 6 });
    expect(mixer.plan(5, { height: 5, width: 6 })).toEqual(fresh);
    mixer.destroy();
  });

  gpuTest('encode() into the caller’s encoder and outputs gives what mix() gives', async ({ device }) => {
    const mixer = createMixer(device, { seed: 2, mode: 'elem', cutmixAlpha: 1, numClasses: 7 });
    const data = randomData('float32', 5 * 60, 7);
    const ids = Int32Array.from([1, 6, 0, 3, 2]);
    const images = bufferFrom(device, data);
    const labels = bufferFrom(device, ids);
    const p = mixer.plan(5, { height: 5, width: 6 });
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC;
    const outImages = device.createBuffer({ size: data.byteLength, usage });
    const outTargets = device.createBuffer({ size: 5 * 7 * 4, usage });
    const inputs = {
      images: { buffer: images, shape: IMAGE, dtype: 'float32' as const },
      labels: { buffer: labels, dtype: 'int32' as const },
    };
    await mixer.prepare(inputs, { plan: p });
    const encoder = device.createCommandEncoder();
    const encoding = mixer.encode(encoder, inputs, { plan: p, outputs: { images: outImages, targets: outTargets } });
    device.queue.submit([encoder.finish()]);
    encoding.release();
    const viaMix = await mixer.mix(inputs, { plan: p });
    expect(new Uint8Array(await readBuffer(device, outImages))).toEqual(
      new Uint8Array(await readBuffer(device, viaMix.images)),
    );
    expect(new Uint8Array(await readBuffer(device, outTargets))).toEqual(
      new Uint8Array(await readBuffer(device, viaMix.targets!)),
    );
    expect(() => mixer.encode(device.createCommandEncoder(), inputs, { plan: p })).toThrow(/options\.outputs\.images/);
    mixer.destroy();
  });

  gpuTest(
    'a dispatch past 65,535 workgroups is folded into 2-D and covers every element',
    async ({ device }) => {
      // 1024 samples x 16,385 quads, one open segment per sample (every partner is sample 0):
      // 16,778,240 threads = 65,540 workgroups of 256.
      const batch = 1024;
      const features = 65_540;
      const shape: BatchShape = { layout: 'rows', batch, features };
      const partner = new Uint32Array(batch);
      const p: MixPlan = {
        kind: new Uint8Array(batch).fill(1),
        lam: new Float32Array(batch).fill(0.25),
        partner,
        box: new Int32Array(4 * batch),
      };
      // A cheap pattern rather than the seeded stream: 67 M bytes.
      const data = Uint8Array.from({ length: batch * features }, (_, i) => (i * 31 + (i >>> 9)) & 255);
      const images = bufferFrom(device, data);
      const mixer = createMixer(device);
      const result = await mixer.mix({ images: { buffer: images, shape, dtype: 'uint8' } }, { plan: p });
      const gpu = typedFrom('uint8', await readBuffer(device, result.images), batch * features);
      expectClose('uint8', gpu, mixBatchCpu({ data, dtype: 'uint8', shape }, p), 'folded dispatch');
      mixer.destroy();
    },
    { timeout: 300_000 },
  );
});

// ResizeMix (plan kind 3) on the GPU against the CPU reference (whose resampling is checked by hand
// and against PyTorch's formulas in test/unit/resizemix-reference.test.ts): layouts, every dtype
// pair, fused normalisation, bilinear and nearest, label forms, boxes at the edges, empty and whole
// boxes, odd sizes, chunked and split bindings; the in-place rejection; prepare(); leaks.
import { CoefficientsMemo } from '../../src/formulas.js';
import { describe, expect } from 'vitest';
import { MixupError } from '../../src/errors.js';
import { checkCall } from '../../src/gpu/checks.js';
import { possibleResizeKernels } from '../../src/gpu/layout.js';
import { createMixer } from '../../src/gpu/mixer.js';
import type { ResolvedMixOptions } from '../../src/options.js';
import { PipelineCache } from '../../src/gpu/pipelines.js';
import { WATCH_BATCH } from '../../src/gpu/slots.js';
import type { ChunkingInfo } from '../../src/gpu/types.js';
import { mixBatchCpu } from '../../src/reference.js';
import { Philox } from '../../src/rng.js';
import type { DType, ImageBatchShape, LabelDType, MixPlan, Normalize, ResizeMode } from '../../src/types.js';
import { checkCase } from '../helpers/cases.js';
import { expectClose, randomData, toleranceMode, typedFrom } from '../helpers/data.js';
import { bufferFrom, gpuTest, readBuffer } from '../helpers/gpu.js';

const DTYPES: DType[] = ['float32', 'float16', 'uint8'];
const LABELS: (LabelDType | null)[] = ['float32', 'int32', null, 'uint32'];
const NORMALIZE: Normalize = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

/**
 * A plan for `shape` with every sample kind 3 but a few (kinds 0, 1, 2 among them, so the resize
 * pass runs after a batch kernel that blends and pastes), partners from `pairing`, and boxes that
 * cover the cases: the whole image, each corner and edge, one pixel, one row, empty, random.
 * λ of kind 3 is 1 − box area / (H·W).
 */
function resizePlan(shape: ImageBatchShape, seed: number, resize?: ResizeMode, pairing?: Uint32Array): MixPlan {
  const { batch: B, height: H, width: W } = shape;
  const rng = new Philox(seed, 3);
  const pick = (n: number) => rng.nextInt(n);
  const fixed: number[][] = [
    [0, H, 0, W],
    [0, Math.ceil(H / 2), 0, Math.ceil(W / 2)],
    [H - 2, H, W - 3, W],
    [H - 1, H, 0, 1],
    [1, 2, 0, W],
    [2, 2, 1, 3],
    [0, H, W - 1, W],
  ];
  const plan: MixPlan = {
    kind: new Uint8Array(B),
    lam: new Float32Array(B),
    partner: pairing ?? Uint32Array.from({ length: B }, () => pick(B)),
    box: new Int32Array(4 * B),
  };
  if (resize) plan.resize = resize;
  for (let i = 0; i < B; i++) {
    const kind = i % 7 === 3 ? i % 3 : 3; // kinds 0, 1, 2 now and then
    plan.kind[i] = kind;
    let box = fixed[(i + seed) % fixed.length];
    if (i >= fixed.length) {
      const y0 = pick(H);
      const x0 = pick(W);
      box = [y0, y0 + 1 + pick(H - y0), x0, x0 + 1 + pick(W - x0)];
    }
    if (kind >= 2) plan.box.set(box, 4 * i);
    const area = (box[1] - box[0]) * (box[3] - box[2]);
    plan.lam[i] = kind === 1 ? 0.3 : kind === 0 ? 1 : 1 - area / (H * W);
  }
  return plan;
}

const SHAPES = (layout: 'NCHW' | 'NHWC'): ImageBatchShape[] => [
  { layout, batch: 9, channels: 3, height: 4, width: 8 }, // vec4 path
  { layout, batch: 8, channels: 3, height: 5, width: 7 }, // scalar path, samples sharing words
];

for (const layout of ['NCHW', 'NHWC'] as const) {
  describe(`ResizeMix: GPU = CPU reference, ${layout}`, () => {
    for (const inDtype of DTYPES) {
      gpuTest(
        `${inDtype} input: every output dtype, normalisation, bilinear and nearest, label forms`,
        async ({ device }) => {
          const numClasses = 5;
          const mixer = createMixer(device, { numClasses, labelSmoothing: 0.1 });
          let ran = 0;
          for (const shape of SHAPES(layout)) {
            for (const resize of [undefined, 'bilinear', 'nearest'] as const) {
              const outputs: { outDtype: DType; normalize: Normalize | null }[] = DTYPES.map((outDtype) => ({
                outDtype,
                normalize: null,
              }));
              if (inDtype === 'uint8') {
                outputs.push({ outDtype: 'float32', normalize: NORMALIZE });
                outputs.push({ outDtype: 'float16', normalize: NORMALIZE });
              }
              for (const { outDtype, normalize } of outputs) {
                const seed = ++ran;
                await checkCase(device, mixer, {
                  shape,
                  inDtype,
                  outDtype,
                  normalize,
                  labels: LABELS[ran % LABELS.length],
                  numClasses,
                  labelSmoothing: 0.1,
                  plan: resizePlan(shape, seed, resize),
                  seed,
                });
              }
            }
          }
          expect(ran).toBe(2 * 3 * (inDtype === 'uint8' ? 5 : 3));
          mixer.destroy();
        },
        { timeout: 300_000 },
      );
    }
  });
}

describe('ResizeMix: float16 bit for bit', () => {
  gpuTest(
    'float16 output equals the reference exactly (not only within the helpers’ 1-ulp bound)',
    async ({ device }) => {
      const shape: ImageBatchShape = { layout: 'NCHW', batch: 8, channels: 3, height: 5, width: 7 };
      const mixer = createMixer(device, { numClasses: 2 });
      for (const inDtype of DTYPES) {
        const data = randomData(inDtype, 8 * 105, 5);
        const images = bufferFrom(device, data);
        const plan = resizePlan(shape, 11);
        const result = await mixer.mix(
          { images: { buffer: images, shape, dtype: inDtype } },
          { plan, outDtype: 'float16' },
        );
        const gpu = typedFrom('float16', await readBuffer(device, result.images), 8 * 105);
        const cpu = mixBatchCpu({ data, dtype: inDtype, shape }, plan, { outDtype: 'float16' });
        if (toleranceMode() === 'exact') expect(Array.from(gpu), inDtype).toEqual(Array.from(cpu));
        result.images.destroy();
        images.destroy();
      }
      mixer.destroy();
    },
  );
});

describe('ResizeMix: chunked and split bindings', () => {
  // 13 samples; partners from a shuffle with repeats cross chunks. At 1024 bytes a binding:
  // float32 3x4x5 (240 B a sample) is chunked; uint8 3x4x5 -> float32 writes output windows; uint8
  // 3x5x7 (105 B, odd) is bound as two bindings (src + src2) and written in windows.
  const CASES: {
    name: string;
    shape: ImageBatchShape;
    inDtype: DType;
    outDtype: DType;
    limit: number;
    mode: string;
  }[] = [
    {
      name: 'float32 NCHW, chunks',
      shape: { layout: 'NCHW', batch: 13, channels: 3, height: 4, width: 5 },
      inDtype: 'float32',
      outDtype: 'float32',
      limit: 1024,
      mode: 'chunks',
    },
    {
      name: 'float16 NHWC, chunks',
      shape: { layout: 'NHWC', batch: 13, channels: 3, height: 5, width: 7 },
      inDtype: 'float16',
      outDtype: 'float16',
      limit: 1024,
      mode: 'chunks',
    },
    {
      name: 'uint8 -> float32 NHWC, output windows',
      shape: { layout: 'NHWC', batch: 13, channels: 3, height: 4, width: 5 },
      inDtype: 'uint8',
      outDtype: 'float32',
      limit: 1024,
      mode: 'split',
    },
    {
      name: 'uint8 NCHW 3x5x7, input split in two and output windows',
      shape: { layout: 'NCHW', batch: 13, channels: 3, height: 5, width: 7 },
      inDtype: 'uint8',
      outDtype: 'uint8',
      limit: 1280,
      mode: 'split',
    },
  ];
  for (const c of CASES) {
    gpuTest(`${c.name}: GPU = CPU, both modes, permutation and repeats`, async ({ device }) => {
      const reports: ChunkingInfo[] = [];
      const mixer = createMixer(
        device,
        { numClasses: 4 },
        { maxBindingBytes: c.limit, onChunked: (info) => reports.push(info) },
      );
      const B = c.shape.batch;
      const shuffle = Uint32Array.from({ length: B }, (_, i) => (i * 5 + 3) % B);
      let ran = 0;
      for (const resize of ['bilinear', 'nearest'] as const) {
        for (const pairing of [shuffle, undefined]) {
          await checkCase(device, mixer, {
            shape: c.shape,
            inDtype: c.inDtype,
            outDtype: c.outDtype,
            labels: ran % 2 ? 'int32' : 'float32',
            numClasses: 4,
            labelSmoothing: 0.1,
            plan: resizePlan(c.shape, 40 + ran, resize, pairing),
            seed: 40 + ran,
          });
          ran++;
        }
      }
      expect(reports.map((r) => r.mode)).toEqual([c.mode]);
      expect(reports[0].argument).toBe('inputs.images');
      mixer.destroy();
    });
  }
});

describe('ResizeMix: successive chunked calls', () => {
  gpuTest(
    'plans with different dispatch counts on the same buffers, each equal to the reference',
    async ({ device }) => {
      // float32 3x4x5 at a 1024-byte binding: 3 samples a chunk. Partners inside the chunk give one
      // batch dispatch a chunk; partners two chunks away give more, so resize dispatches of the same
      // windows move to other params slots from call to call: the bind groups cached for one call
      // (same buffers, a training loop's steady state) must not serve the next.
      const shape: ImageBatchShape = { layout: 'NCHW', batch: 12, channels: 3, height: 4, width: 5 };
      const n = 60;
      const data = randomData('float32', 12 * n, 8);
      const images = bufferFrom(device, data);
      const out = device.createBuffer({ size: 12 * n * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
      const mixer = createMixer(device, { numClasses: 4 }, { maxBindingBytes: 1024 });
      const within = Uint32Array.from({ length: 12 }, (_, i) => i - (i % 3) + ((i + 1) % 3));
      const across = Uint32Array.from({ length: 12 }, (_, i) => (i % 2 ? (i + 6) % 12 : i - (i % 3) + ((i + 1) % 3)));
      let k = 0;
      for (const pairing of [within, across, within, across, across, within]) {
        const plan = resizePlan(shape, 60 + k, k % 3 ? 'bilinear' : 'nearest', pairing);
        await mixer.mix({ images: { buffer: images, shape, dtype: 'float32' } }, { plan, outputs: { images: out } });
        const gpu = new Float32Array(await readBuffer(device, out));
        expectClose('float32', gpu, mixBatchCpu({ data, dtype: 'float32', shape }, plan), `call ${k++}`);
      }
      mixer.destroy();
      images.destroy();
      out.destroy();
    },
  );
});

describe('ResizeMix: checks, prepare, resources', () => {
  const shape: ImageBatchShape = { layout: 'NCHW', batch: 6, channels: 3, height: 4, width: 8 };

  gpuTest(
    'in place with a kind-3 sample is rejected before any GPU work, naming options.inPlace',
    async ({ device, buffers }) => {
      const data = randomData('float32', 6 * 96, 3);
      const images = bufferFrom(device, data);
      const mixer = createMixer(device, { numClasses: 3 });
      const plan = resizePlan(shape, 1, undefined, Uint32Array.from([1, 0, 3, 2, 5, 4]));
      const before = buffers.created;
      let error: unknown = null;
      try {
        await mixer.mix({ images: { buffer: images, shape, dtype: 'float32' } }, { plan, inPlace: true });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(MixupError);
      expect((error as Error).message).toMatch(
        /options\.inPlace must be false when the plan has ResizeMix samples \(kind 3\).*got true with plan\.kind\[0\] = 3/,
      );
      const encoder = device.createCommandEncoder();
      expect(() =>
        mixer.encode(encoder, { images: { buffer: images, shape, dtype: 'float32' } }, { plan, inPlace: true }),
      ).toThrow(/options\.inPlace must be false when the plan has ResizeMix samples/);
      encoder.finish();
      expect(buffers.created, 'buffers created by the rejected calls').toBe(before);
      expect(Array.from(new Float32Array(await readBuffer(device, images)))).toEqual(Array.from(data));
      // Without kind 3 the same call runs in place.
      const plain = { ...plan, kind: plan.kind.map((k) => (k === 3 ? 2 : k)) };
      await mixer.mix({ images: { buffer: images, shape, dtype: 'float32' } }, { plan: plain, inPlace: true });
      mixer.destroy();
      images.destroy();
    },
  );

  gpuTest(
    'a planner that draws ResizeMix (the resizemixAlpha hook): no in place, and its passes compile',
    async ({ device }) => {
      // Until the planner has the option (issue 11), the hook reads it from the resolved options: the
      // call checks and prepare()'s kernel list are run here with options that carry it.
      const images = bufferFrom(device, randomData('float32', 6 * 96, 2));
      const base = createMixer(device, { numClasses: 3 });
      const ctx = {
        device,
        options: { ...base.options, resizemixAlpha: 1, resizemixMode: 'nearest' } as ResolvedMixOptions,
        maxBindingBytes: device.limits.maxStorageBufferBindingSize,
        alignment: 256,
        coefficients: new CoefficientsMemo(),
      };
      const inputs = { images: { buffer: images, shape, dtype: 'float32' as const } };
      expect(() => checkCall(ctx, inputs, { inPlace: true }, 'mix')).toThrow(
        /options\.inPlace must be false when the plan has ResizeMix samples.*got true with a mixer whose planner draws/,
      );
      expect(() => checkCall({ ...ctx, options: base.options }, inputs, { inPlace: true }, 'mix')).not.toThrow();
      const call = checkCall(ctx, inputs, {}, 'prepare');
      const variants = possibleResizeKernels(ctx, call, ctx.options);
      expect(variants.map((v) => v.nearest)).toEqual([true]);
      expect(possibleResizeKernels(ctx, call, base.options)).toEqual([]);
      const cache = PipelineCache.for(device);
      await cache.compile(cache.resize(variants[0]));
      // The pass prepare() compiled is the one a mix with such a plan runs: nothing new compiles.
      const compiled = cache.compiled;
      const mixer = createMixer(device, { numClasses: 3 });
      const plan = resizePlan(shape, 3, 'nearest');
      await mixer.prepare(inputs, { plan });
      expect(cache.compiled - compiled, 'only the batch kernel is new').toBe(1);
      const result = await mixer.mix(inputs, { plan });
      result.images.destroy();
      mixer.destroy();
      base.destroy();
      images.destroy();
    },
  );

  gpuTest('prepare() with a kind-3 plan compiles the resize pass: mixing then compiles nothing', async ({ device }) => {
    const images = bufferFrom(device, randomData('uint8', 6 * 96, 4));
    const labels = bufferFrom(device, Int32Array.from([0, 1, 2, 0, 1, 2]));
    const mixer = createMixer(device, { numClasses: 3 });
    const inputs = {
      images: { buffer: images, shape, dtype: 'uint8' as const },
      labels: { buffer: labels, dtype: 'int32' as const },
    };
    const cache = PipelineCache.for(device);
    for (const resize of ['bilinear', 'nearest'] as const) {
      const plan = resizePlan(shape, 7, resize);
      const options = { plan, normalize: NORMALIZE, checkLabels: false };
      const before = cache.compiled;
      await mixer.prepare(inputs, options);
      // Images, labels and the bilinear pass; then only the nearest pass is new.
      expect(cache.compiled - before, `${resize}: pipelines compiled by prepare()`).toBe(resize === 'bilinear' ? 3 : 1);
      const compiled = cache.compiled;
      const result = await mixer.mix(inputs, options);
      expect(cache.compiled, `${resize}: compiled by mix() after prepare()`).toBe(compiled);
      result.images.destroy();
      result.targets?.destroy();
    }
    mixer.destroy();
  });

  gpuTest(
    'no leaks: mix() and encode() loops with kind-3 plans keep the buffer count; destroy() frees all',
    async ({ device, buffers }) => {
      const data = randomData('float32', 6 * 96, 9);
      const images = bufferFrom(device, data);
      const out = device.createBuffer({ size: 6 * 96 * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
      const mixer = createMixer(device, { numClasses: 3 });
      const inputs = { images: { buffer: images, shape, dtype: 'float32' as const } };
      const plans = [resizePlan(shape, 1), resizePlan(shape, 2, 'nearest')];
      const round = async (k: number) => {
        await mixer.mix(inputs, { plan: plans[k % 2], outputs: { images: out } });
        const encoder = device.createCommandEncoder();
        const encoding = mixer.encode(encoder, inputs, { plan: plans[(k + 1) % 2], outputs: { images: out } });
        device.queue.submit([encoder.finish()]);
        encoding.release();
        // The encode slot goes back to the pool once this work is done (before this resolves).
        await device.queue.onSubmittedWorkDone();
      };
      // Released encode slots come back WATCH_BATCH at a time, so the pool grows to that many first.
      for (let k = 0; k < WATCH_BATCH; k++) await round(k);
      const steady = buffers.live();
      for (let k = 0; k < 40; k++) await round(k);
      expect(buffers.live(), 'live buffers after 80 more calls').toBe(steady);
      const gpu = new Float32Array(await readBuffer(device, out));
      expect(Array.from(gpu)).toEqual(Array.from(mixBatchCpu({ data, dtype: 'float32', shape }, plans[0])));
      mixer.destroy();
      expect(buffers.live('mixup'), 'mixer buffers after destroy()').toBe(0);
      images.destroy();
      out.destroy();
    },
  );
});

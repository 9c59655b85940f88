// Kind 4 (masks, issue 11.3) on the GPU against the CPU reference, bit for bit: bits and soft
// masks, at the image's resolution and lower ones that do not divide it, per sample, per batch and
// shared by index; NCHW and NHWC, even (vec4, row-aligned) and odd (scalar, words shared between
// samples) sizes; every input and output dtype and the fused normalisation; class ids and soft
// targets (blended with lam); in place; plans that also hold mixup, CutMix and pass-through
// samples; every walk shape (pairs, cycles, repeated partners); chunked and split bindings.
// The masks are GridMix's grid (bits, one bit a cell) and SmoothMix's Gaussian (soft), built on the
// public user-mask API, plus random ones. Bad masks are rejected before any GPU work.
import { describe, expect } from 'vitest';
import { createMixer } from '../../src/gpu/mixer.js';
import { PipelineCache } from '../../src/gpu/pipelines.js';
import { maskPlan, packBits, withMasks } from '../../src/masks.js';
import type { UserMasks } from '../../src/masks.js';
import { createPlanner } from '../../src/plan.js';
import { Philox } from '../../src/rng.js';
import type { BatchShape, DType, ImageBatchShape, LabelDType, MixPlan, Normalize } from '../../src/types.js';
import { mixBatchCpu } from '../../src/reference.js';
import { checkCase } from '../helpers/cases.js';
import { expectClose, randomData } from '../helpers/data.js';
import { bufferFrom, gpuTest, readBuffer, withLowerLimits } from '../helpers/gpu.js';

const NORMALIZE: Normalize = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
const DTYPES: DType[] = ['float32', 'uint8', 'float16'];
const LABELS: (LabelDType | null)[] = [null, 'int32', 'float32'];

/** GridMix-style grid: `rows` x `cols` cells, a cell the sample's own where (r + c + shift) % 3 != 0. */
function grid(rows: number, cols: number, shift: number): number[] {
  return Array.from({ length: rows * cols }, (_, p) => ((Math.floor(p / cols) + (p % cols) + shift) % 3 === 0 ? 0 : 1));
}

/**
 * SmoothMix's Gaussian: the partner's weight exp(-((y - cy)² + (x - cx)²) / (2σ²)) around a
 * centre, so the sample's own weight (ours) is 1 minus it. Rounded to float32 by the array.
 */
function gaussian(h: number, w: number, cy: number, cx: number, sigma: number): Float32Array {
  return Float32Array.from({ length: h * w }, (_, p) => {
    const dy = Math.floor(p / w) - cy;
    const dx = (p % w) - cx;
    return 1 - Math.exp(-(dy * dy + dx * dx) / (2 * sigma * sigma));
  });
}

/** `count` masks of format `format` at h x w: grids and Gaussians, and random ones after the first. */
function userMasks(format: 'bits' | 'soft', h: number, w: number, count: number, seed: number): UserMasks {
  const rng = new Philox(seed, 11);
  if (format === 'bits') {
    const values: number[] = [];
    for (let m = 0; m < count; m++)
      values.push(...(m === 0 ? grid(h, w, seed) : Array.from({ length: h * w }, () => rng.nextInt(2))));
    return { format, height: h, width: w, data: packBits(values, h, w) };
  }
  const data = new Float32Array(count * h * w);
  for (let m = 0; m < count; m++) {
    if (m === 0) data.set(gaussian(h, w, h / 3, w / 2, Math.max(1, w / 3)));
    else for (let p = 0; p < h * w; p++) data[m * h * w + p] = rng.nextInt(5) / 4; // 0, 1 and fractions
  }
  return { format, height: h, width: w, data };
}

const imageSize = (s: ImageBatchShape) => ({ height: s.height, width: s.width });

/**
 * A planner plan (mixup, CutMix and pass-through samples; `pairing`) whose every third sample and
 * more becomes a mask paste: per-sample masks (count B), a per-batch mask (count 1), or 2 masks
 * shared by an explicit index.
 */
function maskedPlan(
  shape: ImageBatchShape,
  pairing: 'flip' | 'roll' | 'shuffle' | number[],
  format: 'bits' | 'soft',
  res: [number, number],
  sharing: 'sample' | 'batch' | 'index',
  seed: number,
): MixPlan {
  const B = shape.batch;
  const planner = createPlanner({ mixupAlpha: 1, cutmixAlpha: 1, prob: 0.9, mode: 'elem', pairing, seed });
  const plan = planner.plan(B, imageSize(shape));
  const count = sharing === 'sample' ? B : sharing === 'batch' ? 1 : 2;
  const masks = userMasks(format, res[0], res[1], count, seed);
  if (sharing === 'index') masks.index = Array.from({ length: B }, (_, i) => (i * 7) % 2);
  const samples = Array.from({ length: B }, (_, i) => i).filter((i) => i % 3 !== 1 && plan.partner[i] !== i);
  return withMasks(plan, masks, imageSize(shape), samples);
}

const SHAPES = (layout: 'NCHW' | 'NHWC'): ImageBatchShape[] => [
  { layout, batch: 6, channels: 3, height: 4, width: 8 },
  { layout, batch: 5, channels: 3, height: 5, width: 7 },
];

for (const layout of ['NCHW', 'NHWC'] as const) {
  describe(`masks: GPU = CPU reference, ${layout}`, () => {
    for (const inDtype of DTYPES) {
      gpuTest(
        `${inDtype} input: bits and soft, full and lower resolution, every output, labels, pairing, in place`,
        async ({ device, buffers }) => {
          const numClasses = 5;
          const mixer = createMixer(device, { numClasses, labelSmoothing: 0.1 });
          const outputs: { outDtype: DType; normalize: Normalize | null }[] = DTYPES.map((outDtype) => ({
            outDtype,
            normalize: null,
          }));
          if (inDtype === 'uint8')
            outputs.push({ outDtype: 'float32', normalize: NORMALIZE }, { outDtype: 'float16', normalize: NORMALIZE });
          const pairings = ['flip', 'roll', 'shuffle'] as const;
          let ran = 0;
          let seed = 0;
          for (const shape of SHAPES(layout)) {
            // Full resolution, and lower ones that do not divide the image (nearest by integers).
            const resolutions: [number, number][] = [
              [shape.height, shape.width],
              [3, 3],
              [1, 2],
            ];
            for (const format of ['bits', 'soft'] as const) {
              for (const res of resolutions) {
                seed++;
                const sharing = (['sample', 'batch', 'index'] as const)[seed % 3];
                const plan = maskedPlan(shape, pairings[seed % 3], format, res, sharing, seed);
                expect(plan.kind.includes(4), 'the plan has mask pastes').toBe(true);
                for (const { outDtype, normalize } of outputs) {
                  const labels = LABELS[ran % LABELS.length];
                  for (const inPlace of outDtype === inDtype && !normalize ? [false, true] : [false]) {
                    await checkCase(device, mixer, {
                      shape,
                      inDtype,
                      outDtype,
                      normalize,
                      labels,
                      numClasses,
                      labelSmoothing: 0.1,
                      plan,
                      inPlace,
                      seed,
                    });
                    ran++;
                  }
                }
              }
            }
          }
          console.log(`[masks] ${layout} ${inDtype}: ${ran} cases compared`);
          expect(ran).toBeGreaterThan(40);
          mixer.destroy();
          expect(buffers.live(), 'buffers left after destroy').toBe(0);
        },
        { timeout: 300_000 },
      );
    }
  });
}

describe('masks: walks, chunks and windows', () => {
  gpuTest('every walk shape: pairs, long cycles (in place too), repeated partners', async ({ device }) => {
    const mixer = createMixer(device, { numClasses: 4 });
    const shape: BatchShape = { layout: 'NCHW', batch: 12, channels: 2, height: 6, width: 5 };
    const roll = Array.from({ length: 12 }, (_, i) => (i + 1) % 12); // one 12-cycle: main_walk
    const repeats = [3, 3, 0, 0, 6, 7, 1, 1, 2, 2, 4, 4]; // not a permutation: main_singles
    const flip = Array.from({ length: 12 }, (_, i) => 11 - i); // main_pairs
    for (const [p, partner] of [roll, repeats, flip].entries()) {
      for (const format of ['bits', 'soft'] as const) {
        const plan = maskPlan(partner, userMasks(format, 3, 5, 12, p + 7), imageSize(shape));
        expect(Array.from(plan.kind).every((k) => k === 4)).toBe(true);
        for (const inDtype of ['float32', 'uint8'] as const)
          for (const inPlace of p === 1 ? [false] : [false, true])
            await checkCase(device, mixer, {
              shape,
              inDtype,
              // Float32 targets of an all-mask plan: the soft-target kernel must blend kind 4 by lam.
              labels: inDtype === 'float32' ? 'float32' : 'int32',
              numClasses: 4,
              labelSmoothing: 0.1,
              plan,
              inPlace,
              seed: p,
            });
      }
    }
    mixer.destroy();
  });

  gpuTest("row-aligned quads whose four mask pixels straddle two of a mask's words", async ({ device }) => {
    // 7 x 6 masks on 8 x 8 images: image row 6 uses mask row 5 (pixels 30..35), and its first quad
    // (x = 0..3, mask columns 0, 0, 1, 2) reads pixels 30, 30, 31, 32: bits of words 0 and 1.
    const mixer = createMixer(device, { numClasses: 3 });
    const shape: ImageBatchShape = { layout: 'NCHW', batch: 4, channels: 2, height: 8, width: 8 };
    for (const format of ['bits', 'soft'] as const) {
      for (const res of [
        [7, 6],
        [8, 7],
        [5, 3],
      ] as [number, number][]) {
        const plan = maskPlan([2, 3, 0, 1], userMasks(format, res[0], res[1], 4, res[1]), imageSize(shape));
        await checkCase(device, mixer, { shape, inDtype: 'float32', numClasses: 3, labelSmoothing: 0.1, plan });
      }
    }
    mixer.destroy();
  });

  gpuTest('chunked and split bindings (a small binding cap) read each sample its own mask', async ({ device }) => {
    const modes: string[] = [];
    const mixer = createMixer(
      device,
      { numClasses: 8 },
      { maxBindingBytes: 1024, onChunked: (i) => modes.push(i.mode) },
    );
    const shape: ImageBatchShape = { layout: 'NHWC', batch: 10, channels: 3, height: 5, width: 6 }; // 90 elements
    const cases: [DType, DType | undefined, Normalize | null][] = [
      ['float32', undefined, null], // 360 bytes a sample: chunks
      ['uint8', 'float32', NORMALIZE], // 900 B of input bound whole, float32 output in windows: split
      ['float16', 'uint8', null],
    ];
    let seed = 0;
    for (const [inDtype, outDtype, normalize] of cases) {
      for (const format of ['bits', 'soft'] as const) {
        for (const pairing of ['shuffle', 'roll'] as const) {
          const plan = maskedPlan(shape, pairing, format, [2, 4], 'sample', ++seed);
          await checkCase(device, mixer, {
            shape,
            inDtype,
            outDtype,
            normalize,
            labels: 'float32',
            numClasses: 8,
            labelSmoothing: 0.1,
            plan,
            seed,
          });
        }
      }
    }
    expect(mixer.chunking, 'the batch did not fit one binding').not.toBeNull();
    // A second mixer for the split mode (onChunked reports the first batch only).
    const split = createMixer(device, { numClasses: 8 }, { maxBindingBytes: 1024 });
    const plan = maskedPlan(shape, 'roll', 'soft', [5, 6], 'sample', 99);
    await checkCase(device, split, {
      shape,
      inDtype: 'uint8',
      outDtype: 'float32',
      numClasses: 8,
      labelSmoothing: 0.1,
      plan,
      seed: 99,
    });
    expect(split.chunking?.mode).toBe('split');
    expect(modes).toEqual(['chunks']);
    mixer.destroy();
    split.destroy();
  });
});

describe('masks: bind groups', () => {
  gpuTest('one mixer and the same buffers, masks of other sizes each call: each binds its own', async ({ device }) => {
    // The upload slot and the buffers stay the same, so only the masks' range tells the bind groups apart.
    const shape: ImageBatchShape = { layout: 'NCHW', batch: 4, channels: 2, height: 4, width: 8 };
    const mixer = createMixer(device, {});
    const data = randomData('float32', 4 * 64, 3);
    const images = bufferFrom(device, data);
    const out = device.createBuffer({ size: 4 * 64 * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    const size = imageSize(shape);
    const plans = [
      maskPlan([1, 0, 3, 2], userMasks('bits', 1, 2, 1, 1), size), // 4 bytes of masks
      maskPlan([1, 0, 3, 2], userMasks('bits', 4, 8, 4, 2), size), // 16 bytes
      maskPlan([1, 0, 3, 2], userMasks('soft', 4, 8, 4, 3), size), // 512 bytes
      maskPlan([1, 0, 3, 2], userMasks('soft', 2, 2, 1, 4), size), // 16 bytes
      maskPlan([1, 0, 3, 2], userMasks('bits', 4, 8, 4, 5), size),
    ];
    for (const [k, plan] of plans.entries()) {
      await mixer.mix({ images: { buffer: images, shape, dtype: 'float32' } }, { plan, outputs: { images: out } });
      const cpu = mixBatchCpu({ data, dtype: 'float32', shape }, plan);
      expectClose('float32', new Float32Array(await readBuffer(device, out)), cpu, `plan ${k}`);
    }
    mixer.destroy();
  });
});

describe('masks: prepare and encode', () => {
  gpuTest(
    'prepare() with a mask plan compiles its kernels; mix and encode then compile nothing',
    async ({ device }) => {
      const shape: ImageBatchShape = { layout: 'NCHW', batch: 6, channels: 3, height: 4, width: 8 };
      const mixer = createMixer(device, { numClasses: 4 });
      const data = new Uint8Array(6 * 96).map((_, i) => (i * 37) % 256);
      const images = bufferFrom(device, data);
      const labels = bufferFrom(
        device,
        Float32Array.from({ length: 24 }, (_, i) => (i % 4) / 4),
      );
      const out = device.createBuffer({ size: 6 * 96 * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
      const targets = device.createBuffer({ size: 6 * 16, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
      const inputs = {
        images: { buffer: images, shape, dtype: 'uint8' as const },
        labels: { buffer: labels, dtype: 'float32' as const, shape: [6, 4] },
      };
      const plan = maskedPlan(shape, 'roll', 'bits', [2, 3], 'sample', 5);
      const options = { plan, normalize: NORMALIZE, outputs: { images: out, targets } };
      await mixer.prepare(inputs, options);
      const cache = PipelineCache.for(device);
      const compiled = cache.compiled;
      await mixer.mix(inputs, options);
      const encoder = device.createCommandEncoder();
      mixer.encode(encoder, inputs, options).release();
      device.queue.submit([encoder.finish()]);
      expect(cache.compiled - compiled, 'pipelines compiled after prepare()').toBe(0);
      mixer.destroy();
    },
  );
});

describe('masks: bad input is rejected before any GPU work', () => {
  const shape: ImageBatchShape = { layout: 'NCHW', batch: 4, channels: 1, height: 4, width: 4 };
  const good = (): MixPlan => maskPlan([1, 0, 3, 2], userMasks('soft', 2, 2, 4, 1), imageSize(shape));
  const cases: [string, (p: MixPlan) => MixPlan, RegExp][] = [
    [
      'mask data of the wrong length',
      (p) => ({ ...p, masks: { ...p.masks!, data: new Float32Array(15) } }),
      /plan\.masks\.data must be a Float32Array of length 16/,
    ],
    [
      'a soft weight above 1',
      (p) => {
        p.masks!.data[3] = 1.5;
        return p;
      },
      /plan\.masks\.data\[3\] must be a weight in \[0, 1\], got 1\.5/,
    ],
    [
      'a negative soft weight',
      (p) => {
        p.masks!.data[0] = -0.25;
        return p;
      },
      /plan\.masks\.data\[0\] must be a weight in \[0, 1\], got -0\.25/,
    ],
    [
      'a mask finer than the image',
      (p) => ({ ...p, masks: { ...p.masks!, height: 5, width: 1, data: new Float32Array(20) } }),
      /plan\.masks\.height must be an integer in \[1, 4\], got 5/,
    ],
    [
      'bits given as floats',
      (p) => ({ ...p, masks: { ...p.masks!, format: 'bits' } }),
      /plan\.masks\.data must be a Uint32Array of length 4/,
    ],
    [
      'a mask index past the count',
      (p) => {
        p.masks!.index[2] = 4;
        return p;
      },
      /plan\.masks\.index\[2\] must be a mask in \[0, 3\] \(sample 2 is kind 4\), got 4/,
    ],
    ['kind 4 without masks', (p) => ({ ...p, masks: null }), /plan\.masks must be a PlanMasks object/],
  ];
  for (const [name, edit, message] of cases) {
    gpuTest(name, async ({ device, buffers }) => {
      const mixer = createMixer(device, { numClasses: 4 });
      const images = bufferFrom(device, new Float32Array(64).fill(0.5));
      const out = device.createBuffer({ size: 256, usage: GPUBufferUsage.STORAGE });
      const created = buffers.created;
      const inputs = { images: { buffer: images, shape, dtype: 'float32' as const } };
      const plan = edit(good());
      await expect(mixer.mix(inputs, { plan })).rejects.toThrow(message);
      await expect(mixer.mix(inputs, { plan, inPlace: true })).rejects.toThrow(message);
      const encoder = device.createCommandEncoder();
      expect(() => mixer.encode(encoder, inputs, { plan, outputs: { images: out } })).toThrow(message);
      encoder.finish();
      // Rejected before anything was created on the device (no upload slot, no output).
      expect(buffers.created).toBe(created);
      mixer.destroy();
    });
  }

  gpuTest('masks the kernel cannot index or bind are named with the limit', async ({ device, buffers }) => {
    // 32-bit mask indexing: (W - 1) · mask width must stay below 2^32.
    const wide: ImageBatchShape = { layout: 'NCHW', batch: 2, channels: 1, height: 1, width: 70_000 };
    const mixer = createMixer(device, {});
    const images = bufferFrom(device, new Uint8Array(140_000));
    const bits = { format: 'bits', height: 1, width: 70_000, data: new Uint32Array(2 * 2188) } as const;
    const plan = maskPlan([1, 0], bits, imageSize(wide));
    const created = buffers.created;
    await expect(mixer.mix({ images: { buffer: images, shape: wide, dtype: 'uint8' } }, { plan })).rejects.toThrow(
      /plan\.masks\.width must be at most 61357 for an image width of 70000 \(the kernel finds mask pixels in 32-bit integers\), got 70000/,
    );
    // Masks are bound whole: more bytes than one binding is named as such.
    const small = withLowerLimits(device, { maxStorageBufferBindingSize: 4096 });
    const limited = createMixer(small, {});
    const sq: ImageBatchShape = { layout: 'NCHW', batch: 2, channels: 1, height: 32, width: 32 };
    const soft = { format: 'soft', height: 32, width: 32, data: new Float32Array(2 * 1024).fill(0.5) } as const;
    const big = maskPlan([1, 0], soft, imageSize(sq));
    const sqImages = bufferFrom(device, new Uint8Array(2048));
    await expect(
      limited.mix({ images: { buffer: sqImages, shape: sq, dtype: 'uint8' } }, { plan: big }),
    ).rejects.toThrow(/plan\.masks\.data must be masks of at most 4096 bytes in all .*, got 8192 bytes/);
    expect(buffers.created - created).toBe(1); // sqImages only
    mixer.destroy();
    limited.destroy();
  });
});

// Dense targets (inputs.dense): maps aligned with the images, mixed by the same plan in the same
// call. Each map must equal the CPU reference (mixDenseCpu) bit for bit, and the images must equal
// mixBatchCpu as if no map were there; bad maps are rejected before any GPU work or draw.
import { describe, expect } from 'vitest';
import { MixupError } from '../../src/errors.js';
import { checkCall } from '../../src/gpu/checks.js';
import type { CheckContext } from '../../src/gpu/checks.js';
import { layoutCall } from '../../src/gpu/layout.js';
import { createMixer } from '../../src/gpu/mixer.js';
import { PipelineCache } from '../../src/gpu/pipelines.js';
import type { GpuDense, MixInputs, MixCallOptions, Mixer } from '../../src/gpu/types.js';
import { createPlanner } from '../../src/plan.js';
import { mixBatchCpu, mixDenseCpu } from '../../src/reference.js';
import type { BatchData } from '../../src/reference.js';
import type { DType, ImageBatchShape, MixOptions, MixPlan } from '../../src/types.js';
import { expectClose, randomData, typedFrom } from '../helpers/data.js';
import { bufferFrom, gpuTest, readBuffer } from '../helpers/gpu.js';

const BYTES: Record<DType, number> = { float32: 4, float16: 2, uint8: 1 };

/** A map of the call: its shape (images' B, H, W), dtype, integer flag and data. */
interface MapCase {
  layout: 'NCHW' | 'NHWC';
  channels: number;
  dtype: DType;
  integer?: boolean;
}

interface Call {
  images: ImageBatchShape;
  maps: MapCase[];
  plan: MixPlan;
  inPlace?: boolean;
  /** Give outputs.dense (and outputs.images) instead of letting the mixer allocate. */
  given?: boolean;
  seed: number;
}

const mapShape = (images: ImageBatchShape, m: MapCase): ImageBatchShape => ({
  layout: m.layout,
  batch: images.batch,
  channels: m.channels,
  height: images.height,
  width: images.width,
});
const count = (s: ImageBatchShape) => s.batch * s.channels * s.height * s.width;

/** uint8 ids 0..19 for integer uint8 maps (segmentation classes), else the usual random data. */
function mapData(m: MapCase, n: number, seed: number): BatchData {
  if (m.dtype === 'uint8' && m.integer !== false) return Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) % 20);
  return randomData(m.dtype, n, seed);
}

/** Mixes one call on the GPU and compares images and every map with the CPU reference. */
async function expectMixedLikeCpu(device: GPUDevice, mixer: Mixer, c: Call): Promise<void> {
  const what = `${c.images.layout} ${c.images.batch}x${c.images.height}x${c.images.width} kinds=${Array.from(
    c.plan.kind,
  ).join('')}${c.inPlace ? ' in place' : ''}`;
  const imageData = randomData('float32', count(c.images), c.seed);
  const images = bufferFrom(device, imageData);
  const maps = c.maps.map((m, k) => {
    const shape = mapShape(c.images, m);
    const data = mapData(m, count(shape), c.seed * 10 + k);
    return { m, shape, data, buffer: bufferFrom(device, data) };
  });
  const dense: GpuDense[] = maps.map(({ m, shape, buffer }) => ({
    buffer,
    shape,
    dtype: m.dtype,
    ...(m.integer === undefined ? {} : { integer: m.integer }),
  }));
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC;
  const outputs = c.given
    ? {
        images: device.createBuffer({ size: count(c.images) * 4, usage }),
        dense: maps.map(({ m, shape }) =>
          device.createBuffer({ size: Math.ceil((count(shape) * BYTES[m.dtype]) / 4) * 4, usage }),
        ),
      }
    : undefined;
  const result = await mixer.mix(
    { images: { buffer: images, shape: c.images, dtype: 'float32' }, dense },
    { plan: c.plan, inPlace: c.inPlace ?? false, outputs },
  );
  expect(result.dense.length, what).toBe(maps.length);
  const cpuImages = mixBatchCpu({ data: imageData, dtype: 'float32', shape: c.images }, c.plan);
  expectClose('float32', typedFrom('float32', await readBuffer(device, result.images), count(c.images)), cpuImages);
  for (let k = 0; k < maps.length; k++) {
    const { m, shape, data, buffer } = maps[k];
    const label = `${what}: dense[${k}] ${m.layout} ${m.channels}ch ${m.dtype}${m.integer === false ? ' float' : ''}`;
    const cpu = mixDenseCpu({ data, dtype: m.dtype, shape }, c.plan, { integer: m.integer ?? m.dtype === 'uint8' });
    const gpu = typedFrom(m.dtype, await readBuffer(device, result.dense[k]), count(shape));
    // float16 maps are compared bit for bit too: mixing them only copies or blends to f32 and rounds back.
    expect(Array.from(gpu), label).toEqual(Array.from(cpu));
    if (c.inPlace) expect(result.dense[k], label).toBe(buffer);
    else {
      if (outputs) expect(result.dense[k], label).toBe(outputs.dense[k]);
      const after = typedFrom(m.dtype, await readBuffer(device, buffer), count(shape));
      expect(Array.from(after), `${label}: input unchanged`).toEqual(Array.from(data));
      result.dense[k].destroy();
    }
    buffer.destroy();
  }
  if (!c.inPlace) result.images.destroy();
  images.destroy();
}

/** Every map form: both layouts, 1 and 3 channels, the three dtypes (uint8 as ids, and as floats). */
function everyMap(integerOnly: boolean): MapCase[] {
  const maps: MapCase[] = [];
  for (const layout of ['NCHW', 'NHWC'] as const)
    for (const channels of [1, 3])
      for (const dtype of ['float32', 'float16', 'uint8'] as const)
        maps.push({ layout, channels, dtype, integer: integerOnly || dtype === 'uint8' ? undefined : false });
  if (!integerOnly) maps.push({ layout: 'NCHW', channels: 1, dtype: 'uint8', integer: false });
  return maps;
}

const SHAPES: ImageBatchShape[] = [
  // 4 x 8: every map a multiple of 4 elements (vec4 path); 5 x 7 odd: scalar path, shared words.
  { layout: 'NCHW', batch: 6, channels: 3, height: 4, width: 8 },
  { layout: 'NHWC', batch: 5, channels: 3, height: 5, width: 7 },
];

function plansFor(options: MixOptions, shape: ImageBatchShape, seeds: number[]): MixPlan[] {
  return seeds.map((seed) => createPlanner({ ...options, seed }).plan(shape.batch, shape));
}

describe('dense targets: GPU = CPU reference', () => {
  gpuTest(
    'integer maps under pastes (kinds 0 and 2): 12 maps in one call, both layouts, 1 and 3 channels, every dtype',
    async ({ device }) => {
      const mixer = createMixer(device, { mixupAlpha: 0, cutmixAlpha: 1 });
      let kinds = 0;
      let seed = 0;
      for (const images of SHAPES) {
        for (const mode of ['batch', 'elem'] as const) {
          for (const pairing of ['flip', 'shuffle'] as const) {
            const [plan] = plansFor({ mixupAlpha: 0, cutmixAlpha: 1, prob: 0.7, mode, pairing }, images, [++seed]);
            for (const k of plan.kind) kinds |= 1 << k;
            await expectMixedLikeCpu(device, mixer, { images, maps: everyMap(true), plan, seed });
          }
        }
      }
      expect(kinds).toBe(0b101); // kinds 0 and 2 both appeared
      mixer.destroy();
    },
    { timeout: 300_000 },
  );

  gpuTest(
    'float maps under blends and pastes (kinds 0, 1, 2): float32, float16, uint8 as floats, every layout',
    async ({ device }) => {
      const mixer = createMixer(device, { mixupAlpha: 1, cutmixAlpha: 1 });
      let kinds = 0;
      let seed = 100;
      for (const images of SHAPES) {
        for (const pairing of ['flip', 'shuffle', 'roll'] as const) {
          const [plan] = plansFor({ mixupAlpha: 1, cutmixAlpha: 1, prob: 0.8, mode: 'elem', pairing }, images, [
            ++seed,
          ]);
          for (const k of plan.kind) kinds |= 1 << k;
          const maps = everyMap(false).filter((m) => m.integer === false);
          await expectMixedLikeCpu(device, mixer, { images, maps, plan, seed });
        }
      }
      expect(kinds).toBe(0b111);
      mixer.destroy();
    },
    { timeout: 300_000 },
  );

  gpuTest(
    "ResizeMix (kind 3) on maps: integer maps resized by nearest, float maps by the plan's mode; chunked too",
    async ({ device }) => {
      for (const maxBindingBytes of [undefined, 2048]) {
        const settings = maxBindingBytes ? { maxBindingBytes } : {};
        const options = { mixupAlpha: 0, resizemixAlpha: 1, cutmixAlpha: 1, mode: 'elem' as const };
        const mixer = createMixer(device, options, settings);
        let seed = 150;
        let kinds = 0;
        for (const images of SHAPES) {
          for (const resizemixMode of ['bilinear', 'nearest'] as const) {
            const [plan] = plansFor({ ...options, resizemixMode, pairing: 'shuffle' }, images, [++seed]);
            for (const k of plan.kind) kinds |= 1 << k;
            const maps = everyMap(false).filter((_, i) => i % 2 === 0);
            await expectMixedLikeCpu(device, mixer, { images, maps, plan, seed });
          }
        }
        expect(kinds & 0b1000).toBe(0b1000); // kind 3 appeared
        mixer.destroy();
      }
      // The reference's rule, checked from its definition: an integer map is resized by nearest whatever the plan says.
      const images = SHAPES[0];
      const [plan] = plansFor({ mixupAlpha: 0, resizemixAlpha: 1, mode: 'elem' }, images, [7]);
      const shape = mapShape(images, { layout: 'NCHW', channels: 1, dtype: 'uint8' });
      const data = mapData({ layout: 'NCHW', channels: 1, dtype: 'uint8' }, count(shape), 3);
      const ids = mixDenseCpu({ data, dtype: 'uint8', shape }, { ...plan, resize: 'bilinear' }, { integer: true });
      const nearest = mixBatchCpu({ data, dtype: 'uint8', shape }, { ...plan, resize: 'nearest' });
      const bilinear = mixBatchCpu({ data, dtype: 'uint8', shape }, { ...plan, resize: 'bilinear' });
      expect(Array.from(ids)).toEqual(Array.from(nearest));
      expect(Array.from(ids)).not.toEqual(Array.from(bilinear));
    },
    { timeout: 300_000 },
  );

  gpuTest(
    'masks (kind 4) on maps: FMix bits masks on integer and float maps, soft masks of your own on float maps; chunked too',
    async ({ device }) => {
      for (const maxBindingBytes of [undefined, 2048]) {
        const settings = maxBindingBytes ? { maxBindingBytes } : {};
        const options = { mixupAlpha: 0, fmixAlpha: 1, fmixSize: [3, 5] as [number, number], mode: 'elem' as const };
        const mixer = createMixer(device, options, settings);
        let seed = 170;
        for (const images of SHAPES) {
          const [plan] = plansFor({ ...options, pairing: 'shuffle' }, images, [++seed]);
          expect(plan.kind.includes(4)).toBe(true);
          expect(plan.masks?.format).toBe('bits');
          await expectMixedLikeCpu(device, mixer, { images, maps: everyMap(false), plan, seed });
          // Soft weights in [0, 1] of one 2 x 3 mask for every sample: float maps blend by them.
          const soft = {
            ...plan,
            kind: plan.kind.map((k) => (k === 0 ? 0 : 4)),
            masks: {
              format: 'soft' as const,
              count: 1,
              height: 2,
              width: 3,
              data: Float32Array.of(0, 0.25, 0.5, 0.75, 1, 0.125),
              index: new Uint32Array(images.batch),
            },
          };
          const floats = everyMap(false).filter((m) => m.integer === false);
          await expectMixedLikeCpu(device, mixer, { images, maps: floats, plan: soft, seed });
        }
        mixer.destroy();
      }
    },
    { timeout: 300_000 },
  );

  gpuTest('in place: each map is written over its own buffer, as the images are', async ({ device }) => {
    const mixer = createMixer(device, { mixupAlpha: 0, cutmixAlpha: 1 });
    let seed = 200;
    for (const images of SHAPES) {
      for (const pairing of ['flip', 'shuffle'] as const) {
        const [plan] = plansFor({ mixupAlpha: 0, cutmixAlpha: 1, mode: 'elem', pairing }, images, [++seed]);
        await expectMixedLikeCpu(device, mixer, {
          images,
          maps: everyMap(true).slice(0, 6),
          plan,
          inPlace: true,
          seed,
        });
      }
    }
    mixer.destroy();
  });

  gpuTest('outputs.dense: the maps go to the given buffers', async ({ device }) => {
    const mixer = createMixer(device, { mixupAlpha: 1, cutmixAlpha: 1 });
    const images = SHAPES[1];
    const [plan] = plansFor({ mixupAlpha: 1, cutmixAlpha: 1, mode: 'elem' }, images, [300]);
    const maps = [
      ...everyMap(false)
        .filter((m) => m.integer === false)
        .slice(0, 3),
    ];
    await expectMixedLikeCpu(device, mixer, { images, maps, plan, given: true, seed: 300 });
    mixer.destroy();
  });

  gpuTest(
    'chunked and split maps (small maxBindingBytes), with the images whole: the chunking is reported for the map',
    async ({ device }) => {
      const reports: string[] = [];
      const mixer = createMixer(
        device,
        { mixupAlpha: 1, cutmixAlpha: 1 },
        { maxBindingBytes: 2048, onChunked: (info) => reports.push(`${info.argument} ${info.mode}`) },
      );
      // Images 1 x 8 x 8 float32: 256 B a sample, 1536 B for 6: one binding. Maps of 3 and 4 channels
      // float32 (768 and 1024 B a sample, 4.5 and 6 KiB): split or chunked; a uint8 map stays whole.
      const images: ImageBatchShape = { layout: 'NCHW', batch: 6, channels: 1, height: 8, width: 8 };
      const maps: MapCase[] = [
        { layout: 'NHWC', channels: 3, dtype: 'float32' },
        { layout: 'NCHW', channels: 4, dtype: 'float32' },
        { layout: 'NHWC', channels: 3, dtype: 'float16' },
        { layout: 'NCHW', channels: 1, dtype: 'uint8', integer: false },
      ];
      let seed = 400;
      for (const pairing of ['flip', 'shuffle', 'roll'] as const) {
        const [plan] = plansFor({ mixupAlpha: 1, cutmixAlpha: 1, mode: 'elem', pairing }, images, [++seed]);
        await expectMixedLikeCpu(device, mixer, { images, maps, plan, seed });
      }
      expect(reports.length).toBe(1);
      expect(reports[0]).toMatch(/^inputs\.dense\[0\] (split|chunks)$/);
      mixer.destroy();
    },
  );

  gpuTest('encode() and prepare(): the same maps; nothing compiles after prepare', async ({ device }) => {
    const options = { mixupAlpha: 0, cutmixAlpha: 1, mode: 'elem', pairing: 'shuffle' } as const;
    const mixer = createMixer(device, options);
    const images: ImageBatchShape = SHAPES[1];
    const ids = Uint8Array.from(
      { length: count(mapShape(images, { layout: 'NCHW', channels: 1, dtype: 'uint8' })) },
      (_, i) => i % 19,
    );
    const imageData = randomData('float32', count(images), 5);
    const input = {
      images: { buffer: bufferFrom(device, imageData), shape: images, dtype: 'float32' as const },
      dense: [{ buffer: bufferFrom(device, ids), shape: { ...images, channels: 1 }, dtype: 'uint8' as const }],
    };
    await mixer.prepare(input);
    const cache = PipelineCache.for(device);
    const compiled = cache.compiled;
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC;
    for (let round = 0; round < 3; round++) {
      const plan = mixer.plan(images.batch, images);
      const out = {
        images: device.createBuffer({ size: count(images) * 4, usage }),
        dense: [device.createBuffer({ size: 180, usage })],
      };
      const encoder = device.createCommandEncoder();
      const encoding = mixer.encode(encoder, input, { plan, outputs: out });
      device.queue.submit([encoder.finish()]);
      encoding.release();
      const cpu = mixDenseCpu({ data: ids, dtype: 'uint8', shape: input.dense[0].shape }, plan);
      expect(Array.from(new Uint8Array(await readBuffer(device, out.dense[0], ids.length)))).toEqual(Array.from(cpu));
      const result = await mixer.mix(input);
      const drawn = mixDenseCpu({ data: ids, dtype: 'uint8', shape: input.dense[0].shape }, result.plan);
      expect(Array.from(new Uint8Array(await readBuffer(device, result.dense[0], ids.length)))).toEqual(
        Array.from(drawn),
      );
      result.images.destroy();
      result.dense[0].destroy();
      out.images.destroy();
      out.dense[0].destroy();
    }
    expect(cache.compiled - compiled, 'pipelines compiled after prepare()').toBe(0);
    // encode needs outputs.dense, like outputs.images.
    const plan = mixer.plan(images.batch, images);
    const encoder = device.createCommandEncoder();
    const e = (() => {
      try {
        mixer.encode(encoder, input, {
          plan,
          outputs: { images: device.createBuffer({ size: count(images) * 4, usage }) },
        });
      } catch (error) {
        return error as MixupError;
      }
      return null;
    })();
    expect(e).toBeInstanceOf(MixupError);
    expect(e!.argument).toBe('options.outputs.dense');
    encoder.finish();
    mixer.destroy();
  });
});

// ---- bad maps: rejected before any GPU work and before any draw ----

const BAD_IMAGES: ImageBatchShape = { layout: 'NCHW', batch: 4, channels: 3, height: 4, width: 5 };
const MAP: ImageBatchShape = { ...BAD_IMAGES, channels: 1 }; // 20 bytes a sample as uint8, 80 in all

interface BadCtx {
  device: GPUDevice;
  images: GPUBuffer;
  map: GPUBuffer;
  floats: GPUBuffer;
  /** An output buffer given to calls, filled with 0xab: it must stay so. */
  spare: GPUBuffer;
  inputs: MixInputs;
  pastes: MixPlan;
}

/** A case: what to call (built before the call is measured), and the message it must raise. */
type BadCase = [name: string, build: (c: BadCtx) => { inputs: unknown; options?: MixCallOptions }, message: RegExp];

const withMap = (c: BadCtx, patch: Record<string, unknown>, more: unknown[] = []) => ({
  ...c.inputs,
  dense: [{ ...c.inputs.dense![0], ...patch }, ...more],
});
const planWithKind = (plan: MixPlan, i: number, kind: number): MixPlan => {
  const p = { ...plan, kind: plan.kind.slice(), lam: plan.lam.slice() };
  p.kind[i] = kind;
  p.lam[i] = 0.5;
  return p;
};
const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

const BAD: BadCase[] = [
  ['not an array', (c) => ({ inputs: { ...c.inputs, dense: c.inputs.dense![0] } }), /inputs\.dense must be an array/],
  [
    'a GPUBuffer for an entry',
    (c) => ({ inputs: { ...c.inputs, dense: [c.map] } }),
    /inputs\.dense\[0\] must be \{ buffer, shape, dtype, integer\? \} \(the GPUBuffer goes in its buffer field\)/,
  ],
  [
    'a misspelt field',
    (c) => ({ inputs: withMap(c, { intger: true }) }),
    /inputs\.dense\[0\]\.intger must be a known field \(did you mean integer\?\)/,
  ],
  [
    'another batch',
    (c) => ({ inputs: withMap(c, { shape: { ...MAP, batch: 3 } }) }),
    /inputs\.dense\[0\]\.shape\.batch must be 4, the images' batch, got 3/,
  ],
  [
    'another height',
    (c) => ({ inputs: withMap(c, { shape: { ...MAP, height: 5 } }) }),
    /inputs\.dense\[0\]\.shape\.height must be 4, the images' height, got 5/,
  ],
  [
    'another width',
    (c) => ({ inputs: withMap(c, { shape: { ...MAP, width: 4 } }) }),
    /inputs\.dense\[0\]\.shape\.width must be 5, the images' width, got 4/,
  ],
  [
    'a map of rows',
    (c) => ({ inputs: withMap(c, { shape: { layout: 'rows', batch: 4, features: 20 } }) }),
    /inputs\.dense\[0\]\.shape\.layout must be 'NCHW' or 'NHWC' \(a map has pixels\), got "rows"/,
  ],
  [
    'images of rows',
    (c) => ({
      inputs: { ...c.inputs, images: { ...c.inputs.images, shape: { layout: 'rows', batch: 4, features: 60 } } },
      options: { plan: { ...c.pastes, kind: new Uint8Array(4) } },
    }),
    /inputs\.images\.shape\.layout must be 'NCHW' or 'NHWC' with dense maps \(rows have no pixels\)/,
  ],
  [
    'an unknown dtype',
    (c) => ({ inputs: withMap(c, { dtype: 'int32' }) }),
    /inputs\.dense\[0\]\.dtype must be one of "float32", "float16", "uint8", got "int32"/,
  ],
  ['integer not a boolean', (c) => ({ inputs: withMap(c, { integer: 1 }) }), /inputs\.dense\[0\]\.integer must be/],
  [
    'a buffer too small',
    (c) => ({ inputs: withMap(c, { buffer: c.device.createBuffer({ size: 76, usage }) }) }),
    /inputs\.dense\[0\]\.buffer\.size must be at least 80 bytes, got 76 bytes/,
  ],
  [
    'a mixup blend on an integer map (explicit plan)',
    (c) => ({
      // The first map is declared float (blended), the second is ids: only the second is at fault.
      inputs: withMap(c, { integer: false }, [{ buffer: c.map, shape: MAP, dtype: 'uint8' }]),
      options: { plan: planWithKind(c.pastes, 2, 1) },
    }),
    /inputs\.dense\[1\] must be a map that can be blended \(integer: false\) .*sample 2 of the plan is a mixup blend \(kind 1\)/,
  ],
  [
    'a blend on a float32 map declared integer',
    (c) => ({
      inputs: { ...c.inputs, dense: [{ buffer: c.floats, shape: MAP, dtype: 'float32', integer: true }] },
      options: { plan: planWithKind(c.pastes, 0, 1) },
    }),
    /inputs\.dense\[0\] must be a map that can be blended .*sample 0 of the plan is a mixup blend/,
  ],
  [
    'a soft mask on an integer map',
    (c) => ({
      inputs: c.inputs,
      options: {
        plan: {
          ...planWithKind(c.pastes, 3, 4),
          masks: {
            format: 'soft',
            count: 2,
            height: 2,
            width: 2,
            data: new Float32Array(8).fill(0.5),
            index: Uint32Array.from([0, 0, 0, 1]),
          },
        },
      },
    }),
    /inputs\.dense\[0\] must be .*sample 3 of the plan is a soft mask \(kind 4, plan\.masks\.index\[3\] 1\)/,
  ],
  [
    'outputs.dense without inputs.dense',
    (c) => ({ inputs: { images: c.inputs.images }, options: { outputs: { dense: [c.spare] } } }),
    /options\.outputs\.dense must be absent when inputs\.dense is absent/,
  ],
  [
    'outputs.dense of another length',
    (c) => ({ inputs: c.inputs, options: { outputs: { dense: [c.spare, c.spare] } } }),
    /options\.outputs\.dense must be an array of 1 GPUBuffers \(one per inputs\.dense entry\)/,
  ],
  [
    'outputs.dense[0] too small',
    (c) => ({ inputs: c.inputs, options: { outputs: { dense: [c.device.createBuffer({ size: 64, usage })] } } }),
    /options\.outputs\.dense\[0\]\.size must be at least 80 bytes, got 64 bytes/,
  ],
  [
    'outputs.dense[0] is the map',
    (c) => ({ inputs: c.inputs, options: { outputs: { dense: [c.map] } } }),
    /options\.outputs\.dense\[0\] must be a buffer no input or other output of the call uses/,
  ],
  [
    'outputs.dense[0] is the images output',
    (c) => ({ inputs: c.inputs, options: { outputs: { images: c.spare, dense: [c.spare] } } }),
    /options\.outputs\.dense\[0\] must be a buffer no input or other output of the call uses/,
  ],
  [
    'outputs.dense[1] is outputs.dense[0]',
    (c) => ({
      inputs: withMap(c, {}, [{ buffer: c.map, shape: MAP, dtype: 'uint8' }]),
      options: { outputs: { dense: [c.spare, c.spare] } },
    }),
    /options\.outputs\.dense\[1\] must be a buffer no input or other output of the call uses/,
  ],
  [
    'a map that is outputs.images',
    (c) => ({ inputs: withMap(c, { buffer: c.spare }), options: { outputs: { images: c.spare } } }),
    /inputs\.dense\[0\]\.buffer must be a buffer the call does not write to \(it is options\.outputs\.images/,
  ],
  [
    'outputs.dense in place',
    (c) => ({ inputs: c.inputs, options: { inPlace: true, outputs: { dense: [c.spare] } } }),
    /options\.outputs\.dense must be absent when mixing in place \(each map is written over its input\)/,
  ],
  [
    'in place over the images buffer',
    (c) => ({ inputs: withMap(c, { buffer: c.images, dtype: 'float32' }), options: { inPlace: true } }),
    /inputs\.dense\[0\]\.buffer must be a buffer of its own when mixing in place/,
  ],
  [
    'in place, two maps over one buffer',
    (c) => ({ inputs: withMap(c, {}, [{ buffer: c.map, shape: MAP, dtype: 'uint8' }]), options: { inPlace: true } }),
    /inputs\.dense\[1\]\.buffer must be a buffer of its own when mixing in place/,
  ],
];

describe('dense targets: bad input', () => {
  gpuTest(
    'every case is a MixupError naming the argument, before any GPU work or draw',
    async ({ device, buffers }) => {
      const imageData = randomData('float32', count(BAD_IMAGES), 9);
      const ids = Uint8Array.from({ length: 80 }, (_, i) => i % 7);
      const c: BadCtx = {
        device,
        images: bufferFrom(device, imageData),
        map: bufferFrom(device, ids),
        floats: bufferFrom(device, new Float32Array(80)),
        spare: bufferFrom(device, new Uint8Array(240 * 4).fill(0xab)),
        inputs: {} as MixInputs,
        pastes: createPlanner({ mixupAlpha: 0, cutmixAlpha: 1, mode: 'elem', seed: 3 }).plan(4, BAD_IMAGES),
      };
      c.inputs = {
        images: { buffer: c.images, shape: BAD_IMAGES, dtype: 'float32' },
        dense: [{ buffer: c.map, shape: MAP, dtype: 'uint8' }],
      };
      const options = { mixupAlpha: 0, cutmixAlpha: 1, mode: 'elem', seed: 11 } as const;
      const mixer = createMixer(device, options);
      const failures: string[] = [];
      for (const [name, build, message] of BAD) {
        const { inputs, options: callOptions } = build(c);
        const created = buffers.created;
        try {
          await mixer.mix(inputs as MixInputs, callOptions);
          failures.push(`${name}: no error`);
        } catch (error) {
          const text = error instanceof Error ? error.message : String(error);
          if (!(error instanceof MixupError)) failures.push(`${name}: ${text} is not a MixupError`);
          else if (!message.test(text))
            failures.push(`${name}: message ${JSON.stringify(text)} does not match ${message}`);
        }
        // No GPU work: not even an upload slot or an output buffer was created.
        if (buffers.created !== created) failures.push(`${name}: ${buffers.created - created} buffers created`);
      }
      expect(failures).toEqual([]);
      // Nothing was drawn: the next plan is the stream's first.
      expect(mixer.plan(4, BAD_IMAGES)).toEqual(createPlanner(options).plan(4, BAD_IMAGES));
      expect(Array.from(new Float32Array(await readBuffer(device, c.images)))).toEqual(Array.from(imageData));
      expect(Array.from(new Uint8Array(await readBuffer(device, c.map, 80)))).toEqual(Array.from(ids));
      expect(new Uint8Array(await readBuffer(device, c.spare)).every((b) => b === 0xab)).toBe(true);
      mixer.destroy();
    },
  );

  gpuTest(
    'a mixer that can draw blends rejects an integer map at the call, before the draw',
    async ({ device, buffers }) => {
      const images = bufferFrom(device, new Float32Array(240));
      const map = bufferFrom(device, new Uint8Array(80));
      const inputs: MixInputs = {
        images: { buffer: images, shape: BAD_IMAGES, dtype: 'float32' },
        dense: [{ buffer: map, shape: MAP, dtype: 'uint8' }],
      };
      const options = { mixupAlpha: 0.4, cutmixAlpha: 1, seed: 5 } as const;
      const mixer = createMixer(device, options);
      const created = buffers.created;
      const message =
        /inputs\.dense\[0\] must be a map that can be blended \(integer: false\), since the mixer's options can draw mixup blends \(mixupAlpha 0\.4\).*mixupAlpha: 0, or switchProb: 1 with CutMix.*explicit plan/;
      await expect(mixer.mix(inputs)).rejects.toThrow(message);
      await expect(mixer.prepare(inputs)).rejects.toThrow(message);
      expect(buffers.created).toBe(created);
      expect(mixer.plan(4, BAD_IMAGES)).toEqual(createPlanner(options).plan(4, BAD_IMAGES));
      // The same map as floats is blended; an explicit plan without blends is taken.
      const plan = createPlanner({ mixupAlpha: 0, cutmixAlpha: 1, mode: 'elem' }).plan(4, BAD_IMAGES);
      const result = await mixer.mix(inputs, { plan });
      const floats = await mixer.mix({
        ...inputs,
        dense: [{ buffer: map, shape: MAP, dtype: 'uint8', integer: false }],
      });
      for (const r of [result, floats]) {
        r.images.destroy();
        r.dense[0].destroy();
      }
      mixer.destroy();
    },
  );

  gpuTest('in place with a map larger than one binding is rejected (it would be chunked)', async ({ device }) => {
    const mixer = createMixer(device, { mixupAlpha: 0, cutmixAlpha: 1 }, { maxBindingBytes: 1024 });
    const shape: ImageBatchShape = { layout: 'NCHW', batch: 4, channels: 1, height: 4, width: 5 };
    const inputs: MixInputs = {
      images: { buffer: bufferFrom(device, new Uint8Array(80)), shape, dtype: 'uint8' },
      dense: [
        { buffer: bufferFrom(device, new Float32Array(4 * 80)), shape: { ...shape, channels: 4 }, dtype: 'float32' },
      ],
    };
    await expect(mixer.mix(inputs, { inPlace: true })).rejects.toThrow(
      /options\.inPlace must be false for a batch larger than one binding \(1024 bytes\)/,
    );
    mixer.destroy();
  });
});

describe('dense targets: the layout checks the plan it lays out', () => {
  gpuTest('a blend on an integer map that got past the call checks fails the layout, loudly', async ({ device }) => {
    const mixer = createMixer(device, { mixupAlpha: 0, cutmixAlpha: 1 });
    const ctx = mixer as unknown as CheckContext;
    const inputs: MixInputs = {
      images: { buffer: bufferFrom(device, new Float32Array(240)), shape: BAD_IMAGES, dtype: 'float32' },
      dense: [{ buffer: bufferFrom(device, new Uint8Array(80)), shape: MAP, dtype: 'uint8' }],
    };
    const pastes = createPlanner({ mixupAlpha: 0, cutmixAlpha: 1, mode: 'elem' }).plan(4, BAD_IMAGES);
    const call = checkCall(ctx, inputs, { plan: pastes }, 'mix');
    expect(layoutCall(ctx, call, pastes, 0.1).dense[0].resize).toBe('nearest');
    const blends = createPlanner({ mixupAlpha: 1, mode: 'elem' }).plan(4, BAD_IMAGES);
    expect(() => layoutCall(ctx, call, blends, 0.1)).toThrow(/inputs\.dense\[0\] must be a map that can be blended/);
    mixer.destroy();
  });
});

describe('dense targets: resources', () => {
  gpuTest(
    "outputs the mixer made are the caller's; nothing else is left, also after a failed call",
    async ({ device, buffers }) => {
      const mixer = createMixer(device, { mixupAlpha: 0, cutmixAlpha: 1, mode: 'elem', pairing: 'shuffle' });
      const map = bufferFrom(device, new Uint8Array(80));
      const inputs: MixInputs = {
        images: { buffer: bufferFrom(device, new Float32Array(240)), shape: BAD_IMAGES, dtype: 'float32' },
        dense: [
          { buffer: map, shape: MAP, dtype: 'uint8' },
          { buffer: bufferFrom(device, new Float32Array(240)), shape: { ...MAP, channels: 3 }, dtype: 'float32' },
        ],
      };
      const baseline = buffers.live();
      for (let i = 0; i < 4; i++) {
        const r = await mixer.mix(inputs);
        expect(buffers.live('mixup dense')).toBe(2);
        r.images.destroy();
        for (const d of r.dense) d.destroy();
      }
      expect(buffers.live('mixup dense')).toBe(0);
      // A destroyed map shows up as a WebGPU validation error: rejected, and the call's outputs destroyed.
      const gone = bufferFrom(device, new Uint8Array(80));
      gone.destroy();
      await expect(mixer.mix({ ...inputs, dense: [{ buffer: gone, shape: MAP, dtype: 'uint8' }] })).rejects.toThrow(
        /inputs and outputs must be live GPUBuffers of the mixer's device/,
      );
      expect(buffers.live('mixup dense') + buffers.live('mixup images')).toBe(0);
      mixer.destroy();
      expect(buffers.live('mixup')).toBe(0);
      expect(buffers.live()).toBe(baseline);
    },
  );
});

describe('dense targets: calls in flight', () => {
  gpuTest('calls that wait for their pipelines keep their own walks of every map', async ({ device }) => {
    // A fresh mixer: the first calls wait for compiles while later ones lay out (in the shared scratch).
    const mixer = createMixer(device, { mixupAlpha: 0, cutmixAlpha: 1, mode: 'elem', pairing: 'shuffle', seed: 8 });
    const images: ImageBatchShape = { layout: 'NHWC', batch: 12, channels: 3, height: 4, width: 8 };
    const maps: MapCase[] = [
      { layout: 'NCHW', channels: 1, dtype: 'uint8' },
      { layout: 'NHWC', channels: 2, dtype: 'float32' },
    ];
    const data = maps.map((m, k) => mapData(m, count(mapShape(images, m)), 50 + k));
    const inputs: MixInputs = {
      images: { buffer: bufferFrom(device, new Float32Array(count(images))), shape: images, dtype: 'float32' },
      dense: maps.map((m, k) => ({ buffer: bufferFrom(device, data[k]), shape: mapShape(images, m), dtype: m.dtype })),
    };
    const results = await Promise.all(Array.from({ length: 4 }, () => mixer.mix(inputs)));
    expect(new Set(results.map((r) => Array.from(r.plan.partner).join())).size).toBeGreaterThan(1);
    for (const r of results) {
      for (let k = 0; k < maps.length; k++) {
        const shape = mapShape(images, maps[k]);
        const cpu = mixDenseCpu({ data: data[k], dtype: maps[k].dtype, shape }, r.plan);
        const gpu = typedFrom(maps[k].dtype, await readBuffer(device, r.dense[k]), count(shape));
        expect(Array.from(gpu), `dense[${k}]`).toEqual(Array.from(cpu));
        r.dense[k].destroy();
      }
      r.images.destroy();
    }
    mixer.destroy();
  });
});

// The rules the call layout (src/gpu/layout.ts) must keep whatever its shape, checked on the layout
// itself and by GPU runs that depend on them:
// - a dispatch folded into 2-D covers every thread, within maxComputeWorkgroupsPerDimension;
// - every bound window is at most the binding cap, starts on the offset alignment, and holds each of
//   its samples whole; the output windows together cover the batch;
// - class-id targets wider than one binding are written in row windows; a row wider than one is refused.
import { describe, expect, it } from 'vitest';
import type { CheckContext } from '../../src/gpu/checks.js';
import { checkCall } from '../../src/gpu/checks.js';
import type { Window } from '../../src/gpu/layout.js';
import { layoutCall } from '../../src/gpu/layout.js';
import { createMixer } from '../../src/gpu/mixer.js';
import { dispatchSize } from '../../src/gpu/shaders.js';
import type { MixInputs, Mixer } from '../../src/gpu/types.js';
import { createPlanner } from '../../src/plan.js';
import { mixBatchCpu, mixTargetsCpu } from '../../src/reference.js';
import { DTYPE_BYTES } from '../../src/shape.js';
import type { BatchShape, DType, MixPlan } from '../../src/types.js';
import { expectClose, randomData, typedFrom } from '../helpers/data.js';
import { bufferFrom, gpuTest, readBuffer, withLowerLimits } from '../helpers/gpu.js';

const THREADS_PER_GROUP = 256; // WORKGROUP_SIZE in shaders/mix_common.wgsl

describe('2-D dispatch fold', () => {
  it('covers every thread within the per-dimension limit, also when the group count is not a multiple of the fold', () => {
    const limits = [1, 2, 3, 5, 7, 65_535];
    for (const max of limits) {
      const groupCounts =
        max < 100
          ? Array.from({ length: max * max }, (_, i) => i + 1)
          : [1, max - 1, max, max + 1, 2 * max + 1, 65_536, 65_541, 3 * max + 2, max * 7 - 3];
      for (const groups of groupCounts) {
        for (const threads of [groups * THREADS_PER_GROUP, groups * THREADS_PER_GROUP - 255]) {
          const [x, y] = dispatchSize(threads, max);
          const what = `${threads} threads, limit ${max}: ${x} x ${y}`;
          expect(x, what).toBeLessThanOrEqual(max);
          expect(y, what).toBeLessThanOrEqual(max);
          expect(x * y * THREADS_PER_GROUP, `${what} covers the threads`).toBeGreaterThanOrEqual(threads);
        }
      }
    }
  });

  // 16 samples of 3x5x12 uint8 (45 quads), each with its own open segment (partners repeat): 720
  // threads = 3 workgroups. With at most 2 per dimension they fold to 2 x 2: the fourth group is idle,
  // and a fold of 1 x 2 would leave the last 208 threads' quads unmixed.
  gpuTest(
    'a folded dispatch whose group count is not a multiple of the fold writes every element',
    async ({ device }) => {
      const low = withLowerLimits(device, { maxComputeWorkgroupsPerDimension: 2 });
      const shape: BatchShape = { layout: 'NCHW', batch: 16, channels: 3, height: 5, width: 12 };
      const n = 180;
      const K = 130; // 33 quads a row: 528 threads, 3 groups, for the labels kernel and soft targets
      const data = randomData('uint8', 16 * n, 3);
      const ids = Int32Array.from({ length: 16 }, (_, i) => (i * 37) % K);
      const soft = Float32Array.from(randomData('float32', 16 * K, 4) as Float32Array, Math.abs);
      const plan: MixPlan = {
        kind: new Uint8Array(16).fill(1),
        lam: Float32Array.from({ length: 16 }, (_, i) => (i + 1) / 17),
        partner: Uint32Array.from({ length: 16 }, (_, i) => (i * 3) % 5),
        box: new Int32Array(64),
      };
      const mixer = createMixer(low, { numClasses: K });
      const images = { buffer: bufferFrom(device, data), shape, dtype: 'uint8' as const };
      const normalize = { mean: [0.5], std: [0.25] };
      for (const labels of [
        { buffer: bufferFrom(device, ids), dtype: 'int32' as const },
        { buffer: bufferFrom(device, soft), dtype: 'float32' as const, shape: [16, K] },
      ]) {
        const r = await mixer.mix({ images, labels }, { plan, normalize });
        const cpu = mixBatchCpu({ data, dtype: 'uint8', shape }, plan, { normalize });
        expectClose('float32', typedFrom('float32', await readBuffer(device, r.images), 16 * n), cpu, 'images');
        const cpuTargets = mixTargetsCpu({ data: labels.dtype === 'int32' ? ids : soft, dtype: labels.dtype }, plan, {
          numClasses: K,
        });
        expectClose('float32', new Float32Array(await readBuffer(device, r.targets!)), cpuTargets, labels.dtype);
        r.images.destroy();
        r.targets!.destroy();
      }
      // Past 2 x 2 groups (1,024 threads) no fold fits: refused before any GPU work.
      const wide: BatchShape = { layout: 'NCHW', batch: 16, channels: 4, height: 5, width: 13 };
      await expect(
        mixer.mix({ images: { buffer: bufferFrom(device, new Uint8Array(16 * 260)), shape: wide, dtype: 'uint8' } }),
      ).rejects.toThrow(
        /^webgpu-mixup: inputs\.images\.shape must be a batch small enough for a 2-D dispatch, got 1040 threads/,
      );
      mixer.destroy();
    },
  );
});

interface LayoutCase {
  name: string;
  maxBindingBytes: number;
  shape: BatchShape;
  inDtype: DType;
  outDtype: DType;
  labels: 'int32' | 'float32' | null;
  numClasses: number;
}

// Bindings of 1024 to 2304 bytes (the alignment is 256), samples of 20 to 720 bytes, batches that
// fit whole, split, or go in chunks; ids with rows of 400 bytes (2 or 3 a window).
const CASES: LayoutCase[] = [];
for (const maxBindingBytes of [1024, 1280, 1300, 2048, 2304]) {
  for (const [inDtype, outDtype] of [
    ['float32', 'float32'],
    ['uint8', 'float32'],
    ['float32', 'uint8'],
    ['uint8', 'uint8'],
  ] as Array<[DType, DType]>) {
    CASES.push({
      name: `${inDtype}->${outDtype} NHWC 11x3x4x5, binding ${maxBindingBytes}`,
      maxBindingBytes,
      shape: { layout: 'NHWC', batch: 11, channels: 3, height: 4, width: 5 },
      inDtype,
      outDtype,
      labels: 'float32',
      numClasses: 45,
    });
    CASES.push({
      name: `${inDtype}->${outDtype} NCHW 13x1x4x9, binding ${maxBindingBytes}`,
      maxBindingBytes,
      shape: { layout: 'NCHW', batch: 13, channels: 1, height: 4, width: 9 },
      inDtype,
      outDtype,
      labels: 'int32',
      numClasses: 100,
    });
  }
}

function sampleBytes(shape: BatchShape, dtype: DType): number {
  const n = shape.layout === 'rows' ? shape.features : shape.channels * shape.height * shape.width;
  return n * DTYPE_BYTES[dtype];
}

/** Each window: within the cap, aligned, and every one of its samples whole inside it. */
function checkWindow(w: Window, bytes: number, cap: number, alignment: number, what: string): void {
  expect(w.size, `${what}: bound size <= binding cap`).toBeLessThanOrEqual(cap);
  expect(w.offset % alignment, `${what}: offset aligned`).toBe(0);
  for (let s = w.base; s < w.base + w.count; s++) {
    expect(s * bytes, `${what}: sample ${s} starts inside`).toBeGreaterThanOrEqual(w.offset);
    expect((s + 1) * bytes, `${what}: sample ${s} ends inside`).toBeLessThanOrEqual(w.offset + w.size);
  }
}

function covered(windows: Window[], batch: number, what: string): void {
  const seen = new Set<number>();
  for (const w of windows) for (let s = w.base; s < w.base + w.count; s++) seen.add(s);
  expect(seen.size, `${what}: every sample is in an output window`).toBe(batch);
}

describe('bound windows', () => {
  gpuTest(
    'every window fits the binding cap and holds its samples whole; the outputs cover the batch',
    async ({ device }) => {
      const modes = new Set<string>();
      let splitOutputs = 0;
      for (const c of CASES) {
        const B = c.shape.batch;
        const mixer = createMixer(device, { numClasses: c.numClasses }, { maxBindingBytes: c.maxBindingBytes });
        const ctx = mixer as unknown as CheckContext;
        const inputs: MixInputs = {
          images: {
            buffer: device.createBuffer({ size: 16_384, usage: GPUBufferUsage.STORAGE }),
            shape: c.shape,
            dtype: c.inDtype,
          },
          labels:
            c.labels === 'float32'
              ? {
                  buffer: device.createBuffer({ size: 16_384, usage: GPUBufferUsage.STORAGE }),
                  dtype: 'float32',
                  shape: [B, c.numClasses],
                }
              : { buffer: device.createBuffer({ size: 16_384, usage: GPUBufferUsage.STORAGE }), dtype: 'int32' },
        };
        const plan = createPlanner({ mode: 'elem', pairing: 'shuffle', seed: B }).plan(B);
        const call = checkCall(ctx, inputs, { plan, outDtype: c.outDtype, checkLabels: false }, 'mix');
        const layout = layoutCall(ctx, call, plan, 0.1);
        const cap = c.maxBindingBytes;
        const a = ctx.alignment;
        const jobs = [
          { job: layout.images, inBytes: sampleBytes(c.shape, c.inDtype), outBytes: sampleBytes(c.shape, c.outDtype) },
          ...(layout.soft ? [{ job: layout.soft, inBytes: c.numClasses * 4, outBytes: c.numClasses * 4 }] : []),
        ];
        for (const { job, inBytes, outBytes } of jobs) {
          const what = `${c.name}, ${job === layout.images ? 'images' : 'soft targets'} (${job.mode})`;
          modes.add(job.mode);
          for (const [i, d] of job.dispatches.entries()) {
            if (job.variant.srcSplit) {
              // An input split in two is bound whole as two ranges; samples may straddle them.
              expect(d.src.size, `${what} #${i}: src <= cap`).toBeLessThanOrEqual(cap);
              expect(d.src2.size, `${what} #${i}: src2 <= cap`).toBeLessThanOrEqual(cap);
              expect(d.src2.offset, `${what} #${i}: src2 follows src`).toBe(d.src.size);
              expect(d.src.size + d.src2.size, `${what} #${i}: the input is bound whole`).toBeGreaterThanOrEqual(
                B * inBytes,
              );
            } else {
              checkWindow(d.src, inBytes, cap, a, `${what} #${i} src`);
              if (d.src2.count > 0) checkWindow(d.src2, inBytes, cap, a, `${what} #${i} src2`);
            }
            if (job.variant.dstSplit) {
              // An output split in two is bound whole as two ranges, dst2 aligned, in one dispatch.
              expect(job.dispatches, `${what}: one dispatch`).toHaveLength(1);
              expect(d.dst.size, `${what} #${i}: dst <= cap`).toBeLessThanOrEqual(cap);
              expect(d.dst2.size, `${what} #${i}: dst2 <= cap`).toBeLessThanOrEqual(cap);
              expect(d.dst2.offset, `${what} #${i}: dst2 follows dst`).toBe(d.dst.size);
              expect(d.dst2.offset % a, `${what} #${i}: dst2 aligned`).toBe(0);
              expect(d.dst.size + d.dst2.size, `${what} #${i}: the output is bound whole`).toBe(
                Math.ceil((B * outBytes) / 4) * 4,
              );
              expect(d.dst.count, `${what} #${i}: writes every sample`).toBe(B);
              splitOutputs++;
            } else checkWindow(d.dst, outBytes, cap, a, `${what} #${i} dst`);
          }
          covered(
            job.dispatches.map((d) => d.dst),
            B,
            what,
          );
        }
        if (layout.ids) {
          const what = `${c.name}, class-id targets`;
          for (const [i, d] of layout.ids.dispatches.entries())
            checkWindow(d.dst, c.numClasses * 4, cap, a, `${what} #${i}`);
          covered(
            layout.ids.dispatches.map((d) => d.dst),
            B,
            what,
          );
          if (B * c.numClasses * 4 > cap) expect(layout.ids.dispatches.length, what).toBeGreaterThan(1);
        }
        mixer.destroy();
      }
      // The cases reach every binding mode, outputs split in two bindings among them.
      expect([...modes].sort()).toEqual(['chunks', 'split', 'whole']);
      expect(splitOutputs).toBeGreaterThan(0);
    },
  );

  gpuTest(
    'GPU runs at small bindings bind no range larger than the cap, and write the reference bytes',
    async ({ device }) => {
      const bound: Array<{ size: number; what: string }> = [];
      const createBindGroup = device.createBindGroup.bind(device);
      device.createBindGroup = (descriptor: GPUBindGroupDescriptor) => {
        for (const entry of descriptor.entries) {
          const r = entry.resource as GPUBufferBinding;
          if (r && typeof r === 'object' && 'buffer' in r)
            bound.push({
              size: r.size ?? r.buffer.size - (r.offset ?? 0),
              what: `${descriptor.label} binding ${entry.binding}`,
            });
        }
        return createBindGroup(descriptor);
      };
      let runs = 0;
      for (const c of CASES.filter((c) => c.maxBindingBytes === 1024)) {
        const B = c.shape.batch;
        const n = sampleBytes(c.shape, 'uint8');
        const data = randomData(c.inDtype, B * n, B + c.maxBindingBytes);
        const ids = Int32Array.from({ length: B }, (_, i) => (i * 7) % c.numClasses);
        const soft = Float32Array.from(randomData('float32', B * c.numClasses, 5) as Float32Array, Math.abs);
        const mixer = createMixer(device, { numClasses: c.numClasses }, { maxBindingBytes: c.maxBindingBytes });
        const plan = createPlanner({ mode: 'elem', pairing: 'shuffle', seed: B }).plan(B);
        const labels =
          c.labels === 'float32'
            ? { buffer: bufferFrom(device, soft), dtype: 'float32' as const, shape: [B, c.numClasses] }
            : { buffer: bufferFrom(device, ids), dtype: 'int32' as const };
        bound.length = 0;
        const r = await mixer.mix(
          { images: { buffer: bufferFrom(device, data), shape: c.shape, dtype: c.inDtype }, labels },
          { plan, outDtype: c.outDtype, checkLabels: false },
        );
        for (const b of bound) expect(b.size, `${c.name}: ${b.what}`).toBeLessThanOrEqual(c.maxBindingBytes);
        expect(bound.length, `${c.name}: bind groups were made`).toBeGreaterThan(0);
        const cpu = mixBatchCpu({ data, dtype: c.inDtype, shape: c.shape }, plan, { outDtype: c.outDtype });
        expectClose(c.outDtype, typedFrom(c.outDtype, await readBuffer(device, r.images), B * n), cpu, c.name);
        const cpuTargets =
          c.labels === 'float32'
            ? mixTargetsCpu({ data: soft, dtype: 'float32' }, plan, mixer.options)
            : mixTargetsCpu({ data: ids, dtype: 'int32' }, plan, mixer.options);
        expectClose('float32', new Float32Array(await readBuffer(device, r.targets!)), cpuTargets, `${c.name} targets`);
        r.images.destroy();
        r.targets!.destroy();
        mixer.destroy();
        runs++;
      }
      expect(runs).toBe(8);
    },
  );

  gpuTest(
    'class-id targets wider than one binding are written in row windows, equal to the CPU reference; a row wider than a binding is refused',
    async ({ device }) => {
      // 13 rows of 100 classes: 5,200 bytes of targets, in windows of 1 row at a 1024-byte binding
      // (768 usable after alignment) or 4 rows at 2048.
      const shape: BatchShape = { layout: 'NCHW', batch: 13, channels: 1, height: 4, width: 9 };
      const data = randomData('float32', 13 * 36, 8);
      const ids = Int32Array.from({ length: 13 }, (_, i) => (i * 41) % 100);
      const plan = createPlanner({ mode: 'elem', pairing: 'shuffle', cutmixAlpha: 1, seed: 12 }).plan(13, {
        height: 4,
        width: 9,
      });
      const inputs: MixInputs = {
        images: { buffer: bufferFrom(device, data), shape, dtype: 'float32' },
        labels: { buffer: bufferFrom(device, ids), dtype: 'int32' },
      };
      const run = async (mixer: Mixer) => {
        const r = await mixer.mix(inputs, { plan });
        const targets = new Float32Array(await readBuffer(device, r.targets!));
        r.images.destroy();
        r.targets!.destroy();
        return targets;
      };
      const cpu = mixTargetsCpu({ data: ids, dtype: 'int32' }, plan, { numClasses: 100 });
      for (const maxBindingBytes of [1024, 2048]) {
        const mixer = createMixer(device, { numClasses: 100 }, { maxBindingBytes });
        expectClose('float32', await run(mixer), cpu, `targets at a ${maxBindingBytes}-byte binding`);
        mixer.destroy();
      }
      // 300 classes: a 1,200-byte row cannot sit in a 1,024-byte binding after its offset alignment.
      const wide = createMixer(device, { numClasses: 300 }, { maxBindingBytes: 1024 });
      await expect(wide.mix(inputs, { plan })).rejects.toThrow(
        /^webgpu-mixup: options\.numClasses must be at most 192 classes \(a target row must fit one binding\), got 300/,
      );
      wide.destroy();
    },
  );
});

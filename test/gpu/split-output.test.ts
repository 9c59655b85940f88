// An output larger than one binding but not two (issue 14, item 5: the headline batch at default
// limits) is bound whole as two bindings of the output buffer, dst + dst2, and mixed in ONE dispatch
// with the walk of one pass. Checked here on a device with the spec's default limits (so the layout
// with dst2 must fit 8 storage buffers per stage), at 1024-byte bindings (maxBindingBytes) so that
// small batches split: every dtype's store (vec4, scalar, the atomic uint8 / float16 stores of
// shared words), every entry point (walk, pairs, singles), ResizeMix's pass and soft targets. Each
// output buffer starts filled with a sentinel, so an element that neither binding wrote shows up.
import { describe, expect } from 'vitest';
import type { CheckContext } from '../../src/gpu/checks.js';
import { checkCall } from '../../src/gpu/checks.js';
import { layoutCall } from '../../src/gpu/layout.js';
import { BatchBindings, ResizeBindings } from '../../src/gpu/layouts.generated.js';
import { createMixer } from '../../src/gpu/mixer.js';
import type { ChunkingInfo, MixInputs } from '../../src/gpu/types.js';
import { createPlanner } from '../../src/plan.js';
import { mixBatchCpu, mixTargetsCpu } from '../../src/reference.js';
import { DTYPE_BYTES } from '../../src/shape.js';
import type { BatchShape, DType, MixPlan } from '../../src/types.js';
import { expectClose, randomData, typedFrom } from '../helpers/data.js';
import { bufferFrom, gpuTest, readBuffer } from '../helpers/gpu.js';

const BINDING = 1024;

interface Case {
  name: string;
  shape: BatchShape;
  inDtype: DType;
  outDtype: DType;
  normalize: boolean;
}

// Output bytes in (1024, 2048]: split in two. Inputs whole (<= 1024) or split as well.
const CASES: Case[] = [
  // 5 x 384 bytes of float32 out (sample 2 straddles the split at 1024), 480 bytes of uint8 in.
  {
    name: 'uint8 -> float32 NCHW vec4, normalised',
    shape: { layout: 'NCHW', batch: 5, channels: 3, height: 4, width: 8 },
    inDtype: 'uint8',
    outDtype: 'float32',
    normalize: true,
  },
  // 7 x 180 bytes in and out (scalar f32): input split too.
  {
    name: 'float32 -> float32 NHWC scalar',
    shape: { layout: 'NHWC', batch: 7, channels: 3, height: 3, width: 5 },
    inDtype: 'float32',
    outDtype: 'float32',
    normalize: false,
  },
  // 25 x 45 bytes: samples start inside words, stored with atomics on shared words.
  {
    name: 'uint8 -> uint8 NCHW scalar (atomic stores)',
    shape: { layout: 'NCHW', batch: 25, channels: 1, height: 5, width: 9 },
    inDtype: 'uint8',
    outDtype: 'uint8',
    normalize: false,
  },
  // 13 x 90 bytes of halves, odd element count: atomic stores of shared words.
  {
    name: 'float16 -> float16 NHWC scalar (atomic stores)',
    shape: { layout: 'NHWC', batch: 13, channels: 3, height: 3, width: 5 },
    inDtype: 'float16',
    outDtype: 'float16',
    normalize: false,
  },
  // 7 x 192 bytes of float16 out (vec4: a quad is a vec2<u32>), 672 of uint8 in.
  {
    name: 'uint8 -> float16 NCHW vec4, normalised',
    shape: { layout: 'NCHW', batch: 7, channels: 3, height: 4, width: 8 },
    inDtype: 'uint8',
    outDtype: 'float16',
    normalize: true,
  },
];

const sampleElems = (s: BatchShape) => (s.layout === 'rows' ? s.features : s.channels * s.height * s.width);
const NORMALIZE = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

/** The plans of one case: a shuffle, flip (pairs), repeated partners (singles), ResizeMix. */
function plans(c: Case): Array<{ what: string; plan: MixPlan }> {
  const B = c.shape.batch;
  const size = c.shape.layout === 'rows' ? undefined : { height: c.shape.height, width: c.shape.width };
  const base = { mixupAlpha: 1, cutmixAlpha: 1, mode: 'elem' as const, seed: B };
  const repeats = createPlanner({ ...base, mixupAlpha: 1, cutmixAlpha: 0 }).plan(B, size);
  repeats.partner = Uint32Array.from({ length: B }, (_, i) => (i * 3 + 1) % Math.max(1, B - 2));
  return [
    { what: 'shuffle', plan: createPlanner({ ...base, pairing: 'shuffle' }).plan(B, size) },
    { what: 'flip', plan: createPlanner({ ...base, pairing: 'flip' }).plan(B, size) },
    { what: 'repeated partners', plan: repeats },
    {
      what: 'ResizeMix',
      plan: createPlanner({ ...base, mixupAlpha: 0, cutmixAlpha: 0, resizemixAlpha: 1, pairing: 'shuffle' }).plan(
        B,
        size,
      ),
    },
  ];
}

/** A buffer of `bytes` (rounded up to words) filled with 0xa5: no mixed value has that pattern. */
function sentinel(device: GPUDevice, bytes: number): GPUBuffer {
  return bufferFrom(device, new Uint8Array(Math.ceil(bytes / 4) * 4).fill(0xa5));
}

describe('an output of one to two bindings is bound whole as two and mixed in one dispatch', () => {
  gpuTest(
    'every dtype, entry point and ResizeMix: the bytes of one pass and of the CPU reference, both bindings written',
    async ({ device, buffers }) => {
      // The spec's defaults: the split-output layout is within 8 storage buffers per stage.
      expect(device.limits.maxStorageBuffersPerShaderStage).toBe(8);
      const before = buffers.live();
      // Batch bind groups made, with the binding numbers and sizes they bind.
      const groups: Array<{ label: string; bindings: Map<number, GPUBufferBinding> }> = [];
      const createBindGroup = device.createBindGroup.bind(device);
      device.createBindGroup = (descriptor: GPUBindGroupDescriptor) => {
        const bindings = new Map<number, GPUBufferBinding>();
        for (const e of descriptor.entries) bindings.set(e.binding, e.resource as GPUBufferBinding);
        groups.push({ label: descriptor.label ?? '', bindings });
        return createBindGroup(descriptor);
      };
      let runs = 0;
      const entries = new Set<string>();
      for (const c of CASES) {
        const B = c.shape.batch;
        const n = sampleElems(c.shape);
        const outBytes = B * n * DTYPE_BYTES[c.outDtype];
        expect(outBytes, c.name).toBeGreaterThan(BINDING);
        expect(outBytes, c.name).toBeLessThanOrEqual(2 * BINDING);
        const data = randomData(c.inDtype, B * n, B * 7 + n);
        const input = bufferFrom(device, data);
        const normalize = c.normalize ? NORMALIZE : undefined;
        const reports: ChunkingInfo[] = [];
        const split = createMixer(device, {}, { maxBindingBytes: BINDING, onChunked: (i) => reports.push(i) });
        const whole = createMixer(device, {});
        for (const { what, plan } of plans(c)) {
          const name = `${c.name}, ${what}`;
          const inputs: MixInputs = { images: { buffer: input, shape: c.shape, dtype: c.inDtype } };
          const options = { plan, normalize, outDtype: c.outDtype };
          // The layout: one dispatch, the walk of one pass, dst2 after an aligned dst.
          const ctx = split as unknown as CheckContext;
          const layout = layoutCall(ctx, checkCall(ctx, inputs, options, 'mix'), plan, 0.1);
          const job = layout.images;
          expect([job.mode, job.variant.dstSplit, job.dispatches.length], name).toEqual(['split', true, 1]);
          entries.add(job.entry);
          const d = job.dispatches[0];
          expect(d.dst.size + d.dst2.size, `${name}: dst + dst2 cover the output`).toBe(Math.ceil(outBytes / 4) * 4);
          expect([d.dst.offset, d.dst2.offset % ctx.alignment], name).toEqual([0, 0]);
          expect(d.dst2.offset, name).toBe(d.dst.size);
          const wholeLayout = layoutCall(
            whole as unknown as CheckContext,
            checkCall(whole as unknown as CheckContext, inputs, options, 'mix'),
            plan,
            0.1,
          );
          expect(job.walk.count, `${name}: segments of one pass`).toBe(wholeLayout.images.walk.count);
          expect(job.entry, `${name}: the entry point of one pass`).toBe(wholeLayout.images.entry);

          const outA = sentinel(device, outBytes);
          const outB = sentinel(device, outBytes);
          groups.length = 0;
          const a = await split.mix(inputs, { ...options, outputs: { images: outA } });
          const batchGroups = groups.filter((g) => g.label === 'mixup batch');
          expect(batchGroups, `${name}: one batch bind group`).toHaveLength(1);
          const dst2 = batchGroups[0].bindings.get(BatchBindings.dst2.binding);
          expect(dst2?.buffer, `${name}: dst2 binds the output`).toBe(outA);
          expect(dst2?.size, `${name}: dst2 within the cap`).toBeLessThanOrEqual(BINDING);
          expect(batchGroups[0].bindings.get(BatchBindings.dst.binding)?.size, name).toBeLessThanOrEqual(BINDING);
          if (what === 'ResizeMix') {
            const resize = groups.filter((g) => g.label === 'mixup resize');
            expect(resize.length, `${name}: a resize pass ran`).toBe(1);
            expect(resize[0].bindings.get(ResizeBindings.dst2.binding)?.buffer, `${name}: resize binds dst2`).toBe(
              outA,
            );
          }
          await whole.mix(inputs, { ...options, outputs: { images: outB } });
          const gotSplit = new Uint8Array(await readBuffer(device, outA));
          const gotWhole = new Uint8Array(await readBuffer(device, outB));
          expect(gotSplit, `${name}: same bytes as one pass`).toEqual(gotWhole);
          const cpu = mixBatchCpu({ data, dtype: c.inDtype, shape: c.shape }, plan, {
            normalize,
            outDtype: c.outDtype,
          });
          expectClose(c.outDtype, typedFrom(c.outDtype, gotSplit.buffer, B * n), cpu, name);
          // The sample that straddles the split, and a word on each side of it: written, and right.
          const cpuBytes = new Uint8Array(cpu.buffer, cpu.byteOffset, cpu.byteLength);
          const at = d.dst2.offset;
          const straddler = Math.floor(at / (n * DTYPE_BYTES[c.outDtype]));
          for (const k of [0, at - 4, at, outBytes - 4])
            expect(
              Array.from(gotSplit.subarray(k, k + 4)),
              `${name}: bytes at ${k} (sample ${straddler} straddles ${at})`,
            ).toEqual(Array.from(cpuBytes.subarray(k, k + 4)));
          a.images.destroy();
          outB.destroy();
          runs++;
        }
        // Reported once, truthfully: split, one dispatch, the output as two bindings.
        expect(reports, c.name).toHaveLength(1);
        expect(reports[0]).toMatchObject({ mode: 'split', dispatches: 1, bindingLimit: BINDING });
        expect(reports[0].message).toMatch(/the output bound whole as two bindings, in one dispatch/);
        split.destroy();
        whole.destroy();
        input.destroy();
      }
      expect(runs).toBe(CASES.length * 4);
      expect([...entries].sort()).toEqual(['main_pairs', 'main_singles', 'main_walk']);
      expect(buffers.live(), 'every buffer destroyed').toBe(before);
    },
    { limits: {} },
  );

  gpuTest(
    'soft targets of one to two bindings, with class-id-free rows: one dispatch, the reference bytes',
    async ({ device }) => {
      // [9, 45] float32 rows: 1620 bytes, split at 1024 (row 5 straddles it); images whole.
      const B = 9;
      const K = 45;
      const shape: BatchShape = { layout: 'rows', batch: B, features: 4 };
      const images = bufferFrom(device, randomData('float32', B * 4, 1));
      const soft = Float32Array.from(randomData('float32', B * K, 2) as Float32Array, (v) => Math.abs(v) / 8);
      const labels = bufferFrom(device, soft);
      const reports: ChunkingInfo[] = [];
      const mixer = createMixer(
        device,
        { numClasses: K },
        { maxBindingBytes: BINDING, onChunked: (i) => reports.push(i) },
      );
      const plan = createPlanner({ mixupAlpha: 1, mode: 'elem', pairing: 'shuffle', seed: 4 }).plan(B);
      const targets = sentinel(device, B * K * 4);
      const r = await mixer.mix(
        {
          images: { buffer: images, shape, dtype: 'float32' },
          labels: { buffer: labels, dtype: 'float32', shape: [B, K] },
        },
        { plan, outputs: { targets } },
      );
      const cpu = mixTargetsCpu({ data: soft, dtype: 'float32' }, plan, { numClasses: K });
      expectClose('float32', new Float32Array(await readBuffer(device, targets)), cpu, 'soft targets');
      expect(reports.map((i) => [i.argument, i.mode, i.dispatches])).toEqual([['inputs.labels', 'split', 1]]);
      r.images.destroy();
      targets.destroy();
      mixer.destroy();
    },
    { limits: {} },
  );
});

// Every kernel variant compiled and dispatched on Dawn's null backend, which runs the full WGSL
// front end (parsing, type checking, uniformity) and WebGPU validation (pipelines against the
// mixer's bind group layouts, bind groups, dispatches), though it computes nothing. So this pins
// that every variant compiles and binds, on a device that has shader-f16 as well (float16 does not
// use it: test/gpu/float16.test.ts checks its values on SwiftShader, which lacks it).
import { create, globals } from 'webgpu';
import { describe, expect, it } from 'vitest';
import { createMixer } from '../../src/gpu/mixer.js';
import type { BatchShape, DType, MixPlan } from '../../src/types.js';

Object.assign(globalThis, globals);
// Dawn's rule (README, Node): the GPU object must stay referenced while its devices are used.
const nullGpu = create(['backend=null']);
(globalThis as { nullGpu?: unknown }).nullGpu = nullGpu;

function plan(partner: number[], kinds: number[]): MixPlan {
  const B = partner.length;
  const box = new Int32Array(4 * B);
  kinds.forEach((k, i) => {
    if (k === 2 || k === 3) box.set([1, 3, 0, 4], 4 * i);
  });
  return { kind: Uint8Array.from(kinds), lam: new Float32Array(B).fill(0.25), partner: Uint32Array.from(partner), box };
}

const PLANS: Record<string, MixPlan> = {
  'flip (pairs)': plan([3, 2, 1, 0], [1, 2, 1, 2]),
  'roll (walk)': plan([3, 0, 1, 2], [1, 1, 2, 0]),
  'repeats (singles)': plan([0, 0, 1, 1], [1, 2, 2, 1]),
  'mixup only': plan([3, 2, 1, 0], [1, 1, 1, 1]),
  'ResizeMix bilinear (resize pass)': plan([1, 0, 3, 2], [3, 1, 3, 2]),
  'ResizeMix nearest (resize pass)': { ...plan([0, 0, 1, 1], [3, 2, 3, 1]), resize: 'nearest' },
};

describe('every kernel variant compiles and validates (Dawn null backend, shader-f16 on)', () => {
  it('batch kernels: dtypes x layouts x vec4/scalar x normalise x in place x chunked x plans, and labels', async () => {
    const adapter = await nullGpu.requestAdapter();
    expect(adapter, 'null-backend adapter').toBeTruthy();
    expect(adapter!.features.has('shader-f16')).toBe(true);
    const device = await adapter!.requestDevice({ requiredFeatures: ['shader-f16'] });
    device.pushErrorScope('validation');
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const dtypes: DType[] = ['float32', 'float16', 'uint8'];
    let calls = 0;
    for (const settings of [{}, { maxBindingBytes: 1024 }]) {
      const mixer = createMixer(device, { numClasses: 6 }, settings);
      for (const shape of [
        { layout: 'NCHW', batch: 4, channels: 3, height: 4, width: 8 },
        { layout: 'NHWC', batch: 4, channels: 3, height: 4, width: 8 },
        { layout: 'NCHW', batch: 4, channels: 3, height: 5, width: 7 },
        { layout: 'rows', batch: 4, features: 44 },
        { layout: 'rows', batch: 4, features: 43 },
        // At 1024-byte bindings these outputs are split in two bindings (dst + dst2) for the dtypes
        // whose output is 1025 to 2048 bytes: uint8 (vec4 and the atomic scalar store), float16
        // (vec4 and atomic scalar), and float32 above (1536 bytes of 96 elements); the rest windows or chunks.
        { layout: 'NCHW', batch: 4, channels: 3, height: 10, width: 10 },
        { layout: 'NHWC', batch: 4, channels: 3, height: 9, width: 11 },
        { layout: 'rows', batch: 4, features: 160 },
        { layout: 'rows', batch: 4, features: 161 },
      ] as BatchShape[]) {
        const n = shape.layout === 'rows' ? shape.features : shape.channels * shape.height * shape.width;
        const images = device.createBuffer({ size: 4 * n * 4, usage });
        const ids = device.createBuffer({ size: 16, usage });
        const soft = device.createBuffer({ size: 4 * 6 * 4, usage });
        for (const [name, p] of Object.entries(PLANS)) {
          if (shape.layout === 'rows' && (p.kind.includes(2) || p.kind.includes(3))) continue;
          for (const inDtype of dtypes) {
            for (const outDtype of dtypes) {
              // A sample must fit one binding less its alignment (768 bytes at 1024) once a batch is over one.
              const bytes = { float32: 4, float16: 2, uint8: 1 };
              if (settings.maxBindingBytes && n * Math.max(bytes[inDtype], bytes[outDtype]) > 768) continue;
              const normalize = inDtype === 'uint8' && outDtype !== 'uint8' ? { mean: [0.5], std: [0.25] } : null;
              for (const inPlace of inDtype === outDtype &&
              settings.maxBindingBytes === undefined &&
              name !== 'repeats (singles)' &&
              !p.kind.includes(3)
                ? [false, true]
                : [false]) {
                for (const labels of [
                  { buffer: ids, dtype: 'int32' as const },
                  { buffer: soft, dtype: 'float32' as const, shape: [4, 6] },
                ]) {
                  // checkLabels: false: the null backend computes nothing, so a first-call id count reads garbage.
                  const result = await mixer.mix(
                    { images: { buffer: images, shape, dtype: inDtype }, labels },
                    { plan: p, outDtype, normalize, inPlace, checkLabels: false },
                  );
                  if (!inPlace) result.images.destroy();
                  result.targets?.destroy();
                  calls++;
                }
              }
            }
          }
        }
        images.destroy();
        ids.destroy();
        soft.destroy();
      }
      mixer.destroy();
    }
    const error = await device.popErrorScope();
    expect(error?.message ?? null).toBeNull();
    expect(calls).toBeGreaterThan(300);
    device.destroy();
  }, 120_000);
});

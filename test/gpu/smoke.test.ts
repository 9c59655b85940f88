import { describe, expect, it } from 'vitest';
import { expectClose } from '../helpers/data.js';
import type { GpuContext } from '../helpers/gpu.js';
import { bufferFrom, gpuTest, readBuffer, requestTestAdapter, withDevice } from '../helpers/gpu.js';

describe('WebGPU harness', () => {
  gpuTest(
    'finds an adapter, logs which, and its device has the limits the kernels need',
    async ({ adapter, device }) => {
      const info = adapter.info;
      // Printed so CI logs show which adapter ran the GPU tests.
      console.log(
        `[webgpu] adapter: vendor=${info.vendor} architecture=${info.architecture} description=${info.description} fallback=${(adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? info.isFallbackAdapter}`,
      );
      expect(adapter).toBeTruthy();
      expect(device.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 1024 * 1024);
      expect(device.limits.maxComputeInvocationsPerWorkgroup).toBeGreaterThanOrEqual(256);
    },
  );

  gpuTest('runs a WGSL kernel and reads back its output', async ({ device }) => {
    const module = device.createShaderModule({
      code: /* wgsl */ `
        @group(0) @binding(0) var<storage, read> src: array<f32>;
        @group(0) @binding(1) var<storage, read_write> dst: array<f32>;
        @compute @workgroup_size(64) fn main(@builtin(global_invocation_id) id: vec3u) {
          if (id.x < arrayLength(&dst)) { dst[id.x] = src[id.x] * 2.0 + f32(id.x); }
        }`,
    });
    const pipeline = await device.createComputePipelineAsync({
      layout: 'auto',
      compute: { module, entryPoint: 'main' },
    });
    const n = 1000;
    const input = Float32Array.from({ length: n }, (_, i) => i * 0.5 - 7);
    const src = bufferFrom(device, input);
    const dst = device.createBuffer({ size: n * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    const bindGroup = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: src } },
        { binding: 1, resource: { buffer: dst } },
      ],
    });
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(Math.ceil(n / 64));
    pass.end();
    device.queue.submit([encoder.finish()]);
    const out = new Float32Array(await readBuffer(device, dst));
    expect(Array.from(out)).toEqual(Array.from(input, (v, i) => v * 2 + i));
  });

  gpuTest(
    'a nested error scope sees a deliberate validation error (errors are reported, not lost)',
    async ({ device }) => {
      device.pushErrorScope('validation');
      device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.STORAGE });
      const error = await device.popErrorScope();
      expect(error).toBeInstanceOf(GPUValidationError);
    },
  );

  gpuTest('tracks every buffer the test creates', async ({ device, buffers }) => {
    const before = buffers.live();
    const a = device.createBuffer({ size: 64, usage: GPUBufferUsage.STORAGE });
    device.createBuffer({ size: 64, usage: GPUBufferUsage.STORAGE });
    expect(buffers.live()).toBe(before + 2);
    a.destroy();
    expect(buffers.live()).toBe(before + 1);
    expect(buffers.created - buffers.destroyed).toBe(buffers.live());
  });
});

describe('the gpuTest wrapper fails on GPU errors', () => {
  // withDevice is what every gpuTest runs: a body that passes its own assertions but causes a GPU
  // error must still fail. An invalid bind group (binding 1 does not exist in the layout) is a
  // validation error that throws nothing in JavaScript.
  const invalidBindGroup = async ({ device }: GpuContext) => {
    const layout = device.createBindGroupLayout({
      entries: [{ binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'storage' } }],
    });
    const buffer = device.createBuffer({ size: 16, usage: GPUBufferUsage.STORAGE });
    device.createBindGroup({ layout, entries: [{ binding: 1, resource: { buffer } }] });
  };

  it('a body that makes an invalid bind group rejects with the validation error', async () => {
    await expect(withDevice(invalidBindGroup)).rejects.toThrow(/^GPU errors during the test:\nvalidation: /);
  });

  it('a body whose GPU error is outside every scope (uncaptured) rejects too', async () => {
    await expect(
      withDevice(async (ctx) => {
        // Pops the helper's own scopes first, so the error reaches the device's uncaptured-error event.
        for (let i = 0; i < 3; i++) await ctx.device.popErrorScope();
        await invalidBindGroup(ctx);
        await ctx.device.queue.onSubmittedWorkDone();
        for (const scope of ['internal', 'out-of-memory', 'validation'] as const) ctx.device.pushErrorScope(scope);
      }),
    ).rejects.toThrow(/^GPU errors during the test:\nuncaptured: /);
  });

  it("the body's own failure is reported ahead of the GPU error", async () => {
    await expect(
      withDevice(async (ctx) => {
        await invalidBindGroup(ctx);
        throw new Error('the body failed');
      }),
    ).rejects.toThrow(/^the body failed$/);
  });

  it('a body with no GPU error resolves', async () => {
    await expect(withDevice(async ({ device }) => void device.createBuffer({ size: 16, usage: 128 }))).resolves.toBe(
      undefined,
    );
  });
});

describe('adapter request', () => {
  // The helper throws, never skips, when WebGPU exists but gives no adapter (requestTestAdapter's
  // message); here it must resolve one.
  gpuTest('requestTestAdapter resolves an adapter', async () => {
    await expect(requestTestAdapter()).resolves.toBeTruthy();
  });
});

describe('the GPU-vs-CPU comparison (expectClose)', () => {
  const next = (v: number) => {
    const bits = new Uint32Array(new Float32Array([v]).buffer);
    bits[0] += 1;
    return new Float32Array(bits.buffer)[0];
  };
  it('float32 is bit-exact by default: one unit in the last place apart fails', () => {
    const cpu = Float32Array.from([0.02, 1, -3.5]);
    expectClose('float32', Float32Array.from(cpu), cpu, 'equal', 'exact');
    expectClose('float32', Float32Array.from([Number.NaN]), Float32Array.from([Number.NaN]), 'NaN', 'exact');
    const gpu = Float32Array.from([cpu[0], next(1), cpu[2]]);
    expect(() => expectClose('float32', gpu, cpu, 'one ulp', 'exact')).toThrow(
      /one ulp\[1\]: gpu .* \(float32, exact\)/,
    );
    expect(() =>
      expectClose('float32', Float32Array.from([0, 0, 0]), Float32Array.from([-0, 0, 0]), 'sign', 'exact'),
    ).toThrow();
  });
  it("MIXUP_TEST_TOLERANCE=fma ('fma' mode) allows 1e-6 relative for float32 and nothing for uint8", () => {
    const cpu = Float32Array.from([0.02, 1, -3.5]);
    expectClose('float32', Float32Array.from([0.02, next(1), -3.5]), cpu, 'one ulp', 'fma');
    expect(() => expectClose('float32', Float32Array.from([0.02, 1 + 2e-6, -3.5]), cpu, 'two ppm', 'fma')).toThrow();
    expect(() => expectClose('uint8', Uint8Array.from([1]), Uint8Array.from([2]), 'uint8', 'fma')).toThrow();
  });
});

import { describe, expect } from 'vitest';
import { bufferFrom, gpuTest, readBuffer, requestTestAdapter } from '../helpers/gpu.js';

describe('WebGPU harness', () => {
  gpuTest('finds a real adapter and reports it', async ({ adapter, device }) => {
    const info = adapter.info;
    // Printed so CI logs show which adapter ran the GPU tests.
    console.log(
      `[webgpu] adapter: vendor=${info.vendor} architecture=${info.architecture} description=${info.description} fallback=${(adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? info.isFallbackAdapter}`,
    );
    expect(adapter).toBeTruthy();
    expect(device.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 1024 * 1024);
    expect(device.limits.maxComputeInvocationsPerWorkgroup).toBeGreaterThanOrEqual(256);
  });

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

  gpuTest('fails the test on a GPU validation error (the error scope works)', async ({ device }) => {
    // A nested scope catches a deliberate error, proving that errors are observed, not lost.
    device.pushErrorScope('validation');
    device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.STORAGE });
    const error = await device.popErrorScope();
    expect(error).toBeInstanceOf(GPUValidationError);
  });

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

describe('adapter request', () => {
  // Not a gpuTest: this documents that the helper throws rather than skipping when WebGPU exists but fails.
  gpuTest('requestTestAdapter resolves an adapter (no adapter fails, never skips)', async () => {
    await expect(requestTestAdapter()).resolves.toBeTruthy();
  });
});

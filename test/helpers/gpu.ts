/**
 * The GPU test helper, in the style of webgpu-utils' testWithDevice:
 * - a fresh device per test, asking for the adapter's limits and optional features;
 * - validation, out-of-memory and internal error scopes around the test body, and an
 *   uncaptured-error listener: any GPU error fails the test;
 * - tracking of every buffer created on the device: counts for leak tests, and whatever
 *   the test left alive is destroyed afterwards;
 * - no adapter is a failure, never a silent pass.
 */
import { it } from 'vitest';

export interface BufferTracker {
  /** Buffers created on this device so far. */
  readonly created: number;
  /** Buffers destroyed so far. */
  readonly destroyed: number;
  /** Buffers created and not yet destroyed; with `labelPrefix`, only those whose label starts with it. */
  live(labelPrefix?: string): number;
}

export interface GpuContext {
  adapter: GPUAdapter;
  device: GPUDevice;
  buffers: BufferTracker;
}

export interface GpuTestOptions {
  timeout?: number;
  /** Limits to request instead of the adapter's (e.g. small ones to force chunking). */
  limits?: Record<string, number>;
}

const isNode = (globalThis as { __MIXUP_NODE_GPU__?: boolean }).__MIXUP_NODE_GPU__ === true;

export async function requestTestAdapter(): Promise<GPUAdapter> {
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (!gpu)
    throw new Error(
      'WebGPU is unavailable: navigator.gpu is missing (is --enable-unsafe-webgpu set, is the page a secure context?)',
    );
  // Dawn in Node picks SwiftShader only when asked for the fallback adapter (ENVIRONMENT.md).
  const adapter = await gpu.requestAdapter(
    isNode ? { forceFallbackAdapter: true } : { powerPreference: 'high-performance' },
  );
  if (!adapter) throw new Error('WebGPU adapter request returned null: no GPU and no software fallback available');
  return adapter;
}

/** Every numeric limit of the adapter, so tests run with what the hardware allows. */
export function adapterLimits(adapter: GPUAdapter): Record<string, number> {
  const limits: Record<string, number> = {};
  for (const key in adapter.limits) {
    const value = (adapter.limits as unknown as Record<string, unknown>)[key];
    if (typeof value === 'number') limits[key] = value;
  }
  return limits;
}

export async function createTestDevice(adapter: GPUAdapter, limits?: Record<string, number>): Promise<GPUDevice> {
  const wanted: GPUFeatureName[] = ['shader-f16', 'timestamp-query'];
  const requiredFeatures = wanted.filter((f) => adapter.features.has(f));
  return adapter.requestDevice({ requiredFeatures, requiredLimits: limits ?? adapterLimits(adapter) });
}

/** Wraps `device.createBuffer` and `GPUBuffer.destroy` to count live buffers. */
function trackBuffers(device: GPUDevice): { tracker: BufferTracker; alive: Set<GPUBuffer> } {
  const alive = new Set<GPUBuffer>();
  let created = 0;
  let destroyed = 0;
  const createBuffer = device.createBuffer.bind(device);
  device.createBuffer = (descriptor: GPUBufferDescriptor) => {
    const buffer = createBuffer(descriptor);
    created++;
    alive.add(buffer);
    const destroy = buffer.destroy.bind(buffer);
    buffer.destroy = () => {
      if (alive.delete(buffer)) destroyed++;
      destroy();
    };
    return buffer;
  };
  return {
    alive,
    tracker: {
      get created() {
        return created;
      },
      get destroyed() {
        return destroyed;
      },
      live: (labelPrefix?: string) =>
        labelPrefix === undefined ? alive.size : [...alive].filter((b) => b.label.startsWith(labelPrefix)).length,
    },
  };
}

/**
 * Runs `body` inside validation, out-of-memory and internal error scopes of `device`, with an
 * uncaptured-error listener; throws if any GPU error happened (after the body's own failure, if any).
 */
export async function withErrorScopes(device: GPUDevice, body: () => Promise<void>): Promise<void> {
  const uncaptured: string[] = [];
  const listener = (event: Event) => uncaptured.push((event as GPUUncapturedErrorEvent).error.message);
  device.addEventListener('uncapturederror', listener);
  device.pushErrorScope('internal');
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  let failure: unknown = null;
  try {
    await body();
  } catch (error) {
    failure = error;
  }
  const errors: string[] = [];
  for (const scope of ['validation', 'out-of-memory', 'internal']) {
    const error = await device.popErrorScope();
    if (error) errors.push(`${scope}: ${error.message}`);
  }
  await device.queue.onSubmittedWorkDone();
  device.removeEventListener('uncapturederror', listener);
  if (failure) throw failure;
  errors.push(...uncaptured.map((m) => `uncaptured: ${m}`));
  if (errors.length) throw new Error(`GPU errors during the test:\n${errors.join('\n')}`);
}

/** Runs `body` with a fresh device inside error scopes; fails on any GPU error; destroys what the test left. */
export async function withDevice(
  body: (ctx: GpuContext) => Promise<void>,
  limits?: Record<string, number>,
): Promise<void> {
  const adapter = await requestTestAdapter();
  const device = await createTestDevice(adapter, limits);
  const { tracker, alive } = trackBuffers(device);
  try {
    await withErrorScopes(device, () => body({ adapter, device, buffers: tracker }));
  } finally {
    for (const buffer of [...alive]) buffer.destroy();
    device.destroy();
  }
}

/** A vitest test that gets a fresh device; see {@link withDevice}. */
export function gpuTest(name: string, body: (ctx: GpuContext) => Promise<void>, options: GpuTestOptions = {}): void {
  it(name, () => withDevice(body, options.limits), options.timeout ?? 120_000);
}

/**
 * `device` as the package sees it, with some limits reported lower than the device's: the rules
 * that depend on a limit (the 2-D dispatch fold, the largest buffer) can be exercised at sizes a
 * test can afford, since WebGPU never grants a device limits below the defaults. Every method runs
 * on the real device, so the GPU work is real and validated as usual.
 */
export function withLowerLimits(device: GPUDevice, lower: Record<string, number>): GPUDevice {
  const limits: Record<string, number> = {};
  for (const key in device.limits) limits[key] = (device.limits as unknown as Record<string, number>)[key];
  for (const [key, value] of Object.entries(lower)) {
    if (!(key in limits) || value > limits[key]) throw new Error(`withLowerLimits: ${key} ${value} is not lower`);
    limits[key] = value;
  }
  return new Proxy(device, {
    get(target, prop) {
      if (prop === 'limits') return limits;
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Creates a buffer holding `data`, usable as storage and copy source and destination. */
export function bufferFrom(
  device: GPUDevice,
  data: ArrayBufferView,
  usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
): GPUBuffer {
  const size = Math.max(4, Math.ceil(data.byteLength / 4) * 4);
  const buffer = device.createBuffer({ size, usage, mappedAtCreation: true });
  new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  buffer.unmap();
  return buffer;
}

/** Reads `size` bytes of `buffer` (which needs COPY_SRC) back to the CPU. */
export async function readBuffer(
  device: GPUDevice,
  buffer: GPUBuffer,
  size = buffer.size,
  offset = 0,
): Promise<ArrayBuffer> {
  const padded = Math.ceil(size / 4) * 4;
  const staging = device.createBuffer({ size: padded, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(buffer, offset, staging, 0, padded);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const copy = staging.getMappedRange().slice(0, size);
  staging.unmap();
  staging.destroy();
  return copy;
}

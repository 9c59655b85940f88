/** Small GPU helpers for the benchmark: buffers, readback, a timestamp timer, statistics. */

export interface Stats {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function stats(samples: readonly number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const m = s.length >> 1;
  const median = s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  return { median, min: s[0], max: s[s.length - 1], n: s.length };
}

export const now = (): number => performance.now();

export const STORAGE_USAGE = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

/** A buffer holding `data` (padded to 4 bytes). */
export function bufferFrom(device: GPUDevice, data: ArrayBufferView, label: string): GPUBuffer {
  const size = Math.max(4, Math.ceil(data.byteLength / 4) * 4);
  const buffer = device.createBuffer({ label, size, usage: STORAGE_USAGE(), mappedAtCreation: true });
  new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  buffer.unmap();
  return buffer;
}

export function emptyBuffer(device: GPUDevice, bytes: number, label: string): GPUBuffer {
  return device.createBuffer({ label, size: Math.max(4, Math.ceil(bytes / 4) * 4), usage: STORAGE_USAGE() });
}

/** Reads `bytes` of `buffer` back to the host. */
export async function readBuffer(device: GPUDevice, buffer: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
  const padded = Math.ceil(bytes / 4) * 4;
  const staging = device.createBuffer({ size: padded, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(buffer, 0, staging, 0, padded);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const copy = staging.getMappedRange().slice(0, bytes);
  staging.unmap();
  staging.destroy();
  return copy;
}

/**
 * GPU time of whatever is recorded between `begin` and `end`, from two timestamps written by empty
 * compute passes around it. Bracketing (rather than timestampWrites on the measured pass) works the
 * same for copies, our mixer's own pass (which takes no timestampWrites) and the naive kernel.
 */
export class GpuTimer {
  readonly enabled: boolean;
  private readonly querySet: GPUQuerySet | null = null;
  private readonly resolve: GPUBuffer | null = null;
  private readonly readback: GPUBuffer | null = null;

  constructor(device: GPUDevice) {
    this.enabled = device.features.has('timestamp-query');
    if (!this.enabled) return;
    this.querySet = device.createQuerySet({ type: 'timestamp', count: 2 });
    this.resolve = device.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    this.readback = device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  }

  begin(encoder: GPUCommandEncoder): void {
    if (!this.querySet) return;
    encoder
      .beginComputePass({
        label: 'bench t0',
        timestampWrites: { querySet: this.querySet, beginningOfPassWriteIndex: 0 },
      })
      .end();
  }

  end(encoder: GPUCommandEncoder): void {
    if (!this.querySet || !this.resolve || !this.readback) return;
    encoder
      .beginComputePass({ label: 'bench t1', timestampWrites: { querySet: this.querySet, endOfPassWriteIndex: 1 } })
      .end();
    encoder.resolveQuerySet(this.querySet, 0, 2, this.resolve, 0);
    encoder.copyBufferToBuffer(this.resolve, 0, this.readback, 0, 16);
  }

  /** Milliseconds between the two timestamps of the last submitted bracket, or null without timestamps. */
  async read(): Promise<number | null> {
    if (!this.readback) return null;
    await this.readback.mapAsync(GPUMapMode.READ);
    const [t0, t1] = new BigUint64Array(this.readback.getMappedRange().slice(0, 16));
    this.readback.unmap();
    return t1 >= t0 ? Number(t1 - t0) / 1e6 : null;
  }

  destroy(): void {
    this.querySet?.destroy();
    this.resolve?.destroy();
    this.readback?.destroy();
  }
}

export interface AllocationCounter {
  buffers: number;
  bindGroups: number;
}

/** Wraps the device's createBuffer / createBindGroup to count calls (allocations per mix call). */
export function countAllocations(device: GPUDevice): AllocationCounter {
  const counter: AllocationCounter = { buffers: 0, bindGroups: 0 };
  const createBuffer = device.createBuffer.bind(device);
  const createBindGroup = device.createBindGroup.bind(device);
  device.createBuffer = (descriptor: GPUBufferDescriptor) => {
    counter.buffers++;
    return createBuffer(descriptor);
  };
  device.createBindGroup = (descriptor: GPUBindGroupDescriptor) => {
    counter.bindGroups++;
    return createBindGroup(descriptor);
  };
  return counter;
}

/** Deterministic pseudo-random fill (xorshift32), so every column and run sees the same data. */
export function fillRandom(data: Uint8Array | Float32Array | Int32Array, seed: number, max: number): void {
  let s = seed >>> 0 || 1;
  for (let i = 0; i < data.length; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    if (data instanceof Float32Array) data[i] = (s / 0x100000000) * 2 - 1;
    else data[i] = s % max;
  }
}

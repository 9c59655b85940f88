/**
 * Executes a plan on the demo's batch: on the page's GPUDevice through createMixer, or with the CPU
 * reference where WebGPU is unavailable. The GPU path also runs the CPU reference on the same plan
 * and reports the difference, which for uint8 output must be zero.
 */
import { createMixer, mixBatchCpu, mixTargetsCpu } from '../src/index';
import type { BatchShape, MixPlan, Mixer } from '../src/index';
import { CLASS_NAMES, TILE } from './samples';
import type { Sample } from './samples';

export type ImageLayout = 'NHWC' | 'NCHW';

export const NUM_CLASSES = CLASS_NAMES.length;
export const LABEL_SMOOTHING = 0.1;
const SAMPLE_BYTES = TILE * TILE * 3;

export interface MixedBatch {
  /** One HWC RGB image per sample, whatever the layout the batch was mixed in. */
  tiles: Uint8Array[];
  /** Mixed, smoothed targets [B, K]. */
  targets: Float32Array;
  /** Wall time of the mix call and the read-back, ms. */
  ms: number;
  /** GPU only: largest difference from the CPU reference (pixels, targets). */
  check: { pixels: number; targets: number } | null;
}

export interface Engine {
  readonly backend: 'webgpu' | 'cpu';
  /** What runs the mixing, for the status line. */
  readonly description: string;
  /** Resolves with a message if the GPU device is lost (never for the CPU engine). */
  readonly lost: Promise<string>;
  run(samples: readonly Sample[], plan: MixPlan, layout: ImageLayout): Promise<MixedBatch>;
}

function shapeOf(batch: number, layout: ImageLayout): BatchShape {
  return { layout, batch, channels: 3, height: TILE, width: TILE };
}

/** The batch as one uint8 tensor in the chosen layout. */
function pack(samples: readonly Sample[], layout: ImageLayout): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(samples.length * SAMPLE_BYTES);
  samples.forEach((s, i) => {
    const base = i * SAMPLE_BYTES;
    if (layout === 'NHWC') out.set(s.rgb, base);
    else
      for (let p = 0; p < TILE * TILE; p++)
        for (let c = 0; c < 3; c++) out[base + c * TILE * TILE + p] = s.rgb[3 * p + c];
  });
  return out;
}

function unpack(data: Uint8Array, batch: number, layout: ImageLayout): Uint8Array[] {
  const tiles: Uint8Array[] = [];
  for (let i = 0; i < batch; i++) {
    const sample = data.subarray(i * SAMPLE_BYTES, (i + 1) * SAMPLE_BYTES);
    if (layout === 'NHWC') {
      tiles.push(sample.slice());
      continue;
    }
    const rgb = new Uint8Array(SAMPLE_BYTES);
    for (let p = 0; p < TILE * TILE; p++) for (let c = 0; c < 3; c++) rgb[3 * p + c] = sample[c * TILE * TILE + p];
    tiles.push(rgb);
  }
  return tiles;
}

function labelsOf(samples: readonly Sample[]): Int32Array<ArrayBuffer> {
  return Int32Array.from(samples, (s) => s.label);
}

function cpuMix(
  samples: readonly Sample[],
  plan: MixPlan,
  layout: ImageLayout,
): { images: Uint8Array; targets: Float32Array } {
  const images = mixBatchCpu(
    { data: pack(samples, layout), dtype: 'uint8', shape: shapeOf(samples.length, layout) },
    plan,
    { outDtype: 'uint8' },
  ) as Uint8Array;
  const targets = mixTargetsCpu({ data: labelsOf(samples), dtype: 'int32' }, plan, {
    numClasses: NUM_CLASSES,
    labelSmoothing: LABEL_SMOOTHING,
  });
  return { images, targets };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = a.length === b.length ? 0 : Infinity;
  for (let i = 0; i < a.length && max !== Infinity; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

export function createCpuEngine(): Engine {
  return {
    backend: 'cpu',
    description: 'CPU reference (mixBatchCpu)',
    lost: new Promise(() => {}),
    async run(samples, plan, layout) {
      const t0 = performance.now();
      const { images, targets } = cpuMix(samples, plan, layout);
      return { tiles: unpack(images, samples.length, layout), targets, ms: performance.now() - t0, check: null };
    },
  };
}

/** Buffers for one batch size; replaced when the batch grows or shrinks. */
interface Buffers {
  batch: number;
  images: GPUBuffer;
  labels: GPUBuffer;
  outImages: GPUBuffer;
  outTargets: GPUBuffer;
  staging: GPUBuffer;
}

/** The WebGPU engine, or the reason there is none (no navigator.gpu, no adapter, no device). */
export async function createGpuEngine(): Promise<Engine | string> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu)
    return 'this browser has no WebGPU (navigator.gpu is missing; Chrome or Edge 113+, or Firefox / Safari with WebGPU enabled, on https or localhost)';
  let adapter: GPUAdapter | null;
  let device: GPUDevice;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return 'WebGPU is present but no adapter was found (GPU blocklisted or disabled)';
    device = await adapter.requestDevice({ label: 'mixup demo' });
  } catch (error) {
    return `no WebGPU device (${error instanceof Error ? error.message : String(error)})`;
  }
  // Loud failures: a GPU validation error in the demo is a bug, and the e2e test watches the console.
  device.addEventListener('uncapturederror', (event) =>
    console.error(`WebGPU error: ${(event as GPUUncapturedErrorEvent).error.message}`),
  );
  const info = adapter.info;
  const fallback =
    (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter ||
    /swiftshader/i.test(`${info.architecture} ${info.description}`);
  const name = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unnamed adapter';
  const mixer: Mixer = createMixer(device, { numClasses: NUM_CLASSES, labelSmoothing: LABEL_SMOOTHING });
  let buffers: Buffers | null = null;

  const allocate = (batch: number): Buffers => {
    const storage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
    const imageBytes = batch * SAMPLE_BYTES;
    const targetBytes = batch * NUM_CLASSES * 4;
    return {
      batch,
      images: device.createBuffer({ label: 'demo images', size: imageBytes, usage: storage }),
      labels: device.createBuffer({ label: 'demo labels', size: batch * 4, usage: storage }),
      outImages: device.createBuffer({ label: 'demo mixed images', size: imageBytes, usage: storage }),
      outTargets: device.createBuffer({ label: 'demo targets', size: targetBytes, usage: storage }),
      // One read-back of images and targets together (imageBytes is a multiple of 4).
      staging: device.createBuffer({
        label: 'demo read-back',
        size: imageBytes + targetBytes,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      }),
    };
  };

  return {
    backend: 'webgpu',
    description: `WebGPU on ${name}${fallback ? ' (software fallback adapter)' : ''}`,
    lost: device.lost.then((lost) => `the GPU device was lost (${lost.reason}: ${lost.message || 'no message'})`),
    async run(samples, plan, layout) {
      const batch = samples.length;
      if (!buffers || buffers.batch !== batch) {
        if (buffers)
          for (const b of [buffers.images, buffers.labels, buffers.outImages, buffers.outTargets, buffers.staging])
            b.destroy();
        buffers = allocate(batch);
      }
      const b = buffers;
      const packed = pack(samples, layout);
      const labels = labelsOf(samples);
      const t0 = performance.now();
      device.queue.writeBuffer(b.images, 0, packed);
      device.queue.writeBuffer(b.labels, 0, labels);
      await mixer.mix(
        {
          images: { buffer: b.images, dtype: 'uint8', shape: shapeOf(batch, layout) },
          labels: { buffer: b.labels, dtype: 'int32' },
        },
        { plan, outDtype: 'uint8', outputs: { images: b.outImages, targets: b.outTargets } },
      );
      const encoder = device.createCommandEncoder({ label: 'demo read-back' });
      encoder.copyBufferToBuffer(b.outImages, 0, b.staging, 0, b.outImages.size);
      encoder.copyBufferToBuffer(b.outTargets, 0, b.staging, b.outImages.size, b.outTargets.size);
      device.queue.submit([encoder.finish()]);
      await b.staging.mapAsync(GPUMapMode.READ);
      const mapped = b.staging.getMappedRange();
      const images = new Uint8Array(mapped.slice(0, b.outImages.size));
      const targets = new Float32Array(mapped.slice(b.outImages.size));
      b.staging.unmap();
      const ms = performance.now() - t0;
      const reference = cpuMix(samples, plan, layout);
      const check = { pixels: maxDiff(images, reference.images), targets: maxDiff(targets, reference.targets) };
      return { tiles: unpack(images, batch, layout), targets, ms, check };
    },
  };
}

// One GPU-vs-CPU case: upload, mix on the GPU, read back, and compare with the CPU reference.
import { expect } from 'vitest';
import type { Mixer } from '../../src/gpu/types.js';
import { mixBatchCpu, mixTargetsCpu } from '../../src/reference.js';
import type { BatchShape, DType, LabelDType, MixPlan, Normalize } from '../../src/types.js';
import { bufferFrom, readBuffer } from './gpu.js';
import { expectClose, randomData, typedFrom } from './data.js';

export interface Case {
  shape: BatchShape;
  inDtype: DType;
  outDtype?: DType;
  normalize?: Normalize | null;
  labels?: LabelDType | null;
  numClasses: number;
  labelSmoothing: number;
  plan: MixPlan;
  inPlace?: boolean;
  seed?: number;
}

export function elementsPerSample(shape: BatchShape): number {
  return shape.layout === 'rows' ? shape.features : shape.channels * shape.height * shape.width;
}

export function describeCase(c: Case): string {
  const s = c.shape;
  const dims = s.layout === 'rows' ? `${s.batch}x${s.features}` : `${s.batch}x${s.channels}x${s.height}x${s.width}`;
  return `${s.layout} ${dims} ${c.inDtype}->${c.outDtype ?? 'same'}${c.normalize ? ' norm' : ''}${c.inPlace ? ' in-place' : ''} labels=${c.labels ?? 'none'} kinds=${Array.from(c.plan.kind).join('')}`;
}

/** Runs `c` on the GPU and checks images, targets, and that inputs are unchanged. */
export async function checkCase(device: GPUDevice, mixer: Mixer, c: Case): Promise<void> {
  const label = describeCase(c);
  const B = c.shape.batch;
  const n = elementsPerSample(c.shape);
  const data = randomData(c.inDtype, B * n, c.seed ?? 1);
  const images = bufferFrom(device, data);
  let labelData: Int32Array | Uint32Array | Float32Array | null = null;
  if (c.labels === 'int32') labelData = Int32Array.from({ length: B }, (_, i) => (i * 7 + 3) % c.numClasses);
  if (c.labels === 'uint32') labelData = Uint32Array.from({ length: B }, (_, i) => (i * 5 + 1) % c.numClasses);
  if (c.labels === 'float32') labelData = randomData('float32', B * c.numClasses, (c.seed ?? 1) + 99) as Float32Array;
  const labels = labelData ? bufferFrom(device, labelData) : null;

  const result = await mixer.mix(
    {
      images: { buffer: images, shape: c.shape, dtype: c.inDtype },
      labels:
        labels && c.labels
          ? { buffer: labels, dtype: c.labels, shape: c.labels === 'float32' ? [B, c.numClasses] : [B] }
          : undefined,
    },
    { plan: c.plan, outDtype: c.outDtype, normalize: c.normalize ?? null, inPlace: c.inPlace ?? false },
  );
  expect(result.plan, label).toBe(c.plan);
  const outDtype = result.outDtype;
  const cpu = mixBatchCpu({ data, dtype: c.inDtype, shape: c.shape }, c.plan, {
    outDtype,
    normalize: c.normalize ?? null,
  });
  const gpu = typedFrom(outDtype, await readBuffer(device, result.images), B * n);
  expectClose(outDtype, gpu, cpu, `${label}: images`);
  if (c.inPlace) expect(result.images, label).toBe(images);
  else {
    const after = typedFrom(c.inDtype, await readBuffer(device, images), B * n);
    expect(Array.from(after), `${label}: input unchanged`).toEqual(Array.from(data));
  }
  if (labelData && c.labels) {
    const cpuTargets = mixTargetsCpu({ data: labelData, dtype: c.labels }, c.plan, {
      numClasses: c.numClasses,
      labelSmoothing: c.labelSmoothing,
    });
    const gpuTargets = new Float32Array(await readBuffer(device, result.targets!), 0, B * c.numClasses);
    expectClose('float32', gpuTargets, cpuTargets, `${label}: targets`);
    const labelsAfter = new Uint8Array(await readBuffer(device, labels!, labelData.byteLength));
    expect(Array.from(labelsAfter), `${label}: labels unchanged`).toEqual(Array.from(new Uint8Array(labelData.buffer)));
  } else {
    expect(result.targets).toBeNull();
  }
  if (!c.inPlace) result.images.destroy();
  result.targets?.destroy();
  images.destroy();
  labels?.destroy();
}

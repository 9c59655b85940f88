import { describe, expect } from 'vitest';
import { createMixer } from '../../src/gpu/mixer.js';
import { mixBatchCpu, mixTargetsCpu } from '../../src/reference.js';
import { bufferFrom, gpuTest, readBuffer } from '../helpers/gpu.js';
import { expectClose, randomData, typedFrom } from '../helpers/data.js';

describe('createMixer', () => {
  gpuTest('mixes a float32 NCHW batch and int32 labels like the CPU reference', async ({ device }) => {
    const mixer = createMixer(device, { mixupAlpha: 0.4, cutmixAlpha: 1, mode: 'elem', numClasses: 5, seed: 3 });
    const shape = { layout: 'NCHW' as const, batch: 6, channels: 3, height: 5, width: 4 };
    const data = randomData('float32', 6 * 60, 1);
    const ids = Int32Array.from([0, 4, 2, 3, 1, 4]);
    const images = bufferFrom(device, data);
    const labels = bufferFrom(device, ids);
    const result = await mixer.mix({
      images: { buffer: images, shape, dtype: 'float32' },
      labels: { buffer: labels, dtype: 'int32' },
    });
    const gpu = typedFrom('float32', await readBuffer(device, result.images), data.length);
    const cpu = mixBatchCpu({ data, dtype: 'float32', shape }, result.plan);
    expectClose('float32', gpu, cpu);
    const targets = new Float32Array(await readBuffer(device, result.targets!));
    expectClose(
      'float32',
      targets,
      mixTargetsCpu({ data: ids, dtype: 'int32' }, result.plan, { numClasses: 5, labelSmoothing: 0.1 }),
      'targets',
    );
    expect(Array.from(result.plan.kind).some((k) => k !== 0)).toBe(true);
    mixer.destroy();
  });
});

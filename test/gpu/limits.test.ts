// Batches larger than one binding (issue 14, item 5): split in two bindings (one pass, every input
// read once) or in chunks, with the same bytes as one pass; and the once-per-mixer report of it.
import { describe, expect, vi } from 'vitest';
import { createMixer } from '../../src/gpu/mixer.js';
import type { ChunkingInfo, MixCallOptions, MixInputs } from '../../src/gpu/types.js';
import { createPlanner } from '../../src/plan.js';
import { mixBatchCpu, mixTargetsCpu } from '../../src/reference.js';
import type { BatchShape, DType } from '../../src/types.js';
import { randomData } from '../helpers/data.js';
import { bufferFrom, gpuTest, readBuffer } from '../helpers/gpu.js';

// 9 samples of 3x4x5: 540 bytes of uint8, 2160 of float32. Soft targets [9, 60]: 2160 bytes.
const SHAPE: BatchShape = { layout: 'NCHW', batch: 9, channels: 3, height: 4, width: 5 };
const K = 60;
// With 1280-byte bindings a 2160-byte input or output fits two (1280 + 880): split, in one dispatch
// (float32 output bound as dst + dst2). With 1024 a float32 input does not: chunks; a uint8 input
// (540 bytes) is bound whole and its 2160-byte float32 output, over two bindings, in windows of 3
// samples (3 dispatches).
const SETTINGS = { whole: {}, split: { maxBindingBytes: 1280 }, chunks: { maxBindingBytes: 1024 } };

describe('a batch larger than one binding', () => {
  for (const [inDtype, outDtype] of [
    ['uint8', 'float32'],
    ['float32', 'float32'],
    ['float32', 'uint8'],
  ] as Array<[DType, DType]>) {
    gpuTest(
      `${inDtype} -> ${outDtype}: split and chunked give the bytes of one pass, equal to the CPU reference`,
      async ({ device }) => {
        const data = randomData(inDtype, 9 * 60, 31);
        const soft = Float32Array.from(randomData('float32', 9 * K, 32) as Float32Array, (v) => Math.abs(v) / 4);
        const images = bufferFrom(device, data);
        const labels = bufferFrom(device, soft);
        const plan = createPlanner({ cutmixAlpha: 1, mode: 'elem', pairing: 'shuffle', seed: 5 }).plan(9, {
          height: 4,
          width: 5,
        });
        const normalize = inDtype === 'uint8' && outDtype === 'float32' ? { mean: [0.5], std: [0.25] } : undefined;
        const inputs: MixInputs = {
          images: { buffer: images, shape: SHAPE, dtype: inDtype },
          labels: { buffer: labels, dtype: 'float32', shape: [9, K] },
        };
        const options: MixCallOptions = { plan, normalize, outDtype };
        const outputs: Record<string, Uint8Array> = {};
        for (const [name, settings] of Object.entries(SETTINGS)) {
          const reports: ChunkingInfo[] = [];
          const mixer = createMixer(
            device,
            { numClasses: K },
            { ...settings, onChunked: (info) => reports.push(info) },
          );
          const result = await mixer.mix(inputs, options);
          outputs[name] = new Uint8Array(await readBuffer(device, result.images));
          outputs[`${name} targets`] = new Uint8Array(await readBuffer(device, result.targets!));
          // A 540-byte uint8 input fits one 1024-byte binding: only its output needs windows (split).
          const mode = name === 'chunks' && inDtype === 'uint8' ? 'split' : name;
          expect(
            reports.map((r) => r.mode),
            name,
          ).toEqual(name === 'whole' ? [] : [mode]);
          // Split: one dispatch with the output as two bindings where it fits two, else windows.
          const outBytes = 9 * 60 * (outDtype === 'uint8' ? 1 : 4);
          if (name === 'split') expect(reports[0].dispatches, name).toBe(1);
          if (
            mode === 'split' &&
            outBytes > 2 * ((settings as { maxBindingBytes?: number }).maxBindingBytes ?? Number.POSITIVE_INFINITY)
          )
            expect(reports[0].message, name).toMatch(/and the output in 3 windows/);
          result.images.destroy();
          result.targets!.destroy();
          mixer.destroy();
        }
        const cpu = mixBatchCpu({ data, dtype: inDtype, shape: SHAPE }, plan, { normalize, outDtype });
        const expected = new Uint8Array(cpu.buffer, cpu.byteOffset, cpu.byteLength);
        expect(outputs.whole.subarray(0, expected.length)).toEqual(expected);
        expect(outputs.split, 'split').toEqual(outputs.whole);
        expect(outputs.chunks, 'chunks').toEqual(outputs.whole);
        const targets = new Uint8Array(mixTargetsCpu({ data: soft, dtype: 'float32' }, plan, { numClasses: K }).buffer);
        for (const name of ['whole', 'split', 'chunks'])
          expect(outputs[`${name} targets`], `${name} targets`).toEqual(targets);
      },
    );
  }

  gpuTest(
    'is reported once per mixer, as a property and through onChunked, never on the console',
    async ({ device, adapter }) => {
      const warn = vi.spyOn(console, 'warn');
      const log = vi.spyOn(console, 'log');
      const images = bufferFrom(device, randomData('float32', 9 * 60, 1));
      const inputs: MixInputs = { images: { buffer: images, shape: SHAPE, dtype: 'float32' } };
      const reports: ChunkingInfo[] = [];
      const mixer = createMixer(
        device,
        {},
        { maxBindingBytes: 1280, adapter, onChunked: (info) => reports.push(info) },
      );
      expect(mixer.chunking).toBeNull();
      for (let i = 0; i < 3; i++) (await mixer.mix(inputs)).images.destroy();
      expect(reports).toHaveLength(1);
      expect(mixer.chunking).toBe(reports[0]);
      const info = reports[0];
      expect(info).toMatchObject({
        argument: 'inputs.images',
        mode: 'split',
        inputBytes: 2160,
        outputBytes: 2160,
        bindingLimit: 1280,
        dispatches: 1,
      });
      expect(info.adapterLimits?.maxStorageBufferBindingSize).toBe(adapter.limits.maxStorageBufferBindingSize);
      expect(info.message).toMatch(
        /exceeds one binding of 0\.0 MiB and is mixed with the input bound whole as two bindings and the output bound whole as two bindings, in one dispatch .*; the adapter allows .* requiredLimits: \{ maxStorageBufferBindingSize: \d+/,
      );
      // A batch that fits reports nothing.
      const quiet: ChunkingInfo[] = [];
      const fits = createMixer(device, {}, { onChunked: (i) => quiet.push(i) });
      (await fits.mix(inputs)).images.destroy();
      expect(quiet).toEqual([]);
      expect(fits.chunking).toBeNull();
      expect(warn).not.toHaveBeenCalled();
      expect(log).not.toHaveBeenCalled();
      warn.mockRestore();
      log.mockRestore();
      mixer.destroy();
      fits.destroy();
    },
  );
});

import { expect, it } from 'vitest';
import * as ort from 'onnxruntime-web/webgpu';
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import { mulModel } from './onnx-model';
import { withDevice, bufferFrom, readBuffer } from '../helpers/gpu';

it('probe', async () => {
  console.log('wasmUrl', wasmUrl, 'version', ort.env.versions);
  ort.env.wasm.wasmPaths = { wasm: wasmUrl };
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'verbose';
  await withDevice(async ({ device }) => {
    let session;
    try {
      session = await ort.InferenceSession.create(mulModel([2, 3, 4, 4], 2), {
        executionProviders: [{ name: 'webgpu', device }],
        preferredOutputLocation: 'gpu-buffer',
      });
    } catch (e) {
      console.log('create error', String(e), (e as Error).stack);
      throw e;
    }
    const data = Float32Array.from({ length: 96 }, (_, i) => i - 40);
    const buf = bufferFrom(device, data);
    const x = ort.Tensor.fromGpuBuffer(buf, { dataType: 'float32', dims: [2, 3, 4, 4] });
    const out = await session.run({ X: x });
    const y = out.Y;
    console.log('loc', y.location, y.type, y.dims, (y.gpuBuffer as GPUBuffer).usage, (y.gpuBuffer as GPUBuffer).size);
    const back = new Float32Array(await readBuffer(device, y.gpuBuffer as GPUBuffer, 96 * 4));
    console.log(back.slice(0, 8));
    expect(back[0]).toBe(-80);
    y.dispose();
    await session.release();
  });
});

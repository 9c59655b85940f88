import { expect, it } from 'vitest';
import * as ort from 'onnxruntime-web/webgpu';
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import { mulModel } from './onnx-model';
import { withDevice, bufferFrom, readBuffer } from '../helpers/gpu';

ort.env.wasm.wasmPaths = { wasm: wasmUrl };
ort.env.wasm.numThreads = 1;

async function runOn(device: GPUDevice, how: 'ep' | 'env') {
  if (how === 'env') (ort.env.webgpu as any).device = device;
  const session = await ort.InferenceSession.create(mulModel([2, 3, 4, 4], 2), {
    executionProviders: how === 'ep' ? [{ name: 'webgpu', device }] : ['webgpu'],
    preferredOutputLocation: 'gpu-buffer',
  });
  const data = Float32Array.from({ length: 96 }, (_, i) => i - 40);
  const buf = bufferFrom(device, data);
  const x = ort.Tensor.fromGpuBuffer(buf, { dataType: 'float32', dims: [2, 3, 4, 4] });
  try {
    const out = await session.run({ X: x });
    const y = out.Y;
    const back = new Float32Array(await readBuffer(device, y.gpuBuffer as GPUBuffer, 96 * 4));
    console.log(how, 'ok', back[0]);
    y.dispose();
  } catch (e) {
    console.log(how, 'run error', String(e));
  }
  await session.release();
}

for (let k = 0; k < 2; k++) it('ep device ' + k, async () => {
  await withDevice(async ({ device }) => runOn(device, 'ep'));
});
it('env device', async () => {
  try { await withDevice(async ({ device }) => runOn(device, 'env')); } catch (e) { console.log('withDevice env error', String(e)); }
});
it('ep device again', async () => {
  await withDevice(async ({ device }) => runOn(device, 'ep'));
});

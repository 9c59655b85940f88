#!/usr/bin/env node
// The sample job: generates a small batch of uint8 RGB images with class labels, draws a seeded
// plan (mixup and CutMix, one draw per sample), mixes it on the GPU with fused normalisation,
// checks every value against the CPU reference, and prints the plan.
// Runs in Node through Dawn (the `webgpu` package); without an adapter it runs the CPU reference only.
import { create, globals } from 'webgpu';
import { createMixer, createPlanner, mixBatchCpu, mixTargetsCpu } from '../dist/index.js';

const B = 8;
const C = 3;
const H = 32;
const W = 32;
const K = 10;
const shape = { layout: 'NCHW', batch: B, channels: C, height: H, width: W };
const options = {
  mixupAlpha: 0.4,
  cutmixAlpha: 1,
  switchProb: 0.5,
  mode: 'elem',
  numClasses: K,
  labelSmoothing: 0.1,
  seed: 2026,
};
const normalize = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

// Sample i: stripes of a colour and frequency of its own, so pastes and blends are easy to see.
const images = new Uint8Array(B * C * H * W);
for (let i = 0; i < B; i++)
  for (let c = 0; c < C; c++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++)
        images[((i * C + c) * H + y) * W + x] =
          ((x + y * (i % 3)) >> (i % 4)) % 2 ? 40 + 25 * i + 30 * c : 255 - 20 * i;
const labels = Int32Array.from({ length: B }, (_, i) => i % K);

// Dawn's rule (README, Node): the object create() returns runs the work of every adapter and
// device made from it, and they do not keep it alive; if it is garbage-collected the process
// crashes. Pinned for the life of the process.
Object.assign(globalThis, globals);
const gpuInstance = create([]);
globalThis.gpu = gpuInstance;

async function gpuDevice() {
  const gpu = gpuInstance;
  // A real GPU first; SwiftShader (the fallback adapter) where there is none.
  const adapter =
    (await gpu.requestAdapter({ powerPreference: 'high-performance' })) ??
    (await gpu.requestAdapter({ forceFallbackAdapter: true }));
  if (!adapter) return null;
  const device = await adapter.requestDevice();
  return { adapter, device };
}

function upload(device, data) {
  const buffer = device.createBuffer({
    size: Math.ceil(data.byteLength / 4) * 4,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
    mappedAtCreation: true,
  });
  new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  buffer.unmap();
  return buffer;
}

async function download(device, buffer, bytes) {
  const staging = device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(buffer, 0, staging, 0, bytes);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const copy = staging.getMappedRange().slice(0);
  staging.destroy();
  return copy;
}

function printPlan(plan) {
  const kinds = ['unchanged', 'mixup', 'cutmix'];
  console.log('sample  kind       lam     partner  box (y0 y1 x0 x1)');
  for (let i = 0; i < B; i++) {
    const box = plan.kind[i] === 2 ? Array.from(plan.box.subarray(4 * i, 4 * i + 4)).join(' ') : '-';
    console.log(
      `${String(i).padStart(6)}  ${kinds[plan.kind[i]].padEnd(9)}  ${plan.lam[i].toFixed(4)}  ${String(plan.partner[i]).padStart(7)}  ${box}`,
    );
  }
}

function maxDiff(a, b) {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

const gpu = await gpuDevice();
if (!gpu) {
  console.log('No WebGPU adapter: running the CPU reference only.');
  const plan = createPlanner(options).plan(B, { height: H, width: W });
  printPlan(plan);
  const mixed = mixBatchCpu({ data: images, dtype: 'uint8', shape }, plan, { normalize });
  console.log(
    `CPU reference: ${mixed.length} float32 values, first ${Array.from(mixed.subarray(0, 4), (v) => v.toFixed(4)).join(' ')}`,
  );
  process.exit(0);
}

const { adapter, device } = gpu;
console.log(
  `WebGPU adapter: ${adapter.info.vendor || '?'} / ${adapter.info.architecture || '?'} (${adapter.info.description || 'no description'})`,
);
const mixer = createMixer(device, options);
const imageBuffer = upload(device, images);
const labelBuffer = upload(device, labels);
const result = await mixer.mix(
  { images: { buffer: imageBuffer, shape, dtype: 'uint8' }, labels: { buffer: labelBuffer, dtype: 'int32' } },
  { normalize },
);
printPlan(result.plan);

const gpuImages = new Float32Array(await download(device, result.images, B * C * H * W * 4));
const gpuTargets = new Float32Array(await download(device, result.targets, B * K * 4));
const cpuImages = mixBatchCpu({ data: images, dtype: 'uint8', shape }, result.plan, { normalize });
const cpuTargets = mixTargetsCpu({ data: labels, dtype: 'int32' }, result.plan, { numClasses: K, labelSmoothing: 0.1 });
const imageDiff = maxDiff(gpuImages, cpuImages);
const targetDiff = maxDiff(gpuTargets, cpuTargets);
console.log(`images  ${B}x${C}x${H}x${W} uint8 -> normalised float32: max |GPU - CPU| = ${imageDiff.toExponential(2)}`);
console.log(`targets ${B}x${K} (label smoothing 0.1): max |GPU - CPU| = ${targetDiff.toExponential(2)}`);
for (let i = 0; i < B; i++) {
  const row = Array.from(gpuTargets.subarray(i * K, (i + 1) * K));
  const top = row
    .map((v, k) => [v, k])
    .sort((a, b) => b[0] - a[0])
    .slice(0, 2);
  console.log(`  target ${i}: ${top.map(([v, k]) => `class ${k} ${v.toFixed(3)}`).join(', ')}`);
}
for (const buffer of [imageBuffer, labelBuffer, result.images, result.targets]) buffer.destroy();
mixer.destroy();
device.destroy();
const ok = imageDiff <= 1e-5 && targetDiff <= 1e-6;
console.log(ok ? 'OK: the GPU result matches the CPU reference.' : 'MISMATCH between the GPU and the CPU reference.');
process.exit(ok ? 0 : 1);

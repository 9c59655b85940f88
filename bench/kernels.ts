/**
 * Two practical floors for our kernel on any adapter, run in the same pass structure as ours:
 *
 * - copy kernel: a compute pass that copies the row's minimum bytes / 2 with vec4<u32> loads and
 *   stores (reads S and writes S, S = (input + output bytes) / 2): what a compute kernel moving the
 *   minimum bytes costs, where copyBufferToBuffer may take a faster, non-compute path;
 * - shape copy: our exact loads and stores (the variant's load4 / store4 from src/gpu/shaders.ts:
 *   dtype conversion, packing, vec4 or scalar) over every sample once, with no plan logic (no walk,
 *   no blend, no box, no normalisation): out[s] = in[s]. Ours / shape copy is the cost of mixing
 *   beyond moving the bytes the way we move them.
 */
import { COMMON_WGSL, batchIoCode, dispatchSize } from '../src/gpu/shaders';
import { ParamsLayout } from '../src/gpu/layouts.generated';
import type { DType } from '../src/index';
import type { RowSpec } from './presets';

export interface Kernel {
  record(encoder: GPUCommandEncoder): void;
  destroy(): void;
}

const WG = 256;

async function kernel(
  device: GPUDevice,
  label: string,
  code: string,
  params: ArrayBuffer,
  buffers: Array<[number, GPUBuffer]>,
  threads: number,
): Promise<Kernel> {
  const module = device.createShaderModule({ label, code });
  const pipeline = await device.createComputePipelineAsync({
    label,
    layout: 'auto',
    compute: { module, entryPoint: 'main' },
  });
  const uniform = device.createBuffer({
    label,
    size: Math.max(16, params.byteLength),
    usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
  });
  device.queue.writeBuffer(uniform, 0, params);
  const group = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [
      { binding: 0, resource: { buffer: uniform } },
      ...buffers.map(([binding, buffer]) => ({ binding, resource: { buffer } })),
    ],
  });
  const [x, y] = dispatchSize(threads, device.limits.maxComputeWorkgroupsPerDimension);
  new Uint32Array(params)[1] = x;
  device.queue.writeBuffer(uniform, 0, params);
  return {
    record(encoder) {
      const pass = encoder.beginComputePass({ label });
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(x, y);
      pass.end();
    },
    destroy: () => uniform.destroy(),
  };
}

/** vec4<u32> copy of `bytes` (a multiple of 16 is copied; the tail is dropped) from `src` to `dst`. */
export function createCopyKernel(device: GPUDevice, src: GPUBuffer, dst: GPUBuffer, bytes: number): Promise<Kernel> {
  const words = Math.floor(bytes / 16);
  const code = /* wgsl */ `
struct P { total: u32, groups_x: u32, p0: u32, p1: u32 }
@group(0) @binding(0) var<uniform> params: P;
@group(0) @binding(1) var<storage, read> src: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read_write> dst: array<vec4<u32>>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) g: vec3<u32>, @builtin(local_invocation_index) l: u32) {
  let t = (g.y * params.groups_x + g.x) * ${WG}u + l;
  if (t < params.total) { dst[t] = src[t]; }
}`;
  const params = new Uint32Array([words, 0, 0, 0]).buffer;
  return kernel(
    device,
    'bench copy kernel',
    code,
    params,
    [
      [1, src],
      [2, dst],
    ],
    words,
  );
}

/** Our loads and stores for the row's dtypes and shape, over every sample once, with no plan logic. */
export function createShapeCopy(device: GPUDevice, row: RowSpec, src: GPUBuffer, dst: GPUBuffer): Promise<Kernel> {
  const s = row.shape;
  const n = s.layout === 'rows' ? s.features : s.channels * s.height * s.width;
  const vec4 = n % 4 === 0;
  const io = batchIoCode({
    inDtype: row.inDtype as DType,
    outDtype: row.outDtype as DType,
    vec4,
    inPlace: false,
    layout: s.layout,
    normalize: false,
    blendOnly: false,
    windowed: false,
    srcSplit: false,
    dstWindowed: false,
    dstSplit: false,
    blend: false,
    paste: false,
    rowAligned: false,
    mask: null,
  });
  // The variant's own element aliases (float16 as u32 words, atomic where samples share words).
  const code = [
    COMMON_WGSL,
    io,
    '@group(0) @binding(1) var<storage, read> src: array<InElem>;',
    '@group(0) @binding(2) var<storage, read_write> dst: array<OutElem>;',
    `@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) local: u32) {
  let t = thread_index(group, local);
  if (t >= params.num_threads) { return; }
  let s = t / params.sample_quads;
  let quad = t - s * params.sample_quads;
  store4(s, quad, load4(s, quad));
}`,
  ].join('\n');
  const quads = Math.ceil(n / 4);
  const threads = s.batch * quads;
  const params = new ArrayBuffer(ParamsLayout.size);
  const u = new Uint32Array(params);
  const f = ParamsLayout.fields;
  u[f.num_threads.offset / 4] = threads;
  u[f.sample_elems.offset / 4] = n;
  u[f.sample_quads.offset / 4] = quads;
  // groups_x is written by kernel() at word 1 (ParamsLayout.fields.groups_x).
  if (f.groups_x.offset !== 4) throw new Error('internal: groups_x is not word 1 of Params');
  return kernel(
    device,
    'bench shape copy',
    code,
    params,
    [
      [1, src],
      [2, dst],
    ],
    threads,
  );
}

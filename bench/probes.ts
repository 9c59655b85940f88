/**
 * Kernel-shape probes behind the notes in bench/RESULTS.md (`npm run bench -- --probes`, Node only):
 * small hand-written kernels that isolate one choice each, on the same data and adapter.
 *
 * - flip pairing, f32 rows: naive (loads x[i] and x[partner]), a straight-line pair kernel (one
 *   thread loads both samples once and writes both outputs), the same work as a 2-step loop that
 *   carries the loaded value (the shape of our walk kernel), and ours (mixer.encode);
 * - labels → targets, B x K: one class per thread (as ours and the naive column) against four.
 */
import { createMixer } from '../src/index';
import { GpuTimer, bufferFrom, emptyBuffer, fillRandom, stats } from './gpu-util';

const WG = 256;
const RUNS = 20;
const WARMUP = 3;

const pairHead = /* wgsl */ `
struct Sample { kind: u32, lam: f32, partner: u32, pad: u32, box: vec4<i32> }
struct Params { total: u32, quads: u32, groups_x: u32, pad: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> dst: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> plan: array<Sample>;
@group(0) @binding(4) var<storage, read> pairs: array<u32>;
fn blend(s: u32, a: vec4<f32>, b: vec4<f32>) -> vec4<f32> {
  let p = plan[s];
  if (p.kind == 1u) { return a * p.lam + b * (1.0 - p.lam); }
  return a;
}
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) g: vec3<u32>, @builtin(local_invocation_index) l: u32) {
  let t = (g.y * params.groups_x + g.x) * ${WG}u + l;
  if (t >= params.total) { return; }
  let q = t % params.quads;
  let u = t / params.quads;
`;

const PAIR_KERNELS = {
  naive: `${pairHead}
  dst[u * params.quads + q] = blend(u, src[u * params.quads + q], src[plan[u].partner * params.quads + q]);
}`,
  pair: `${pairHead}
  let i = pairs[2u * u];
  let p = pairs[2u * u + 1u];
  let a = src[i * params.quads + q];
  let b = src[p * params.quads + q];
  dst[i * params.quads + q] = blend(i, a, b);
  dst[p * params.quads + q] = blend(p, b, a);
}`,
  'pair as a loop': `${pairHead}
  var s = pairs[2u * u];
  var cur = src[s * params.quads + q];
  let first = cur;
  for (var k = 0u; k < 2u; k++) {
    let next_s = pairs[2u * u + ((k + 1u) % 2u)];
    var next: vec4<f32>;
    if (k == 1u) { next = first; } else { next = src[next_s * params.quads + q]; }
    dst[s * params.quads + q] = blend(s, cur, next);
    cur = next;
    s = next_s;
  }
}`,
};

const labelsHead = /* wgsl */ `
struct Params { total: u32, classes: u32, groups_x: u32, quads: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> ids: array<u32>;
@group(0) @binding(3) var<storage, read> partner: array<u32>;
`;
const LABEL_KERNELS = {
  'one class per thread': `${labelsHead}
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) g: vec3<u32>, @builtin(local_invocation_index) l: u32) {
  let t = (g.y * params.groups_x + g.x) * ${WG}u + l;
  if (t >= params.total) { return; }
  let i = t / params.classes;
  let k = t % params.classes;
  let a = select(0.0001, 0.9001, ids[i] == k);
  let b = select(0.0001, 0.9001, ids[partner[i]] == k);
  dst[t] = a * 0.3 + b * 0.7;
}`,
  'four classes per thread': `${labelsHead}
@group(0) @binding(2) var<storage, read_write> dst: array<vec4<f32>>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) g: vec3<u32>, @builtin(local_invocation_index) l: u32) {
  let t = (g.y * params.groups_x + g.x) * ${WG}u + l;
  if (t >= params.total) { return; }
  let i = t / params.quads;
  let k = (t % params.quads) * 4u;
  let ks = vec4<u32>(k, k + 1u, k + 2u, k + 3u);
  let a = select(vec4<f32>(0.0001), vec4<f32>(0.9001), vec4<u32>(ids[i]) == ks);
  let b = select(vec4<f32>(0.0001), vec4<f32>(0.9001), vec4<u32>(ids[partner[i]]) == ks);
  dst[t] = a * 0.3 + b * 0.7;
}`,
};

type Recorder = (encoder: GPUCommandEncoder) => (() => void) | void;

/** Median ms of each recorder, their runs interleaved so drift on a shared machine hits all alike. */
async function timeAll(device: GPUDevice, timer: GpuTimer, recorders: Recorder[]): Promise<number[]> {
  const samples = recorders.map(() => [] as number[]);
  for (let r = 0; r < WARMUP + RUNS; r++) {
    for (const [k, record] of recorders.entries()) {
      const t0 = performance.now();
      const encoder = device.createCommandEncoder();
      timer.begin(encoder);
      const after = record(encoder);
      timer.end(encoder);
      device.queue.submit([encoder.finish()]);
      after?.();
      await device.queue.onSubmittedWorkDone();
      const wall = performance.now() - t0;
      const gpu = await timer.read();
      if (r >= WARMUP) samples[k].push(gpu ?? wall);
    }
  }
  return samples.map((s) => stats(s).median);
}

/** Records one dispatch of `code` over `threads` threads with `buffers` bound at their bindings (0 is the uniform). */
function kernelRecorder(
  device: GPUDevice,
  code: string,
  threads: number,
  params: Uint32Array<ArrayBuffer>,
  buffers: Record<number, GPUBuffer>,
): (encoder: GPUCommandEncoder) => void {
  const groups = Math.ceil(threads / WG);
  params[2] = groups;
  const uniform = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(uniform, 0, params);
  const pipeline = device.createComputePipeline({
    layout: 'auto',
    compute: { module: device.createShaderModule({ code }), entryPoint: 'main' },
  });
  const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: uniform } }];
  for (const [binding, buffer] of Object.entries(buffers))
    entries.push({ binding: Number(binding), resource: { buffer } });
  const group = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
  return (encoder) => {
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(groups);
    pass.end();
  };
}

export async function runProbes(gpu: GPU, log: (line: string) => void): Promise<void> {
  const adapter =
    (await gpu.requestAdapter({ powerPreference: 'high-performance' })) ??
    (await gpu.requestAdapter({ forceFallbackAdapter: true }));
  if (!adapter) throw new Error('no WebGPU adapter');
  const device = await adapter.requestDevice({
    requiredFeatures: adapter.features.has('timestamp-query') ? ['timestamp-query'] : [],
  });
  const timer = new GpuTimer(device);
  log(
    `probes on ${adapter.info.vendor} / ${adapter.info.architecture} / ${adapter.info.description}; ${timer.enabled ? 'GPU timestamps' : 'wall time'}, median of ${RUNS} interleaved runs`,
  );

  for (const [B, n] of [
    [32, 12288],
    [256, 512],
    [16, 49152],
  ]) {
    const x = new Float32Array(B * n);
    fillRandom(x, 7, 0);
    const src = bufferFrom(device, x, 'probe x');
    const dst = emptyBuffer(device, x.byteLength, 'probe out');
    const mixer = createMixer(device, { pairing: 'flip' });
    const plan = mixer.plan(B);
    const planHost = new ArrayBuffer(32 * B);
    const pu = new Uint32Array(planHost);
    const pf = new Float32Array(planHost);
    for (let i = 0; i < B; i++) {
      pu[8 * i] = plan.kind[i];
      pf[8 * i + 1] = plan.lam[i];
      pu[8 * i + 2] = plan.partner[i];
    }
    const pairs = new Uint32Array(B);
    for (let u = 0; u < B / 2; u++) {
      pairs[2 * u] = u;
      pairs[2 * u + 1] = plan.partner[u];
    }
    const planBuffer = bufferFrom(device, new Uint8Array(planHost), 'probe plan');
    const pairsBuffer = bufferFrom(device, pairs, 'probe pairs');
    const quads = n / 4;
    const names = [...Object.keys(PAIR_KERNELS), 'ours'];
    const recorders: Recorder[] = Object.entries(PAIR_KERNELS).map(([name, code]) => {
      const threads = name === 'naive' ? B * quads : (B / 2) * quads;
      // 'auto' layouts hold only the bindings a kernel uses: naive never reads the pair list.
      const buffers: Record<number, GPUBuffer> =
        name === 'naive' ? { 1: src, 2: dst, 3: planBuffer } : { 1: src, 2: dst, 3: planBuffer, 4: pairsBuffer };
      return kernelRecorder(device, code, threads, new Uint32Array([threads, quads, 0, 0]), buffers);
    });
    const inputs = {
      images: { buffer: src, shape: { layout: 'rows' as const, batch: B, features: n }, dtype: 'float32' as const },
    };
    await mixer.prepare(inputs, { plan, outputs: { images: dst } });
    recorders.push((encoder) => {
      const encoding = mixer.encode(encoder, inputs, { plan, outputs: { images: dst } });
      return () => encoding.release();
    });
    const results = (await timeAll(device, timer, recorders)).map((ms, k) => `${names[k]} ${ms.toFixed(2)} ms`);
    log(`flip, ${B} x ${n} f32 (${((2 * x.byteLength) / 1e6).toFixed(1)} MB moved): ${results.join(', ')}`);
    mixer.destroy();
    for (const b of [src, dst, planBuffer, pairsBuffer]) b.destroy();
  }

  const B = 256;
  const K = 1000;
  const ids = new Int32Array(B);
  fillRandom(ids, 3, K);
  const partner = Uint32Array.from({ length: B }, (_, i) => B - 1 - i);
  const idsBuffer = bufferFrom(device, ids, 'probe ids');
  const partnerBuffer = bufferFrom(device, partner, 'probe partner');
  const out = emptyBuffer(device, B * K * 4, 'probe targets');
  const labelRecorders = Object.entries(LABEL_KERNELS).map(([name, code]) => {
    const threads = name.startsWith('one') ? B * K : (B * K) / 4;
    return kernelRecorder(device, code, threads, new Uint32Array([threads, K, 0, K / 4]), {
      1: idsBuffer,
      2: out,
      3: partnerBuffer,
    });
  });
  const results = (await timeAll(device, timer, labelRecorders)).map(
    (ms, k) => `${Object.keys(LABEL_KERNELS)[k]} ${ms.toFixed(2)} ms`,
  );
  log(`labels, ${B} x K=${K}: ${results.join(', ')}`);
  timer.destroy();
  device.destroy();
}

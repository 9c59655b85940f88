/**
 * The naive baseline: one WGSL kernel that, for every output quad of sample i, loads x[i] and
 * x[partner[i]] separately (so every input is read twice under a permutation), blends or pastes,
 * normalises and stores. Written as a careful person would, so that naive/ours measures reading
 * once rather than ALU work: vectorised like ours (4 elements per thread), one division per quad
 * for its channel, row and column (rows are a multiple of 4 wide, so a quad lies in one row, as in
 * ours), a vector box test, and selects instead of a branch on kind. For labels: one thread per
 * target element.
 */
import f16Bits from '../shaders/io/f16_bits.wgsl?raw';
import type { DType, MixPlan } from '../src/index';
import { normalizeCoefficients, smoothingValues } from '../src/index';
import type { RowSpec } from './presets';

const WG = 256;

function imageShader(inDtype: DType, outDtype: DType, normalize: boolean): string {
  const srcType = inDtype === 'uint8' ? 'u32' : 'vec4<f32>';
  // float16 as a quad of halves in two words (no shader-f16 needed), rounded by ours' own f16_pack
  // (bit for bit as the CPU reference): the same ALU work as ours, so naive/ours still measures
  // reading once. pack2x16float would be cheaper where the adapter emulates it (SwiftShader: about
  // 2x on these rows) and rounds as the implementation likes.
  const dstType = outDtype === 'float16' ? 'vec2<u32>' : 'vec4<f32>';
  const load =
    inDtype === 'uint8'
      ? 'let w = src[s * params.quads + q]; return vec4<f32>(f32(w & 0xffu), f32((w >> 8u) & 0xffu), f32((w >> 16u) & 0xffu), f32(w >> 24u));'
      : 'return src[s * params.quads + q];';
  return /* wgsl */ `${outDtype === 'float16' ? f16Bits : ''}
struct Sample { kind: u32, lam: f32, partner: u32, pad: u32, box: vec4<i32> }
struct Params { total: u32, quads: u32, groups_x: u32, plane: u32, width: u32, p0: u32, p1: u32, p2: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<${srcType}>;
@group(0) @binding(2) var<storage, read_write> dst: array<${dstType}>;
@group(0) @binding(3) var<storage, read> plan: array<Sample>;
@group(0) @binding(4) var<storage, read> norm: array<vec2<f32>>;

fn load(s: u32, q: u32) -> vec4<f32> { ${load} }

@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) g: vec3<u32>, @builtin(local_invocation_index) l: u32) {
  let t = (g.y * params.groups_x + g.x) * ${WG}u + l;
  if (t >= params.total) { return; }
  let i = t / params.quads;
  let q = t % params.quads;
  let p = plan[i];
  let a = load(i, q);
  let b = load(p.partner, q);
  // One division per quad: the quad lies in one row of one channel.
  let e0 = q * 4u;
  let c = e0 / params.plane;
  let r = e0 - c * params.plane;
  let y = i32(r / params.width);
  let x = vec4<i32>(i32(r - (r / params.width) * params.width)) + vec4<i32>(0, 1, 2, 3);
  let inside = (x >= vec4<i32>(p.box.z)) & (x < vec4<i32>(p.box.w)) & vec4<bool>(y >= p.box.x && y < p.box.y);
  let blended = a * p.lam + b * (1.0 - p.lam);
  var m = select(a, blended, p.kind == 1u);
  m = select(m, b, inside & vec4<bool>(p.kind == 2u));
  ${
    normalize
      ? `let n = norm[c];
  m = m * n.x + n.y;`
      : ''
  }
  dst[t] = ${outDtype === 'float16' ? 'f16_pack(m)' : 'm'};
}`;
}

const labelsShader = /* wgsl */ `
struct Sample { kind: u32, lam: f32, partner: u32, pad: u32, box: vec4<i32> }
struct Params { total: u32, classes: u32, groups_x: u32, on: f32, off: f32, p0: u32, p1: u32, p2: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> ids: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@group(0) @binding(3) var<storage, read> plan: array<Sample>;

@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) g: vec3<u32>, @builtin(local_invocation_index) l: u32) {
  let t = (g.y * params.groups_x + g.x) * ${WG}u + l;
  if (t >= params.total) { return; }
  let i = t / params.classes;
  let k = t % params.classes;
  let p = plan[i];
  let a = select(params.off, params.on, ids[i] == k);
  let b = select(params.off, params.on, ids[p.partner] == k);
  dst[t] = a * p.lam + b * (1.0 - p.lam);
}`;

function dispatch(threads: number, maxPerDim: number): [number, number] {
  const groups = Math.max(1, Math.ceil(threads / WG));
  if (groups <= maxPerDim) return [groups, 1];
  const y = Math.ceil(groups / maxPerDim);
  return [Math.ceil(groups / y), y];
}

/** The plan as 32-byte records (kind, lam, partner, pad, box). */
function packPlan(plan: MixPlan): ArrayBuffer {
  const B = plan.kind.length;
  const host = new ArrayBuffer(32 * B);
  const u = new Uint32Array(host);
  const f = new Float32Array(host);
  const i32 = new Int32Array(host);
  for (let i = 0; i < B; i++) {
    u[8 * i] = plan.kind[i];
    f[8 * i + 1] = plan.lam[i];
    u[8 * i + 2] = plan.partner[i];
    i32.set(plan.box.subarray(4 * i, 4 * i + 4), 8 * i + 4);
  }
  return host;
}

export interface NaiveKernel {
  /** Uploads the plan and records the dispatch (the upload is per call, as for ours). */
  record(encoder: GPUCommandEncoder): void;
  destroy(): void;
}

export async function createNaive(
  device: GPUDevice,
  row: RowSpec,
  plan: MixPlan,
  src: GPUBuffer,
  dst: GPUBuffer,
): Promise<NaiveKernel> {
  const s = row.shape;
  const B = s.batch;
  const maxPerDim = device.limits.maxComputeWorkgroupsPerDimension;
  const params = new ArrayBuffer(32);
  const pu = new Uint32Array(params);
  const pf = new Float32Array(params);
  let code: string;
  let threads: number;
  let norm: Float32Array<ArrayBuffer> | null = null;
  if (row.classes !== null) {
    const K = row.classes;
    threads = B * K;
    const { on, off } = smoothingValues(K, 0.1);
    code = labelsShader;
    pu[0] = threads;
    pu[1] = K;
    pf[3] = on;
    pf[4] = off;
  } else {
    const channels = s.layout === 'rows' ? 1 : s.channels;
    const plane = s.layout === 'rows' ? s.features : s.height * s.width;
    const width = s.layout === 'rows' ? s.features : s.width;
    const n = channels * plane;
    if (n % 4 !== 0 || width % 4 !== 0) throw new Error('the naive kernel needs rows a multiple of 4 elements wide');
    threads = (B * n) / 4;
    code = imageShader(row.inDtype, row.outDtype, row.normalize !== null);
    pu[0] = threads;
    pu[1] = n / 4;
    pu[3] = plane;
    pu[4] = width;
    norm = new Float32Array(2 * channels);
    if (row.normalize) {
      const c = normalizeCoefficients(row.normalize, channels);
      for (let k = 0; k < channels; k++) {
        norm[2 * k] = c.scale[k];
        norm[2 * k + 1] = c.bias[k];
      }
    }
  }
  const [gx, gy] = dispatch(threads, maxPerDim);
  pu[2] = gx;

  const module = device.createShaderModule({ label: 'naive', code });
  const pipeline = await device.createComputePipelineAsync({
    label: 'naive',
    layout: 'auto',
    compute: { module, entryPoint: 'main' },
  });
  const paramsBuffer = device.createBuffer({ size: 32, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(paramsBuffer, 0, params);
  const planHost = packPlan(plan);
  const planBuffer = device.createBuffer({
    size: planHost.byteLength,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
  });
  const normBuffer = norm
    ? device.createBuffer({ size: norm.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST })
    : null;
  if (norm && normBuffer) device.queue.writeBuffer(normBuffer, 0, norm);
  const entries: GPUBindGroupEntry[] = [
    { binding: 0, resource: { buffer: paramsBuffer } },
    { binding: 1, resource: { buffer: src } },
    { binding: 2, resource: { buffer: dst } },
    { binding: 3, resource: { buffer: planBuffer } },
  ];
  // layout 'auto' drops bindings the shader does not use.
  if (normBuffer && row.normalize) entries.push({ binding: 4, resource: { buffer: normBuffer } });
  const group = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
  return {
    record(encoder) {
      device.queue.writeBuffer(planBuffer, 0, planHost);
      const pass = encoder.beginComputePass({ label: 'naive' });
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(gx, gy);
      pass.end();
    },
    destroy() {
      paramsBuffer.destroy();
      planBuffer.destroy();
      normBuffer?.destroy();
    },
  };
}

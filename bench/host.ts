/**
 * Host cost per call, measured side by side in one run (issue 14, item 3), for the issue's workload:
 * B = 256, 3×H×W uint8 → ImageNet-normalised float32, NCHW, elem mode, shuffle pairing, outputs
 * given. Rows:
 *
 * - `plan`: `mixer.plan(B, size)` alone (a new plan per call);
 * - `plan (into)`: `mixer.plan(B, size, into)`, filling one plan (a training loop's steady state);
 * - `plan+encode, our JS only`: plan (into) and `mixer.encode()` into an encoder whose pass records
 *   nothing, with `queue.writeBuffer` a no-op for the row: the package's own host work per call, with
 *   no WebGPU call but the slots' watch. It is drained between calls like the other rows, so the host's
 *   caches are as cold as theirs (in a tight loop the same calls take about 2/3 of it: 34 against
 *   54 µs, Node, 2026-12-02). The 1-workgroup row less the floor and this row is what our calls cost
 *   inside WebGPU beyond the floor's (the upload, and binding and submitting our larger bind group);
 * - `plan+encode`: plan (into), `mixer.encode()` into a new encoder (finish and submit untimed);
 * - `plan+encode+submit`: plan (into), `mixer.encode()` into a new encoder, `finish`, `submit`,
 *   `release`; the call options are one object, reused;
 * - `plan+encode+submit, 1 workgroup`: the same calls with every dispatch cut to one workgroup (by a
 *   wrapper on the pass): the host cost without the GPU work, to compare with the floor on a software
 *   adapter, where that work runs on the host's cores (see the "our dispatches" rows);
 * - `plan+mix()`: plan and `mixer.mix()` (the promise is awaited; the GPU is not);
 * - `WebGPU floor`: the same number of createCommandEncoder / beginComputePass / setPipeline /
 *   setBindGroup (one cached group) / dispatchWorkgroups / end / finish / submit calls with a
 *   trivial kernel: what any WebGPU executor pays for this many dispatches;
 * - `floor, our dispatches`: the floor's calls, but replaying the pipelines, bind groups and grids
 *   one mixer call recorded: the same GPU work. On a software adapter that work runs on the CPU
 *   cores the host code runs on, and submit returns only after the host thread gets a core back
 *   (SwiftShader, 2 cores: milliseconds for B = 256 at 64×64), so this row is the floor of
 *   plan+encode+submit there, and the gap between the two rows is the host cost that is ours;
 * - `floor + our upload, our dispatches`: the same, after one queue.writeBuffer of the bytes the
 *   call uploaded (into a buffer of the bench's own).
 *
 * The GPU is drained between calls (in every row but the two plan rows), outside the timed part,
 * so every call sees an idle queue.
 * Where `gc` is exposed (Node with `--expose-gc`), JS heap allocated per call is measured as the
 * growth of `process.memoryUsage().heapUsed` over a block of calls after a full GC (the young
 * generation is made large enough by the runner that no collection runs inside the block), in
 * steady state and for the first call after an idle queue apart (see heapPerCall).
 * Only public API is used, so the same file measures older versions of the package.
 */
import { createMixer } from '../src/index';
import type { MixCallOptions, MixInputs, Mixer } from '../src/index';
import { GpuTimer, emptyBuffer, fillRandom, bufferFrom, now } from './gpu-util';
import { IMAGENET } from './presets';

export interface Quantiles {
  median: number;
  p90: number;
  n: number;
}

export interface HostRow {
  name: string;
  us: Quantiles;
  /** Dispatches recorded per call (the floor records as many). */
  dispatches?: number;
  /** JS heap allocated per call in steady state, bytes (Node with --expose-gc only; see heapPerCall). */
  heapBytes?: number | null;
  /** JS heap allocated by the first call after the queue went idle, bytes (see heapPerCall). */
  firstHeapBytes?: number | null;
}

export interface HostResult {
  workload: string;
  rows: HostRow[];
}

function quantiles(samples: number[]): Quantiles {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { median: at(0.5), p90: at(0.9), n: s.length };
}

type Gc = () => void;
const gc = (globalThis as { gc?: Gc }).gc ?? null;
const heapUsed = (): number | null => {
  const p = (globalThis as { process?: { memoryUsage?: () => { heapUsed: number } } }).process;
  return gc && p?.memoryUsage ? p.memoryUsage().heapUsed : null;
};

/** Times `body` `runs` times after `warmup` calls; `between` runs untimed after each call. */
async function timeCalls(
  body: () => unknown,
  between: () => Promise<void>,
  runs: number,
  warmup: number,
): Promise<number[]> {
  const times: number[] = [];
  for (let k = 0; k < warmup + runs; k++) {
    const t0 = now();
    const r = body();
    if (r instanceof Promise) await r;
    const t1 = now();
    if (k >= warmup) times.push((t1 - t0) * 1000);
    await between();
  }
  return times;
}

/** Counts garbage collections (Node: a PerformanceObserver on 'gc' entries), given by the runner. */
export type GcCounter = () => number;

/**
 * Heap bytes per call, in blocks of `block` calls, each block after a drain and a full GC, keeping
 * only blocks in which no collection ran (`gcCount` unchanged): `steady`, the mean growth of
 * heapUsed per call from the second call of a block to its last (a training loop's steady state);
 * and `first`, the growth of the block's first call. They are apart because Dawn in Node allocates
 * about 150-250 KB of JS heap on the first submit of real GPU work after the queue went idle (measured
 * with the floor's kernel made heavy: 0.7 KB per call after the first, 150-250 KB for the first;
 * with the trivial kernel, 4 KB), which would otherwise dominate any mean over a short block. Null
 * without gc.
 */
async function heapPerCall(
  body: () => unknown,
  drain: () => Promise<void>,
  gcCount: GcCounter | undefined,
  blocks: number,
  block: number,
): Promise<{ steady: number; first: number } | null> {
  if (!gc || !gcCount) return null;
  for (let k = 0; k < 20; k++) {
    const r = body();
    if (r instanceof Promise) await r;
    await drain();
  }
  let steady = 0;
  let first = 0;
  let blocksKept = 0;
  for (let b = 0; b < blocks; b++) {
    await drain();
    gc();
    const g0 = gcCount();
    const h0 = heapUsed() as number;
    let h1 = h0;
    for (let k = 0; k < block; k++) {
      const r = body();
      if (r instanceof Promise) await r;
      if (k === 0) h1 = heapUsed() as number;
    }
    const h2 = heapUsed() as number;
    if (gcCount() === g0) {
      first += h1 - h0;
      steady += (h2 - h1) / (block - 1);
      blocksKept++;
    }
  }
  await drain();
  return blocksKept ? { steady: steady / blocksKept, first: first / blocksKept } : null;
}

const FLOOR_WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> out: array<u32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  if (id.x == 0u) { out[0] = out[0] + 1u; }
}`;

/** What one encode recorded: its dispatches, and the bytes it wrote with queue.writeBuffer. */
interface RecordedCall {
  dispatches: Array<{ pipeline: GPUComputePipeline; group: GPUBindGroup; x: number; y: number; z: number }>;
  upload: Uint8Array<ArrayBuffer>;
  uploadBytes: number;
}

/**
 * Runs `encode` on a new encoder with its pass and the queue's writeBuffer watched, submits it and
 * releases it. Only public API (wrapped methods of the objects the call uses), so it works on older trees.
 */
async function recordCall(
  device: GPUDevice,
  encode: (encoder: GPUCommandEncoder) => { release(): void },
): Promise<RecordedCall> {
  const out: RecordedCall = { dispatches: [], upload: new Uint8Array(new ArrayBuffer(0)), uploadBytes: 0 };
  const enc = device.createCommandEncoder();
  const begin = enc.beginComputePass.bind(enc);
  (enc as { beginComputePass: GPUCommandEncoder['beginComputePass'] }).beginComputePass = (descriptor) => {
    const p = begin(descriptor);
    const setPipeline = p.setPipeline.bind(p);
    const setBindGroup = p.setBindGroup.bind(p) as (index: number, group: GPUBindGroup | null) => void;
    const dispatch = p.dispatchWorkgroups.bind(p);
    let pipeline: GPUComputePipeline | null = null;
    let group: GPUBindGroup | null = null;
    p.setPipeline = (pl: GPUComputePipeline) => {
      pipeline = pl;
      setPipeline(pl);
    };
    (p as { setBindGroup: (index: number, g: GPUBindGroup | null) => void }).setBindGroup = (index, g) => {
      if (index !== 0) throw new Error('recordCall: the mixer was expected to bind group 0 only');
      group = g;
      setBindGroup(index, g);
    };
    p.dispatchWorkgroups = (x: number, y = 1, z = 1) => {
      out.dispatches.push({ pipeline: pipeline!, group: group!, x, y, z });
      dispatch(x, y, z);
    };
    return p;
  };
  const queue = device.queue;
  const write = queue.writeBuffer;
  // The upload's bytes, copied as written (the host copy is reused by later calls). dataOffset and
  // size count elements of a typed array, bytes of an ArrayBuffer.
  queue.writeBuffer = ((buffer: GPUBuffer, offset: number, data: BufferSource, dataOffset = 0, size?: number) => {
    const view = ArrayBuffer.isView(data);
    const unit = view ? ((data as Uint8Array).BYTES_PER_ELEMENT ?? 1) : 1;
    const base = view ? data.byteOffset : 0;
    const total = view ? data.byteLength : (data as ArrayBuffer).byteLength;
    const n = size === undefined ? total - dataOffset * unit : size * unit;
    const bytes = new Uint8Array(view ? data.buffer : (data as ArrayBuffer), base + dataOffset * unit, n);
    const merged = new Uint8Array(new ArrayBuffer(out.uploadBytes + n));
    merged.set(out.upload);
    merged.set(bytes, out.uploadBytes);
    out.upload = merged;
    out.uploadBytes += n;
    write.call(queue, buffer, offset, data as never, dataOffset, size);
  }) as GPUQueue['writeBuffer'];
  try {
    const e = encode(enc);
    device.queue.submit([enc.finish()]);
    e.release();
  } finally {
    queue.writeBuffer = write;
  }
  return out;
}

export interface HostOptions {
  device: GPUDevice;
  batch?: number;
  height?: number;
  width?: number;
  runs?: number;
  warmup?: number;
  /** Counts garbage collections (Node); with `gc` exposed, enables the heap column. */
  gcCount?: GcCounter;
  log(line: string): void;
}

/** The host-cost table; see the module comment. */
export async function runHostCost(o: HostOptions): Promise<HostResult> {
  const { device } = o;
  const B = o.batch ?? 256;
  const H = o.height ?? 224;
  const W = o.width ?? 224;
  const runs = o.runs ?? 200;
  const warmup = o.warmup ?? 20;
  const shape = { layout: 'NCHW' as const, batch: B, channels: 3, height: H, width: W };
  const x = new Uint8Array(B * 3 * H * W);
  fillRandom(x, 7, 256);
  const src = bufferFrom(device, x, 'host input');
  const out = emptyBuffer(device, x.length * 4, 'host output');
  const mixer: Mixer = createMixer(device, {
    mixupAlpha: 0.8,
    cutmixAlpha: 1,
    mode: 'elem',
    pairing: 'shuffle',
    seed: 11,
  });
  const inputs: MixInputs = { images: { buffer: src, shape, dtype: 'uint8' } };
  const call: MixCallOptions = { outputs: { images: out }, normalize: IMAGENET };
  const size = { height: H, width: W };
  const drain = () => device.queue.onSubmittedWorkDone();
  // Compile every variant the plans will need, then count the dispatches one call records.
  for (let k = 0; k < 10; k++) await mixer.mix(inputs, { ...call, plan: mixer.plan(B, size) });
  // One call, watched: its dispatches (pipeline, bind group, grid) and its upload bytes, which the
  // "our dispatches" rows replay with the floor's calls.
  const recorded = await recordCall(device, (encoder) =>
    mixer.encode(encoder, inputs, { ...call, plan: mixer.plan(B, size) }),
  );
  const dispatches = recorded.dispatches.length;
  await drain();

  const planOnly = () => mixer.plan(B, size);
  // A training loop's steady state: one plan filled per batch (plan(B, size, into)), one options object.
  const into = mixer.plan(B, size);
  const planInto = () => mixer.plan(B, size, into);
  const loopCall: MixCallOptions & { plan: typeof into } = { ...call, plan: into };
  const encodeSubmit = () => {
    mixer.plan(B, size, into);
    const encoder = device.createCommandEncoder();
    const encoding = mixer.encode(encoder, inputs, loopCall);
    device.queue.submit([encoder.finish()]);
    encoding.release();
  };
  // The same host calls with each dispatch cut to one workgroup (the pass's dispatchWorkgroups wrapped:
  // about 1 µs of closures): the host cost without the GPU work, which on a software adapter competes
  // with the host thread for the CPU. The output is wrong; only the time is used.
  const encodeSubmitSmall = () => {
    mixer.plan(B, size, into);
    const encoder = device.createCommandEncoder();
    const begin = encoder.beginComputePass.bind(encoder);
    (encoder as { beginComputePass: GPUCommandEncoder['beginComputePass'] }).beginComputePass = (descriptor) => {
      const pass = begin(descriptor);
      const dispatch = pass.dispatchWorkgroups.bind(pass);
      pass.dispatchWorkgroups = () => dispatch(1);
      return pass;
    };
    const encoding = mixer.encode(encoder, inputs, loopCall);
    device.queue.submit([encoder.finish()]);
    encoding.release();
  };
  // Our JS alone (see the module comment): a pass and an encoder whose methods record nothing, and
  // no upload. The slot's watch (one onSubmittedWorkDone per few releases) stays: it is ours.
  const noPass = { setPipeline() {}, setBindGroup() {}, dispatchWorkgroups() {}, end() {} };
  const noEncoder = {
    beginComputePass: () => noPass,
    clearBuffer() {},
    copyBufferToBuffer() {},
  } as unknown as GPUCommandEncoder;
  const queue = device.queue;
  const realWrite = queue.writeBuffer;
  const noWrite = (() => undefined) as GPUQueue['writeBuffer'];
  const encodeJs = () => {
    mixer.plan(B, size, into);
    queue.writeBuffer = noWrite;
    try {
      mixer.encode(noEncoder, inputs, loopCall).release();
    } finally {
      queue.writeBuffer = realWrite;
    }
  };
  const mixCall = () => mixer.mix(inputs, { ...call, plan: mixer.plan(B, size) });
  // The same, with finish + submit outside the timed part (submit cost is the WebGPU implementation's).
  let pending: { encoder: GPUCommandEncoder; release(): void } | null = null;
  const encodeOnly = () => {
    mixer.plan(B, size, into);
    const encoder = device.createCommandEncoder();
    const encoding = mixer.encode(encoder, inputs, loopCall);
    pending = { encoder, release: () => encoding.release() };
  };
  const submitPending = async () => {
    if (pending) {
      device.queue.submit([pending.encoder.finish()]);
      pending.release();
      pending = null;
    }
    await drain();
  };

  const floorBuffer = device.createBuffer({ size: 16, usage: GPUBufferUsage.STORAGE });
  const module = device.createShaderModule({ code: FLOOR_WGSL });
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  const group = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [{ binding: 0, resource: { buffer: floorBuffer } }],
  });
  const floor = () => {
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    for (let d = 0; d < dispatches; d++) {
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(1);
    }
    pass.end();
    device.queue.submit([encoder.finish()]);
  };
  // The floor's calls, replaying the mixer's own dispatches: the same GPU work, hence what submit costs
  // for it (on a software adapter the work runs on the CPU cores the host code runs on).
  const replay = (upload: boolean) => () => {
    if (upload) device.queue.writeBuffer(uploadCopy, 0, recorded.upload, 0, recorded.uploadBytes);
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    for (const d of recorded.dispatches) {
      pass.setPipeline(d.pipeline);
      pass.setBindGroup(0, d.group);
      pass.dispatchWorkgroups(d.x, d.y, d.z);
    }
    pass.end();
    device.queue.submit([encoder.finish()]);
  };
  const uploadCopy = device.createBuffer({
    size: Math.max(16, Math.ceil(recorded.uploadBytes / 4) * 4),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
  });

  // Interleaved in blocks, so drift hits every row alike.
  const bodies: Array<[string, () => unknown, boolean]> = [
    ['plan', planOnly, false],
    ['plan (into)', planInto, false],
    ['plan+encode, our JS only', encodeJs, true],
    ['plan+encode', encodeOnly, true],
    ['plan+encode+submit', encodeSubmit, true],
    ['plan+encode+submit, 1 workgroup', encodeSubmitSmall, true],
    ['plan+mix()', mixCall, true],
    ['WebGPU floor', floor, true],
    ['floor, our dispatches', replay(false), true],
    ['floor + our upload, our dispatches', replay(true), true],
  ];
  const samples = new Map<string, number[]>(bodies.map(([n]) => [n, []]));
  const block = 20;
  for (let done = 0; done < runs; done += block) {
    for (const [name, body, gpu] of bodies) {
      const t = await timeCalls(
        body,
        body === encodeOnly ? submitPending : gpu ? drain : async () => {},
        block,
        done === 0 ? warmup : 0,
      );
      samples.get(name)!.push(...t);
    }
  }
  const rows: HostRow[] = [];
  for (const [name, body, gpu] of bodies) {
    const heap =
      // Not for rows that are only parts or models of a call: the JS-only row's blocks, with nothing
      // submitted, keep slots waiting that a real loop gets back (6 KB per call against 3.5 KB).
      body === encodeOnly || body === encodeSubmitSmall || body === encodeJs
        ? null
        : await heapPerCall(body, drain, o.gcCount, 20, gpu ? 10 : 50);
    rows.push({
      name,
      us: quantiles(samples.get(name)!),
      dispatches: gpu ? dispatches : undefined,
      heapBytes: heap?.steady ?? null,
      firstHeapBytes: heap?.first ?? null,
    });
  }
  mixer.destroy();
  await drain();
  src.destroy();
  out.destroy();
  floorBuffer.destroy();
  uploadCopy.destroy();
  const workload = `B=${B} 3x${H}x${W} u8>f32 norm NCHW, elem, mixup 0.8 + CutMix 1, shuffle, outputs given; ${dispatches} dispatch(es)`;
  for (const r of rows) {
    o.log(
      `${r.name}: median ${r.us.median.toFixed(1)} µs, p90 ${r.us.p90.toFixed(1)} µs${r.heapBytes == null ? '' : `, heap ${(r.heapBytes / 1024).toFixed(1)} KB/call (first call after idle ${((r.firstHeapBytes ?? 0) / 1024).toFixed(1)} KB)`}`,
    );
  }
  return { workload, rows };
}

export interface LimitsRow {
  name: string;
  maxStorageBufferBindingSize: number;
  dispatches: number;
  ms: Quantiles;
}

/**
 * The headline batch (B×3×H×W uint8 → normalised float32, elem, shuffle) on two devices of one
 * adapter, interleaved: one with the adapter's limits (one pass) and one from a plain
 * `requestDevice()` (the spec's default 128 MiB binding: chunked when the output exceeds it).
 * GPU time from timestamps where available, else wall time to onSubmittedWorkDone.
 */
export async function runDefaultLimits(
  gpu: GPU,
  o: { batch?: number; height?: number; width?: number; runs?: number; log(line: string): void },
): Promise<LimitsRow[]> {
  const B = o.batch ?? 256;
  const H = o.height ?? 224;
  const W = o.width ?? 224;
  const runs = o.runs ?? 5;
  const adapterFor = async () =>
    (await gpu.requestAdapter({ powerPreference: 'high-performance' })) ??
    (await gpu.requestAdapter({ forceFallbackAdapter: true }));
  const first = await adapterFor();
  if (!first) throw new Error('no adapter');
  const limits: Record<string, number> = {};
  for (const key in first.limits) {
    const v = (first.limits as unknown as Record<string, unknown>)[key];
    if (typeof v === 'number') limits[key] = v;
  }
  const features: GPUFeatureName[] = first.features.has('timestamp-query') ? ['timestamp-query'] : [];
  const full = await first.requestDevice({ requiredFeatures: features, requiredLimits: limits });
  const plainAdapter = await adapterFor();
  const plain = await plainAdapter!.requestDevice({ requiredFeatures: features });
  const shape = { layout: 'NCHW' as const, batch: B, channels: 3, height: H, width: W };
  const x = new Uint8Array(B * 3 * H * W);
  fillRandom(x, 7, 256);
  const setups = [
    ['adapter limits', full],
    ['default limits', plain],
  ] as const;
  const state = setups.map(([name, device]) => {
    const src = bufferFrom(device, x, 'limits input');
    const out = emptyBuffer(device, x.length * 4, 'limits output');
    const mixer = createMixer(device, { mixupAlpha: 0.8, cutmixAlpha: 1, mode: 'elem', pairing: 'shuffle', seed: 11 });
    const plan = mixer.plan(B, { height: H, width: W });
    return { name, device, src, out, mixer, plan, timer: new GpuTimer(device), times: [] as number[], dispatches: 0 };
  });
  for (const s of state) {
    const inputs: MixInputs = { images: { buffer: s.src, shape, dtype: 'uint8' } };
    await s.mixer.prepare(inputs, { plan: s.plan, outputs: { images: s.out }, normalize: IMAGENET });
  }
  for (let k = 0; k < runs + 1; k++) {
    for (const s of state) {
      const inputs: MixInputs = { images: { buffer: s.src, shape, dtype: 'uint8' } };
      const t0 = now();
      const encoder = s.device.createCommandEncoder();
      s.timer.begin(encoder);
      const begin = encoder.beginComputePass.bind(encoder);
      let dispatches = 0;
      (encoder as { beginComputePass: GPUCommandEncoder['beginComputePass'] }).beginComputePass = (d) => {
        const p = begin(d);
        const dispatch = p.dispatchWorkgroups.bind(p);
        p.dispatchWorkgroups = (a: number, b?: number, c?: number) => {
          dispatches++;
          dispatch(a, b, c);
        };
        return p;
      };
      const e = s.mixer.encode(encoder, inputs, { plan: s.plan, outputs: { images: s.out }, normalize: IMAGENET });
      s.timer.end(encoder);
      s.device.queue.submit([encoder.finish()]);
      e.release();
      await s.device.queue.onSubmittedWorkDone();
      const wall = now() - t0;
      const g = await s.timer.read();
      s.dispatches = dispatches;
      if (k > 0) s.times.push(g ?? wall);
    }
  }
  const rows = state.map((s) => ({
    name: s.name,
    maxStorageBufferBindingSize: s.device.limits.maxStorageBufferBindingSize,
    dispatches: s.dispatches,
    ms: quantiles(s.times),
  }));
  for (const s of state) {
    s.mixer.destroy();
    s.timer.destroy();
    s.src.destroy();
    s.out.destroy();
    s.device.destroy();
  }
  for (const r of rows)
    o.log(
      `${r.name} (binding ${(r.maxStorageBufferBindingSize / 2 ** 20).toFixed(0)} MiB): ${r.dispatches} dispatch(es), median ${r.ms.median.toFixed(1)} ms, p90 ${r.ms.p90.toFixed(1)} ms`,
    );
  o.log(`default / adapter limits: ${(rows[1].ms.median / rows[0].ms.median).toFixed(2)}x`);
  return rows;
}

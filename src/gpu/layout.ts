/**
 * The layout of one call: its dispatches, the buffer windows each binds, and where everything goes
 * in the upload (params, plan table, segment tables, walks, normalisation, masks). The layout owns every
 * offset and slot; recording (record.ts) only reads it.
 *
 * Binding ranges into the upload depend on the batch's shape only (segment tables and walks get
 * room for their largest size), and the masks' range on the masks' size, so successive calls of one
 * shape (and one mask size) bind the same ranges.
 */
import type { NormalizeCoefficients } from '../formulas.js';
import { smoothing } from '../formulas.js';
import type { ResolvedMixOptions } from '../options.js';
import { DTYPE_BYTES } from '../shape.js';
import { denseRules } from '../dense.js';
import { resizeScale } from '../resize.js';
import type { MixPlan, PlanMasks, ResizeMode } from '../types.js';
import { KIND_RESIZEMIX } from '../types.js';
import type { CheckContext, CheckedCall } from './checks.js';
import { ResizeSampleLayout, SamplePlanLayout } from './layouts.generated.js';
import { addressUnit, dispatchSize, elementBytes } from './shaders.js';
import {
  batchKey,
  denseVariant,
  drawableMasks,
  drawableResizeModes,
  entryFor,
  imagesVariant,
  ioVariant,
  planKinds,
  resizeKey,
  resizeVariant,
  softVariant,
} from './variant.js';
import type { BatchEntry, BatchVariant, Binding, ResizeVariant } from './variant.js';
import { buildChunkedWalk, buildWalk } from './walk.js';
import type { Walk, WalkOptions, WalkScratch } from './walk.js';

/** Aim for this many threads before cutting long cycles (enough to fill a large GPU). */
const TARGET_THREADS = 1 << 18;

const ceil4 = (bytes: number) => Math.ceil(bytes / 4) * 4;
const alignUp = (value: number, alignment: number) => Math.ceil(value / alignment) * alignment;

/** A bound range of a buffer and the samples it holds (see `Params` in mix_common.wgsl). */
export interface Window {
  offset: number;
  size: number;
  /** First sample in the window, sample count, and its first element's offset in addressing units. */
  base: number;
  count: number;
  shift: number;
}

/** One dispatch of the batch kernel: a run of segments, the windows it reads and writes, its params slot. */
export interface Dispatch {
  /** Upload offset of this dispatch's `Params`. */
  paramsAt: number;
  segBase: number;
  segCount: number;
  threads: number;
  groups: [x: number, y: number];
  src: Window;
  /**
   * The second input binding (a chunk's partners, or the upper part of a split input); an empty window (count 0) over
   * `src` when unused.
   */
  src2: Window;
  dst: Window;
  /** The upper part of a split output (bound as dst2); an empty window (count 0) over `dst`, not bound, when unused. */
  dst2: Window;
  /** Array elements in the first binding of a split input; 0 when not split. */
  srcSplit: number;
  /** Array elements in the first binding of a split output (dst); 0 when not split. */
  dstSplit: number;
}

/** A batch-kernel job (the images, soft targets as rows, or a dense map), fully laid out. */
export interface BatchJob {
  /**
   * How the buffers are bound: whole; split (input whole, in one binding or two; output whole in two
   * bindings, or in windows); or in chunks (see bindingMode).
   */
  mode: 'whole' | 'split' | 'chunks';
  /** Bytes of the input and of the output. */
  inBytes: number;
  outBytes: number;
  variant: BatchVariant;
  entry: BatchEntry;
  /** Pipeline cache key (variant + entry). */
  key: string;
  source: GPUBuffer;
  n: number;
  quads: number;
  channels: number;
  width: number;
  height: number;
  walk: Walk;
  dispatches: Dispatch[];
  /**
   * The walk's tables in the upload, bound as one range (binding `walk`): the segment table at
   * `segmentsAt`, then the sample list at `walkAt`, `walkBase` words after it; `tablesSize` bytes in
   * all (room for the largest walk of the shape).
   */
  segmentsAt: number;
  walkAt: number;
  walkBase: number;
  tablesSize: number;
  /** How this job resamples ResizeMix pastes: the plan's mode, or nearest for an integer map (../dense.ts). */
  resize: ResizeMode;
  /** ResizeMix's pass over this job's output (images and dense maps), when the plan has kind-3 samples with boxes. */
  resizePass: ResizeJob | null;
}

/** The labels kernel: class ids to smoothed, mixed targets, one dispatch per window of target rows. */
export interface LabelsJob {
  labels: GPUBuffer;
  labelsSize: number;
  numClasses: number;
  on: number;
  off: number;
  quads: number;
  dispatches: Array<{ paramsAt: number; threads: number; groups: [x: number, y: number]; dst: Window }>;
}

/**
 * ResizeMix's pass over a job's output (after its batch dispatches): per batch dispatch that writes kind-3
 * samples with non-empty boxes, one dispatch over those samples that binds the same windows, so
 * each sample and its partner are in the input it binds whatever the binding mode.
 */
export interface ResizeJob {
  variant: ResizeVariant;
  key: string;
  /** The kind-3 samples by dispatch (`segBase`, `segCount` index them), and 2 scales each (rows, columns). */
  samples: Uint32Array;
  scales: Float32Array;
  dispatches: Dispatch[];
  /** Upload range of the ResizeSample table (room for every sample of the batch). */
  listAt: number;
  listSize: number;
}

/**
 * The plan's kind-4 masks as the batch kernel reads them: `data` uploaded whole (bits as words,
 * soft weights as their f32 bit patterns), sample i's mask at word `index[i] * stride`. Bound whole
 * whatever the chunking: a mask is indexed by the absolute sample, like the plan table.
 */
export interface MaskUpload {
  data: Uint32Array | Float32Array;
  index: Uint32Array;
  height: number;
  width: number;
  /** Words per mask. */
  stride: number;
}

/** A call, ready to record. */
export interface CallLayout {
  batch: number;
  plan: MixPlan;
  images: BatchJob;
  soft: BatchJob | null;
  /** One job per dense map, in `inputs.dense` order. */
  dense: BatchJob[];
  ids: LabelsJob | null;
  normalize: NormalizeCoefficients | null;
  /** Params slots are `alignment` apart from offset 0. */
  paramsSize: number;
  samplesAt: number;
  samplesSize: number;
  normAt: number;
  normSize: number;
  /** The masks of a plan with kind-4 samples, else null (a 4-byte range is bound all the same). */
  masks: MaskUpload | null;
  masksAt: number;
  masksSize: number;
  uploadSize: number;
}

/** The jobs whose output has pixels, so ResizeMix passes of their own: the images, then each dense map. */
export function pixelJobs(layout: CallLayout): BatchJob[] {
  return [layout.images, ...layout.dense];
}

/** Lays out a checked call with its resolved plan; see the module comment. */
export function layoutCall(
  ctx: CheckContext,
  call: CheckedCall,
  plan: MixPlan,
  labelSmoothing: number,
  scratch?: { images: WalkScratch; soft: WalkScratch; dense: WalkScratch[] },
): CallLayout {
  const g = call.geometry;
  const batch = g.batch;
  const kinds = planKinds(plan.kind, plan.masks);
  const normalize = call.normalize !== null;
  const images = batchJob(ctx, plan, call.source, g.n, g, call.inPlace, scratch?.images, (binding) =>
    ioVariant(call.inDtype, call.outDtype, call.inPlace, normalize, g.layout, g.n, g.width, kinds, binding),
  );
  const K = call.numClasses;
  const soft =
    call.labels?.dtype === 'float32'
      ? batchJob(ctx, plan, call.labels.buffer, K, { channels: 1, width: K, height: 1 }, false, scratch?.soft, (w) =>
          softVariant(K, kinds, w),
        )
      : null;
  // Dense maps: jobs of the images' kind, over each map's own buffer, dtype, layout and channels.
  const dense = call.dense.map((d, k) => {
    const job = batchJob(ctx, plan, d.source, d.geometry.n, d.geometry, call.inPlace, scratch?.dense[k], (w) =>
      denseVariant(d, call.inPlace, kinds, w),
    );
    // Checked before the draw for drawn plans (checkDrawableForDense); checked again here, so that a
    // blend the planner drew anyway would fail loudly instead of blending ids.
    job.resize = denseRules(d.argument, plan, d.integer);
    return job;
  });
  const idWindows = call.labels && call.labels.dtype !== 'float32' ? targetWindows(ctx, batch, K) : null;

  // Upload: params slots, then the plan table, the segment tables and walks, the normalisation.
  const a = ctx.alignment;
  let slot = 0;
  // Indexed loops here and below: this runs per call, and array iterators are garbage (issue 14).
  slot = numberParams(images.dispatches, a, slot);
  if (soft) slot = numberParams(soft.dispatches, a, slot);
  for (let k = 0; k < dense.length; k++) slot = numberParams(dense[k].dispatches, a, slot);
  let ids: LabelsJob | null = null;
  if (call.labels && idWindows) {
    const { on, off } = smoothing(K, labelSmoothing);
    const quads = Math.ceil(K / 4);
    const maxGroups = ctx.device.limits.maxComputeWorkgroupsPerDimension;
    const dispatches = idWindows.map((dst) => {
      const threads = dst.count * quads;
      return { paramsAt: a * slot++, threads, groups: dispatchSize(threads, maxGroups), dst };
    });
    ids = { labels: call.labels.buffer, labelsSize: batch * 4, numClasses: K, on, off, quads, dispatches };
  }
  // ResizeMix's passes: one per job with pixels (images, dense maps), after the others' params.
  for (let k = -1; k < dense.length; k++) {
    const job = k < 0 ? images : dense[k];
    job.resizePass = kinds.resize ? resizeJob(ctx, plan, job) : null;
    if (job.resizePass) slot = numberParams(job.resizePass.dispatches, a, slot);
  }
  const paramsSize = Math.max(1, slot) * a;
  let at = paramsSize;
  const samplesAt = at;
  const samplesSize = batch * SamplePlanLayout.size;
  at = alignUp(at + samplesSize, a);
  for (let k = -2; k < dense.length; k++) {
    const job = k === -2 ? images : k === -1 ? soft : dense[k];
    if (!job) continue;
    job.segmentsAt = at;
    job.walkAt = at + 4 * job.walkBase;
    at = alignUp(at + job.tablesSize, a);
  }
  for (let k = -1; k < dense.length; k++) {
    const pass = (k < 0 ? images : dense[k]).resizePass;
    if (!pass) continue;
    pass.listAt = at;
    at = alignUp(at + pass.listSize, a);
  }
  const normAt = at;
  const normSize = Math.max(8, g.channels * 8);
  const masks = kinds.mask ? maskUpload(plan.masks as PlanMasks) : null;
  const masksAt = alignUp(normAt + normSize, a);
  const masksSize = masks ? masks.data.byteLength : 4;
  return {
    batch,
    plan,
    images,
    soft,
    dense,
    ids,
    normalize: call.normalize,
    paramsSize,
    samplesAt,
    samplesSize,
    normAt,
    normSize,
    masks,
    masksAt,
    masksSize,
    uploadSize: masksAt + masksSize,
  };
}

/** Gives `dispatches` the params slots from `slot` on, `alignment` bytes apart; returns the next slot. */
function numberParams(dispatches: Dispatch[], alignment: number, slot: number): number {
  for (let i = 0; i < dispatches.length; i++) dispatches[i].paramsAt = alignment * slot++;
  return slot;
}

function maskUpload(m: PlanMasks): MaskUpload {
  const pixels = m.height * m.width;
  const stride = m.format === 'bits' ? Math.ceil(pixels / 32) : pixels;
  return { data: m.data, index: m.index, height: m.height, width: m.width, stride };
}

/**
 * How a job of `batch` samples of `bytesIn` / `bytesOut` bytes is bound: whole; split (the input
 * fits one binding or two, bound whole as src + src2; an output larger than a binding but not two
 * is bound whole as dst + dst2, so the call is one dispatch with the walk of one pass: at the
 * default 128 MiB binding a 256x3x224x224 uint8 input, 38.5 MB, is bound whole and its 154 MB
 * float32 output as 128 MiB + 26 MB; a larger output is written in overlapping windows of whole
 * samples, one dispatch each, with cycles cut only where a run of outputs fits no one window
 * (walk.ts, outputWindows)); or in chunks of whole samples for inputs larger than two bindings
 * (each input then read twice).
 */
function bindingMode(
  ctx: CheckContext,
  batch: number,
  bytesIn: number,
  bytesOut: number,
  inPlace: boolean,
): 'whole' | 'split' | 'chunks' {
  const limit = ctx.maxBindingBytes;
  const total = (bytes: number) => ceil4(batch * bytes);
  if (total(bytesIn) <= limit && total(bytesOut) <= limit) return 'whole';
  return !inPlace && total(bytesIn) - splitAt(ctx) <= limit ? 'split' : 'chunks';
}

/**
 * Bytes of the first binding of a buffer split in two (input or output): the largest size of one
 * binding that is a multiple of the offset alignment (where the second binding starts) and of 16
 * (a whole number of array elements of any type).
 */
function splitAt(ctx: CheckContext): number {
  const unit = Math.max(ctx.alignment, 16);
  return Math.floor(ctx.maxBindingBytes / unit) * unit;
}

/** Whether a split job's output is bound as two bindings (dst + dst2) rather than in windows. */
function splitsOutput(ctx: CheckContext, batch: number, bytesOut: number): boolean {
  const total = ceil4(batch * bytesOut);
  return total > ctx.maxBindingBytes && total - splitAt(ctx) <= ctx.maxBindingBytes;
}

/** Lays out a batch-kernel job: one dispatch over the whole batch, dispatches per output window, or chunks. */
function batchJob(
  ctx: CheckContext,
  plan: MixPlan,
  source: GPUBuffer,
  n: number,
  geometry: { channels: number; width: number; height: number },
  inPlace: boolean,
  scratch: WalkScratch | undefined,
  variantFor: (binding: Binding) => BatchVariant,
): BatchJob {
  // No closures here: this runs per call and job, and a closure (with its context) is garbage (issue 14).
  const batch = plan.partner.length;
  const quads = Math.ceil(n / 4);
  const maxGroups = ctx.device.limits.maxComputeWorkgroupsPerDimension;
  const probe = variantFor(WHOLE);
  const bytesIn = n * DTYPE_BYTES[probe.inDtype];
  const bytesOut = n * DTYPE_BYTES[probe.outDtype];
  const limit = ctx.maxBindingBytes;
  const a = ctx.alignment;
  const mode = bindingMode(ctx, batch, bytesIn, bytesOut, inPlace);
  if (mode === 'whole') {
    const walk = buildWalk(plan.partner, walkOptions(scratch, inPlace, quads, 0), scratch);
    const src = wholeWindow(batch, bytesIn);
    const d = dispatchOf(0, walk.count, quads, maxGroups, src, null, wholeWindow(batch, bytesOut));
    return jobOf(mode, probe, walk, [d], plan, source, n, quads, geometry, bytesIn, bytesOut);
  }
  if (mode === 'split' && splitsOutput(ctx, batch, bytesOut)) {
    // The output bound whole as dst + dst2: one dispatch, the walk of one pass.
    const srcSplit = ceil4(batch * bytesIn) > limit;
    const variant = variantFor({ windowed: false, srcSplit, dstWindowed: false, dstSplit: true });
    const walk = buildWalk(plan.partner, walkOptions(scratch, inPlace, quads, 0), scratch);
    const first = splitAt(ctx);
    const src = splitWindows(batch, bytesIn, srcSplit ? first : 0);
    const dst = splitWindows(batch, bytesOut, first);
    const d = dispatchOf(0, walk.count, quads, maxGroups, src[0], src[1], dst[0]);
    d.srcSplit = srcSplit ? first / elementBytes(variant.inDtype, variant.vec4) : 0;
    d.dst2 = dst[1] as Window;
    d.dstSplit = first / elementBytes(variant.outDtype, variant.vec4);
    return jobOf(mode, variant, walk, [d], plan, source, n, quads, geometry, bytesIn, bytesOut);
  }
  if (mode === 'split') {
    const srcSplit = ceil4(batch * bytesIn) > limit;
    const dstWindowed = ceil4(batch * bytesOut) > limit;
    const variant = variantFor({ windowed: false, srcSplit, dstWindowed, dstSplit: false });
    const perWindow = dstWindowed ? Math.floor((limit - a) / bytesOut) : batch;
    const walk = buildWalk(plan.partner, walkOptions(scratch, inPlace, quads, perWindow), scratch);
    // The input: whole, or [0, first) and the rest; the split counts array elements.
    const first = splitAt(ctx);
    const [src, src2] = splitWindows(batch, bytesIn, srcSplit ? first : 0);
    const split = srcSplit ? first / elementBytes(variant.inDtype, variant.vec4) : 0;
    const unitOut = addressUnit(variant.outDtype, variant.vec4);
    const dispatches = (walk.outputGroups ?? []).map((g) =>
      dispatchOf(
        g.segBase,
        g.segCount,
        quads,
        maxGroups,
        src,
        src2,
        dstWindowed ? windowAt(g.base, g.count, bytesOut, unitOut, a) : wholeWindow(batch, bytesOut),
        split,
      ),
    );
    return jobOf(mode, variant, walk, dispatches, plan, source, n, quads, geometry, bytesIn, bytesOut);
  }
  // Chunked (checks.ts made sure a sample fits a binding, and that the call is not in place).
  const perChunk = Math.floor((limit - a) / Math.max(bytesIn, bytesOut));
  const variant = variantFor({ windowed: true, srcSplit: false, dstWindowed: false, dstSplit: false });
  const walk = buildChunkedWalk(plan.partner, perChunk);
  const unitIn = addressUnit(variant.inDtype, variant.vec4);
  const unitOut = addressUnit(variant.outDtype, variant.vec4);
  // Window `chunk` of `perChunk` whole samples.
  const window = (chunk: number, bytes: number, unit: number): Window =>
    windowAt(chunk * perChunk, Math.min(perChunk, batch - chunk * perChunk), bytes, unit, a);
  const dispatches = walk.groups.map((gr) =>
    dispatchOf(
      gr.segBase,
      gr.segCount,
      quads,
      maxGroups,
      window(gr.chunk, bytesIn, unitIn),
      gr.partnerChunk === gr.chunk ? null : window(gr.partnerChunk, bytesIn, unitIn),
      window(gr.chunk, bytesOut, unitOut),
    ),
  );
  return jobOf(mode, variant, walk, dispatches, plan, source, n, quads, geometry, bytesIn, bytesOut);
}

/** The binding of a job bound whole (no windows, no split). */
const WHOLE: Binding = Object.freeze({ windowed: false, srcSplit: false, dstWindowed: false, dstSplit: false });

/**
 * The walk's options, in an object kept in the job's scratch (one per call would be garbage);
 * `outputChunk` 0 means one output window.
 */
function walkOptions(
  scratch: WalkScratch | undefined,
  inPlace: boolean,
  quads: number,
  outputChunk: number,
): WalkOptions {
  const o = scratch?.options ?? { inPlace, quads, targetThreads: TARGET_THREADS };
  o.inPlace = inPlace;
  o.quads = quads;
  o.targetThreads = TARGET_THREADS;
  o.outputChunk = outputChunk > 0 ? outputChunk : undefined;
  return o;
}

/** A window over every sample: `bytes` per sample from offset 0. */
function wholeWindow(batch: number, bytes: number): Window {
  return { offset: 0, size: ceil4(batch * bytes), base: 0, count: batch, shift: 0 };
}

/**
 * A buffer of `batch` samples of `bytes` bound whole: in one binding when `first` is 0, else as
 * [0, first) and [first, end) (samples may straddle the two; the kernel picks the binding by array
 * element). The second is null when there is none.
 */
function splitWindows(batch: number, bytes: number, first: number): [Window, Window | null] {
  const whole = wholeWindow(batch, bytes);
  if (first === 0) return [whole, null];
  return [
    { ...whole, size: first },
    { ...whole, offset: first, size: whole.size - first },
  ];
}

/** The window of samples [base, base + count), its offset aligned down to `alignment` and the rest as a shift. */
function windowAt(base: number, count: number, bytes: number, unit: number, alignment: number): Window {
  const start = base * bytes;
  const offset = Math.floor(start / alignment) * alignment;
  return { offset, size: ceil4(start - offset + count * bytes), base, count, shift: (start - offset) / unit };
}

/** One dispatch over `segCount` segments from `segBase`; without a second input, src2 is an empty window over src. */
function dispatchOf(
  segBase: number,
  segCount: number,
  quads: number,
  maxGroups: number,
  src: Window,
  src2: Window | null,
  dst: Window,
  srcSplit = 0,
): Dispatch {
  const threads = segCount * quads;
  return {
    paramsAt: 0,
    segBase,
    segCount,
    threads,
    groups: dispatchSize(threads, maxGroups),
    src,
    src2: src2 ?? { offset: src.offset, size: src.size, base: src.base, count: 0, shift: src.shift },
    dst,
    dst2: { offset: dst.offset, size: dst.size, base: dst.base, count: 0, shift: dst.shift },
    srcSplit,
    dstSplit: 0,
  };
}

/** The job record; its upload ranges are set by layoutCall. */
function jobOf(
  mode: BatchJob['mode'],
  variant: BatchVariant,
  walk: Walk,
  dispatches: Dispatch[],
  plan: MixPlan,
  source: GPUBuffer,
  n: number,
  quads: number,
  geometry: { channels: number; width: number; height: number },
  bytesIn: number,
  bytesOut: number,
): BatchJob {
  const batch = plan.partner.length;
  const entry = entryFor(walk);
  return {
    mode,
    inBytes: ceil4(batch * bytesIn),
    outBytes: ceil4(batch * bytesOut),
    variant,
    entry,
    key: batchKey(variant, entry),
    source,
    n,
    quads,
    channels: geometry.channels,
    width: geometry.width,
    height: geometry.height,
    walk,
    dispatches,
    // Room for the largest walk of this shape: at most one segment (4 words) and two walk entries per sample.
    segmentsAt: 0,
    walkAt: 0,
    walkBase: 4 * batch,
    tablesSize: 24 * batch,
    resize: plan.resize ?? 'bilinear',
    resizePass: null,
  };
}

/**
 * ResizeMix's pass for the batch job `job` (see ResizeJob), in the job's resize mode; null when no
 * kind-3 sample has a non-empty box. The samples a batch dispatch writes are the outputs of its walk segments.
 */
function resizeJob(ctx: CheckContext, plan: MixPlan, job: BatchJob): ResizeJob | null {
  const images = job;
  const { kind, box, partner } = plan;
  const { segments, walk } = images.walk;
  const samples = new Uint32Array(partner.length);
  const scales = new Float32Array(2 * partner.length);
  const maxGroups = ctx.device.limits.maxComputeWorkgroupsPerDimension;
  const dispatches: Dispatch[] = [];
  let count = 0;
  for (const d of images.dispatches) {
    const first = count;
    for (let k = d.segBase; k < d.segBase + d.segCount; k++) {
      for (let t = 0, at = segments[4 * k]; t < segments[4 * k + 1]; t++) {
        const s = walk[at + t];
        const bh = box[4 * s + 1] - box[4 * s];
        const bw = box[4 * s + 3] - box[4 * s + 2];
        if (kind[s] !== KIND_RESIZEMIX || bh === 0 || bw === 0) continue;
        samples[count] = s;
        scales[2 * count] = resizeScale(images.height, bh);
        scales[2 * count + 1] = resizeScale(images.width, bw);
        count++;
      }
    }
    if (count === first) continue;
    const threads = (count - first) * images.quads;
    const groups = dispatchSize(threads, maxGroups);
    dispatches.push({ ...d, paramsAt: 0, segBase: first, segCount: count - first, threads, groups });
  }
  if (count === 0) return null;
  const variant = resizeVariant(job.variant, job.resize);
  const listSize = partner.length * ResizeSampleLayout.size;
  return { variant, key: resizeKey(variant), samples, scales, dispatches, listAt: 0, listSize };
}

/** Row windows of the [B, K] targets written by the labels kernel: all rows, or chunks that fit a binding. */
function targetWindows(ctx: CheckContext, batch: number, numClasses: number): Window[] {
  const rowBytes = numClasses * 4;
  if (batch * rowBytes <= ctx.maxBindingBytes)
    return [{ offset: 0, size: batch * rowBytes, base: 0, count: batch, shift: 0 }];
  const a = ctx.alignment;
  const perChunk = Math.floor((ctx.maxBindingBytes - a) / rowBytes);
  const windows: Window[] = [];
  for (let base = 0; base < batch; base += perChunk) {
    const count = Math.min(perChunk, batch - base);
    const start = base * rowBytes;
    const offset = Math.floor(start / a) * a;
    windows.push({ offset, size: start - offset + count * rowBytes, base, count, shift: (start - offset) / 4 });
  }
  return windows;
}

/**
 * Every (variant, entry) a call of this shape can need with plans from `options` (what prepare()
 * compiles, so that no later call compiles): each subset of the kinds the options can draw, and
 * each entry point the pairing can give (one for a fixed partner array, singles when chunked).
 */
export function possibleKernels(
  ctx: CheckContext,
  call: CheckedCall,
  options: ResolvedMixOptions,
): Array<{ variant: BatchVariant; entry: BatchEntry }> {
  const g = call.geometry;
  const blends = options.mixupAlpha > 0 ? [false, true] : [false];
  const pastes = options.cutmixAlpha > 0 && g.layout !== 'rows' ? [false, true] : [false];
  const entries = (binding: Binding, quads: number): BatchEntry[] => {
    if (binding.windowed) return ['main_singles'];
    // Output windows cut cycles into runs that fit one window: any segment shape can come out (a split
    // output, bound whole, keeps the walk of one pass).
    if (binding.dstWindowed) return ['main_pairs', 'main_singles', 'main_walk'];
    const p = options.pairing;
    if (typeof p !== 'string')
      return [
        entryFor(buildWalk(Uint32Array.from(p), { inPlace: call.inPlace, quads, targetThreads: TARGET_THREADS })),
      ];
    if (p === 'flip' || (p === 'shuffle' && options.mode === 'pair') || g.batch <= 2) return ['main_pairs'];
    return p === 'roll' ? ['main_walk'] : ['main_pairs', 'main_walk'];
  };
  const out: Array<{ variant: BatchVariant; entry: BatchEntry }> = [];
  const add = (variant: BatchVariant, list: BatchEntry[]) => {
    for (const entry of list)
      if (!out.some((o) => batchKey(o.variant, o.entry) === batchKey(variant, entry))) out.push({ variant, entry });
  };
  const K = call.numClasses;
  const imagesBinding = bindingOf(
    ctx,
    g.batch,
    g.n * DTYPE_BYTES[call.inDtype],
    g.n * DTYPE_BYTES[call.outDtype],
    call.inPlace,
  );
  const softBinding = bindingOf(ctx, g.batch, K * 4, K * 4, false);
  const denseBindings = call.dense.map((d) => {
    const bytes = d.geometry.n * DTYPE_BYTES[d.dtype];
    return bindingOf(ctx, g.batch, bytes, bytes, call.inPlace);
  });
  const masks = g.layout === 'rows' ? [null] : drawableMasks(options);
  for (const blend of blends) {
    for (const paste of pastes) {
      for (const mask of masks) {
        const kinds = { blend, paste, mask };
        add(
          imagesVariant(
            { ...call, normalize: call.normalize !== null, layout: g.layout, n: g.n, width: g.width },
            kinds,
            imagesBinding,
          ),
          entries(imagesBinding, Math.ceil(g.n / 4)),
        );
        if (call.labels?.dtype === 'float32')
          add(softVariant(K, kinds, softBinding), entries(softBinding, Math.ceil(K / 4)));
        call.dense.forEach((d, k) => {
          // An integer map is never blended (a call that could draw blends was rejected).
          if ((blend || mask === 'soft') && d.integer) return;
          const binding = denseBindings[k];
          add(denseVariant(d, call.inPlace, kinds, binding), entries(binding, Math.ceil(d.geometry.n / 4)));
        });
      }
    }
  }
  // ResizeMix samples blend soft targets with lam (their resize passes: possibleResizeKernels).
  if (drawableResizeModes(options).length > 0 && call.labels?.dtype === 'float32')
    add(
      softVariant(K, { blend: false, paste: false, resize: true }, softBinding),
      entries(softBinding, Math.ceil(K / 4)),
    );
  return out;
}

/**
 * The resize passes a call of this shape can need with plans from `options` (what prepare()
 * compiles): one per resize mode the planner can draw (see drawableResizeModes), for the images and
 * for each dense map (nearest for an integer map).
 */
export function possibleResizeKernels(
  ctx: CheckContext,
  call: CheckedCall,
  options: ResolvedMixOptions,
): ResizeVariant[] {
  const g = call.geometry;
  const modes = drawableResizeModes(options);
  if (g.layout === 'rows' || modes.length === 0) return [];
  const none = { blend: false, paste: false };
  const binding = bindingOf(ctx, g.batch, g.n * DTYPE_BYTES[call.inDtype], g.n * DTYPE_BYTES[call.outDtype], false);
  const images = imagesVariant(
    { ...call, normalize: call.normalize !== null, layout: g.layout, n: g.n, width: g.width },
    none,
    binding,
  );
  const out = modes.map((mode) => resizeVariant(images, mode));
  for (const d of call.dense) {
    const bytes = d.geometry.n * DTYPE_BYTES[d.dtype];
    const variant = denseVariant(d, call.inPlace, none, bindingOf(ctx, g.batch, bytes, bytes, call.inPlace));
    for (const mode of d.integer ? (['nearest'] as const) : modes) out.push(resizeVariant(variant, mode));
  }
  return out;
}

/** The binding flags of a job (as batchJob chooses them). */
function bindingOf(ctx: CheckContext, batch: number, bytesIn: number, bytesOut: number, inPlace: boolean): Binding {
  const mode = bindingMode(ctx, batch, bytesIn, bytesOut, inPlace);
  const over = (bytes: number) => ceil4(batch * bytes) > ctx.maxBindingBytes;
  const dstSplit = mode === 'split' && splitsOutput(ctx, batch, bytesOut);
  return {
    windowed: mode === 'chunks',
    srcSplit: mode === 'split' && over(bytesIn),
    dstWindowed: mode === 'split' && over(bytesOut) && !dstSplit,
    dstSplit,
  };
}

/**
 * Host-side planning of one call: every argument is checked, the plan is drawn or validated, and the
 * dispatches, their buffer windows and the upload layout are computed, all before any GPU work.
 */
import { MixupError, describe, got } from '../errors.js';
import type { Planner } from '../plan.js';
import { validatePlan } from '../plan.js';
import { isPermutation } from '../pairing.js';
import { normalizeCoefficients } from '../reference.js';
import type { NormalizeCoefficients } from '../reference.js';
import { DTYPES, DTYPE_BYTES, checkObject, checkOneOf, checkShape } from '../shape.js';
import type { MixPlan, Normalize } from '../types.js';
import { SamplePlanLayout } from './layouts.generated.js';
import { addressUnit, dispatchSize } from './shaders.js';
import type { BatchEntry, BatchVariant } from './shaders.js';
import type { GpuLabels, MixCallOptions, MixInputs } from './types.js';
import { buildChunkedWalk, buildWalk } from './walk.js';
import type { Walk } from './walk.js';

/** What planning a call needs to know about the mixer. */
export interface CallContext {
  device: GPUDevice;
  planner: Planner;
  /** Most bytes bound per buffer in one dispatch. */
  maxBindingBytes: number;
  /** Offset alignment of bindings into the upload and the data buffers. */
  alignment: number;
}

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

/** One dispatch of the batch kernel: a run of segments and the windows they read and write. */
export interface Dispatch {
  segBase: number;
  segCount: number;
  src: Window;
  src2: Window | null;
  dst: Window;
}

/** A batch-kernel job (the images, or soft targets as rows), fully planned on the host. */
export interface BatchWork {
  variant: BatchVariant;
  /** The kernel's entry point for this walk's segments. */
  entry: BatchEntry;
  source: GPUBuffer;
  n: number;
  channels: number;
  width: number;
  height: number;
  walk: Walk;
  dispatches: Dispatch[];
  /** Upload offsets of this job's segment table and walk. */
  segmentsAt: number;
  walkAt: number;
}

/** A validated call: everything needed to record it, computed before any GPU work. */
export interface Call {
  batch: number;
  plan: MixPlan;
  images: BatchWork;
  outBytes: number;
  normalize: NormalizeCoefficients | null;
  soft: BatchWork | null;
  /** Class ids: the labels buffer and the target row windows, one dispatch each. */
  ids: { labels: GPUBuffer; windows: Window[] } | null;
  numClasses: number;
  /** Upload offsets: per-dispatch params start at 0, one aligned struct each. */
  samplesAt: number;
  normAt: number;
  uploadSize: number;
}

function isGpuBuffer(value: unknown): value is GPUBuffer {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as GPUBuffer).size === 'number' &&
    typeof (value as GPUBuffer).usage === 'number' &&
    typeof (value as GPUBuffer).destroy === 'function'
  );
}

function checkBuffer(argument: string, value: unknown, minBytes: number): GPUBuffer {
  if (!isGpuBuffer(value)) throw new MixupError(argument, 'a GPUBuffer', value);
  if ((value.usage & GPUBufferUsage.STORAGE) === 0) {
    throw new MixupError(`${argument}.usage`, 'flags that include GPUBufferUsage.STORAGE', got(`usage flags 0x${value.usage.toString(16)}`));
  }
  if (value.size < minBytes) throw new MixupError(`${argument}.size`, `at least ${minBytes} bytes`, got(`${value.size} bytes`));
  if (value.mapState !== 'unmapped') throw new MixupError(argument, 'an unmapped buffer', got(`a buffer in map state ${describe(value.mapState)}`));
  return value;
}

/** Checks a call and lays it out (dispatches, windows, upload offsets). Draws the next plan when none is given. */
export function planCall(ctx: CallContext, inputs: MixInputs, options: MixCallOptions, explicitPlan: MixPlan | null): Call {
  const ins = checkObject('inputs', inputs);
  const opts = checkObject('options', options);
  for (const key of ['inPlace', 'checkLabels'] as const) {
    if (opts[key] !== undefined && typeof opts[key] !== 'boolean') throw new MixupError(`options.${key}`, 'a boolean', opts[key]);
  }
  const imagesArg = checkObject('inputs.images', ins.images);
  const geometry = checkShape('inputs.images.shape', imagesArg.shape);
  const inDtype = checkOneOf('inputs.images.dtype', imagesArg.dtype, DTYPES);
  const normalize = opts.normalize ?? null;
  if (normalize !== null && inDtype !== 'uint8') {
    throw new MixupError('options.normalize', 'used with uint8 input only (it maps bytes 0..255 to floats)', got(`input dtype ${describe(inDtype)}`));
  }
  const outDtype = opts.outDtype === undefined ? (normalize ? 'float32' : inDtype) : checkOneOf('options.outDtype', opts.outDtype, DTYPES);
  if (normalize && outDtype === 'uint8') throw new MixupError('options.outDtype', "'float32' or 'float16' when normalising", outDtype);
  const coefficients = normalize ? normalizeCoefficients(normalize as Normalize, geometry.channels) : null;
  for (const [argument, dtype] of [['inputs.images.dtype', inDtype], ['options.outDtype', outDtype]] as const) {
    if (dtype === 'float16' && !ctx.device.features.has('shader-f16')) {
      throw new MixupError(argument, "'float32' or 'uint8' on this device ('float16' needs a device created with the 'shader-f16' feature)", dtype);
    }
  }
  const { batch, n } = geometry;
  if (outDtype === 'uint8' && n % 4 !== 0) {
    throw new MixupError('inputs.images.shape', "samples of a multiple of 4 elements for uint8 output (4 bytes are written per word; choose outDtype 'float32' otherwise)", got(`${n} elements per sample`));
  }
  const inPlace = opts.inPlace === true;
  if (inPlace && (outDtype !== inDtype || normalize)) {
    throw new MixupError('options.inPlace', `output of the input's dtype (${inDtype}) without normalisation`, got(`outDtype ${outDtype}${normalize ? ' with normalize' : ''}`));
  }
  const bytesIn = ceil4(batch * n * DTYPE_BYTES[inDtype]);
  const outBytes = ceil4(batch * n * DTYPE_BYTES[outDtype]);
  const source = checkBuffer('inputs.images.buffer', imagesArg.buffer, bytesIn);
  const outs = opts.outputs === undefined ? {} : checkObject('options.outputs', opts.outputs);
  if (!inPlace && outs.images !== undefined) {
    checkBuffer('options.outputs.images', outs.images, outBytes);
    if (outs.images === source) throw new MixupError('options.outputs.images', 'a buffer other than the input (use options.inPlace to mix in place)', got('the input buffer'));
  }
  if (!inPlace && outs.images === undefined && outBytes > ctx.device.limits.maxBufferSize) {
    throw new MixupError('options.outputs.images', `given for outputs larger than maxBufferSize (${ctx.device.limits.maxBufferSize} bytes)`, got(`${outBytes} bytes to allocate`));
  }

  const numClasses = ctx.planner.options.numClasses;
  let labels: GpuLabels | null = null;
  if (ins.labels !== undefined) {
    const l = checkObject('inputs.labels', ins.labels);
    const dtype = checkOneOf('inputs.labels.dtype', l.dtype, ['int32', 'uint32', 'float32'] as const);
    labels = { buffer: checkBuffer('inputs.labels.buffer', l.buffer, dtype === 'float32' ? batch * numClasses * 4 : batch * 4), dtype };
    if (outs.targets !== undefined) {
      checkBuffer('options.outputs.targets', outs.targets, batch * numClasses * 4);
      if (outs.targets === labels.buffer) throw new MixupError('options.outputs.targets', 'a buffer other than the labels', got('the labels buffer'));
    }
  }

  const imageSize = geometry.layout === 'rows' ? null : { height: geometry.height, width: geometry.width };
  let plan: MixPlan;
  if (explicitPlan) {
    validatePlan(explicitPlan, batch, imageSize);
    plan = explicitPlan;
  } else {
    plan = ctx.planner.plan(batch, imageSize ?? undefined);
    // Rows have no boxes: a planner that can draw CutMix is refused here, before any GPU work.
    if (imageSize === null) validatePlan(plan, batch, null);
  }
  if (inPlace && !isPermutation(plan.partner)) {
    throw new MixupError('plan.partner', 'a permutation when mixing in place (a sample used twice would be read after it was overwritten)', got('an array with repeated partners'));
  }

  const kinds = new Set(plan.kind);
  const images = planWork(
    ctx,
    'inputs.images',
    plan,
    {
      inDtype,
      outDtype,
      vec4: n % 4 === 0,
      inPlace,
      layout: geometry.layout,
      normalize: coefficients !== null,
      blendOnly: false,
      blend: kinds.has(1),
      paste: kinds.has(2),
      rowAligned: geometry.layout !== 'NHWC' && geometry.width % 4 === 0,
    },
    source,
    n,
    geometry,
  );
  let soft: BatchWork | null = null;
  if (labels?.dtype === 'float32') {
    const softVariant = { inDtype: 'float32', outDtype: 'float32', vec4: numClasses % 4 === 0, inPlace: false, layout: 'rows', normalize: false, blendOnly: true, blend: kinds.has(1) || kinds.has(2), paste: false, rowAligned: numClasses % 4 === 0 } as const;
    soft = planWork(ctx, 'inputs.labels', plan, softVariant, labels.buffer, numClasses, {
      channels: 1,
      width: numClasses,
      height: 1,
    });
  }

  // Upload: one aligned params struct per dispatch (+1 for the labels kernel), the plan, the walks, the normalisation.
  const a = ctx.alignment;
  const idWindows = labels && labels.dtype !== 'float32' ? targetWindows(ctx, batch, numClasses) : null;
  const paramsCount = images.dispatches.length + (soft ? soft.dispatches.length : 0) + (idWindows ? idWindows.length : 0);
  let at = paramsCount * a;
  const samplesAt = at;
  at = alignUp(at + batch * SamplePlanLayout.size, a);
  for (const work of soft ? [images, soft] : [images]) {
    work.segmentsAt = at;
    at = alignUp(at + work.walk.count * 16, a);
    work.walkAt = at;
    at = alignUp(at + work.walk.walk.length * 4, a);
  }
  const normAt = at;
  const uploadSize = normAt + Math.max(8, geometry.channels * 8);
  return {
    batch,
    plan,
    images,
    outBytes,
    normalize: coefficients,
    soft,
    ids: idWindows ? { labels: labels!.buffer, windows: idWindows } : null,
    numClasses,
    samplesAt,
    normAt,
    uploadSize,
  };
}

/** Lays out the batch kernel's dispatches: one over the whole batch, or chunks when it exceeds a binding. */
function planWork(
  ctx: CallContext,
  argument: string,
  plan: MixPlan,
  kernel: Omit<BatchVariant, 'windowed'>,
  source: GPUBuffer,
  n: number,
  geometry: { channels: number; width: number; height: number },
): BatchWork {
  const batch = plan.partner.length;
  const bytesIn = n * DTYPE_BYTES[kernel.inDtype];
  const bytesOut = n * DTYPE_BYTES[kernel.outDtype];
  const quads = Math.ceil(n / 4);
  const limit = ctx.maxBindingBytes;
  const maxGroups = ctx.device.limits.maxComputeWorkgroupsPerDimension;
  const work = { source, n, channels: geometry.channels, width: geometry.width, height: geometry.height, segmentsAt: 0, walkAt: 0 };
  const checkDispatch = (threads: number) => {
    if (dispatchSize(threads, maxGroups)[1] > maxGroups) throw new MixupError(`${argument}.shape`, 'a batch small enough for a 2-D dispatch', got(`${threads} threads`));
  };
  if (ceil4(batch * bytesIn) <= limit && ceil4(batch * bytesOut) <= limit) {
    const walk = buildWalk(plan.partner, { inPlace: kernel.inPlace, quads, targetThreads: TARGET_THREADS });
    checkDispatch(walk.count * quads);
    const whole = (bytes: number): Window => ({ offset: 0, size: ceil4(batch * bytes), base: 0, count: batch, shift: 0 });
    return { ...work, variant: { ...kernel, windowed: false }, entry: entryFor(walk), walk, dispatches: [{ segBase: 0, segCount: walk.count, src: whole(bytesIn), src2: null, dst: whole(bytesOut) }] };
  }
  if (kernel.inPlace) {
    throw new MixupError('options.inPlace', `false for a batch larger than one binding (${limit} bytes): large batches are mixed in chunks, which needs a separate output`, got(`${batch * bytesIn} bytes`));
  }
  const a = ctx.alignment;
  const perChunk = Math.floor((limit - a) / Math.max(bytesIn, bytesOut));
  if (perChunk < 1) {
    throw new MixupError(`${argument}.shape`, `samples of at most ${limit - a} bytes (one binding minus its offset alignment)`, got(`${Math.max(bytesIn, bytesOut)} bytes per sample`));
  }
  const walk = buildChunkedWalk(plan.partner, perChunk);
  const unitIn = addressUnit(kernel.inDtype, kernel.vec4);
  const unitOut = addressUnit(kernel.outDtype, kernel.vec4);
  const window = (chunk: number, bytes: number, unit: number): Window => {
    const base = chunk * perChunk;
    const count = Math.min(perChunk, batch - base);
    const start = base * bytes;
    const offset = Math.floor(start / a) * a;
    return { offset, size: ceil4(start - offset + count * bytes), base, count, shift: (start - offset) / unit };
  };
  const dispatches = walk.groups.map((g) => {
    checkDispatch(g.segCount * quads);
    return {
      segBase: g.segBase,
      segCount: g.segCount,
      src: window(g.chunk, bytesIn, unitIn),
      src2: g.partnerChunk === g.chunk ? null : window(g.partnerChunk, bytesIn, unitIn),
      dst: window(g.chunk, bytesOut, unitOut),
    };
  });
  return { ...work, variant: { ...kernel, windowed: true }, entry: entryFor(walk), walk, dispatches };
}

/** The straight-line entry point a walk allows: pairs when every segment is a closed cycle of one or two samples, singles when every segment is open with one output; else the cycle walk. */
function entryFor(walk: Walk): BatchEntry {
  let pairs = true;
  let singles = true;
  for (let k = 0; k < walk.count; k++) {
    const length = walk.segments[4 * k + 1];
    const closes = walk.segments[4 * k + 2] === 1;
    pairs &&= closes && length <= 2;
    singles &&= !closes && length === 1;
  }
  return pairs ? 'main_pairs' : singles ? 'main_singles' : 'main_walk';
}

/** Row windows of the [B, K] targets written by the labels kernel: all rows, or chunks that fit a binding. */
function targetWindows(ctx: CallContext, batch: number, numClasses: number): Window[] {
  const rowBytes = numClasses * 4;
  if (batch * rowBytes <= ctx.maxBindingBytes) return [{ offset: 0, size: batch * rowBytes, base: 0, count: batch, shift: 0 }];
  const a = ctx.alignment;
  const perChunk = Math.floor((ctx.maxBindingBytes - a) / rowBytes);
  if (perChunk < 1) throw new MixupError('options.numClasses', `at most ${(ctx.maxBindingBytes - a) / 4} classes (a target row must fit one binding)`, numClasses);
  const windows: Window[] = [];
  for (let base = 0; base < batch; base += perChunk) {
    const count = Math.min(perChunk, batch - base);
    const start = base * rowBytes;
    const offset = Math.floor(start / a) * a;
    windows.push({ offset, size: start - offset + count * rowBytes, base, count, shift: (start - offset) / 4 });
  }
  return windows;
}

/**
 * Checks of one call of `mix`, `encode` or `prepare`: pure functions of the arguments, the
 * device's limits and features and the mixer's options. Nothing here draws from the plan stream
 * or touches the GPU, so a rejected call leaves the stream, the device and every buffer as they
 * were (issue 9.3).
 *
 * Where a new check goes: into the section of the argument it is about, in `checkCall`'s order:
 *   1. keys      the known keys of the options and of each nested object (typos are errors)
 *   2. images    inputs.images: shape, dtype, buffer
 *   3. output    options.outDtype / normalize / inPlace, and what the device supports
 *   4. outputs   options.outputs: the buffers the results go to
 *   5. labels    inputs.labels and options.outputs.targets
 *   5b. dense    inputs.dense and options.outputs.dense (checkDense)
 *   6. plan      an explicit plan, or what the mixer's planner will be able to draw (and what an
 *                integer dense map can take of it: ../dense.ts)
 *   7. limits    what the device's binding and dispatch limits allow for this batch
 *   8. encode    what `encode` needs beyond `mix` (an explicit plan, every output given)
 * Each check throws a MixupError naming the argument (helpers in ../validate.ts); it may read the
 * values checked before it (in `CheckedCall`), and adds what later stages need to `CheckedCall`.
 */
import { checkDrawableForDense, denseRules } from '../dense.js';
import { MixupError, describe, got } from '../errors.js';
import type { CoefficientsMemo, NormalizeCoefficients } from '../formulas.js';
import type { ResolvedMixOptions } from '../options.js';
import { isPermutation } from '../pairing.js';
import { validatePlan } from '../plan.js';
import { DTYPES, DTYPE_BYTES, checkLabelShape, checkShape } from '../shape.js';
import type { Geometry } from '../shape.js';
import type { DType, ImageSize, LabelDType, MixPlan, PlanMasks } from '../types.js';
import { KIND_MASK, KIND_RESIZEMIX } from '../types.js';
import { checkBuffer, checkKeys, checkObject, checkOneOf, checkOptionalBoolean, isGpuBuffer } from '../validate.js';
import { dispatchRows } from './shaders.js';
import { drawableResizeModes } from './variant.js';
import type { MixCallOptions, MixInputs } from './types.js';

/** What the checks need to know about the mixer and its device. */
export interface CheckContext {
  device: GPUDevice;
  options: ResolvedMixOptions;
  /** Most bytes bound per buffer in one dispatch. */
  maxBindingBytes: number;
  /** Offset alignment of bindings into the upload and the data buffers. */
  alignment: number;
  /** The normalisation coefficients of the last call, reused while the numbers are the same. */
  coefficients: CoefficientsMemo;
}

export type CallKind = 'mix' | 'encode' | 'prepare';

/** A call whose every argument has been checked; what plan resolution and the layout start from. */
export interface CheckedCall {
  geometry: Geometry;
  /** Height and width for boxes; null for rows. */
  imageSize: ImageSize | null;
  inDtype: DType;
  outDtype: DType;
  normalize: NormalizeCoefficients | null;
  inPlace: boolean;
  source: GPUBuffer;
  /** Bytes of the mixed images (B x N x output dtype, rounded up to 4). */
  outBytes: number;
  /** Given output buffers; null where the call allocates (mix) or writes in place. */
  outImages: GPUBuffer | null;
  outTargets: GPUBuffer | null;
  labels: { buffer: GPUBuffer; dtype: LabelDType } | null;
  numClasses: number;
  /** The explicit plan (validated), or null when the mixer draws the next one. */
  plan: MixPlan | null;
  /** options.checkLabels; null when not given (the mixer then checks its first call with class ids). */
  checkLabels: boolean | null;
  /** The dense targets, in `inputs.dense` order (empty without). */
  dense: CheckedDense[];
}

/** One checked entry of `inputs.dense`. */
export interface CheckedDense {
  /** Its name in messages: `inputs.dense[k]`. */
  argument: string;
  geometry: Geometry;
  dtype: DType;
  /** Ids that must not be blended (see ../dense.ts). */
  integer: boolean;
  source: GPUBuffer;
  /** Bytes of the map (B x N x dtype, rounded up to 4), in and out. */
  bytes: number;
  /** The given output buffer; null where the call allocates (mix) or writes in place. */
  out: GPUBuffer | null;
}

export const CALL_OPTION_KEYS: readonly (keyof MixCallOptions)[] = [
  'plan',
  'outDtype',
  'normalize',
  'inPlace',
  'outputs',
  'checkLabels',
];
const INPUT_KEYS: readonly (keyof MixInputs)[] = ['images', 'labels', 'dense'];
const IMAGES_KEYS = ['buffer', 'shape', 'dtype'];
const LABELS_KEYS = ['buffer', 'dtype', 'shape'];
const OUTPUT_KEYS = ['images', 'targets', 'dense'];
const DENSE_KEYS = ['buffer', 'shape', 'dtype', 'integer'];
const LABEL_DTYPES: readonly LabelDType[] = ['int32', 'uint32', 'float32'];

const ceil4 = (bytes: number) => Math.ceil(bytes / 4) * 4;
/** The dense maps of a call without any (one frozen array for every such call). */
const NO_DENSE: CheckedDense[] = Object.freeze([]) as unknown as CheckedDense[];

/** Checks everything about a call before any draw or GPU work; see the module comment. */
export function checkCall(ctx: CheckContext, inputs: MixInputs, options: MixCallOptions, kind: CallKind): CheckedCall {
  // 1. keys
  const ins = checkObject('inputs', inputs);
  const opts = checkObject('options', options);
  checkKeys('inputs', ins, INPUT_KEYS, 'input');
  checkKeys('options', opts, CALL_OPTION_KEYS);
  const outs = opts.outputs === undefined ? {} : checkObject('options.outputs', opts.outputs);
  checkKeys('options.outputs', outs, OUTPUT_KEYS, 'output');
  const inPlace = checkOptionalBoolean('options.inPlace', opts.inPlace) === true;
  const checkLabels = checkOptionalBoolean('options.checkLabels', opts.checkLabels) ?? null;

  // 2. images
  if (isGpuBuffer(ins.images))
    throw new MixupError(
      'inputs.images',
      '{ buffer, shape, dtype } (the GPUBuffer goes in its buffer field, with its shape and dtype beside it)',
      got('a GPUBuffer'),
    );
  const imagesArg = checkObject('inputs.images', ins.images);
  checkKeys('inputs.images', imagesArg, IMAGES_KEYS, 'field');
  const geometry = checkShape('inputs.images.shape', imagesArg.shape);
  const inDtype = checkOneOf('inputs.images.dtype', imagesArg.dtype, DTYPES);

  // 3. output dtype, normalisation, in place
  const normalizeArg = opts.normalize ?? null;
  if (normalizeArg !== null && inDtype !== 'uint8') {
    throw new MixupError(
      'options.normalize',
      'used with uint8 input only (it maps bytes 0..255 to floats)',
      got(`input dtype ${describe(inDtype)}`),
    );
  }
  const outDtype =
    opts.outDtype === undefined
      ? normalizeArg
        ? 'float32'
        : inDtype
      : checkOneOf('options.outDtype', opts.outDtype, DTYPES);
  if (normalizeArg && outDtype === 'uint8')
    throw new MixupError('options.outDtype', "'float32' or 'float16' when normalising", outDtype);
  const normalize = normalizeArg ? ctx.coefficients.of('options.normalize', normalizeArg, geometry.channels) : null;
  const { batch, n } = geometry;
  if (inPlace && (outDtype !== inDtype || normalize)) {
    throw new MixupError(
      'options.inPlace',
      `output of the input's dtype (${inDtype}) without normalisation`,
      got(`outDtype ${outDtype}${normalize ? ' with normalize' : ''}`),
    );
  }
  const bytesIn = ceil4(batch * n * DTYPE_BYTES[inDtype]);
  const outBytes = ceil4(batch * n * DTYPE_BYTES[outDtype]);
  const source = checkBuffer('inputs.images.buffer', imagesArg.buffer, bytesIn);

  // 4. outputs
  // No buffer that large can exist on this device, given or allocated: the limit must change, or the batch.
  const maxBufferSize = ctx.device.limits.maxBufferSize;
  if (!inPlace && outBytes > maxBufferSize) {
    throw new MixupError(
      'inputs.images.shape.batch',
      `a batch whose mixed images fit one buffer of this device (maxBufferSize ${maxBufferSize} bytes): ` +
        `request a larger maxBufferSize and maxStorageBufferBindingSize in requiredLimits when creating ` +
        `the device (up to adapter.limits.maxBufferSize), or split the batch`,
      got(`${batch} samples, ${batch * n * DTYPE_BYTES[outDtype]} bytes of ${outDtype} output`),
    );
  }
  let outImages: GPUBuffer | null = null;
  if (!inPlace && outs.images !== undefined) {
    outImages = checkBuffer('options.outputs.images', outs.images, outBytes);
    if (outImages === source)
      throw new MixupError(
        'options.outputs.images',
        'a buffer other than the input (use options.inPlace to mix in place)',
        got('the input buffer'),
      );
  }

  // 5. labels
  const numClasses = ctx.options.numClasses;
  let labels: CheckedCall['labels'] = null;
  let outTargets: GPUBuffer | null = null;
  if (ins.labels !== undefined) {
    if (isGpuBuffer(ins.labels))
      throw new MixupError(
        'inputs.labels',
        '{ buffer, dtype, shape } (the GPUBuffer goes in its buffer field)',
        got('a GPUBuffer'),
      );
    const l = checkObject('inputs.labels', ins.labels);
    checkKeys('inputs.labels', l, LABELS_KEYS, 'field');
    const dtype = checkOneOf('inputs.labels.dtype', l.dtype, LABEL_DTYPES);
    checkLabelShape(
      'inputs.labels.shape',
      l.shape,
      dtype,
      batch,
      numClasses,
      isGpuBuffer(l.buffer) ? l.buffer.size : undefined,
    );
    labels = {
      buffer: checkBuffer('inputs.labels.buffer', l.buffer, dtype === 'float32' ? batch * numClasses * 4 : batch * 4),
      dtype,
    };
    if (outs.targets !== undefined) {
      outTargets = checkBuffer('options.outputs.targets', outs.targets, batch * numClasses * 4);
      if (outTargets === labels.buffer)
        throw new MixupError('options.outputs.targets', 'a buffer other than the labels', got('the labels buffer'));
    }
  }

  // 5b. dense
  const dense = checkDense(ins.dense, outs.dense, geometry, inPlace, [source, labels?.buffer], [outImages, outTargets]);

  // 6. plan
  const imageSize = geometry.layout === 'rows' ? null : { height: geometry.height, width: geometry.width };
  const plan = opts.plan === undefined ? null : (opts.plan as MixPlan);
  if (plan) {
    validatePlan(plan, batch, imageSize);
    if (imageSize && plan.masks) checkMasksFit(ctx, plan, imageSize);
  } else checkDrawable(ctx.options, geometry, imageSize, inPlace);
  if (inPlace && plan && !isPermutation(plan.partner)) throw notPermutation();
  if (inPlace) checkResizeInPlace(ctx.options, plan);
  for (let k = 0; k < dense.length; k++) {
    if (plan) denseRules(dense[k].argument, plan, dense[k].integer);
    else checkDrawableForDense(dense[k].argument, ctx.options, dense[k].integer);
  }

  // 7. limits
  checkLimits(ctx, geometry, inDtype, outDtype, inPlace, labels, dense);

  // 8. encode
  if (kind === 'encode') {
    if (plan === null) throw new MixupError('options.plan', 'a MixPlan (encode executes an explicit plan)', undefined);
    if (!inPlace && outImages === null)
      throw new MixupError(
        'options.outputs.images',
        'a GPUBuffer (encode does not allocate outputs) or options.inPlace',
        undefined,
      );
    if (labels && outTargets === null)
      throw new MixupError('options.outputs.targets', 'a GPUBuffer when labels are given', undefined);
    if (!inPlace && dense.length > 0 && outs.dense === undefined)
      throw new MixupError(
        'options.outputs.dense',
        `${dense.length} GPUBuffers, one per inputs.dense entry (encode does not allocate outputs), or options.inPlace`,
        undefined,
      );
  }
  return {
    geometry,
    imageSize,
    inDtype,
    outDtype,
    normalize,
    inPlace,
    source,
    outBytes,
    outImages,
    outTargets,
    labels,
    numClasses,
    plan,
    checkLabels,
    dense,
  };
}

/**
 * inputs.dense and options.outputs.dense: maps of an image batch with its batch, height and width,
 * each with a buffer of its own to write to: a new one, `outputs.dense[k]`, or (in place) its input.
 * `reads` and `writes` are the buffers the images and labels jobs read and write: no map may write
 * to either, nor read what they write. (An output needs no maxBufferSize check: it is the size of
 * its input, which exists.)
 */
function checkDense(
  arg: unknown,
  outsArg: unknown,
  images: Geometry,
  inPlace: boolean,
  reads: readonly (GPUBuffer | null | undefined)[],
  writes: readonly (GPUBuffer | null)[],
): CheckedDense[] {
  if (arg === undefined) {
    if (outsArg !== undefined)
      throw new MixupError('options.outputs.dense', 'absent when inputs.dense is absent', outsArg);
    return NO_DENSE;
  }
  if (!Array.isArray(arg))
    throw new MixupError('inputs.dense', 'an array of { buffer, shape, dtype, integer? } (one per dense map)', arg);
  if (images.layout === 'rows' && arg.length > 0)
    throw new MixupError(
      'inputs.images.shape.layout',
      "'NCHW' or 'NHWC' with dense maps (rows have no pixels)",
      'rows',
    );
  const dense = arg.map((entry, k) => checkDenseEntry(`inputs.dense[${k}]`, entry, images));
  // Every buffer a map writes must be one nothing else in the call reads or writes.
  const taken = [...reads, ...writes];
  const written: (GPUBuffer | null | undefined)[] = [...taken, ...dense.map((d) => d.source)];
  if (inPlace) {
    if (outsArg !== undefined)
      throw new MixupError(
        'options.outputs.dense',
        'absent when mixing in place (each map is written over its input)',
        outsArg,
      );
    dense.forEach((d, k) => {
      if (written.indexOf(d.source) !== taken.length + k)
        throw new MixupError(
          `${d.argument}.buffer`,
          'a buffer of its own when mixing in place (each map is written over its input)',
          got('a buffer of the images, the labels or another map'),
        );
    });
    return dense;
  }
  for (const d of dense) {
    if (writes.includes(d.source))
      throw new MixupError(
        `${d.argument}.buffer`,
        'a buffer the call does not write to (it is options.outputs.images or options.outputs.targets)',
        got('an output of the call'),
      );
  }
  if (outsArg === undefined) return dense;
  if (!Array.isArray(outsArg) || outsArg.length !== dense.length)
    throw new MixupError(
      'options.outputs.dense',
      `an array of ${dense.length} GPUBuffers (one per inputs.dense entry)`,
      outsArg,
    );
  dense.forEach((d, k) => {
    const argument = `options.outputs.dense[${k}]`;
    d.out = checkBuffer(argument, outsArg[k], d.bytes);
    if (written.includes(d.out))
      throw new MixupError(argument, 'a buffer no input or other output of the call uses', got('one that is'));
    written.push(d.out);
  });
  return dense;
}

function checkDenseEntry(argument: string, entry: unknown, images: Geometry): CheckedDense {
  if (isGpuBuffer(entry))
    throw new MixupError(
      argument,
      '{ buffer, shape, dtype, integer? } (the GPUBuffer goes in its buffer field)',
      got('a GPUBuffer'),
    );
  const d = checkObject(argument, entry);
  checkKeys(argument, d, DENSE_KEYS, 'field');
  const geometry = checkShape(`${argument}.shape`, d.shape);
  if (geometry.layout === 'rows')
    throw new MixupError(`${argument}.shape.layout`, "'NCHW' or 'NHWC' (a map has pixels)", 'rows');
  for (const side of ['batch', 'height', 'width'] as const) {
    if (geometry[side] !== images[side])
      throw new MixupError(`${argument}.shape.${side}`, `${images[side]}, the images' ${side}`, geometry[side]);
  }
  const dtype = checkOneOf(`${argument}.dtype`, d.dtype, DTYPES);
  const integer = checkOptionalBoolean(`${argument}.integer`, d.integer) ?? dtype === 'uint8';
  const bytes = ceil4(geometry.batch * geometry.n * DTYPE_BYTES[dtype]);
  const source = checkBuffer(`${argument}.buffer`, d.buffer, bytes);
  return { argument, geometry, dtype, integer, source, bytes, out: null };
}

/**
 * The error of the first-call check of class ids (mixer.ts, see MixCallOptions.checkLabels):
 * `count` of `batch` ids were outside [0, K). When most are, the usual cause is float32 values
 * written into an int32 buffer (1.0 reads as 1065353216), and the message says so.
 */
export function idsOutOfRange(count: number, batch: number, numClasses: number, dtype: LabelDType): MixupError {
  const floats =
    2 * count >= batch
      ? ': are they float32 values in an int32 buffer (1.0 reads as id 1065353216)? Write class ids as an ' +
        "Int32Array, or give float32 targets as dtype 'float32' with shape [B, K]"
      : '';
  return new MixupError(
    'inputs.labels.buffer',
    `${dtype} class ids in [0, ${numClasses - 1}] (numClasses ${numClasses}), as the CPU reference ` +
      `requires (checked on the first call with class ids; options.checkLabels: false skips it)`,
    got(`${count} of ${batch} ids outside that range${floats}`),
  );
}

function notPermutation(): MixupError {
  return new MixupError(
    'plan.partner',
    'a permutation when mixing in place (a sample used twice would be read after it was overwritten)',
    got('an array with repeated partners'),
  );
}

/**
 * ResizeMix pastes the partner's whole image, read from the input after the batch kernel has written
 * the output: in place the partner would already be mixed. So in-place calls take no kind-3 sample,
 * in an explicit plan or in the plans the mixer can draw.
 */
function checkResizeInPlace(options: ResolvedMixOptions, plan: MixPlan | null): void {
  const expected =
    'false when the plan has ResizeMix samples (kind 3): the whole partner image is read from the input ' +
    'after the output is written, so it needs a separate output';
  if (plan) {
    const i = plan.kind.indexOf(KIND_RESIZEMIX);
    if (i >= 0) throw new MixupError('options.inPlace', expected, got(`true with plan.kind[${i}] = 3`));
  } else if (drawableResizeModes(options).length > 0) {
    throw new MixupError('options.inPlace', expected, got('true with a mixer whose planner draws ResizeMix'));
  }
}

/** What the planner will draw must fit the batch: checked here, since a draw cannot be taken back. */
function checkDrawable(o: ResolvedMixOptions, geometry: Geometry, imageSize: ImageSize | null, inPlace: boolean): void {
  if (imageSize === null && o.cutmixAlpha > 0) {
    throw new MixupError(
      'inputs.images.shape.layout',
      "'NCHW' or 'NHWC' when the mixer has CutMix enabled (rows have no height and width to cut boxes " +
        'from; mix rows with a mixer created with cutmixAlpha: 0)',
      geometry.layout,
    );
  }
  if (typeof o.pairing !== 'string') {
    if (o.pairing.length !== geometry.batch) {
      throw new MixupError(
        'options.pairing',
        `an array of ${geometry.batch} partner indices (one per sample)`,
        o.pairing,
      );
    }
    if (inPlace && !isPermutation(o.pairing)) throw notPermutation();
  }
}

/**
 * What the batch kernel needs of a valid plan's masks (validatePlan checked their form): they are
 * bound whole, as one binding of the upload, and a mask pixel's index is found in 32-bit integers
 * (y · mask height and x · mask width stay below 2^32). Masks no kind-4 sample uses are not uploaded.
 */
function checkMasksFit(ctx: CheckContext, plan: MixPlan, size: ImageSize): void {
  if (!plan.kind.includes(KIND_MASK)) return;
  const m = plan.masks as PlanMasks;
  const limit = ctx.device.limits.maxStorageBufferBindingSize;
  if (m.data.byteLength > limit) {
    throw new MixupError(
      'plan.masks.data',
      `masks of at most ${limit} bytes in all (they are bound whole: the device's maxStorageBufferBindingSize); ` +
        'use fewer masks or a lower mask resolution',
      got(`${m.data.byteLength} bytes`),
    );
  }
  for (const [side, image, mask] of [
    ['height', size.height, m.height],
    ['width', size.width, m.width],
  ] as const) {
    if ((image - 1) * mask > 0xffffffff) {
      throw new MixupError(
        `plan.masks.${side}`,
        `at most ${Math.floor(0xffffffff / (image - 1))} for an image ${side} of ${image} (the kernel finds ` +
          'mask pixels in 32-bit integers)',
        mask,
      );
    }
  }
}

/** Bytes a batch of `batch` samples of `bytes` each takes in a binding. */
function fitsBinding(ctx: CheckContext, batch: number, bytes: number): boolean {
  return ceil4(batch * bytes) <= ctx.maxBindingBytes;
}

function checkLimits(
  ctx: CheckContext,
  g: Geometry,
  inDtype: DType,
  outDtype: DType,
  imagesInPlace: boolean,
  labels: CheckedCall['labels'],
  dense: readonly CheckedDense[],
): void {
  const maxGroups = ctx.device.limits.maxComputeWorkgroupsPerDimension;
  const limit = ctx.maxBindingBytes;
  const a = ctx.alignment;
  const batchOf = (argument: string, n: number, inBytes: number, outBytes: number, inPlace: boolean) => {
    // A walk has at most one segment per sample: B x quads threads bound every dispatch.
    const threads = g.batch * Math.ceil(n / 4);
    if (dispatchRows(threads, maxGroups) > maxGroups)
      throw new MixupError(`${argument}.shape`, 'a batch small enough for a 2-D dispatch', got(`${threads} threads`));
    if (fitsBinding(ctx, g.batch, n * inBytes) && fitsBinding(ctx, g.batch, n * outBytes)) return;
    if (inPlace) {
      throw new MixupError(
        'options.inPlace',
        `false for a batch larger than one binding (${limit} bytes): large batches are mixed in chunks, ` +
          `which needs a separate output`,
        got(`${g.batch * n * inBytes} bytes`),
      );
    }
    const sample = Math.max(n * inBytes, n * outBytes);
    if (sample > limit - a) {
      throw new MixupError(
        `${argument}.shape`,
        `samples of at most ${limit - a} bytes (one binding minus its offset alignment)`,
        got(`${sample} bytes per sample`),
      );
    }
  };
  batchOf('inputs.images', g.n, DTYPE_BYTES[inDtype], DTYPE_BYTES[outDtype], imagesInPlace);
  for (let k = 0; k < dense.length; k++) {
    const bytes = DTYPE_BYTES[dense[k].dtype];
    batchOf(dense[k].argument, dense[k].geometry.n, bytes, bytes, imagesInPlace);
  }
  if (!labels) return;
  const K = ctx.options.numClasses;
  if (labels.dtype === 'float32') batchOf('inputs.labels', K, 4, 4, false);
  else if (g.batch * K * 4 > limit && K * 4 > limit - a) {
    throw new MixupError(
      'options.numClasses',
      `at most ${(limit - a) / 4} classes (a target row must fit one binding)`,
      K,
    );
  }
}

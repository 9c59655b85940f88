/**
 * CPU reference: executes a {@link MixPlan} on the host with the exact float32 arithmetic of the
 * WGSL kernels, so the GPU results can be compared with it bit for bit.
 *
 * Every intermediate value is rounded to float32 with `Math.fround`, in the order the kernels
 * compute it:
 * - load: float32 as is; uint8 as its value 0..255; float16 through {@link f16BitsToF32};
 * - blend, for output sample `i`, partner `p = plan.partner[i]`, `a = x[i][e]`, `b = x[p][e]`:
 *   kind 0 `a`; kind 1 `fround(fround(a * lam) + fround(b * fround(1 - lam)))`;
 *   kind 2 `b` inside the half-open box `[y0, y1) x [x0, x1)`, else `a`;
 *   kind 3 inside the box the partner's whole image resized to the box (bilinear or nearest, as
 *   PyTorch's `F.interpolate` with align_corners=False; see ./resize.ts), else `a`;
 *   kind 4, at mask pixel `p = ⌊y·mh / H⌋·mw + ⌊x·mw / W⌋` of the sample's mask (see {@link PlanMasks}):
 *   bits, `a` where the bit is 1, else `b`; soft, with weight `w`, `fround(fround(a * w) + fround(b * fround(1 - w)))`;
 * - normalise (uint8 input only): `fround(fround(m * scale[c]) + bias[c])`, with the coefficients of
 *   {@link normalizeCoefficients};
 * - store: float32 as is; float16 through {@link f32ToF16Bits}; uint8 rounded half to even
 *   (WGSL `round`) and clamped to [0, 255].
 *
 * Nothing is computed until every argument has been checked, and inputs are never modified.
 */

import type { BatchShape, DType, LabelDType, MixPlan, Normalize, PlanMasks } from './types.js';
import { KIND_CUTMIX, KIND_MASK, KIND_MIXUP, KIND_RESIZEMIX } from './types.js';
import { denseRules } from './dense.js';
import { MixupError, describe, got } from './errors.js';
import { f16BitsToF32, f32ToF16Bits } from './f16.js';
import { coefficientsOf, smoothing } from './formulas.js';
import type { NormalizeCoefficients } from './formulas.js';
import { DEFAULT_LABEL_SMOOTHING } from './options.js';
import { validatePlan, validatePlanForTargets } from './plan.js';
import { axisTaps, resampled } from './resize.js';
import { DTYPES, checkShape } from './shape.js';
import {
  checkHolder,
  checkInteger,
  checkKeys,
  checkNormalize,
  checkNumber,
  checkObject,
  checkOneOf,
  checkOptionalBoolean,
} from './validate.js';

export type { NormalizeCoefficients, SmoothingValues } from './formulas.js';
export { normalizeCoefficients, smoothingValues } from './formulas.js';

const fround = Math.fround;

/**
 * Image or feature data: float32 values, uint8 values, or float16 as binary16 bits.
 *
 * @category CPU reference
 */
export type BatchData = Float32Array | Uint8Array | Uint16Array;

/**
 * A batch for the CPU reference.
 *
 * @category CPU reference
 */
export interface CpuBatch {
  /** The elements, `B * N` of them; for dtype `float16`, the binary16 bit patterns. */
  data: BatchData;
  /** Element type of `data`. */
  dtype: DType;
  /** Layout and sizes. */
  shape: BatchShape;
}

/**
 * Options of {@link mixBatchCpu}.
 *
 * @category CPU reference
 */
export interface CpuMixOptions {
  /** Element type of the result. Default `'float32'` when `normalize` is given, else the input dtype. */
  outDtype?: DType;
  /** Per-channel normalisation after the blend; uint8 input only. Default none. */
  normalize?: Normalize | null;
}

/**
 * Labels for the CPU reference: `B` class ids, or `B * K` float32 soft / multi-hot targets.
 *
 * @category CPU reference
 */
export interface CpuLabels {
  /** `B` class ids, or `B * K` soft / multi-hot targets. */
  data: Int32Array | Uint32Array | Float32Array;
  /** Element type of `data`. */
  dtype: LabelDType;
}

/**
 * Options of {@link mixTargetsCpu}. A mixer's resolved `options` (or a planner's) fit as they are,
 * so `mixTargetsCpu(labels, plan, mixer.options)` uses exactly the mixer's K and ε.
 *
 * @category CPU reference
 */
export interface CpuTargetOptions {
  /** Number of classes K. */
  numClasses: number;
  /** Label smoothing ε for class ids (ignored for float32 targets). Default 0.1, timm's and the mixer's. */
  labelSmoothing?: number;
}

const LABEL_DTYPES: readonly LabelDType[] = ['int32', 'uint32', 'float32'];

const DATA_CLASS: Record<DType, string> = { float32: 'Float32Array', float16: 'Uint16Array', uint8: 'Uint8Array' };
const LABEL_CLASS: Record<LabelDType, string> = { int32: 'Int32Array', uint32: 'Uint32Array', float32: 'Float32Array' };

function isDataFor(dtype: DType, data: unknown): boolean {
  switch (dtype) {
    case 'float32':
      return data instanceof Float32Array;
    case 'float16':
      return data instanceof Uint16Array;
    case 'uint8':
      return data instanceof Uint8Array;
  }
}

function isLabelsFor(dtype: LabelDType, data: unknown): boolean {
  switch (dtype) {
    case 'int32':
      return data instanceof Int32Array;
    case 'uint32':
      return data instanceof Uint32Array;
    case 'float32':
      return data instanceof Float32Array;
  }
}

/** Round half to even, like WGSL `round`, then clamp to [0, 255]. NaN stores as 0. */
function toUint8(v: number): number {
  if (!(v > 0)) return 0; // also NaN
  if (v >= 255) return 255;
  const f = Math.floor(v);
  const d = v - f; // exact: v is a float32 below 256
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return (f & 1) === 0 ? f : f + 1;
}

/**
 * Mixes a batch on the CPU according to `plan`; the result is a new array of `outDtype`
 * (`Float32Array`, `Uint16Array` of binary16 bits for float16, or `Uint8Array`), laid out like the input.
 *
 * Throws a {@link MixupError} naming the argument at fault when the data does not match its dtype
 * or shape, the plan does not fit the batch (or has a CutMix entry for `rows`), or the options are
 * invalid: `normalize` needs uint8 input and a non-uint8 output.
 *
 * @category CPU reference
 */
export function mixBatchCpu(input: CpuBatch, plan: MixPlan, options?: CpuMixOptions): BatchData {
  // ---- validate everything first ----
  const inp = checkHolder('input', input, 'data, dtype, shape');
  const dtype = checkOneOf('input.dtype', inp.dtype, DTYPES);
  const geo = checkShape('input.shape', inp.shape);
  const data = inp.data;
  if (!isDataFor(dtype, data)) {
    throw new MixupError('input.data', `a ${DATA_CLASS[dtype]} for dtype ${JSON.stringify(dtype)}`, data);
  }
  const src = data as BatchData;
  const total = geo.batch * geo.n;
  if (src.length !== total) {
    throw new MixupError('input.data', `of length ${total} (batch ${geo.batch} x ${geo.n} elements per sample)`, src);
  }

  // Rows have no pixels: without an image size validatePlan rejects CutMix entries.
  validatePlan(plan, geo.batch, geo.layout === 'rows' ? null : { height: geo.height, width: geo.width });

  const opts = options === undefined ? {} : checkObject('options', options);
  const normalize = opts.normalize ?? null;
  let coef: NormalizeCoefficients | null = null;
  if (normalize !== null) {
    if (dtype !== 'uint8') {
      throw new MixupError(
        'options.normalize',
        `null for ${dtype} input (normalisation applies to uint8 input only)`,
        normalize,
      );
    }
    coef = coefficientsOf(checkNormalize('options.normalize', normalize, geo.channels));
  }
  const outDtype: DType =
    opts.outDtype === undefined ? (coef ? 'float32' : dtype) : checkOneOf('options.outDtype', opts.outDtype, DTYPES);
  if (coef && outDtype === 'uint8') {
    throw new MixupError('options.outDtype', '"float32" or "float16" when options.normalize is given', outDtype);
  }

  // ---- compute ----
  const { batch: B, n: N, channels: C, height: H, width: W, layout } = geo;
  // float32 and uint8 read as is
  const load: (j: number) => number = dtype === 'float16' ? (j) => f16BitsToF32(src[j]) : (j) => src[j];
  const out: BatchData =
    outDtype === 'float32'
      ? new Float32Array(total)
      : outDtype === 'float16'
        ? new Uint16Array(total)
        : new Uint8Array(total);
  const store: (j: number, v: number) => void =
    outDtype === 'float32'
      ? (j, v) => {
          out[j] = v;
        }
      : outDtype === 'float16'
        ? (j, v) => {
            out[j] = f32ToF16Bits(v);
          }
        : (j, v) => {
            out[j] = toUint8(v);
          };

  const masks = plan.masks as PlanMasks | null | undefined;
  for (let i = 0; i < B; i++) {
    const kind = plan.kind[i];
    // validatePlan made sure a kind-4 sample has a well-formed mask.
    const mask = kind === KIND_MASK ? maskOf(masks as PlanMasks, i) : null;
    const p = plan.partner[i];
    const lam = plan.lam[i];
    const oneMinusLam = fround(1 - lam);
    const y0 = plan.box[4 * i];
    const y1 = plan.box[4 * i + 1];
    const x0 = plan.box[4 * i + 2];
    const x1 = plan.box[4 * i + 3];
    const baseA = i * N;
    const baseB = p * N;
    // ResizeMix: the partner's pixel (y, x) of channel c, and the box's taps (an empty box pastes nothing).
    const resize = kind === KIND_RESIZEMIX && y1 > y0 && x1 > x0 ? resizeOf(plan, H, W, y1 - y0, x1 - x0) : null;
    const partnerPixel = (c: number) => (y: number, x: number) =>
      load(baseB + (layout === 'NCHW' ? (c * H + y) * W + x : (y * W + x) * C + c));

    for (let e = 0; e < N; e++) {
      let c: number;
      let y: number;
      let x: number;
      if (layout === 'NCHW') {
        c = Math.floor(e / (H * W));
        const r = e % (H * W);
        y = Math.floor(r / W);
        x = r % W;
      } else if (layout === 'NHWC') {
        c = e % C;
        const pixel = Math.floor(e / C);
        y = Math.floor(pixel / W);
        x = pixel % W;
      } else {
        c = 0;
        y = 0;
        x = e;
      }

      const inBox = y >= y0 && y < y1 && x >= x0 && x < x1;
      let m: number;
      if (kind === KIND_MIXUP) {
        const a = load(baseA + e);
        const b = load(baseB + e);
        m = fround(fround(a * lam) + fround(b * oneMinusLam));
      } else if (kind === KIND_CUTMIX && inBox) {
        m = load(baseB + e);
      } else if (resize && inBox) {
        m = resampled(resize.rows, resize.cols, resize.mode, y - y0, x - x0, partnerPixel(c));
      } else if (mask) {
        const a = load(baseA + e);
        const b = load(baseB + e);
        const q = Math.floor((y * mask.height) / H) * mask.width + Math.floor((x * mask.width) / W);
        if (mask.soft) {
          const w = mask.soft[mask.base + q];
          m = fround(fround(a * w) + fround(b * fround(1 - w)));
        } else {
          m = ((mask.bits as Uint32Array)[mask.base + (q >>> 5)] >>> (q & 31)) & 1 ? a : b;
        }
      } else {
        m = load(baseA + e);
      }

      if (coef) m = fround(fround(m * coef.scale[c]) + coef.bias[c]);
      store(baseA + e, m);
    }
  }
  return out;
}

/** The taps of a ResizeMix box of bh x bw in an H x W image, in the plan's resize mode. */
function resizeOf(plan: MixPlan, H: number, W: number, bh: number, bw: number) {
  const mode = plan.resize ?? 'bilinear';
  return { mode, rows: axisTaps(H, bh, mode), cols: axisTaps(W, bw, mode) };
}

/** Sample i's mask: its words or weights from `base` on, and the masks' resolution. */
function maskOf(
  m: PlanMasks,
  i: number,
): { bits: Uint32Array | null; soft: Float32Array | null; base: number; height: number; width: number } {
  const pixels = m.height * m.width;
  const soft = m.format === 'soft';
  return {
    bits: soft ? null : (m.data as Uint32Array),
    soft: soft ? (m.data as Float32Array) : null,
    base: m.index[i] * (soft ? pixels : Math.ceil(pixels / 32)),
    height: m.height,
    width: m.width,
  };
}

/**
 * Mixes targets on the CPU according to `plan`: a new `Float32Array` of `B * K` values, row `i` being
 * `fround(fround(a * lam) + fround(b * fround(1 - lam)))` elementwise, with `a` the target of sample
 * `i`, `b` that of `plan.partner[i]` and `lam = plan.lam[i]`, for every kind (kind 0 has lam 1).
 *
 * - Class ids (`int32`, `uint32`, `B` of them, each in [0, K)) become smoothed one-hot targets:
 *   `on` for the class, `off` elsewhere (see {@link smoothingValues}), then are mixed.
 * - Float32 soft / multi-hot targets (`B * K` values, row-major) are mixed as they are:
 *   `labelSmoothing` is **not** applied to them (it is still checked).
 *
 * @category CPU reference
 */
export function mixTargetsCpu(labels: CpuLabels, plan: MixPlan, options: CpuTargetOptions): Float32Array {
  // ---- validate everything first ----
  const lab = checkHolder('labels', labels, 'data, dtype');
  const dtype = checkOneOf('labels.dtype', lab.dtype, LABEL_DTYPES);
  const data = lab.data;
  if (!isLabelsFor(dtype, data)) {
    throw new MixupError('labels.data', `a ${LABEL_CLASS[dtype]} for dtype ${JSON.stringify(dtype)}`, data);
  }
  const src = data as Int32Array | Uint32Array | Float32Array;
  const opts = checkObject('options', options);
  const K = checkInteger('options.numClasses', opts.numClasses, 1);
  const eps =
    opts.labelSmoothing === undefined
      ? DEFAULT_LABEL_SMOOTHING
      : checkNumber('options.labelSmoothing', opts.labelSmoothing, 0, 1);

  const planObj = checkObject('plan', plan);
  const kindArr = planObj.kind;
  if (!(kindArr instanceof Uint8Array) || kindArr.length < 1) {
    throw new MixupError('plan.kind', 'a non-empty Uint8Array', kindArr);
  }
  const B = kindArr.length;
  validatePlanForTargets(plan, B); // CutMix entries allowed, boxes not read

  if (!Number.isSafeInteger(B * K)) throw new MixupError('options.numClasses', `small enough that ${B} x K < 2^53`, K);
  const ids = dtype !== 'float32';
  const expected = ids ? B : B * K;
  if (src.length !== expected) {
    const what = ids ? `${B} (one class id per sample)` : `${B * K} (batch ${B} x ${K} classes)`;
    // B floats where B x K were expected: most likely class ids stored as floats.
    const hint =
      !ids && K > 1 && src.length === B
        ? got(
            `${describe(src)}: one value per sample, did you mean int32 class ids (an Int32Array with dtype 'int32')?`,
          )
        : src;
    throw new MixupError('labels.data', `of length ${what}`, hint);
  }
  if (ids) {
    for (let i = 0; i < B; i++) {
      const v = src[i];
      if (!Number.isInteger(v) || v < 0 || v >= K) {
        throw new MixupError(`labels.data[${i}]`, `a class id in [0, ${K - 1}]`, v);
      }
    }
  }

  // ---- compute ----
  const out = new Float32Array(B * K);
  const { on, off } = smoothing(K, eps);
  for (let i = 0; i < B; i++) {
    const p = plan.partner[i];
    const lam = plan.lam[i];
    const oneMinusLam = fround(1 - lam);
    for (let k = 0; k < K; k++) {
      let a: number;
      let b: number;
      if (ids) {
        a = k === src[i] ? on : off;
        b = k === src[p] ? on : off;
      } else {
        a = src[i * K + k];
        b = src[p * K + k];
      }
      out[i * K + k] = fround(fround(a * lam) + fround(b * oneMinusLam));
    }
  }
  return out;
}

/**
 * Options of {@link mixDenseCpu}.
 *
 * @category CPU reference
 */
export interface CpuDenseOptions {
  /** Whether the values are ids that must not be blended. Default: true for uint8, false for floats. */
  integer?: boolean;
}

/**
 * Mixes a dense target (segmentation map, mask, depth: a per-pixel NCHW or NHWC tensor aligned with
 * the images) on the CPU by the images' `plan`, as the GPU mixer mixes `inputs.dense`: the values of
 * {@link mixBatchCpu} for the map, in its own dtype, without normalisation. An integer map takes
 * pastes only: a plan with a blend (kind 1, or kind 4 with soft masks) is rejected with a
 * {@link MixupError} naming `map` and the sample, and ResizeMix pastes resample it with nearest.
 *
 * @category CPU reference
 */
export function mixDenseCpu(map: CpuBatch, plan: MixPlan, options?: CpuDenseOptions): BatchData {
  const m = checkHolder('map', map, 'data, dtype, shape');
  const dtype = checkOneOf('map.dtype', m.dtype, DTYPES);
  const geo = checkShape('map.shape', m.shape);
  if (geo.layout === 'rows') throw new MixupError('map.shape.layout', "'NCHW' or 'NHWC' (a map has pixels)", 'rows');
  if (!isDataFor(dtype, m.data))
    throw new MixupError('map.data', `a ${DATA_CLASS[dtype]} for dtype ${JSON.stringify(dtype)}`, m.data);
  const total = geo.batch * geo.n;
  if ((m.data as BatchData).length !== total)
    throw new MixupError('map.data', `of length ${total} (batch ${geo.batch} x ${geo.n} elements per sample)`, m.data);
  const opts = options === undefined ? {} : checkObject('options', options);
  checkKeys('options', opts, ['integer']);
  const integer = checkOptionalBoolean('options.integer', opts.integer) ?? dtype === 'uint8';
  validatePlan(plan, geo.batch, { height: geo.height, width: geo.width });
  const resize = denseRules('map', plan, integer);
  return mixBatchCpu(map, resize === (plan.resize ?? 'bilinear') ? plan : { ...plan, resize });
}

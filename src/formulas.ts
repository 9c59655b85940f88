/**
 * The formulas the GPU path and the CPU reference share, so that both compute the same float32
 * values from the same options: the coefficients of the fused normalisation and the label
 * smoothing values. The GPU path uploads exactly these numbers; the reference uses them as is.
 */
import { checkInteger, checkNormalize, checkNumber } from './validate.js';
import type { CheckedNormalize } from './validate.js';
import type { Normalize } from './types.js';

const fround = Math.fround;

/**
 * Float32 coefficients of the fused normalisation, per channel: `x * scale[c] + bias[c]`.
 *
 * @category CPU reference
 */
export interface NormalizeCoefficients {
  /** `1 / (255 * std[c])`, rounded to float32 once. */
  scale: Float32Array;
  /** `-mean[c] / std[c]`, rounded to float32 once. */
  bias: Float32Array;
}

/**
 * Smoothed one-hot target values.
 *
 * @category CPU reference
 */
export interface SmoothingValues {
  /** Value of the true class: `1 - ε + ε / K` as float32. */
  on: number;
  /** Value of every other class: `ε / K` as float32. */
  off: number;
}

/** The coefficients of a checked normalisation (see {@link normalizeCoefficients}). */
export function coefficientsOf(checked: CheckedNormalize): NormalizeCoefficients {
  const channels = checked.mean.length;
  const scale = new Float32Array(channels);
  const bias = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    // Computed in float64, rounded to float32 once (by the store into the Float32Array).
    scale[c] = 1 / (255 * checked.std[c]);
    bias[c] = -checked.mean[c] / checked.std[c];
  }
  return { scale, bias };
}

/**
 * The coefficients of the normalisation a caller passes call after call, made once: a training
 * loop passes the same numbers every call. They are checked every call (the caller may have
 * changed them) into arrays kept here and compared with the last ones; only new numbers make new
 * coefficients, so the steady state allocates nothing (issue 14). The coefficients returned are
 * shared between calls: nothing may write to them.
 */
export class CoefficientsMemo {
  private checked: CheckedNormalize = { mean: new Float64Array(0), std: new Float64Array(0) };
  private last: CheckedNormalize = { mean: new Float64Array(0), std: new Float64Array(0) };
  private coefficients: NormalizeCoefficients | null = null;

  /** checkNormalize(argument, normalize, channels), as coefficients. */
  of(argument: string, normalize: unknown, channels: number): NormalizeCoefficients {
    // New arrays for another channel count (the last numbers then differ in length: recomputed below).
    if (this.checked.mean.length !== channels)
      this.checked = { mean: new Float64Array(channels), std: new Float64Array(channels) };
    const checked = checkNormalize(argument, normalize, channels, this.checked);
    const last = this.last;
    if (this.coefficients !== null && sameValues(checked.mean, last.mean) && sameValues(checked.std, last.std))
      return this.coefficients;
    this.last = { mean: checked.mean.slice(), std: checked.std.slice() };
    this.coefficients = coefficientsOf(checked);
    return this.coefficients;
  }
}

function sameValues(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Float32 coefficients of `(x / 255 - mean) / std` as `x * scale + bias`, one per channel:
 * `scale[c] = fround(1 / (255 * std[c]))`, `bias[c] = fround(-mean[c] / std[c])`, each computed in
 * float64 and rounded once. `mean` and `std` have `channels` entries, or one entry used for every
 * channel; every `mean` in [0, 1], every `std` in (0, 1] (units of x / 255). The GPU path uploads exactly
 * these values.
 *
 * @category CPU reference
 */
export function normalizeCoefficients(normalize: Normalize, channels: number): NormalizeCoefficients {
  checkInteger('channels', channels, 1);
  return coefficientsOf(checkNormalize('normalize', normalize, channels));
}

/** {@link smoothingValues} without the checks, for callers that checked K and ε already. */
export function smoothing(numClasses: number, labelSmoothing: number): SmoothingValues {
  return { on: fround(1 - labelSmoothing + labelSmoothing / numClasses), off: fround(labelSmoothing / numClasses) };
}

/**
 * Label smoothing values for K classes: `off = fround(ε / K)` on the other classes and
 * `on = fround(1 - ε + ε / K)` on the true class, each computed in float64 and rounded once.
 *
 * @category CPU reference
 */
export function smoothingValues(numClasses: number, labelSmoothing: number): SmoothingValues {
  checkInteger('numClasses', numClasses, 1);
  checkNumber('labelSmoothing', labelSmoothing, 0, 1);
  return smoothing(numClasses, labelSmoothing);
}

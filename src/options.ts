/**
 * Option checking and timm's defaults. Every rejection is a {@link MixupError}
 * naming the option, so a bad configuration fails at construction, not mid-epoch.
 */

import { MixupError } from './errors.js';
import { checkInteger, checkKeys, checkNumber } from './validate.js';
import type { MixMode, MixOptions, Pairing } from './types.js';

/**
 * {@link MixOptions} with every default filled in and every value checked.
 *
 * @category Planning
 */
export interface ResolvedMixOptions {
  /** Beta(α, α) parameter for mixup; 0 means mixup is off. */
  readonly mixupAlpha: number;
  /** Beta(α, α) parameter for CutMix; 0 means CutMix is off. Forced to 1 when `cutmixMinMax` is set (timm). */
  readonly cutmixAlpha: number;
  /** Box side ratio range, or null for the standard sqrt(1 − λ) box. */
  readonly cutmixMinMax: [number, number] | null;
  /** Probability that a batch, pair or sample is mixed at all. */
  readonly prob: number;
  /** Probability of CutMix instead of mixup when both are on. */
  readonly switchProb: number;
  /** One draw per batch, per pair, or per sample. */
  readonly mode: MixMode;
  /** Whether λ is recomputed from the clipped CutMix box. */
  readonly correctLam: boolean;
  /** Label smoothing ε for class ids. */
  readonly labelSmoothing: number;
  /** Number of classes K. */
  readonly numClasses: number;
  /** A string, or a private Uint32Array copy of an explicit partner array. */
  readonly pairing: Pairing;
  /** Seed of the random stream. */
  readonly seed: number;
  /** Stream id. */
  readonly stream: number;
}

/** timm's label smoothing default, shared by the mixer and the CPU reference (`mixTargetsCpu`). */
export const DEFAULT_LABEL_SMOOTHING = 0.1;

/** timm's `Mixup` defaults, plus flip pairing, seed 0 and stream 0. */
const DEFAULTS = {
  mixupAlpha: 1,
  cutmixAlpha: 0,
  cutmixMinMax: null,
  prob: 1,
  switchProb: 0.5,
  mode: 'batch',
  correctLam: true,
  labelSmoothing: DEFAULT_LABEL_SMOOTHING,
  numClasses: 1000,
  pairing: 'flip',
  seed: 0,
  stream: 0,
} as const satisfies Required<MixOptions>;

const KNOWN_KEYS = Object.keys(DEFAULTS) as (keyof MixOptions)[];
const MODES: readonly MixMode[] = ['batch', 'pair', 'elem'];

function checkMinMax(value: unknown): [number, number] | null {
  if (value === null || value === undefined) return null;
  const expected = '[min, max] with 0 < min < max < 1';
  if (!Array.isArray(value) || value.length !== 2) throw new MixupError('options.cutmixMinMax', expected, value);
  const [lo, hi] = value as unknown[];
  if (
    typeof lo !== 'number' ||
    typeof hi !== 'number' ||
    !Number.isFinite(lo) ||
    !Number.isFinite(hi) ||
    !(lo > 0 && lo < hi && hi < 1)
  ) {
    throw new MixupError('options.cutmixMinMax', expected, value);
  }
  return [lo, hi];
}

function checkPairing(value: unknown, mode: MixMode): Pairing {
  if (value === 'flip' || value === 'roll' || value === 'shuffle') return value;
  if (value instanceof Uint32Array || Array.isArray(value)) {
    const n = value.length;
    if (n === 0) throw new MixupError('options.pairing', 'a non-empty array of partner indices', value);
    // The batch size is not known yet, but any valid array has one entry per sample.
    const copy = new Uint32Array(n);
    for (let i = 0; i < n; i++) copy[i] = checkInteger(`options.pairing[${i}]`, value[i], 0, n - 1);
    if (mode === 'pair') {
      for (let i = 0; i < n; i++) {
        if (copy[copy[i]] !== i) {
          throw new MixupError(
            'options.pairing',
            "an involution in 'pair' mode (partner[partner[i]] == i)",
            `partner[${i}] = ${copy[i]} but partner[${copy[i]}] = ${copy[copy[i]]}`,
          );
        }
      }
    }
    return copy;
  }
  throw new MixupError('options.pairing', "'flip', 'roll', 'shuffle' or an array of partner indices", value);
}

/**
 * Checks `options` and fills in timm's defaults. Keys set to `undefined` take
 * their default; unknown keys are rejected so that a typo does not silently
 * fall back to a default.
 *
 * @category Planning
 */
export function resolveOptions(options?: MixOptions): ResolvedMixOptions {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new MixupError('options', 'an object of mixup options', options);
  }
  checkKeys('options', options as Record<string, unknown>, KNOWN_KEYS);
  // Only `undefined` means "use the default": a `null` number is a mistake worth reporting.
  const get = <K extends keyof MixOptions>(key: K): unknown =>
    options[key] === undefined ? DEFAULTS[key] : options[key];

  const mixupAlpha = checkNumber('options.mixupAlpha', get('mixupAlpha'), 0);
  let cutmixAlpha = checkNumber('options.cutmixAlpha', get('cutmixAlpha'), 0);
  const cutmixMinMax = checkMinMax(options.cutmixMinMax);
  // timm: a min/max box range forces CutMix on with α = 1.
  if (cutmixMinMax) cutmixAlpha = 1;
  const prob = checkNumber('options.prob', get('prob'), 0, 1);
  const switchProb = checkNumber('options.switchProb', get('switchProb'), 0, 1);
  const mode = get('mode') as MixMode;
  if (!MODES.includes(mode)) throw new MixupError('options.mode', "'batch', 'pair' or 'elem'", mode);
  const correctLam = get('correctLam');
  if (typeof correctLam !== 'boolean') throw new MixupError('options.correctLam', 'a boolean', correctLam);
  const labelSmoothing = checkNumber('options.labelSmoothing', get('labelSmoothing'), 0, 1);
  const numClasses = checkInteger('options.numClasses', get('numClasses'), 1);
  const pairing = checkPairing(get('pairing'), mode);
  const seed = checkInteger('options.seed', get('seed'), 0);
  const stream = checkInteger('options.stream', get('stream'), 0, 0xffffffff);

  if (mixupAlpha === 0 && cutmixAlpha === 0) {
    throw new MixupError(
      'options.mixupAlpha',
      '> 0 unless CutMix is enabled (cutmixAlpha > 0 or cutmixMinMax set), or nothing would ever be mixed',
      mixupAlpha,
    );
  }

  return Object.freeze({
    mixupAlpha,
    cutmixAlpha,
    cutmixMinMax: cutmixMinMax && (Object.freeze(cutmixMinMax) as [number, number]),
    prob,
    switchProb,
    mode,
    correctLam,
    labelSmoothing,
    numClasses,
    pairing,
    seed,
    stream,
  });
}

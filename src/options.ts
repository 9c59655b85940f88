/**
 * Option checking and timm's defaults. Every rejection is a {@link MixupError}
 * naming the option, so a bad configuration fails at construction, not mid-epoch.
 */

import { MixupError } from './errors.js';
import { checkInteger, checkKeys, checkNumber } from './validate.js';
import type { MethodWeights, MixMode, MixOptions, Pairing, ResizeMode } from './types.js';

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
  /** Beta(α, α) parameter for ResizeMix; 0 means ResizeMix is off. */
  readonly resizemixAlpha: number;
  /** ResizeMix's [lamMin, lamMax]: λ = lamMin + Beta(α, α)·(lamMax − lamMin). */
  readonly resizemixLam: readonly [number, number];
  /** How ResizeMix resizes the partner into its box. */
  readonly resizemixMode: ResizeMode;
  /** Beta(α, α) parameter for FMix; 0 means FMix is off. */
  readonly fmixAlpha: number;
  /** FMix's spectral decay power δ. */
  readonly fmixDecay: number;
  /** FMix mask [height, width] before clamping to the image. */
  readonly fmixSize: readonly [number, number];
  /** The given method weights (a missing method as 0), or null for the default choice. */
  readonly methodWeights: Readonly<Required<MethodWeights>> | null;
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
  resizemixAlpha: 0,
  resizemixLam: [0.1, 0.8],
  resizemixMode: 'bilinear',
  fmixAlpha: 0,
  fmixDecay: 3,
  fmixSize: 32,
  methodWeights: null,
} as const satisfies Required<MixOptions>;

const KNOWN_KEYS = Object.keys(DEFAULTS) as (keyof MixOptions)[];
const MODES: readonly MixMode[] = ['batch', 'pair', 'elem'];
const RESIZE_MODES: readonly ResizeMode[] = ['bilinear', 'nearest'];
const METHODS = ['mixup', 'cutmix', 'resizemix', 'fmix'] as const;

function checkLamRange(value: unknown): readonly [number, number] {
  const expected = '[lamMin, lamMax] with 0 <= lamMin <= lamMax <= 1';
  if (!Array.isArray(value) || value.length !== 2) throw new MixupError('options.resizemixLam', expected, value);
  const [lo, hi] = value as unknown[];
  if (typeof lo !== 'number' || typeof hi !== 'number' || !(lo >= 0 && lo <= hi && hi <= 1)) {
    throw new MixupError('options.resizemixLam', expected, value);
  }
  return Object.freeze([lo, hi] as [number, number]);
}

function checkMaskSize(value: unknown): readonly [number, number] {
  if (typeof value === 'number') {
    const side = checkInteger('options.fmixSize', value, 1, 65536);
    return Object.freeze([side, side] as [number, number]);
  }
  if (!Array.isArray(value) || value.length !== 2) {
    throw new MixupError('options.fmixSize', 'a side or [height, width], integers in [1, 65536]', value);
  }
  return Object.freeze([
    checkInteger('options.fmixSize[0]', value[0], 1, 65536),
    checkInteger('options.fmixSize[1]', value[1], 1, 65536),
  ] as [number, number]);
}

/** Which methods can be drawn: each α > 0 (CutMix also with a min/max box). */
interface Enabled {
  mixup: boolean;
  cutmix: boolean;
  resizemix: boolean;
  fmix: boolean;
}

const ALPHA_OF: Record<(typeof METHODS)[number], string> = {
  mixup: 'mixupAlpha is 0',
  cutmix: 'cutmixAlpha is 0 and cutmixMinMax unset',
  resizemix: 'resizemixAlpha is 0',
  fmix: 'fmixAlpha is 0',
};

function checkWeights(value: unknown, enabled: Enabled): Readonly<Required<MethodWeights>> | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new MixupError('options.methodWeights', 'an object { mixup?, cutmix?, resizemix?, fmix? } of weights', value);
  }
  const given = value as Record<string, unknown>;
  checkKeys('options.methodWeights', given, METHODS, 'method');
  const weights = { mixup: 0, cutmix: 0, resizemix: 0, fmix: 0 };
  let sum = 0;
  for (const method of METHODS) {
    const w = given[method] === undefined ? 0 : checkNumber(`options.methodWeights.${method}`, given[method], 0);
    if (w > 0 && !enabled[method]) {
      throw new MixupError(
        `options.methodWeights.${method}`,
        `0 or absent while ${ALPHA_OF[method]} (the method is disabled)`,
        w,
      );
    }
    weights[method] = w;
    sum += w;
  }
  if (!(sum > 0 && sum < Infinity)) {
    throw new MixupError(
      'options.methodWeights',
      'weights whose sum over the enabled methods is a positive finite number',
      value,
    );
  }
  return Object.freeze(weights);
}

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
  const resizemixAlpha = checkNumber('options.resizemixAlpha', get('resizemixAlpha'), 0);
  const resizemixLam = checkLamRange(get('resizemixLam'));
  const resizemixMode = get('resizemixMode') as ResizeMode;
  if (!RESIZE_MODES.includes(resizemixMode)) {
    throw new MixupError('options.resizemixMode', "'bilinear' or 'nearest'", resizemixMode);
  }
  const fmixAlpha = checkNumber('options.fmixAlpha', get('fmixAlpha'), 0);
  const fmixDecay = checkNumber('options.fmixDecay', get('fmixDecay'), 0);
  const fmixSize = checkMaskSize(get('fmixSize'));
  const enabled = {
    mixup: mixupAlpha > 0,
    cutmix: cutmixAlpha > 0,
    resizemix: resizemixAlpha > 0,
    fmix: fmixAlpha > 0,
  };
  const methodWeights = checkWeights(options.methodWeights, enabled);

  if (!enabled.mixup && !enabled.cutmix && !enabled.resizemix && !enabled.fmix) {
    throw new MixupError(
      'options.mixupAlpha',
      '> 0 unless CutMix is enabled (cutmixAlpha > 0 or cutmixMinMax set), or ResizeMix (resizemixAlpha > 0) ' +
        'or FMix (fmixAlpha > 0), or nothing would ever be mixed',
      mixupAlpha,
    );
  }
  // switchProb splits mixup from CutMix; beside other weights it would be ambiguous.
  if (options.switchProb !== undefined && (methodWeights !== null || enabled.resizemix || enabled.fmix)) {
    throw new MixupError(
      'options.switchProb',
      methodWeights !== null
        ? 'undefined when methodWeights is given (methodWeights.cutmix and .mixup set the split)'
        : 'undefined when ResizeMix or FMix is enabled (it chooses between mixup and CutMix only; ' +
            'give methodWeights instead)',
      options.switchProb,
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
    resizemixAlpha,
    resizemixLam,
    resizemixMode,
    fmixAlpha,
    fmixDecay,
    fmixSize,
    methodWeights,
  });
}

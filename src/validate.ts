/**
 * Every argument check of the package in one place: plain values (objects, integers, numbers,
 * booleans, one-of strings), the keys of an options object (with a "did you mean" suggestion),
 * GPUBuffers, and the normalisation of uint8 input, shared by the CPU reference and the GPU path.
 * Each check throws a {@link MixupError} that names the argument, what was expected and what came,
 * and returns the value with its checked type.
 */
import { MixupError, describe, got } from './errors.js';

export function checkObject(argument: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) {
    throw new MixupError(argument, 'an object', value);
  }
  return value as Record<string, unknown>;
}

/**
 * An object holding a typed array and what it is (`fields`, e.g. `'data, dtype, shape'`): the CPU
 * reference's batches and labels. A typed array passed as the whole argument is named as such.
 */
export function checkHolder(argument: string, value: unknown, fields: string): Record<string, unknown> {
  if (ArrayBuffer.isView(value)) {
    throw new MixupError(
      argument,
      `{ ${fields} } (the typed array goes in its data field, with the rest beside it)`,
      value,
    );
  }
  return checkObject(argument, value);
}

export function checkOneOf<T extends string>(argument: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new MixupError(argument, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`, value);
  }
  return value as T;
}

/** Throws unless `value` is an integer in [min, max]. */
export function checkInteger(argument: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
    throw new MixupError(argument, `an integer ${range}`, value);
  }
  return value;
}

/** Throws unless `value` is a finite number in [min, max]. */
export function checkNumber(argument: string, value: unknown, min = -Infinity, max = Infinity): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    const range = min === -Infinity && max === Infinity ? '' : max === Infinity ? ` >= ${min}` : ` in [${min}, ${max}]`;
    throw new MixupError(argument, `a finite number${range}`, value);
  }
  return value;
}

/** `undefined` (the default) or a boolean. */
export function checkOptionalBoolean(argument: string, value: unknown): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') throw new MixupError(argument, 'a boolean', value);
  return value;
}

/** Levenshtein distance, for suggestions (short strings only). */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}

/**
 * The known key a misspelt one most likely meant, if any: the same letters up to case, `_` and `-`
 * (`mixup_alpha` → `mixupAlpha`, `inplace` → `inPlace`), else one within an edit or two
 * (`image` → `images`; one edit for keys of up to 5 letters).
 */
export function suggestKey(key: string, known: readonly string[]): string | undefined {
  const squash = (s: string) => s.replace(/[_\-\s]/g, '').toLowerCase();
  const k = squash(key);
  const same = known.find((name) => squash(name) === k);
  if (same) return same;
  let best: string | undefined;
  let bestDistance = k.length <= 5 ? 2 : 3;
  for (const name of known) {
    const d = editDistance(k, squash(name));
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return best;
}

/**
 * Rejects keys of `object` that are not in `known`, so that a typo is never silently ignored
 * (`{ inplace: true }` would otherwise run as an ordinary copy). `what` names the kind of key in
 * the message ("option", "input", ...).
 */
export function checkKeys(
  argument: string,
  object: Record<string, unknown>,
  known: readonly string[],
  what = 'option',
): void {
  // for-in over own keys (what Object.keys lists) without the array Object.keys allocates per call.
  for (const key in object) {
    if (!Object.hasOwn(object, key) || known.includes(key)) continue;
    const hint = suggestKey(key, known);
    throw new MixupError(
      `${argument}.${key}`,
      hint ? `a known ${what} (did you mean ${hint}?)` : `one of the known ${what}s (${known.join(', ')})`,
      object[key],
    );
  }
}

export function isGpuBuffer(value: unknown): value is GPUBuffer {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as GPUBuffer).size === 'number' &&
    typeof (value as GPUBuffer).usage === 'number' &&
    typeof (value as GPUBuffer).destroy === 'function'
  );
}

/** GPUBufferUsage's flags by value (the spec's numbers: no WebGPU global needed to name them). */
const USAGE_NAMES: ReadonlyArray<[flag: number, name: string]> = [
  [0x1, 'MAP_READ'],
  [0x2, 'MAP_WRITE'],
  [0x4, 'COPY_SRC'],
  [0x8, 'COPY_DST'],
  [0x10, 'INDEX'],
  [0x20, 'VERTEX'],
  [0x40, 'UNIFORM'],
  [0x80, 'STORAGE'],
  [0x100, 'INDIRECT'],
  [0x200, 'QUERY_RESOLVE'],
];

/** Usage flags by name, as a user wrote them, with the number WebGPU reports: `usage COPY_SRC | COPY_DST (0xc)`. */
export function usageFlags(usage: number): string {
  const names = USAGE_NAMES.filter(([flag]) => (usage & flag) !== 0).map(([, name]) => name);
  const unknown = USAGE_NAMES.reduce((rest, [flag]) => rest & ~flag, usage);
  if (unknown) names.push(`0x${unknown.toString(16)}`);
  return `usage ${names.length ? names.join(' | ') : 'none'} (0x${usage.toString(16)})`;
}

/**
 * Throws unless `value` is an unmapped GPUBuffer with STORAGE usage and at least `minBytes` bytes.
 * `what` is appended to the size expectation (e.g. "for its dims and dataType").
 */
export function checkBuffer(argument: string, value: unknown, minBytes: number, what = ''): GPUBuffer {
  if (!isGpuBuffer(value)) throw new MixupError(argument, 'a GPUBuffer', value);
  if ((value.usage & GPUBufferUsage.STORAGE) === 0) {
    throw new MixupError(
      `${argument}.usage`,
      'flags that include GPUBufferUsage.STORAGE',
      got(usageFlags(value.usage)),
    );
  }
  if (value.size < minBytes)
    throw new MixupError(`${argument}.size`, `at least ${minBytes} bytes${what}`, got(`${value.size} bytes`));
  if (value.mapState !== 'unmapped')
    throw new MixupError(argument, 'an unmapped buffer', got(`a buffer in map state ${describe(value.mapState)}`));
  return value;
}

/** A per-channel normalisation, checked: `mean` and `std` with one entry per channel (one entry repeated). */
export interface CheckedNormalize {
  mean: Float64Array;
  std: Float64Array;
}

function isNumberList(value: unknown): value is ArrayLike<number> {
  return Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
}

const NORMALIZE_KEYS = ['mean', 'std'];
// Both in units of x / 255: values above 1 almost always mean 0-255 units (123.7, 58.4, ...),
// which would silently give garbage, so the message says so.
const UNITS = "(mean and std are in units of x / 255, as torchvision's Normalize takes them after ToTensor)";
const lengths = (channels: number) => (channels === 1 ? 'of length 1' : `of length ${channels} (one per channel) or 1`);
const gotValue = (v: unknown) =>
  typeof v === 'number' && v > 1 && v <= 255 ? got(`${v}: 0-255 units? Divide mean and std by 255`) : v;

/**
 * Checks a `{ mean, std }` normalisation for `channels` channels: arrays of `channels` entries or
 * one; every mean in [0, 1], every std in (0, 1] (units of x / 255; 0-255 units are named as the
 * likely cause). Returns one mean and std per channel, in `into` when given (arrays of `channels`).
 */
export function checkNormalize(
  argument: string,
  normalize: unknown,
  channels: number,
  into?: CheckedNormalize,
): CheckedNormalize {
  const norm = checkObject(argument, normalize);
  checkKeys(argument, norm, NORMALIZE_KEYS, 'field');
  const { mean, std } = norm;
  if (!isNumberList(mean) || (mean.length !== channels && mean.length !== 1)) {
    throw new MixupError(`${argument}.mean`, `an array of numbers ${lengths(channels)}`, mean);
  }
  if (!isNumberList(std) || (std.length !== channels && std.length !== 1)) {
    throw new MixupError(`${argument}.std`, `an array of numbers ${lengths(channels)}`, std);
  }
  const units = UNITS;
  for (let c = 0; c < mean.length; c++) {
    const m = mean[c];
    if (typeof m !== 'number' || !(m >= 0 && m <= 1))
      throw new MixupError(`${argument}.mean[${c}]`, `a number in [0, 1] ${units}`, gotValue(m));
  }
  for (let c = 0; c < std.length; c++) {
    const d = std[c];
    if (typeof d !== 'number' || !(d > 0 && d <= 1))
      throw new MixupError(`${argument}.std[${c}]`, `a number in (0, 1] ${units}`, gotValue(d));
  }
  const out = into ?? { mean: new Float64Array(channels), std: new Float64Array(channels) };
  for (let c = 0; c < channels; c++) {
    out.mean[c] = mean.length === 1 ? mean[0] : mean[c];
    out.std[c] = std.length === 1 ? std[0] : std[c];
  }
  return out;
}

/**
 * One error type for every rejected argument, so callers can catch it and tests can match it.
 * Messages always say which argument, what was expected, and what came.
 *
 * @category Errors
 */
export class MixupError extends Error {
  /** The argument or option at fault, e.g. `options.mixupAlpha` or `plan.box`. */
  readonly argument: string;

  constructor(argument: string, expected: string, got: unknown) {
    super(`webgpu-mixup: ${argument} must be ${expected}, got ${describe(got)}`);
    this.name = 'MixupError';
    this.argument = argument;
  }
}

/** A description of what came, used as is in a message (where the value itself would say less). */
export class Got {
  constructor(readonly text: string) {}
}

/** Wraps a description of a bad value, e.g. `got('956 bytes')`, so that it is not quoted like a string value. */
export function got(text: string): Got {
  return new Got(text);
}

/** A short, readable rendering of a bad value for an error message. */
export function describe(value: unknown): string {
  if (value instanceof Got) return value.text;
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value === null || value === undefined) return String(value);
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as ArrayLike<unknown>).length})`;
  if (Array.isArray(value))
    return value.length <= 8 ? `[${value.map(describe).join(', ')}]` : `an array of length ${value.length}`;
  if (typeof value === 'object') {
    const name = (value as object).constructor?.name;
    return name && name !== 'Object' ? `a ${name}` : 'an object';
  }
  return typeof value;
}

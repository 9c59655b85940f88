/**
 * Shape checks shared by the CPU reference and the GPU executor: a batch shape becomes a
 * geometry of `n` elements per sample in `channels` channels of `height x width` pixels.
 * Rows ([B, D]) are one channel of a 1 x D image, and have no boxes.
 */
import { MixupError, checkInteger } from './errors.js';
import type { DType, Layout } from './types.js';

export const DTYPES: readonly DType[] = ['float32', 'float16', 'uint8'];
export const LAYOUTS: readonly Layout[] = ['NCHW', 'NHWC', 'rows'];

/** Bytes per element of each dtype. */
export const DTYPE_BYTES: Record<DType, number> = { float32: 4, float16: 2, uint8: 1 };

export interface Geometry {
  layout: Layout;
  batch: number;
  channels: number;
  height: number;
  width: number;
  /** Elements per sample. */
  n: number;
}

export function checkObject(argument: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) {
    throw new MixupError(argument, 'an object', value);
  }
  return value as Record<string, unknown>;
}

export function checkOneOf<T extends string>(argument: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new MixupError(argument, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`, value);
  }
  return value as T;
}

/** Validates a BatchShape (named `argument` in errors) and returns its geometry. */
export function checkShape(argument: string, shape: unknown): Geometry {
  const s = checkObject(argument, shape);
  const layout = checkOneOf(`${argument}.layout`, s.layout, LAYOUTS);
  const batch = checkInteger(`${argument}.batch`, s.batch, 1);
  if (layout === 'rows') {
    const features = checkInteger(`${argument}.features`, s.features, 1);
    return { layout, batch, channels: 1, height: 1, width: features, n: features };
  }
  const channels = checkInteger(`${argument}.channels`, s.channels, 1);
  const height = checkInteger(`${argument}.height`, s.height, 1);
  const width = checkInteger(`${argument}.width`, s.width, 1);
  const n = channels * height * width;
  if (!Number.isSafeInteger(n * batch)) {
    throw new MixupError(argument, 'a shape with fewer than 2^53 elements', `${batch}x${channels}x${height}x${width}`);
  }
  return { layout, batch, channels, height, width, n };
}

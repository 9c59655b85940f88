/**
 * Shape checks shared by the CPU reference and the GPU executor: a batch shape becomes a
 * geometry of `n` elements per sample in `channels` channels of `height x width` pixels.
 * Rows ([B, D]) are one channel of a 1 x D image, and have no boxes.
 */
import { MixupError, describe, got } from './errors.js';
import { checkInteger, checkObject, checkOneOf } from './validate.js';
import type { DType, LabelDType, Layout } from './types.js';

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

/** What a BatchShape is, for messages about a missing or malformed one. */
const BATCH_SHAPE =
  "a BatchShape: { layout: 'NCHW' | 'NHWC', batch, channels, height, width } or { layout: 'rows', batch, features }";

/** Validates a BatchShape (named `argument` in errors) and returns its geometry. */
export function checkShape(argument: string, shape: unknown): Geometry {
  if (typeof shape !== 'object' || shape === null || Array.isArray(shape))
    throw new MixupError(argument, BATCH_SHAPE, shape);
  const s = checkObject(argument, shape);
  const names = fieldNames(argument);
  const layout = checkOneOf(names.layout, s.layout, LAYOUTS);
  const batch = checkInteger(names.batch, s.batch, 1);
  if (layout === 'rows') {
    const features = checkInteger(names.features, s.features, 1);
    return { layout, batch, channels: 1, height: 1, width: features, n: features };
  }
  const channels = checkInteger(names.channels, s.channels, 1);
  const height = checkInteger(names.height, s.height, 1);
  const width = checkInteger(names.width, s.width, 1);
  const n = channels * height * width;
  if (!Number.isSafeInteger(n * batch)) {
    throw new MixupError(argument, 'a shape with fewer than 2^53 elements', `${batch}x${channels}x${height}x${width}`);
  }
  return { layout, batch, channels, height, width, n };
}

/**
 * Checks the declared shape of a batch's labels: class ids (int32, uint32) are `[B]` (the shape may
 * be omitted), float32 soft / multi-hot targets are `[B, K]` and must say so, since a buffer's size
 * cannot tell their width (buffers are often pooled larger, and `[B, 20]` would be read as
 * `[B, 10]`). `bufferBytes`, when given, adds a hint for a float32 buffer of about B values: class
 * ids stored as floats.
 */
export function checkLabelShape(
  argument: string,
  shape: unknown,
  dtype: LabelDType,
  batch: number,
  numClasses: number,
  bufferBytes?: number,
): void {
  const ids = dtype !== 'float32';
  if (ids && shape === undefined) return;
  const expected = ids ? [batch] : [batch, numClasses];
  const matches = Array.isArray(shape) && shape.length === expected.length && expected.every((d, i) => shape[i] === d);
  if (matches) return;
  if (ids) {
    throw new MixupError(
      argument,
      `[${batch}] (${dtype} class ids, one per sample; one-hot or soft targets [B, K] are dtype 'float32')`,
      shape,
    );
  }
  const why = shape === undefined ? "; a buffer's size does not tell their width" : '';
  let seen = describe(shape);
  const floats = bufferBytes === undefined ? -1 : Math.floor(bufferBytes / 4);
  if (Array.isArray(shape) && shape.length === 1 && shape[0] === batch) seen += ': did you mean int32 class ids?';
  else if (shape === undefined && floats >= batch && floats < Math.min(2 * batch, batch * numClasses))
    seen += ` (the buffer holds ${floats} floats, one per sample: did you mean int32 class ids?)`;
  throw new MixupError(
    argument,
    `[${batch}, ${numClasses}] (float32 soft targets: batch x numClasses${why})`,
    got(seen),
  );
}

type ShapeField = 'layout' | 'batch' | 'features' | 'channels' | 'height' | 'width';

/**
 * The names of a shape argument's fields in messages (`inputs.images.shape.batch`, ...), made once
 * per argument: checkShape runs every call, and building them there would be garbage per call.
 */
const FIELD_NAMES = new Map<string, Record<ShapeField, string>>();
function fieldNames(argument: string): Record<ShapeField, string> {
  let names = FIELD_NAMES.get(argument);
  if (!names) {
    const name = (field: string) => `${argument}.${field}`;
    names = {
      layout: name('layout'),
      batch: name('batch'),
      features: name('features'),
      channels: name('channels'),
      height: name('height'),
      width: name('width'),
    };
    // Arguments are a handful of fixed names and `inputs.dense[k].shape`: bounded, but capped anyway.
    if (FIELD_NAMES.size >= 64) FIELD_NAMES.clear();
    FIELD_NAMES.set(argument, names);
  }
  return names;
}

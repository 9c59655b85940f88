// Rule: a CutMix box [y0, y1) x [x0, x1) is half-open on all four sides, on every kernel path:
// NCHW with a width divisible by 4 (the row-aligned path, one row test per quad), NCHW with a width
// that is not (the element-wise path), and NHWC. Boxes lie strictly inside non-square images, so an
// off-by-one on any side moves pixels that a border box would hide. The expected image is written
// here from the rule (pixel inside the box: the partner's value, else the sample's own), not by the
// CPU reference. Found by `npm run test:mutants` (box-row-inclusive survived every other test).
import { describe, expect } from 'vitest';
import { createMixer } from '../../src/gpu/mixer.js';
import type { BatchShape, MixPlan } from '../../src/types.js';
import { bufferFrom, gpuTest, readBuffer } from '../helpers/gpu.js';

// Two samples, each the other's partner, both CutMix, boxes touching no border.
const BOXES = [
  [1, 3, 2, 5],
  [2, 4, 1, 3],
];

function plan(): MixPlan {
  return {
    kind: Uint8Array.from([2, 2]),
    lam: Float32Array.from([0.5, 0.5]),
    partner: Uint32Array.from([1, 0]),
    box: Int32Array.from(BOXES.flat()),
  };
}

/** Element e of sample s: distinct and exact in float32 (sample 0 positive, sample 1 negative). */
const value = (s: number, e: number) => (s === 0 ? e + 1 : -(e + 1));

/** Pixel (y, x) of element e in `shape`. */
function pixelOf(shape: BatchShape & { channels: number; height: number; width: number }, e: number) {
  const { channels: C, height: H, width: W } = shape;
  if (shape.layout === 'NCHW') {
    const r = e % (H * W);
    return { y: Math.floor(r / W), x: r % W };
  }
  const pixel = Math.floor(e / C);
  return { y: Math.floor(pixel / W), x: pixel % W };
}

const SHAPES = [
  {
    name: 'NCHW, width divisible by 4 (row-aligned path)',
    shape: { layout: 'NCHW', batch: 2, channels: 2, height: 5, width: 8 },
  },
  {
    name: 'NCHW, width not divisible by 4 (element-wise path)',
    shape: { layout: 'NCHW', batch: 2, channels: 2, height: 6, width: 7 },
  },
  { name: 'NHWC, width divisible by 4', shape: { layout: 'NHWC', batch: 2, channels: 3, height: 5, width: 8 } },
] as const;

describe('CutMix boxes are half-open [y0, y1) x [x0, x1) on every kernel path', () => {
  for (const { name, shape } of SHAPES) {
    gpuTest(name, async ({ device }) => {
      const n = shape.channels * shape.height * shape.width;
      const data = Float32Array.from({ length: 2 * n }, (_, i) => value(Math.floor(i / n), i % n));
      const expected = new Float32Array(2 * n);
      for (let s = 0; s < 2; s++) {
        const [y0, y1, x0, x1] = BOXES[s];
        for (let e = 0; e < n; e++) {
          const { y, x } = pixelOf(shape, e);
          const inside = y >= y0 && y < y1 && x >= x0 && x < x1;
          expected[s * n + e] = value(inside ? 1 - s : s, e);
        }
      }
      const mixer = createMixer(device);
      const images = bufferFrom(device, data);
      const result = await mixer.mix({ images: { buffer: images, shape, dtype: 'float32' } }, { plan: plan() });
      const out = new Float32Array(await readBuffer(device, result.images));
      expect(Array.from(out)).toEqual(Array.from(expected));
      result.images.destroy();
      images.destroy();
      mixer.destroy();
    });
  }
});

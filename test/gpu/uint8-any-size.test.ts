// uint8 output for any sample size (issue 9.6): Inception's 3x299x299, AlexNet's 3x227x227,
// NASNet's 3x331x331 and odd small shapes, bit-exact with the CPU reference, for NCHW, NHWC and
// rows, every input dtype, in place, and chunked (a small binding cap forces windows). When a
// sample is not a multiple of 4 bytes, samples start inside words and one output word holds
// bytes of two threads (store_u8.wgsl); uint8 input of those sizes is read across word edges.
import { describe, expect } from 'vitest';
import { createMixer } from '../../src/gpu/mixer.js';
import { createPlanner } from '../../src/plan.js';
import type { BatchShape, DType, MixPlan } from '../../src/types.js';
import { checkCase, describeCase } from '../helpers/cases.js';
import { gpuTest } from '../helpers/gpu.js';

const SMALL: BatchShape[] = [
  { layout: 'NCHW', batch: 9, channels: 3, height: 7, width: 9 },
  { layout: 'NHWC', batch: 9, channels: 3, height: 7, width: 9 },
  { layout: 'NCHW', batch: 7, channels: 1, height: 5, width: 3 },
  { layout: 'NHWC', batch: 6, channels: 1, height: 5, width: 3 },
  { layout: 'rows', batch: 11, features: 13 },
  { layout: 'rows', batch: 5, features: 1 },
  { layout: 'rows', batch: 6, features: 2 },
];

/** Plans of every pairing shape: flip (pairs), roll (one long cycle), shuffle, and repeated partners. */
function plans(shape: BatchShape, seed: number): MixPlan[] {
  const imageSize = shape.layout === 'rows' ? undefined : { height: shape.height, width: shape.width };
  const out: MixPlan[] = [];
  for (const pairing of ['flip', 'roll', 'shuffle'] as const) {
    const planner = createPlanner({
      mixupAlpha: 1,
      cutmixAlpha: imageSize ? 1 : 0,
      mode: 'elem',
      prob: 0.9,
      pairing,
      seed: seed++,
    });
    out.push(planner.plan(shape.batch, imageSize));
  }
  const repeats = createPlanner({ mixupAlpha: 1, mode: 'elem', pairing: 'flip', seed }).plan(shape.batch, imageSize);
  repeats.partner = Uint32Array.from({ length: shape.batch }, (_, i) => (i * 3) % Math.max(1, shape.batch - 2));
  out.push(repeats);
  return out;
}

const INPUT_DTYPES: DType[] = ['uint8', 'float32', 'float16'];

describe('uint8 output of any sample size = CPU reference, bit for bit', () => {
  for (const chunked of [false, true]) {
    gpuTest(
      `odd small shapes, every input dtype, every pairing${chunked ? ', chunked (1 KiB bindings)' : ', in place too'}`,
      async ({ device }) => {
        const mixer = createMixer(device, { numClasses: 3 }, chunked ? { maxBindingBytes: 1024 } : {});
        let ran = 0;
        let seed = 1;
        for (const shape of SMALL) {
          seed += 10;
          for (const plan of plans(shape, seed)) {
            for (const inDtype of INPUT_DTYPES) {
              const c = {
                shape,
                inDtype,
                outDtype: 'uint8' as const,
                labels: null,
                numClasses: 3,
                labelSmoothing: 0.1,
                plan,
                seed,
              };
              await checkCase(device, mixer, c);
              ran++;
              const permutation = new Set(plan.partner).size === plan.partner.length;
              if (!chunked && inDtype === 'uint8' && permutation) {
                await checkCase(device, mixer, { ...c, inPlace: true });
                ran++;
              }
            }
          }
        }
        expect(ran).toBeGreaterThan(50);
        mixer.destroy();
      },
      // float16 input now runs everywhere (it was left out without shader-f16): room for a loaded machine.
      { timeout: 300_000 },
    );
  }

  // Chunked: bindings of one sample (plus the offset alignment), so every sample is its own window
  // and windows start inside words.
  const LARGE: Array<[BatchShape, boolean]> = [
    [{ layout: 'NCHW', batch: 3, channels: 3, height: 299, width: 301 }, false],
    [{ layout: 'NHWC', batch: 3, channels: 3, height: 227, width: 224 }, true],
    [{ layout: 'NCHW', batch: 3, channels: 3, height: 331, width: 330 }, true],
  ];
  for (const [shape, chunked] of LARGE) {
    const s = shape as Extract<BatchShape, { channels: number }>;
    const n = s.channels * s.height * s.width;
    gpuTest(
      `${s.layout} ${s.channels}x${s.height}x${s.width}${chunked ? ' chunked' : ''}: uint8 and float32 input`,
      async ({ device }) => {
        const [flip, roll] = plans(shape, 3);
        for (const inDtype of ['uint8', 'float32'] as const) {
          const mixer = createMixer(
            device,
            { numClasses: 3 },
            chunked ? { maxBindingBytes: n * (inDtype === 'uint8' ? 1 : 4) + 512 } : {},
          );
          for (const plan of [flip, roll]) {
            const c = {
              shape,
              inDtype,
              outDtype: 'uint8' as const,
              labels: null,
              numClasses: 3,
              labelSmoothing: 0.1,
              plan,
            };
            await checkCase(device, mixer, c).catch((e: unknown) => expect.fail(`${describeCase(c)}: ${String(e)}`));
          }
          mixer.destroy();
        }
      },
    );
  }
});

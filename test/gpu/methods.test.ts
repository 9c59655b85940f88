// Every method the planner draws, together (mixup, CutMix, ResizeMix, FMix by `methodWeights`), on
// the GPU against the CPU reference: layout x input dtype x output dtype x normalisation x label
// form x mode x pairing x batch parity, whole and chunked. The planner's plans hold every kind 0-4.
import { describe, expect } from 'vitest';
import { createMixer } from '../../src/gpu/mixer.js';
import { createPlanner } from '../../src/plan.js';
import type { DType, ImageBatchShape, LabelDType, MixMode, MixOptions, Normalize } from '../../src/types.js';
import { checkCase } from '../helpers/cases.js';
import { gpuTest } from '../helpers/gpu.js';

const DTYPES: DType[] = ['float32', 'uint8', 'float16'];
const MODES: MixMode[] = ['batch', 'pair', 'elem'];
const PAIRINGS = ['flip', 'shuffle', 'roll'] as const;
const LABELS: (LabelDType | null)[] = [null, 'int32', 'uint32', 'float32'];
const NORMALIZE: Normalize = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
const NUM_CLASSES = 6;

/** All four methods on, equal weights; FMix masks coarser than the image, and ResizeMix in both modes. */
const METHODS: MixOptions = {
  mixupAlpha: 1,
  cutmixAlpha: 1,
  resizemixAlpha: 1,
  fmixAlpha: 1,
  fmixSize: [3, 5],
  methodWeights: { mixup: 1, cutmix: 1, resizemix: 1, fmix: 1 },
  prob: 0.9,
  numClasses: NUM_CLASSES,
};

/** An even batch with vec4 samples and an odd one with odd samples (shared uint8 / float16 words). */
function shapes(layout: 'NCHW' | 'NHWC'): ImageBatchShape[] {
  return [
    { layout, batch: 6, channels: 3, height: 4, width: 8 },
    { layout, batch: 7, channels: 3, height: 5, width: 7 },
  ];
}

function outputsFor(inDtype: DType): { outDtype: DType; normalize: Normalize | null }[] {
  const out = DTYPES.map((outDtype) => ({ outDtype, normalize: null as Normalize | null }));
  if (inDtype === 'uint8') out.push({ outDtype: 'float32', normalize: NORMALIZE });
  return out;
}

for (const layout of ['NCHW', 'NHWC'] as const) {
  describe(`every method, GPU = CPU reference, ${layout}`, () => {
    for (const inDtype of DTYPES) {
      gpuTest(
        `${inDtype} input: every output dtype, normalisation, label form, mode, pairing, whole and chunked`,
        async ({ device }) => {
          const whole = createMixer(device, METHODS);
          // 1 KiB bindings: every batch here is chunked or split (the smallest is 6 x 96 x 1 B = 576 B
          // in, but its float32 output is 2.3 KiB).
          const chunked = createMixer(device, METHODS, { maxBindingBytes: 1024 });
          let kinds = 0;
          let ran = 0;
          let seed = 0;
          for (const shape of shapes(layout)) {
            for (const mode of MODES) {
              for (const pairing of PAIRINGS) {
                if (mode === 'pair' && pairing === 'roll') continue; // not an involution
                for (const resizemixMode of ['bilinear', 'nearest'] as const) {
                  const planner = createPlanner({ ...METHODS, mode, pairing, resizemixMode, seed: ++seed });
                  const plan = planner.plan(shape.batch, shape);
                  for (const k of plan.kind) kinds |= 1 << k;
                  for (const { outDtype, normalize } of outputsFor(inDtype)) {
                    const labels = LABELS[ran % LABELS.length];
                    const mixer = ran % 3 === 2 ? chunked : whole;
                    await checkCase(device, mixer, {
                      shape,
                      inDtype,
                      outDtype,
                      normalize,
                      labels,
                      numClasses: NUM_CLASSES,
                      labelSmoothing: 0.1,
                      plan,
                      seed,
                    });
                    ran++;
                  }
                }
              }
            }
          }
          console.log(`[methods] ${layout} ${inDtype}: ${ran} cases compared`);
          expect(kinds).toBe(0b11111); // kinds 0 to 4 all drawn
          expect(chunked.chunking?.mode).toBeDefined();
          whole.destroy();
          chunked.destroy();
        },
        { timeout: 300_000 },
      );
    }
  });
}

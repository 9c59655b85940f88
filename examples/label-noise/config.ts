/**
 * The label-noise experiment, fixed in advance (issue 10): these values are written here once, copied
 * into every results file, and never tuned toward the outcome. The runner may shrink the data and the
 * epochs only for the CI smoke test (`smoke`), which is labelled as such in its results.
 */
import type { MixOptions } from '../../src/types';

/** One training run: a name, how its batches are mixed, and which TF.js training API it uses. */
export interface RunSpec {
  /** Short id, used in URLs, logs and the results file. */
  id: string;
  /** What the plot's legend and the README's table say. */
  label: string;
  /** Planner options for the run's mixer, or null for ERM (plain one-hot targets, no mixing). */
  mix: MixOptions | null;
  /** `trainOnBatch` (a loop of ours, timed step by step) or `fitDataset` (through `mixDataset`). */
  api: 'trainOnBatch' | 'fitDataset';
}

/** The experiment's settings; {@link FIXED} is the one the committed results come from. */
export interface ExperimentConfig {
  /** Training images drawn (without replacement, seeded) from the 60,000. */
  trainSize: number;
  /** Seed of that draw. */
  subsetSeed: number;
  /** Probability that a training label is replaced by a class drawn uniformly from all 10 (it may equal the true one). */
  noiseProb: number;
  /** Seed of the label noise. */
  noiseSeed: number;
  /** Test images: the first `testSize` of the clean 10,000 (all of them in the fixed setup). */
  testSize: number;
  /** Layer widths: 784 inputs, two hidden ReLU layers, 10 softmax outputs. */
  layers: readonly number[];
  learningRate: number;
  batchSize: number;
  epochs: number;
  /**
   * The last partial batch of an epoch (5,000 = 39 × 128 + 8): dropped. Every step then sees a full
   * batch of 128, whose one λ (batch mode) mixes 128 samples, and the 8 images left out differ from
   * epoch to epoch because each epoch reshuffles. So an epoch is 39 steps of 4,992 images.
   */
  dropLastPartialBatch: true;
  /** One seed per run: the weights' initialiser, the epoch shuffles and the mixer's plan stream. */
  runSeed: number;
  runs: readonly RunSpec[];
}

/** What every mixing run shares: batch mode, shuffle pairing, no label smoothing, every batch mixed. */
const MIXING = { mode: 'batch', pairing: 'shuffle', labelSmoothing: 0, prob: 1, numClasses: 10 } as const;

/** The four runs. Mixup α = 1 goes through `model.fitDataset` and {@link mixDataset}; the others through `trainOnBatch`. */
export const RUNS: readonly RunSpec[] = [
  { id: 'erm', label: 'ERM', mix: null, api: 'trainOnBatch' },
  { id: 'mixup1', label: 'mixup α=1', mix: { ...MIXING, mixupAlpha: 1, cutmixAlpha: 0 }, api: 'fitDataset' },
  { id: 'mixup8', label: 'mixup α=8', mix: { ...MIXING, mixupAlpha: 8, cutmixAlpha: 0 }, api: 'trainOnBatch' },
  { id: 'cutmix1', label: 'CutMix α=1', mix: { ...MIXING, mixupAlpha: 0, cutmixAlpha: 1 }, api: 'trainOnBatch' },
];

/** The fixed setup of issue 10. */
export const FIXED: ExperimentConfig = {
  trainSize: 5000,
  subsetSeed: 20260101,
  noiseProb: 0.4,
  noiseSeed: 20260102,
  testSize: 10000,
  layers: [784, 256, 256, 10],
  learningRate: 1e-3,
  batchSize: 128,
  epochs: 60,
  dropLastPartialBatch: true,
  runSeed: 1,
  runs: RUNS,
};

/** The CI smoke test: the same pipeline on 1,000 images for 2 epochs, ERM and mixup α = 1 (both training APIs). */
export const SMOKE: ExperimentConfig = {
  ...FIXED,
  trainSize: 1000,
  epochs: 2,
  runs: RUNS.filter((r) => r.id === 'erm' || r.id === 'mixup1'),
};

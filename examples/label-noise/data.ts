/**
 * The experiment's data, from Fashion-MNIST's bytes: a seeded subset of the training set, its labels
 * corrupted with a seeded uniform noise, and the clean test set; pixels scaled to [0, 1].
 */
import { Philox } from '../../src/rng';
import type { ExperimentConfig } from './config';
import type { FashionMnist } from './idx';

export const PIXELS = 28 * 28;
export const CLASSES = 10;

/** The prepared data: float32 pixels in [0, 1] (image after image), int32 labels. */
export interface PreparedData {
  trainImages: Float32Array;
  /** The labels trained on: noisy. */
  trainLabels: Int32Array;
  /** The true labels of the same images, to report how many were changed. */
  trainCleanLabels: Int32Array;
  testImages: Float32Array;
  testLabels: Int32Array;
  /** Which of the 60,000 training images were drawn, in the order used. */
  subset: Uint32Array;
  /** Labels the noise changed (a replaced label may equal the true one, so about 0.4 × 0.9 of them). */
  labelsChanged: number;
}

/** `size` distinct indices of [0, total), by a partial Fisher–Yates shuffle with a seeded generator. */
export function drawSubset(total: number, size: number, seed: number): Uint32Array {
  if (!(size >= 0 && size <= total)) throw new Error(`subset of ${size} from ${total}: expected 0 <= size <= total`);
  const rng = new Philox(seed);
  const order = Uint32Array.from({ length: total }, (_, i) => i);
  for (let i = 0; i < size; i++) {
    const j = i + rng.nextInt(total - i);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order.slice(0, size);
}

/** Each label is replaced with probability `p` by a class drawn uniformly from all `classes` (it may be the same one). */
export function corruptLabels(labels: Int32Array, p: number, classes: number, seed: number): Int32Array {
  const rng = new Philox(seed);
  return labels.map((label) => (rng.nextFloat() < p ? rng.nextInt(classes) : label));
}

/** A seeded permutation of [0, n): the order of one epoch. */
export function epochOrder(n: number, seed: number, epoch: number): Int32Array {
  const rng = new Philox(seed, epoch);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

function scaled(bytes: Uint8Array): Float32Array {
  return Float32Array.from(bytes, (v) => v / 255);
}

/** Draws the subset, corrupts its labels and scales the pixels, all as `config` says. */
export function prepareData(data: FashionMnist, config: ExperimentConfig): PreparedData {
  const subset = drawSubset(data.train.count, config.trainSize, config.subsetSeed);
  const trainBytes = new Uint8Array(subset.length * PIXELS);
  subset.forEach((index, i) => {
    trainBytes.set(data.train.images.subarray(index * PIXELS, (index + 1) * PIXELS), i * PIXELS);
  });
  const trainCleanLabels = Int32Array.from(subset, (index) => data.train.labels[index]);
  const trainLabels = corruptLabels(trainCleanLabels, config.noiseProb, CLASSES, config.noiseSeed);
  const testSize = Math.min(config.testSize, data.test.count);
  return {
    trainImages: scaled(trainBytes),
    trainLabels,
    trainCleanLabels,
    testImages: scaled(data.test.images.subarray(0, testSize * PIXELS)),
    testLabels: Int32Array.from(data.test.labels.subarray(0, testSize)),
    subset,
    labelsChanged: trainLabels.reduce((n, label, i) => n + (label !== trainCleanLabels[i] ? 1 : 0), 0),
  };
}

/**
 * Training a small TF.js model in the browser with webgpu-mixup mixing every batch on the GPU.
 *
 * The data are synthetic and seeded: 8x8 one-channel images of four classes (horizontal stripes,
 * vertical stripes, a centre square, a diagonal), each drawn with a random contrast and uniform noise.
 * A tiny conv net (conv 3x3 → max-pool → dense softmax) learns them from mixed batches: each batch is
 * mixed with mixup or CutMix per sample (timm's `elem` mode), its class ids become smoothed one-hot
 * targets mixed the same way, and the loss is categorical cross-entropy on those soft targets.
 *
 * The page (index.html) plots the losses; test/browser/train.test.ts runs it headless.
 *
 * In your own project import `createTfjsMixer` from 'webgpu-mixup/tfjs'; this example imports the
 * source so that it runs in the repository without a build.
 */
import type * as TF from '@tensorflow/tfjs';
import { createTfjsMixer } from '../../src/adapters/tfjs';
import type { MixOptions } from '../../src/types';

/** Number of classes of the synthetic data. */
export const NUM_CLASSES = 4;
/** Side of the synthetic images. */
export const SIZE = 8;

/** Options of {@link trainWithMixup}. */
export interface TrainOptions {
  /** Your TF.js namespace, with the WebGPU backend active (`await tf.setBackend('webgpu')`). */
  tf: typeof TF;
  /** Training steps, one mixed batch each. Default 60. */
  steps?: number;
  /** Images per batch. Default 32. */
  batchSize?: number;
  /** Seed of the data, the weight initialisers and the mixer. Default 1. */
  seed?: number;
  /** Adam's learning rate. Default 0.01. */
  learningRate?: number;
  /** Mixing options. Default mixup (α 0.4) or CutMix (α 1), chosen per sample. */
  mix?: MixOptions;
  /** Called after every step with its index and loss (e.g. to plot while training). */
  onStep?: (step: number, loss: number) => void;
}

/** What {@link trainWithMixup} returns. */
export interface TrainResult {
  /** The training loss of every step (cross-entropy on the mixed, soft targets). */
  losses: number[];
  /** Accuracy on 256 held-out, unmixed images after training. */
  accuracy: number;
  /** How many samples were blended (mixup) and pasted (CutMix) over the run. */
  mixed: { mixup: number; cutmix: number };
  /** Milliseconds the training took. */
  millis: number;
}

/** A small seeded generator (xorshift32), so data and runs repeat exactly. */
export class Random {
  private state: number;

  /** @param seed any integer; equal seeds give equal sequences. */
  constructor(seed: number) {
    this.state = (seed * 0x9e3779b1 + 0x6d2b79f5) >>> 0 || 1;
  }

  /** A float in [0, 1). */
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state / 2 ** 32;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/** Whether pixel (r, c) is lit in class `k`'s pattern. */
function lit(k: number, r: number, c: number): boolean {
  switch (k) {
    case 0:
      return r % 2 === 0; // horizontal stripes
    case 1:
      return c % 2 === 0; // vertical stripes
    case 2:
      return r >= 2 && r < 6 && c >= 2 && c < 6; // centre square
    default:
      return Math.abs(r - c) <= 1; // diagonal band
  }
}

/** A batch of synthetic images (NHWC, one channel) and their class ids. */
export function syntheticBatch(random: Random, batch: number): { pixels: Float32Array; labels: Int32Array } {
  const pixels = new Float32Array(batch * SIZE * SIZE);
  const labels = new Int32Array(batch);
  for (let i = 0; i < batch; i++) {
    const k = random.int(NUM_CLASSES);
    labels[i] = k;
    const contrast = 0.5 + random.next();
    for (let r = 0; r < SIZE; r++) {
      for (let c = 0; c < SIZE; c++) {
        const noise = (random.next() - 0.5) * 1.2;
        pixels[(i * SIZE + r) * SIZE + c] = (lit(k, r, c) ? contrast : 0) + noise;
      }
    }
  }
  return { pixels, labels };
}

function buildModel(tf: typeof TF, seed: number, learningRate: number): TF.Sequential {
  const init = (offset: number) => tf.initializers.glorotUniform({ seed: seed * 10 + offset });
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [SIZE, SIZE, 1],
        filters: 8,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: init(1),
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: NUM_CLASSES, activation: 'softmax', kernelInitializer: init(2) }),
    ],
  });
  // Categorical (not sparse) cross-entropy: the targets are soft rows, not class ids.
  model.compile({ optimizer: tf.train.adam(learningRate), loss: 'categoricalCrossentropy' });
  return model;
}

/**
 * Trains the example model for `steps` mixed batches and returns the per-step losses, the held-out
 * accuracy and how much was mixed. Every tensor it makes is disposed before it returns.
 */
export async function trainWithMixup(options: TrainOptions): Promise<TrainResult> {
  const { tf, steps = 60, batchSize = 32, seed = 1, learningRate = 0.01, onStep } = options;
  const mixOptions: MixOptions = options.mix ?? { mixupAlpha: 0.4, cutmixAlpha: 1, switchProb: 0.5, mode: 'elem' };
  const random = new Random(seed);
  const model = buildModel(tf, seed, learningRate);
  const mixer = createTfjsMixer(tf, { ...mixOptions, numClasses: NUM_CLASSES, seed });
  const losses: number[] = [];
  const mixed = { mixup: 0, cutmix: 0 };
  const start = performance.now();
  try {
    for (let step = 0; step < steps; step++) {
      const { pixels, labels } = syntheticBatch(random, batchSize);
      const x = tf.tensor4d(pixels, [batchSize, SIZE, SIZE, 1]);
      const y = tf.tensor1d(labels, 'int32');
      // Mixed on the GPU: images [B, 8, 8, 1] and smoothed, mixed targets [B, 4], as TF.js tensors.
      const { images, targets, plan } = await mixer.mix(x, y);
      for (const kind of plan.kind) {
        if (kind === 1) mixed.mixup++;
        else if (kind === 2) mixed.cutmix++;
      }
      const loss = (await model.trainOnBatch(images, targets!)) as number;
      tf.dispose([x, y, images, targets!]);
      losses.push(loss);
      onStep?.(step, loss);
    }
    const millis = performance.now() - start;
    const test = syntheticBatch(new Random(seed + 1000), 256);
    const correct = tf.tidy(() => {
      const predicted = (model.predict(tf.tensor4d(test.pixels, [256, SIZE, SIZE, 1])) as TF.Tensor).argMax(-1);
      return predicted.equal(tf.tensor1d(test.labels, 'int32')).sum();
    });
    const accuracy = (await correct.data())[0] / 256;
    correct.dispose();
    return { losses, accuracy, mixed, millis };
  } finally {
    mixer.destroy();
    // model.dispose() frees the weights, not the optimizer's moment estimates.
    model.optimizer.dispose();
    model.dispose();
  }
}

/** Plots `losses` on `canvas`: the loss per step and its running mean over 5 steps. */
export function drawLosses(canvas: HTMLCanvasElement, losses: readonly number[]): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const { width, height } = canvas;
  const pad = 24;
  ctx.clearRect(0, 0, width, height);
  ctx.strokeStyle = '#888';
  ctx.strokeRect(pad, pad / 2, width - pad * 1.5, height - pad * 1.5);
  if (losses.length < 2) return;
  const top = Math.max(...losses);
  const x = (i: number) => pad + (i / (losses.length - 1)) * (width - pad * 1.5);
  const y = (v: number) => pad / 2 + (1 - v / top) * (height - pad * 1.5);
  const line = (values: readonly number[], colour: string, lineWidth: number) => {
    ctx.strokeStyle = colour;
    ctx.lineWidth = lineWidth;
    ctx.beginPath();
    values.forEach((v, i) => {
      if (i === 0) ctx.moveTo(x(i), y(v));
      else ctx.lineTo(x(i), y(v));
    });
    ctx.stroke();
  };
  line(losses, '#9bb', 1);
  line(
    losses.map((_, i) => {
      const window = losses.slice(Math.max(0, i - 4), i + 1);
      return window.reduce((a, b) => a + b, 0) / window.length;
    }),
    '#06c',
    2,
  );
  ctx.fillStyle = '#333';
  ctx.font = '12px sans-serif';
  ctx.fillText(`loss ${top.toFixed(2)}`, 2, 12);
  ctx.fillText('0', 2, height - pad);
  ctx.fillText(`step ${losses.length}`, width - 60, height - 4);
}

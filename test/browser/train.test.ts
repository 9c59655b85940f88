/**
 * The TF.js training example, headless: a small conv net trained on mixed batches (mixup and CutMix
 * per sample, soft targets) must learn: the loss falls and held-out accuracy is far above chance.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { expect, it } from 'vitest';
import { NUM_CLASSES, drawLosses, trainWithMixup } from '../../examples/tfjs-train/train.js';

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

it('trains a TF.js model on GPU-mixed batches: the loss falls', async () => {
  // No WebGPU backend is a failure, not a skip.
  expect(await tf.setBackend('webgpu')).toBe(true);
  const device = (tf.backend() as unknown as { device: GPUDevice }).device;
  device.pushErrorScope('validation');
  const tensorsBefore = tf.memory().numTensors;

  const steps = 25;
  const seen: number[] = [];
  const result = await trainWithMixup({ tf, steps, batchSize: 32, seed: 1, onStep: (step) => seen.push(step) });
  console.log(
    `[train] ${steps} steps in ${result.millis.toFixed(0)} ms; loss ${mean(result.losses.slice(0, 5)).toFixed(3)} -> ${mean(result.losses.slice(-5)).toFixed(3)}; ` +
      `held-out accuracy ${result.accuracy.toFixed(3)}; mixed ${result.mixed.mixup} by mixup, ${result.mixed.cutmix} by CutMix`,
  );

  expect(result.losses).toHaveLength(steps);
  expect(seen).toEqual(Array.from({ length: steps }, (_, i) => i));
  expect(result.losses.every(Number.isFinite)).toBe(true);
  // Untrained, the loss is about ln(4) = 1.39.
  expect(mean(result.losses.slice(0, 5))).toBeGreaterThan(1.0);
  expect(mean(result.losses.slice(-5))).toBeLessThan(0.85 * mean(result.losses.slice(0, 5)));
  // Trained on mixed batches, it classifies clean images far above chance (1 / 4).
  expect(result.accuracy).toBeGreaterThan(0.9);
  // Both methods mixed a good share of the 800 samples.
  expect(result.mixed.mixup).toBeGreaterThan(150);
  expect(result.mixed.cutmix).toBeGreaterThan(150);
  // The example disposes everything it made (model, batches, mixed tensors).
  expect(tf.memory().numTensors).toBe(tensorsBefore);
  expect(await device.popErrorScope()).toBeNull();

  // The page's plot draws something.
  const canvas = document.createElement('canvas');
  canvas.width = 320;
  canvas.height = 160;
  drawLosses(canvas, result.losses);
  const pixels = canvas.getContext('2d')!.getImageData(0, 0, 320, 160).data;
  expect(pixels.some((v, i) => i % 4 === 3 && v > 0)).toBe(true);
  expect(NUM_CLASSES).toBe(4);
});

/** The example page: trains with {@link trainWithMixup} and plots the loss as it goes. */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { drawLosses, trainWithMixup } from './train';

const status = document.getElementById('status')!;
const log = document.getElementById('log')!;
const canvas = document.getElementById('plot') as HTMLCanvasElement;

async function main(): Promise<void> {
  if (!navigator.gpu) throw new Error('WebGPU is not available in this browser (navigator.gpu is missing).');
  if (!(await tf.setBackend('webgpu'))) throw new Error("tf.setBackend('webgpu') failed: no WebGPU adapter.");
  const steps = Number(new URLSearchParams(location.search).get('steps') ?? 60);
  status.textContent = `Training for ${steps} steps…`;
  const losses: number[] = [];
  const result = await trainWithMixup({
    tf,
    steps,
    onStep: (step, loss) => {
      losses.push(loss);
      log.textContent += `step ${String(step + 1).padStart(3)}  loss ${loss.toFixed(4)}\n`;
      log.scrollTop = log.scrollHeight;
      drawLosses(canvas, losses);
    },
  });
  const first = result.losses.slice(0, 5).reduce((a, b) => a + b, 0) / Math.min(5, result.losses.length);
  const last = result.losses.slice(-5).reduce((a, b) => a + b, 0) / Math.min(5, result.losses.length);
  status.textContent =
    `Done in ${(result.millis / 1000).toFixed(1)} s: loss ${first.toFixed(3)} → ${last.toFixed(3)} (means of the first and last 5 steps); ` +
    `accuracy on 256 clean held-out images ${(100 * result.accuracy).toFixed(1)}%; ` +
    `${result.mixed.mixup} samples blended by mixup, ${result.mixed.cutmix} pasted by CutMix.`;
  document.body.dataset.state = 'done';
}

main().catch((error: unknown) => {
  status.textContent = `Failed: ${error instanceof Error ? error.message : String(error)}`;
  status.className = 'error';
  document.body.dataset.state = 'error';
  console.error(error);
});

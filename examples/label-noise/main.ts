/**
 * The example page: loads Fashion-MNIST (served by `npm run example:label-noise`), runs the experiment
 * of config.ts (the runs interleaved epoch by epoch) with a progress bar and the accuracy curves drawing live, and hands the results to
 * the runner when it drives the page headless (`window.labelNoiseDone`).
 * `?smoke=1` runs the CI smoke configuration instead of the fixed one.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { FIXED, SMOKE } from './config';
import { prepareData } from './data';
import { runExperiment } from './experiment';
import type { ExperimentResult } from './experiment';
import { loadFashionMnist } from './idx';
import { RUN_COLOURS, drawAccuracy } from './plot';

declare global {
  interface Window {
    /** Set by the headless runner (Playwright's exposeFunction). */
    labelNoiseLog?: (line: string) => Promise<void>;
    labelNoiseDone?: (json: string) => Promise<void>;
    /** Results so far, after every round of epochs (the runner saves them, so a stopped run leaves data). */
    labelNoiseProgress?: (json: string) => Promise<void>;
    labelNoiseFail?: (message: string) => Promise<void>;
    labelNoiseResult?: ExperimentResult;
  }
}

const status = document.getElementById('status')!;
const progress = document.getElementById('progress') as HTMLProgressElement;
const canvas = document.getElementById('plot') as HTMLCanvasElement;
const table = document.getElementById('results')!;

function log(line: string): void {
  console.log(line);
  void window.labelNoiseLog?.(line);
}

async function fetchBytes(file: string): Promise<Uint8Array> {
  const response = await fetch(`/fashion-mnist/${file}`);
  if (!response.ok)
    throw new Error(
      `/fashion-mnist/${file}: HTTP ${response.status} (serve the page with npm run example:label-noise -- --serve)`,
    );
  return new Uint8Array(await response.arrayBuffer());
}

function showTable(result: ExperimentResult): void {
  const pct = (v: number) => `${(100 * v).toFixed(1)}`;
  table.innerHTML =
    '<tr><th>run</th><th>API</th><th>best %</th><th>(epoch)</th><th>last %</th><th>best − last</th><th>mixing share of step</th></tr>' +
    result.runs
      .map(
        (r) =>
          `<tr><td>${r.label}</td><td>${r.api}</td><td>${pct(r.bestAccuracy)}</td><td>${r.bestEpoch}</td><td>${pct(r.lastAccuracy)}</td><td>${pct(r.bestMinusLast)}</td>` +
          `<td>${r.stepTiming && r.mixer ? `${pct(r.stepTiming.mixFraction)}%` : '–'}</td></tr>`,
      )
      .join('');
}

async function main(): Promise<void> {
  if (!navigator.gpu) throw new Error('WebGPU is not available in this browser (navigator.gpu is missing).');
  if (!(await tf.setBackend('webgpu'))) throw new Error("tf.setBackend('webgpu') failed: no WebGPU adapter.");
  const smoke = new URLSearchParams(location.search).get('smoke') === '1';
  const config = smoke ? SMOKE : FIXED;
  status.textContent = 'Loading Fashion-MNIST…';
  const data = prepareData(await loadFashionMnist(fetchBytes), config);
  log(
    `data: ${data.trainLabels.length} training images (${data.labelsChanged} labels changed by the noise), ${data.testLabels.length} test images`,
  );

  const total = config.runs.length * config.epochs;
  progress.max = total;
  const curves = config.runs.map((run, i) => ({
    label: run.label,
    colour: RUN_COLOURS[i % RUN_COLOURS.length],
    accuracy: [] as number[],
  }));
  const title = `Fashion-MNIST, ${config.trainSize} training images, ${100 * config.noiseProb}% label noise, MLP ${config.layers.join('-')}${smoke ? ' (smoke test)' : ''}`;
  drawAccuracy(canvas, curves, config.epochs, title);
  let done = 0;
  const result = await runExperiment(tf, data, config, {
    smoke,
    onEpoch: (run, r, i) => {
      curves[i].accuracy.push(r.testAccuracy);
      drawAccuracy(canvas, curves, config.epochs, title);
      progress.value = ++done;
      status.textContent = `${run.label}: epoch ${r.epoch} of ${config.epochs} (${done} of ${total} epochs in all)`;
      log(
        `${run.id} epoch ${String(r.epoch).padStart(2)}: test accuracy ${(100 * r.testAccuracy).toFixed(2)}%, train loss ${r.trainLoss.toFixed(4)}, ${r.trainSeconds.toFixed(1)} s train + ${r.evalSeconds.toFixed(1)} s eval`,
      );
    },
    onRound: async (partial) => {
      showTable(partial);
      await window.labelNoiseProgress?.(JSON.stringify(partial));
    },
  });
  showTable(result);
  status.textContent = `Done in ${(result.wallSeconds / 60).toFixed(1)} min.`;
  window.labelNoiseResult = result;
  document.body.dataset.state = 'done';
  await window.labelNoiseDone?.(JSON.stringify(result));
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  status.textContent = `Failed: ${message}`;
  status.className = 'error';
  document.body.dataset.state = 'error';
  console.error(error);
  void window.labelNoiseFail?.(message);
});

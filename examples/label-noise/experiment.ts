/**
 * The label-noise experiment in TF.js on its WebGPU backend: an MLP trained on Fashion-MNIST with 40%
 * corrupted labels, once per run of the config (ERM, mixup, CutMix), with every batch mixed by
 * webgpu-mixup on TF.js's own device. After every epoch: clean test accuracy and training loss.
 *
 * Two training paths, as a user would write them:
 * - `trainOnBatch`: a loop of ours; each step gathers a batch on the GPU, mixes it with
 *   `mixer.mix(x, y)` and trains on the result. Each step is timed in three parts with the GPU idle at
 *   each boundary (see {@link StepTiming}), which is what makes the mixing share an honest number.
 * - `fitDataset`: the batches as a `tf.data.Dataset`, mixed by `mixDataset` and fed to
 *   `model.fitDataset`; TF.js pipelines the steps, so only epoch times are taken.
 *
 * Both paths draw the same batches for a given seed: each epoch is a seeded permutation of the
 * training set, cut into full batches (the last partial one is dropped, see {@link ExperimentConfig}).
 * No batch is read back to the CPU; the only read-backs are TF.js's loss scalars and the test
 * accuracy.
 *
 * In your own project import from 'webgpu-mixup/tfjs'; the example imports the source to run without
 * a build.
 */
import type * as TF from '@tensorflow/tfjs';
import { createTfjsMixer, mixDataset } from '../../src/adapters/tfjs';
import type { TfjsBatch, TfjsMixer } from '../../src/adapters/tfjs';
import type { ExperimentConfig, RunSpec } from './config';
import { CLASSES, epochOrder } from './data';
import type { PreparedData } from './data';

type Tf = typeof TF;

/** One epoch of one run. */
export interface EpochRecord {
  /** 1-based. */
  epoch: number;
  /** Accuracy on the clean test set after this epoch. */
  testAccuracy: number;
  /** Mean training loss of the epoch (cross-entropy on the mixed, noisy targets). */
  trainLoss: number;
  /** Wall seconds of the epoch's training steps, and of its test evaluation. */
  trainSeconds: number;
  evalSeconds: number;
}

/**
 * Milliseconds of the `trainOnBatch` steps, summed over the run, in three parts; the GPU queue is
 * drained (TF.js's pending work submitted, then `queue.onSubmittedWorkDone()`) at each boundary, so
 * each part holds its own GPU work and no other (WebGPU runs asynchronously: without the drains,
 * time spent in the GPU queue would be billed to whichever later call waits for it).
 */
export interface StepTiming {
  /** Gathering the batch from the training tensors (GPU-side) and uploading its indices. */
  batchMs: number;
  /** Mixing (`mixer.mix`: the plan, the kernels, the copies into TF.js's pool); for ERM the one-hot targets. */
  mixMs: number;
  /** `model.trainOnBatch`: forward, backward, Adam, and the read-back of the loss. */
  trainMs: number;
  /** mixMs / (batchMs + mixMs + trainMs). */
  mixFraction: number;
}

/** One run's results. */
export interface RunResult {
  id: string;
  label: string;
  api: RunSpec['api'];
  /** The mixer's resolved options (null for ERM). */
  mixer: Record<string, unknown> | null;
  epochs: EpochRecord[];
  bestAccuracy: number;
  bestEpoch: number;
  lastAccuracy: number;
  /** bestAccuracy − lastAccuracy. */
  bestMinusLast: number;
  steps: number;
  wallSeconds: number;
  /** For `trainOnBatch` runs; null for `fitDataset` (pipelined, not split), see {@link StepTiming}. */
  stepTiming: StepTiming | null;
  /** tf.memory().numTensors after the run minus before: 0 when nothing leaked. */
  tensorsLeaked: number;
}

/** Called after every epoch, e.g. to draw the curves live. */
export type EpochListener = (run: RunSpec, record: EpochRecord, runIndex: number) => void;

interface WebGpuBackendLike {
  device: GPUDevice;
  commandEncoder?: GPUCommandEncoder | null;
  endComputePassEncoder?(): void;
  submitQueue(): void;
}

/** Waits until the GPU has finished everything TF.js and the mixer have recorded so far. */
async function gpuIdle(tf: Tf): Promise<void> {
  const backend = tf.backend() as unknown as WebGpuBackendLike;
  if (backend.commandEncoder) {
    backend.endComputePassEncoder?.();
    backend.submitQueue();
  }
  await backend.device.queue.onSubmittedWorkDone();
}

/** The fixed MLP: flatten 28×28×1 → dense layers with ReLU → softmax; He-normal weights, zero biases; Adam. */
export function buildModel(tf: Tf, config: ExperimentConfig, seed: number): TF.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.flatten({ inputShape: [28, 28, 1] }));
  const widths = config.layers.slice(1);
  widths.forEach((units, i) => {
    const last = i === widths.length - 1;
    model.add(
      tf.layers.dense({
        units,
        activation: last ? 'softmax' : 'relu',
        kernelInitializer: tf.initializers.heNormal({ seed: seed * 100 + i }),
        biasInitializer: 'zeros',
      }),
    );
  });
  // Categorical (not sparse) cross-entropy: the targets are soft rows.
  model.compile({ optimizer: tf.train.adam(config.learningRate), loss: 'categoricalCrossentropy' });
  return model;
}

/** The data as TF.js tensors, on the GPU once first used. */
interface DataTensors {
  trainX: TF.Tensor4D;
  trainY: TF.Tensor1D;
  testX: TF.Tensor4D;
  testY: TF.Tensor1D;
}

function toTensors(tf: Tf, data: PreparedData): DataTensors {
  const n = data.trainLabels.length;
  const m = data.testLabels.length;
  return {
    trainX: tf.tensor4d(data.trainImages, [n, 28, 28, 1]),
    trainY: tf.tensor1d(data.trainLabels, 'int32'),
    testX: tf.tensor4d(data.testImages, [m, 28, 28, 1]),
    testY: tf.tensor1d(data.testLabels, 'int32'),
  };
}

/** The batches of one epoch: gathered on the GPU from the training tensors; the caller disposes each. */
function* epochBatches(tf: Tf, t: DataTensors, config: ExperimentConfig, epoch: number): Generator<TfjsBatch> {
  const n = t.trainY.shape[0];
  const order = epochOrder(n, config.runSeed, epoch);
  const steps = Math.floor(n / config.batchSize); // the last partial batch is dropped
  for (let s = 0; s < steps; s++) {
    yield tf.tidy(() => {
      const index = tf.tensor1d(order.subarray(s * config.batchSize, (s + 1) * config.batchSize), 'int32');
      return { xs: tf.gather(t.trainX, index), ys: tf.gather(t.trainY, index) };
    });
  }
}

async function testAccuracy(tf: Tf, model: TF.Sequential, t: DataTensors): Promise<number> {
  const correct = tf.tidy(() => {
    const probs = model.predict(t.testX, { batchSize: t.testY.shape[0] }) as TF.Tensor;
    return probs.argMax(-1).equal(t.testY).sum();
  });
  const value = (await correct.data())[0];
  correct.dispose();
  return value / t.testY.shape[0];
}

/** One run through the `trainOnBatch` loop; returns the summed step timing. */
async function trainLoop(tf: Tf, model: TF.Sequential, mixer: TfjsMixer | null, t: DataTensors, config: ExperimentConfig, onEpoch: (r: EpochRecord) => void): Promise<StepTiming> {
  let batchMs = 0;
  let mixMs = 0;
  let trainMs = 0;
  for (let epoch = 0; epoch < config.epochs; epoch++) {
    const begin = performance.now();
    let lossSum = 0;
    let steps = 0;
    const batches = epochBatches(tf, t, config, epoch);
    for (;;) {
      await gpuIdle(tf);
      const tb = performance.now();
      const next = batches.next();
      if (next.done) break;
      const { xs, ys } = next.value;
      await gpuIdle(tf);
      const t0 = performance.now();
      const { images, targets } = mixer ? await mixer.mix(xs, ys) : { images: xs, targets: tf.tidy(() => tf.oneHot(ys, CLASSES).toFloat()) };
      await gpuIdle(tf);
      const t1 = performance.now();
      const loss = (await model.trainOnBatch(images, targets)) as number;
      const t2 = performance.now();
      tf.dispose([xs, ys, images, targets]);
      batchMs += t0 - tb;
      mixMs += t1 - t0;
      trainMs += t2 - t1;
      lossSum += loss;
      steps++;
    }
    const trained = performance.now();
    const accuracy = await testAccuracy(tf, model, t);
    onEpoch({ epoch: epoch + 1, testAccuracy: accuracy, trainLoss: lossSum / steps, trainSeconds: (trained - begin) / 1000, evalSeconds: (performance.now() - trained) / 1000 });
  }
  return { batchMs, mixMs, trainMs, mixFraction: mixMs / (batchMs + mixMs + trainMs) };
}

/** One run through `model.fitDataset(mixDataset(mixer, batches))`. */
async function trainFitDataset(tf: Tf, model: TF.Sequential, mixer: TfjsMixer, t: DataTensors, config: ExperimentConfig, onEpoch: (r: EpochRecord) => void): Promise<void> {
  let epoch = 0;
  // Each pass over the dataset (one per epoch) calls the generator again: the next epoch's order.
  const batches = tf.data.generator(() => epochBatches(tf, t, config, epoch++));
  let begin = 0;
  await model.fitDataset(mixDataset(mixer, batches), {
    epochs: config.epochs,
    verbose: 0,
    callbacks: {
      onEpochBegin: async () => {
        begin = performance.now();
      },
      onEpochEnd: async (index, logs) => {
        // fitDataset has read the epoch's loss back by now: the steps have finished on the GPU.
        const trained = performance.now();
        const accuracy = await testAccuracy(tf, model, t);
        onEpoch({ epoch: index + 1, testAccuracy: accuracy, trainLoss: Number(logs?.loss), trainSeconds: (trained - begin) / 1000, evalSeconds: (performance.now() - trained) / 1000 });
      },
    },
  });
}

/** Trains one run from fresh weights; everything it makes is disposed before it returns. */
export async function trainRun(tf: Tf, run: RunSpec, t: DataTensors, config: ExperimentConfig, onEpoch: (r: EpochRecord) => void): Promise<RunResult> {
  const tensorsBefore = tf.memory().numTensors;
  const model = buildModel(tf, config, config.runSeed);
  const mixer = run.mix ? createTfjsMixer(tf, { ...run.mix, seed: config.runSeed }) : null;
  const epochs: EpochRecord[] = [];
  const record = (r: EpochRecord) => {
    epochs.push(r);
    onEpoch(r);
  };
  const start = performance.now();
  let stepTiming: StepTiming | null = null;
  try {
    if (run.api === 'fitDataset') {
      if (!mixer) throw new Error(`run ${run.id}: the fitDataset path mixes through mixDataset, so it needs a mixer`);
      await trainFitDataset(tf, model, mixer, t, config, record);
    } else {
      stepTiming = await trainLoop(tf, model, mixer, t, config, record);
    }
  } finally {
    mixer?.destroy();
    // model.dispose() frees the weights, not the optimizer's moment estimates.
    model.optimizer.dispose();
    model.dispose();
  }
  const wallSeconds = (performance.now() - start) / 1000;
  const best = epochs.reduce((a, b) => (b.testAccuracy > a.testAccuracy ? b : a));
  const last = epochs[epochs.length - 1];
  return {
    id: run.id,
    label: run.label,
    api: run.api,
    mixer: mixer ? { ...mixer.options } : null,
    epochs,
    bestAccuracy: best.testAccuracy,
    bestEpoch: best.epoch,
    lastAccuracy: last.testAccuracy,
    bestMinusLast: best.testAccuracy - last.testAccuracy,
    steps: epochs.length * Math.floor(t.trainY.shape[0] / config.batchSize),
    wallSeconds,
    stepTiming,
    tensorsLeaked: tf.memory().numTensors - tensorsBefore,
  };
}

/** The GPU adapter TF.js runs on, as far as the page can tell. */
export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean | null;
}

/** The results file. */
export interface ExperimentResult {
  experiment: 'label-noise';
  /** true for the CI smoke test, which is not the fixed setup. */
  smoke: boolean;
  config: ExperimentConfig;
  data: { dataset: string; trainSize: number; testSize: number; labelsChanged: number; subsetFirst: number[] };
  adapter: AdapterDescription;
  tfjs: { version: string; backend: string };
  userAgent: string;
  runs: RunResult[];
  wallSeconds: number;
  startedAt: string;
  notes: string[];
}

function describeAdapter(tf: Tf): AdapterDescription {
  const backend = tf.backend() as unknown as { adapterInfo?: Partial<GPUAdapterInfo> & { isFallbackAdapter?: boolean } };
  const info = backend.adapterInfo ?? {};
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    isFallbackAdapter: typeof info.isFallbackAdapter === 'boolean' ? info.isFallbackAdapter : null,
  };
}

/** Runs every run of `config` one after another on the active WebGPU backend. */
export async function runExperiment(tf: Tf, data: PreparedData, config: ExperimentConfig, options: { smoke: boolean; onEpoch?: EpochListener }): Promise<ExperimentResult> {
  if (tf.getBackend() !== 'webgpu') throw new Error(`the experiment runs on TF.js's webgpu backend, the active one is ${tf.getBackend()}`);
  const startedAt = new Date().toISOString();
  const start = performance.now();
  const t = toTensors(tf, data);
  const runs: RunResult[] = [];
  try {
    for (const [i, run] of config.runs.entries()) {
      runs.push(await trainRun(tf, run, t, config, (r) => options.onEpoch?.(run, r, i)));
    }
  } finally {
    tf.dispose([t.trainX, t.trainY, t.testX, t.testY]);
  }
  return {
    experiment: 'label-noise',
    smoke: options.smoke,
    config,
    data: { dataset: 'Fashion-MNIST (Debian dataset-fashion-mnist)', trainSize: data.trainLabels.length, testSize: data.testLabels.length, labelsChanged: data.labelsChanged, subsetFirst: Array.from(data.subset.subarray(0, 8)) },
    adapter: describeAdapter(tf),
    tfjs: { version: tf.version.tfjs, backend: tf.getBackend() },
    userAgent: typeof navigator === 'undefined' ? '' : navigator.userAgent,
    runs,
    wallSeconds: (performance.now() - start) / 1000,
    startedAt,
    notes: [
      'The last partial batch of each epoch is dropped (5,000 = 39 x 128 + 8): every step trains on a full, mixed batch of 128; each epoch reshuffles, so the 8 left out change.',
      'stepTiming (trainOnBatch runs): the GPU queue is drained at each boundary, so mixMs holds the mixing work itself (plan, kernels, copy into TF.js) and mixFraction = mixMs / step time. The drains also make those runs a little slower than an undrained loop. For ERM, mixMs is the one-hot targets.',
      'The fitDataset run (mixup alpha=1) is not split into parts: TF.js pipelines its steps. Its mixing work is that of mixup alpha=8 (same kernels, another lam).',
      'Only the loss scalars and the test accuracy are read back to the CPU; batches are gathered, mixed and trained on the GPU.',
    ],
  };
}

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
  /** Seconds of this run's epochs (training and evaluation); the runs are interleaved epoch by epoch. */
  wallSeconds: number;
  /** For `trainOnBatch` runs; null for `fitDataset` (pipelined, not split), see {@link StepTiming}. */
  stepTiming: StepTiming | null;
  /** tf.memory().numTensors after all runs were disposed minus before: 0 when nothing leaked (NaN while running). */
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

async function evaluate(tf: Tf, model: TF.Sequential, t: DataTensors): Promise<number> {
  const correct = tf.tidy(() => {
    const probs = model.predict(t.testX, { batchSize: t.testY.shape[0] }) as TF.Tensor;
    return probs.argMax(-1).equal(t.testY).sum();
  });
  const value = (await correct.data())[0];
  correct.dispose();
  return value / t.testY.shape[0];
}

/** A run in progress: its model, mixer and records; {@link trainEpoch} advances it by one epoch. */
interface RunState {
  spec: RunSpec;
  model: TF.Sequential;
  mixer: TfjsMixer | null;
  /** The fitDataset run's mixed dataset: one pass per epoch, in the order of epoch {@link RunState.epoch}. */
  mixed: TF.data.Dataset<TfjsBatch> | null;
  /** The epoch being trained (0-based). */
  epoch: number;
  epochs: EpochRecord[];
  timing: { batchMs: number; mixMs: number; trainMs: number };
  /** Seconds spent in this run's epochs (training and evaluation). */
  seconds: number;
  tensorsBefore: number;
}

function startRun(tf: Tf, spec: RunSpec, t: DataTensors, config: ExperimentConfig): RunState {
  const tensorsBefore = tf.memory().numTensors;
  const model = buildModel(tf, config, config.runSeed);
  const mixer = spec.mix ? createTfjsMixer(tf, { ...spec.mix, seed: config.runSeed }) : null;
  const run: RunState = {
    spec,
    model,
    mixer,
    mixed: null,
    epoch: 0,
    epochs: [],
    timing: { batchMs: 0, mixMs: 0, trainMs: 0 },
    seconds: 0,
    tensorsBefore,
  };
  if (spec.api === 'fitDataset') {
    if (!mixer) throw new Error(`run ${spec.id}: the fitDataset path mixes through mixDataset, so it needs a mixer`);
    // Each pass calls the generator again. The order comes from run.epoch, not from counting calls:
    // fitDataset also opens an iterator at the end of its last epoch, which it never reads.
    run.mixed = mixDataset(
      mixer,
      tf.data.generator(() => epochBatches(tf, t, config, run.epoch)),
    );
  }
  return run;
}

/** One epoch of the `trainOnBatch` loop, each step timed in three parts; returns the mean loss. */
async function epochTrainOnBatch(
  tf: Tf,
  run: RunState,
  t: DataTensors,
  config: ExperimentConfig,
  epoch: number,
): Promise<number> {
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
    const { images, targets } = run.mixer
      ? await run.mixer.mix(xs, ys)
      : { images: xs, targets: tf.tidy(() => tf.oneHot(ys, CLASSES).toFloat()) };
    await gpuIdle(tf);
    const t1 = performance.now();
    const loss = (await run.model.trainOnBatch(images, targets)) as number;
    const t2 = performance.now();
    tf.dispose([xs, ys, images, targets]);
    run.timing.batchMs += t0 - tb;
    run.timing.mixMs += t1 - t0;
    run.timing.trainMs += t2 - t1;
    lossSum += loss;
    steps++;
  }
  return lossSum / steps;
}

/** One epoch of `model.fitDataset(mixDataset(...))`, continuing from the epochs before; returns its loss. */
async function epochFitDataset(run: RunState, epoch: number): Promise<number> {
  // fitDataset reads the epoch's loss back before it returns: the steps have finished on the GPU.
  const history = await run.model.fitDataset(run.mixed!, { epochs: epoch + 1, initialEpoch: epoch, verbose: 0 });
  return Number(history.history.loss[0]);
}

/** Trains `run` for epoch `epoch` (0-based) and evaluates it on the clean test set. */
async function trainEpoch(
  tf: Tf,
  run: RunState,
  t: DataTensors,
  config: ExperimentConfig,
  epoch: number,
): Promise<EpochRecord> {
  const begin = performance.now();
  run.epoch = epoch;
  const trainLoss =
    run.spec.api === 'fitDataset'
      ? await epochFitDataset(run, epoch)
      : await epochTrainOnBatch(tf, run, t, config, epoch);
  const trained = performance.now();
  const testAccuracy = await evaluate(tf, run.model, t);
  const record = {
    epoch: epoch + 1,
    testAccuracy,
    trainLoss,
    trainSeconds: (trained - begin) / 1000,
    evalSeconds: (performance.now() - trained) / 1000,
  };
  run.epochs.push(record);
  run.seconds += (performance.now() - begin) / 1000;
  return record;
}

function disposeRun(run: RunState): void {
  run.mixer?.destroy();
  // model.dispose() frees the weights, not the optimizer's moment estimates.
  run.model.optimizer.dispose();
  run.model.dispose();
}

function summarise(tf: Tf, run: RunState, t: DataTensors, config: ExperimentConfig, finished: boolean): RunResult {
  const { epochs } = run;
  const best = epochs.reduce((a, b) => (b.testAccuracy > a.testAccuracy ? b : a), epochs[0]);
  const last = epochs[epochs.length - 1];
  const { batchMs, mixMs, trainMs } = run.timing;
  return {
    id: run.spec.id,
    label: run.spec.label,
    api: run.spec.api,
    mixer: run.mixer ? { ...run.mixer.options } : null,
    epochs: [...epochs],
    bestAccuracy: best?.testAccuracy ?? NaN,
    bestEpoch: best?.epoch ?? 0,
    lastAccuracy: last?.testAccuracy ?? NaN,
    bestMinusLast: best && last ? best.testAccuracy - last.testAccuracy : NaN,
    steps: epochs.length * Math.floor(t.trainY.shape[0] / config.batchSize),
    wallSeconds: run.seconds,
    stepTiming:
      run.spec.api === 'trainOnBatch'
        ? { batchMs, mixMs, trainMs, mixFraction: mixMs / (batchMs + mixMs + trainMs) }
        : null,
    tensorsLeaked: finished ? tf.memory().numTensors - run.tensorsBefore : NaN,
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
  /** Epochs every run has completed; `complete` once all `config.epochs` are. */
  completedEpochs: number;
  complete: boolean;
  runs: RunResult[];
  wallSeconds: number;
  startedAt: string;
  notes: string[];
}

function describeAdapter(tf: Tf): AdapterDescription {
  const backend = tf.backend() as unknown as {
    adapterInfo?: Partial<GPUAdapterInfo> & { isFallbackAdapter?: boolean };
  };
  const info = backend.adapterInfo ?? {};
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    isFallbackAdapter: typeof info.isFallbackAdapter === 'boolean' ? info.isFallbackAdapter : null,
  };
}

/**
 * Runs every run of `config` on the active WebGPU backend, interleaved epoch by epoch (epoch 1 of each
 * run, then epoch 2 of each, ...): the runs are independent (own model, seeds, mixer), so the order
 * changes no result, and a run stopped early still has all four curves to the same epoch.
 * `onRound` gets the results so far after every round (`completedEpochs` says how far).
 */
export async function runExperiment(
  tf: Tf,
  data: PreparedData,
  config: ExperimentConfig,
  options: { smoke: boolean; onEpoch?: EpochListener; onRound?: (partial: ExperimentResult) => void | Promise<void> },
): Promise<ExperimentResult> {
  if (tf.getBackend() !== 'webgpu')
    throw new Error(`the experiment runs on TF.js's webgpu backend, the active one is ${tf.getBackend()}`);
  const startedAt = new Date().toISOString();
  const start = performance.now();
  const tensorsBefore = tf.memory().numTensors;
  const t = toTensors(tf, data);
  const runs = config.runs.map((spec) => startRun(tf, spec, t, config));
  const result = (finished: boolean, completedEpochs: number): ExperimentResult => ({
    ...describe(tf, data, config, options.smoke, startedAt),
    completedEpochs,
    complete: finished,
    runs: runs.map((r) => summarise(tf, r, t, config, finished)),
    wallSeconds: (performance.now() - start) / 1000,
  });
  try {
    for (let epoch = 0; epoch < config.epochs; epoch++) {
      for (const [i, run] of runs.entries())
        options.onEpoch?.(run.spec, await trainEpoch(tf, run, t, config, epoch), i);
      if (epoch < config.epochs - 1) await options.onRound?.(result(false, epoch + 1));
    }
  } finally {
    runs.forEach(disposeRun);
    tf.dispose([t.trainX, t.trainY, t.testX, t.testY]);
  }
  const final = result(true, config.epochs);
  // Every run's tensors are gone: what is left over is a leak (of any run; reported on each).
  const leaked = tf.memory().numTensors - tensorsBefore;
  for (const r of final.runs) r.tensorsLeaked = leaked;
  return final;
}

/** The parts of the results file that do not change while the runs go on. */
function describe(
  tf: Tf,
  data: PreparedData,
  config: ExperimentConfig,
  smoke: boolean,
  startedAt: string,
): Omit<ExperimentResult, 'completedEpochs' | 'complete' | 'runs' | 'wallSeconds'> {
  return {
    experiment: 'label-noise',
    smoke,
    config,
    data: {
      dataset: 'Fashion-MNIST (Debian dataset-fashion-mnist)',
      trainSize: data.trainLabels.length,
      testSize: data.testLabels.length,
      labelsChanged: data.labelsChanged,
      subsetFirst: Array.from(data.subset.subarray(0, 8)),
    },
    adapter: describeAdapter(tf),
    tfjs: { version: tf.version.tfjs, backend: tf.getBackend() },
    userAgent: typeof navigator === 'undefined' ? '' : navigator.userAgent,
    startedAt,
    notes: [
      'The last partial batch of each epoch is dropped (5,000 = 39 x 128 + 8): every step trains on a full, mixed batch of 128; each epoch reshuffles, so the 8 left out change.',
      'stepTiming (trainOnBatch runs): the GPU queue is drained at each boundary, so mixMs holds the mixing work itself (plan, kernels, copy into TF.js) and mixFraction = mixMs / step time. The drains also make those runs a little slower than an undrained loop. For ERM, mixMs is the one-hot targets.',
      'The runs are interleaved epoch by epoch (epoch 1 of each, then epoch 2 of each, ...); each run has its own model, mixer and seeds, so the order changes no result. wallSeconds of a run sums its own epochs.',
      'The fitDataset run (mixup alpha=1) is not split into parts: TF.js pipelines its steps. Its mixing work is that of mixup alpha=8 (same kernels, another lam).',
      'Only the loss scalars and the test accuracy are read back to the CPU; batches are gathered, mixed and trained on the GPU.',
    ],
  };
}

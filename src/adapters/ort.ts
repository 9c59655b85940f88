/**
 * ONNX Runtime Web interop: mixes GPU tensors (`location: 'gpu-buffer'`) of `onnxruntime-web` on
 * the WebGPU device ORT runs on, and returns the results as ORT GPU tensors, ready to feed to a
 * session, with the plan that was executed.
 *
 * ```ts
 * import * as ort from 'onnxruntime-web/webgpu';
 * import { createOrtMixer } from 'webgpu-mixup/ort';
 *
 * const device = await (await navigator.gpu.requestAdapter())!.requestDevice();
 * // ORT must run on *this* device: pass it in the execution provider options.
 * const session = await ort.InferenceSession.create(model, {
 *   executionProviders: [{ name: 'webgpu', device }],
 *   preferredOutputLocation: 'gpu-buffer',
 * });
 * const mixer = createOrtMixer(ort, device, { mixupAlpha: 0.2, cutmixAlpha: 1, numClasses: 10 });
 *
 * const { Y } = await session.run({ X: ort.Tensor.fromGpuBuffer(input, { dataType: 'float32', dims: [B, 3, H, W] }) });
 * const labels = ort.Tensor.fromGpuBuffer(labelBuffer, { dataType: 'int32', dims: [B] });
 * const { images, targets, plan } = await mixer.mix({ images: Y, labels });
 * // images: float32 [B, 3, H, W], targets: float32 [B, 10]; both 'gpu-buffer' tensors.
 * const out = await otherSession.run({ input: images });
 * images.dispose(); targets?.dispose(); // destroys the buffers the mixer allocated
 * ```
 *
 * **One device for both.** A GPUBuffer can only be used on the GPUDevice that created it, so ORT and
 * the mixer must share one device:
 * - create the device yourself and give it to ORT per session, as
 *   `executionProviders: [{ name: 'webgpu', device }]`. In onnxruntime-web 1.30, setting
 *   `ort.env.webgpu.device` is silently ignored: ORT then creates its own device, and the first run
 *   on a buffer of yours fails inside ORT (`WebGPU validation failed. [Buffer] is associated with
 *   [Device], and cannot be used with [Device]`);
 * - a tensor from another device cannot be mixed: WebGPU gives no way to ask a buffer for its
 *   device, so this shows up when the work is submitted, and `mix` rejects with a {@link MixupError}
 *   (no output is written, nothing is leaked);
 * - ORT submits a run's GPU work to the device's queue before `session.run` resolves, and the mixer
 *   submits before `mix` resolves, so one queue orders their reads and writes: no extra waiting is
 *   needed in either direction.
 *
 * **Who owns what.**
 * - The device is yours: neither ORT nor the mixer destroys it.
 * - Input tensors stay the caller's: `mix` never disposes them, and they may be disposed (an ORT
 *   output then goes back to ORT's buffer pool) as soon as `mix` has resolved.
 * - Output tensors made on new buffers (the default) own them: `tensor.dispose()`, or
 *   `tensor.getData(true)`, destroys the buffer. Such a tensor cannot be `reshape`d (ORT refuses to
 *   reshape tensors that own GPU resources). With `options.outputs`, the tensors wrap your buffers
 *   and dispose leaves them alone; with `options.inPlace`, `images` is the input tensor itself.
 * - {@link OrtMixer.destroy} releases the mixer's own pipelines and upload buffers; tensors it
 *   returned stay valid.
 *
 * onnxruntime-web is a peer: this module only imports its types, and takes your `ort` namespace as an
 * argument, so the one ORT instance your page loaded is the one used. ORT Web runs inference only:
 * mixing happens on your side of a training loop whose other steps run elsewhere (or on the outputs
 * of a preprocessing / feature model).
 *
 * @module webgpu-mixup/ort
 */
import type { Tensor, TensorFactory } from 'onnxruntime-web';
import { MixupError, describe, got } from '../errors.js';
import { createMixer } from '../gpu/mixer.js';
import type { MixCallOptions, MixResult, Mixer, MixerSettings } from '../gpu/types.js';
import { CALL_OPTION_KEYS } from '../gpu/checks.js';
import { DTYPE_BYTES, LAYOUTS } from '../shape.js';
import { checkBuffer, checkKeys, checkOneOf, usageFlags } from '../validate.js';
import type { BatchShape, DType, ImageSize, LabelDType, Layout, MixOptions, MixPlan } from '../types.js';

/**
 * The part of the `onnxruntime-web` namespace the adapter uses: pass the namespace itself
 * (`import * as ort from 'onnxruntime-web/webgpu'`).
 */
export interface OrtNamespace {
  /** ORT's `Tensor`: `Tensor.fromGpuBuffer` wraps the mixed buffers. */
  readonly Tensor: Pick<TensorFactory, 'fromGpuBuffer'>;
}

/** The tensors to mix, all `'gpu-buffer'` tensors on the mixer's device. */
export interface OrtMixInputs {
  /**
   * The image or feature batch: dataType `'float32'`, `'uint8'` or `'float16'` (on any device: no
   * `shader-f16` needed), dims `[B, C, H, W]` (NCHW, ORT's usual layout), `[B, H, W, C]` with
   * `layout: 'NHWC'`, or `[B, D]` (rows of features, mixup only).
   */
  images: Tensor;
  /**
   * Optional labels: class ids, dataType `'int32'` (or `'uint32'`) with dims `[B]`, or soft /
   * multi-hot targets, `'float32'` with dims `[B, K]`, K being the mixer's `numClasses`.
   * int64 ids must be converted to int32 first.
   */
  labels?: Tensor;
}

/**
 * Per-call options of {@link OrtMixer.mix}: those of the core mixer, plus how to read the dims.
 * With `inPlace` the result's `images` is the input tensor itself. Buffers given in `outputs`
 * (STORAGE usage; COPY_SRC for `getData()`) are wrapped by the returned tensors, and disposing
 * those tensors does not destroy them.
 */
export interface OrtMixOptions extends MixCallOptions {
  /**
   * How the image dims are read: `'NCHW'` (the default for 4-D dims), `'NHWC'`, or `'rows'`
   * (the default for 2-D dims `[B, D]`).
   */
  layout?: Layout;
}

/** What {@link OrtMixer.mix} returns. */
export interface OrtMixResult {
  /**
   * The mixed batch: a `'gpu-buffer'` tensor with the input's dims and dataType `outDtype`. Its
   * `getData()` reads it back; its `dispose()` destroys the buffer when the mixer allocated it.
   */
  images: Tensor;
  /** float32 targets `[B, numClasses]` as a `'gpu-buffer'` tensor when labels were given, else null. */
  targets: Tensor | null;
  /** The plan that was executed. */
  plan: MixPlan;
  /** With `checkLabels`: how many class ids were outside `[0, numClasses)`; null otherwise. */
  invalidLabels: number | null;
}

/** A mixer for ORT tensors; see {@link createOrtMixer}. */
export interface OrtMixer {
  /** The underlying GPU mixer (for `encode`, `prepare`, `lost` and plain-buffer calls). */
  readonly mixer: Mixer;
  /** The device shared with ORT. */
  readonly device: GPUDevice;
  /** Draws the next plan from the mixer's seeded stream (advancing it). */
  plan(batchSize: number, imageSize?: ImageSize): MixPlan;
  /** Mixes ORT GPU tensors; validates them first and rejects with a {@link MixupError} naming the argument. */
  mix(inputs: OrtMixInputs, options?: OrtMixOptions): Promise<OrtMixResult>;
  /** An ORT mixer on the same device whose plans come from worker `worker`'s own stream. */
  fork(worker: number): OrtMixer;
  /** Releases the mixer's own GPU resources (not the device, not tensors it returned). */
  destroy(): void;
}

/**
 * Creates a mixer for ORT GPU tensors on `device`, the device ORT was given through
 * `executionProviders: [{ name: 'webgpu', device }]`.
 *
 * @param ort - the `onnxruntime-web` namespace in use (`import * as ort from 'onnxruntime-web/webgpu'`).
 * @param device - the GPUDevice shared with ORT.
 * @param options - planner options, as for `createMixer` (timm's names, camelCase).
 * @param settings - executor settings, as for `createMixer`.
 */
export function createOrtMixer(
  ort: OrtNamespace,
  device: GPUDevice,
  options: MixOptions = {},
  settings: MixerSettings = {},
): OrtMixer {
  checkOrt(ort);
  return wrap(ort, createMixer(device, options, settings));
}

/**
 * Mixes ORT GPU tensors with an existing {@link Mixer} (for instance a fork, or one that also mixes
 * plain buffers). The mixer's device must be the one ORT runs on.
 *
 * @param ort - the `onnxruntime-web` namespace in use.
 * @param mixer - a mixer from `createMixer`, on the device shared with ORT.
 * @param inputs - the image tensor and optional labels tensor.
 * @param options - per-call options.
 */
export async function mixOrtTensors(
  ort: OrtNamespace,
  mixer: Mixer,
  inputs: OrtMixInputs,
  options: OrtMixOptions = {},
): Promise<OrtMixResult> {
  checkOrt(ort);
  if (typeof mixer !== 'object' || mixer === null || typeof (mixer as Mixer).mix !== 'function') {
    throw new MixupError('mixer', 'a Mixer from createMixer', mixer);
  }
  const call = validate(inputs, options, mixer.options.numClasses);
  // Everything but the layout goes to the executor as is (and is checked there).
  const { layout: _layout, ...mixOptions } = options as OrtMixOptions & MixCallOptions;

  let result: MixResult;
  try {
    result = await mixer.mix(
      {
        images: { buffer: call.images.buffer, dtype: call.images.dtype, shape: call.images.shape },
        ...(call.labels
          ? { labels: { buffer: call.labels.buffer, dtype: call.labels.dtype, shape: call.labels.dims } }
          : {}),
      },
      mixOptions,
    );
  } catch (error) {
    // The executor sees only buffers: say what that means for ORT tensors.
    if (error instanceof MixupError && error.argument === 'inputs and outputs') {
      throw new MixupError(
        'inputs',
        "tensors on the mixer's device (is ORT running on it? pass executionProviders: [{ name: 'webgpu', " +
          'device }]; ort.env.webgpu.device is ignored) and not disposed',
        got(error.message.replace(/^.*?, got /, '')),
      );
    }
    throw error;
  }

  const device = mixer.device;
  const ownImages = result.images !== call.images.buffer && result.images !== options.outputs?.images;
  const images = options.inPlace
    ? inputs.images
    : wrapBuffer(ort, device, result.images, result.outDtype, call.images.dims, ownImages);
  let targets: Tensor | null = null;
  if (result.targets) {
    const ownTargets = result.targets !== options.outputs?.targets;
    targets = wrapBuffer(ort, device, result.targets, 'float32', [call.batch, mixer.options.numClasses], ownTargets);
  }
  return { images, targets, plan: result.plan, invalidLabels: result.invalidLabels };
}

function wrap(ort: OrtNamespace, mixer: Mixer): OrtMixer {
  return {
    mixer,
    device: mixer.device,
    plan: (batchSize, imageSize) => mixer.plan(batchSize, imageSize),
    mix: (inputs, options) => mixOrtTensors(ort, mixer, inputs, options),
    fork: (worker) => wrap(ort, mixer.fork(worker)),
    destroy: () => mixer.destroy(),
  };
}

// ---- validation ----

interface TensorCall {
  batch: number;
  images: { buffer: GPUBuffer; dtype: DType; shape: BatchShape; dims: readonly number[] };
  labels: { buffer: GPUBuffer; dtype: LabelDType; dims: readonly number[] } | null;
}

const IMAGE_TYPES: readonly DType[] = ['float32', 'uint8', 'float16'];
const OPTION_KEYS: readonly (keyof OrtMixOptions)[] = ['layout', ...CALL_OPTION_KEYS];

function checkOrt(ort: unknown): void {
  const factory = (ort as { Tensor?: { fromGpuBuffer?: unknown } } | null)?.Tensor;
  if (typeof ort !== 'object' || ort === null || typeof factory?.fromGpuBuffer !== 'function') {
    throw new MixupError(
      'ort',
      "the onnxruntime-web namespace (import * as ort from 'onnxruntime-web/webgpu'), with Tensor.fromGpuBuffer",
      ort,
    );
  }
}

function isTensorLike(value: unknown): value is Tensor {
  return (
    typeof value === 'object' &&
    value !== null &&
    'location' in value &&
    'type' in value &&
    Array.isArray((value as Tensor).dims)
  );
}

/** Checks one ORT tensor: a live 'gpu-buffer' tensor of an allowed dataType, and returns its buffer. */
function gpuTensor(argument: string, value: unknown, types: readonly string[]): { tensor: Tensor; buffer: GPUBuffer } {
  if (!isTensorLike(value)) throw new MixupError(argument, 'an onnxruntime-web Tensor', value);
  const tensor = value;
  if (tensor.location !== 'gpu-buffer') {
    const what =
      tensor.location === 'none'
        ? "location 'none' (the tensor was disposed)"
        : `location ${describe(tensor.location)}`;
    throw new MixupError(
      `${argument}.location`,
      "'gpu-buffer' (a tensor from ort.Tensor.fromGpuBuffer, or a session output with " +
        "preferredOutputLocation: 'gpu-buffer')",
      got(what),
    );
  }
  if (!types.includes(tensor.type)) {
    const hint = tensor.type === 'int64' && argument === 'inputs.labels' ? ' (convert int64 class ids to int32)' : '';
    throw new MixupError(
      `${argument}.type`,
      `one of ${types.map((t) => JSON.stringify(t)).join(', ')}${hint}`,
      tensor.type,
    );
  }
  for (const [i, d] of tensor.dims.entries()) {
    if (!Number.isSafeInteger(d) || d < 1)
      throw new MixupError(`${argument}.dims[${i}]`, 'a positive integer (empty tensors have no GPU buffer)', d);
  }
  const buffer = tensor.gpuBuffer as GPUBuffer;
  if (
    typeof buffer !== 'object' ||
    buffer === null ||
    typeof buffer.usage !== 'number' ||
    typeof buffer.size !== 'number'
  ) {
    throw new MixupError(`${argument}.gpuBuffer`, 'a GPUBuffer', buffer);
  }
  return { tensor, buffer };
}

/** Checks what the executor cannot name in ORT terms: usage, size (ORT pools bigger buffers), map state. */
function checkTensorBuffer(argument: string, buffer: GPUBuffer, bytes: number): void {
  checkBuffer(`${argument}.gpuBuffer`, buffer, Math.ceil(bytes / 4) * 4, ' for its dims and dataType');
}

function validate(inputs: OrtMixInputs, options: OrtMixOptions, numClasses: number): TensorCall {
  if (typeof inputs !== 'object' || inputs === null)
    throw new MixupError('inputs', 'an object { images, labels? }', inputs);
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new MixupError('options', 'an object', options);
  // A misspelt option would otherwise be silently ignored.
  checkKeys('options', options as Record<string, unknown>, OPTION_KEYS);
  const { tensor: imageTensor, buffer: imageBuffer } = gpuTensor('inputs.images', inputs.images, IMAGE_TYPES);
  const dims = imageTensor.dims;
  const dtype = imageTensor.type as DType;
  const rank = dims.length;
  let layout: Layout;
  if (options.layout === undefined) {
    if (rank !== 4 && rank !== 2) {
      throw new MixupError(
        'inputs.images.dims',
        '[B, C, H, W] (NCHW), or [B, D] (rows); give options.layout for [B, H, W, C]',
        got(`${rank}-D dims [${dims.join(', ')}]`),
      );
    }
    layout = rank === 4 ? 'NCHW' : 'rows';
  } else {
    layout = checkOneOf('options.layout', options.layout, LAYOUTS);
    const expected = layout === 'rows' ? 2 : 4;
    if (rank !== expected) {
      const form = layout === 'rows' ? '[B, D]' : layout === 'NCHW' ? '[B, C, H, W]' : '[B, H, W, C]';
      throw new MixupError(
        'inputs.images.dims',
        `${form} for layout ${JSON.stringify(layout)}`,
        got(`${rank}-D dims [${dims.join(', ')}]`),
      );
    }
  }
  const batch = dims[0];
  const shape: BatchShape =
    layout === 'rows'
      ? { layout, batch, features: dims[1] }
      : layout === 'NCHW'
        ? { layout, batch, channels: dims[1], height: dims[2], width: dims[3] }
        : { layout, batch, channels: dims[3], height: dims[1], width: dims[2] };
  const elements = dims.reduce((a, b) => a * b, 1);
  checkTensorBuffer('inputs.images', imageBuffer, elements * DTYPE_BYTES[dtype]);

  let labels: TensorCall['labels'] = null;
  if (inputs.labels !== undefined) {
    const { tensor, buffer } = gpuTensor('inputs.labels', inputs.labels, ['int32', 'uint32', 'float32']);
    const labelType = tensor.type as LabelDType;
    const want =
      labelType === 'float32'
        ? `[${batch}, ${numClasses}] (float32 soft targets: batch, numClasses)`
        : `[${batch}] (class ids, one per sample)`;
    const ok =
      labelType === 'float32'
        ? tensor.dims.length === 2 && tensor.dims[0] === batch && tensor.dims[1] === numClasses
        : tensor.dims.length === 1 && tensor.dims[0] === batch;
    if (!ok) throw new MixupError('inputs.labels.dims', want, got(`[${tensor.dims.join(', ')}]`));
    checkTensorBuffer('inputs.labels', buffer, tensor.dims.reduce((a, b) => a * b, 1) * 4);
    labels = { buffer, dtype: labelType, dims: [...tensor.dims] };
  }
  return { batch, images: { buffer: imageBuffer, dtype, shape, dims: [...dims] }, labels };
}

// ---- results ----

/** Wraps a mixer output in an ORT GPU tensor that can download itself and, when owned, destroy its buffer. */
function wrapBuffer(
  ort: OrtNamespace,
  device: GPUDevice,
  buffer: GPUBuffer,
  dtype: DType,
  dims: readonly number[],
  owned: boolean,
): Tensor {
  const count = dims.reduce((a, b) => a * b, 1);
  const download = async () => {
    const bytes = await readBack(device, buffer, count * DTYPE_BYTES[dtype]);
    if (dtype === 'uint8') return new Uint8Array(bytes, 0, count);
    if (dtype === 'float16') return new Uint16Array(bytes, 0, count);
    return new Float32Array(bytes, 0, count);
  };
  return ort.Tensor.fromGpuBuffer(buffer, {
    dataType: dtype,
    dims,
    download,
    ...(owned ? { dispose: () => buffer.destroy() } : {}),
  }) as Tensor;
}

/** Copies `size` bytes of `buffer` to a mappable buffer and returns them. */
async function readBack(device: GPUDevice, buffer: GPUBuffer, size: number): Promise<ArrayBuffer> {
  if ((buffer.usage & GPUBufferUsage.COPY_SRC) === 0) {
    throw new MixupError(
      'tensor.gpuBuffer.usage',
      'flags that include GPUBufferUsage.COPY_SRC to download the tensor',
      got(usageFlags(buffer.usage)),
    );
  }
  const padded = Math.ceil(size / 4) * 4;
  const staging = device.createBuffer({
    label: 'mixup ort read-back',
    size: padded,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  try {
    device.pushErrorScope('validation');
    const encoder = device.createCommandEncoder({ label: 'mixup ort read-back' });
    encoder.copyBufferToBuffer(buffer, 0, staging, 0, padded);
    device.queue.submit([encoder.finish()]);
    const error = await device.popErrorScope();
    if (error)
      throw new MixupError(
        'tensor',
        "a tensor whose buffer is alive on the mixer's device",
        got(`WebGPU validation error: ${error.message}`),
      );
    await staging.mapAsync(GPUMapMode.READ);
    return staging.getMappedRange().slice(0, size);
  } finally {
    staging.destroy();
  }
}

/**
 * Shared public types: the plan, the options, and the tensor descriptors.
 * Everything random is decided on the host and written into a {@link MixPlan};
 * the GPU kernels and the CPU reference only execute a plan.
 */

/**
 * `kind` of a sample that passes through unchanged.
 *
 * @category Planning
 */
export const KIND_NONE = 0;
/**
 * `kind` of a mixup blend: `lam * x[i] + (1 - lam) * x[partner[i]]`.
 *
 * @category Planning
 */
export const KIND_MIXUP = 1;
/**
 * `kind` of a CutMix paste: the sample's box is taken from its partner.
 *
 * @category Planning
 */
export const KIND_CUTMIX = 2;
/**
 * `kind` of a ResizeMix paste: the partner's *whole* image, resized to the sample's box (see
 * {@link MixPlan.resize}), is pasted into the box.
 *
 * @category Planning
 */
export const KIND_RESIZEMIX = 3;
/**
 * `kind` of a mask paste (FMix, or a mask of the user's own): each pixel comes from the sample or its
 * partner as the sample's mask in {@link MixPlan.masks} says.
 *
 * @category Planning
 */
export const KIND_MASK = 4;

/**
 * Masks of the kind-4 samples of a plan, at a resolution of their own.
 *
 * Image pixel (y, x) of an H x W image uses mask pixel (⌊y·height / H⌋, ⌊x·width / W⌋) (nearest, in
 * integers, so host and GPU pick the same pixel), and mask pixels are row-major: p = my·width + mx.
 * A mask value is the weight of the sample's *own* pixel (like `lam`):
 * - `'bits'`: 1 bit a pixel, bit `p & 31` of word `m·⌈height·width / 32⌉ + (p >> 5)` of mask m;
 *   1 takes the sample's pixel, 0 its partner's.
 * - `'soft'`: float32 weights w in [0, 1], `height·width` a mask; the pixel is
 *   `w·x[i] + (1 − w)·x[partner[i]]`, rounded like a mixup blend.
 *
 * A kind-4 sample's `lam` is the mean of its mask over the H x W image pixels (exact for bits).
 *
 * @category Planning
 */
export interface PlanMasks {
  /** Bit-packed binary masks or float32 soft masks. */
  format: 'bits' | 'soft';
  /** Masks held in `data`. */
  count: number;
  /** Mask rows (1 to the image height). */
  height: number;
  /** Mask columns (1 to the image width). */
  width: number;
  /** `count·⌈height·width / 32⌉` words for bits, `count·height·width` weights for soft. */
  data: Uint32Array | Float32Array;
  /** Per sample: the mask it uses (read where kind is 4; 0 elsewhere). One entry per sample. */
  index: Uint32Array;
}

/**
 * A mixing plan: plain typed arrays, one entry per sample (four for `box`).
 *
 * Output sample `i` is built from input `i` and input `partner[i]`:
 * - kind 0: a copy of input `i` (`lam` is 1);
 * - kind 1: `lam * x[i] + (1 - lam) * x[partner[i]]`;
 * - kind 2: `x[i]` with the half-open box `[y0, y1) x [x0, x1)` taken from `x[partner[i]]`;
 * - kind 3 (ResizeMix): `x[i]` with the box filled by the whole of `x[partner[i]]` resized to the box;
 * - kind 4 (masks): each pixel from `x[i]` or `x[partner[i]]` (or a blend) as `masks` says.
 *
 * Targets are always `lam * t[i] + (1 - lam) * t[partner[i]]`.
 *
 * @category Planning
 */
export interface MixPlan {
  /** Per sample: 0 unchanged, 1 mixup blend, 2 CutMix paste, 3 ResizeMix paste, 4 mask paste. */
  kind: Uint8Array;
  /** Per sample: weight of the sample's own label (and, for mixup, of its own pixels), in [0, 1]. */
  lam: Float32Array;
  /** Per sample: index of the sample it mixes with. */
  partner: Uint32Array;
  /** 4 per sample: y0, y1, x0, x1, half-open pixel bounds; used where kind is 2 or 3, zeros elsewhere. */
  box: Int32Array;
  /** The masks of kind-4 samples; required when a sample is kind 4. */
  masks?: PlanMasks | null;
  /**
   * How ResizeMix (kind 3) resizes the partner into the box: `'bilinear'` (the default) as PyTorch's
   * `F.interpolate(mode='bilinear', align_corners=False)` computes it, no antialiasing; or `'nearest'`
   * (`mode='nearest'`).
   */
  resize?: ResizeMode;
}

/**
 * Resampling of ResizeMix's pasted image.
 *
 * @category Planning
 */
export type ResizeMode = 'bilinear' | 'nearest';

/**
 * How samples are paired.
 *
 * @category Planning
 */
export type Pairing = 'flip' | 'roll' | 'shuffle' | Uint32Array | readonly number[];

/**
 * How often draws are made: once per batch, once per pair, once per sample (timm's modes).
 *
 * @category Planning
 */
export type MixMode = 'batch' | 'pair' | 'elem';

/**
 * Planner options; names follow timm's `Mixup` in camelCase, with timm's defaults.
 *
 * @category Planning
 */
export interface MixOptions {
  /** Beta(α, α) parameter for mixup; 0 disables mixup. Default 1. */
  mixupAlpha?: number;
  /** Beta(α, α) parameter for CutMix; 0 disables CutMix. Default 0. */
  cutmixAlpha?: number;
  /**
   * Min and max box side ratio for CutMix; when set, CutMix is used with α = 1 semantics replaced by a uniform side.
   * Default none.
   */
  cutmixMinMax?: readonly [number, number] | null;
  /** Probability that a batch, pair or sample is mixed at all. Default 1. */
  prob?: number;
  /** Probability of CutMix instead of mixup when both are enabled. Default 0.5. */
  switchProb?: number;
  /** Draw once per batch, per pair or per sample. Default 'batch'. */
  mode?: MixMode;
  /** Recompute λ from the clipped CutMix box area. Default true. */
  correctLam?: boolean;
  /** Label smoothing ε for integer class ids. Default 0.1. */
  labelSmoothing?: number;
  /** Number of classes K. Default 1000. */
  numClasses?: number;
  /** Pairing of samples. Default 'flip'. */
  pairing?: Pairing;
  /** Seed of the random stream. Default 0. */
  seed?: number;
  /** Stream id: distinct ids give independent sequences for one seed (one per worker or epoch). Default 0. */
  stream?: number;
  /**
   * Beta(α, α) parameter for ResizeMix (mmpretrain's `ResizeMix`): λ ~ Beta(α, α) mapped to
   * `resizemixLam`, then CutMix's box rule; the partner's whole image is resized into the box. 0 disables
   * ResizeMix. Default 0.
   */
  resizemixAlpha?: number;
  /**
   * ResizeMix's [lamMin, lamMax] (mmpretrain's `lam_min`, `lam_max`), 0 <= lamMin <= lamMax <= 1.
   * Default [0.1, 0.8].
   */
  resizemixLam?: readonly [number, number];
  /** How ResizeMix resizes the partner into the box (`plan.resize`). Default 'bilinear'. */
  resizemixMode?: ResizeMode;
  /**
   * Beta(α, α) parameter for FMix (Harris et al.): the nominal fraction of own pixels (each sample's λ
   * is its mask's exact fraction). 0 disables FMix. Default 0.
   */
  fmixAlpha?: number;
  /** FMix's decay power δ: the mask's spectrum has amplitude ∝ 1/f^δ. Default 3. */
  fmixDecay?: number;
  /**
   * FMix mask resolution: a side, or [height, width], each clamped to the image's (a size at least the
   * image's gives full-resolution masks). Image pixels take the mask pixel under them by the nearest rule
   * of {@link PlanMasks}. Default 32 (see src/fmix.ts for the measurement behind it).
   */
  fmixSize?: number | readonly [number, number];
  /**
   * Relative weights of the enabled methods in the choice made per batch, pair or sample (mmpretrain's
   * `RandomBatchAugment` probs, normalised; `prob` still decides whether a unit mixes at all). Missing
   * methods weigh 0; a positive weight for a disabled method, or weights that do not sum to a positive
   * number, are rejected. Default none: with only mixup and CutMix enabled the choice is timm's
   * `switchProb`; with ResizeMix or FMix enabled the enabled methods weigh the same.
   */
  methodWeights?: MethodWeights | null;
}

/**
 * Weights of the methods in {@link MixOptions.methodWeights}.
 *
 * @category Planning
 */
export interface MethodWeights {
  /** Weight of mixup (kind 1). */
  mixup?: number;
  /** Weight of CutMix (kind 2). */
  cutmix?: number;
  /** Weight of ResizeMix (kind 3). */
  resizemix?: number;
  /** Weight of FMix (kind 4). */
  fmix?: number;
}

/**
 * Image height and width, needed to draw CutMix boxes.
 *
 * @category Planning
 */
export interface ImageSize {
  /** Image height H in pixels. */
  height: number;
  /** Image width W in pixels. */
  width: number;
}

/**
 * Memory layout of an image or feature batch. `rows` is a generic [B, D] batch (no boxes).
 *
 * @category Batches
 */
export type Layout = 'NCHW' | 'NHWC' | 'rows';

/**
 * Element types of image or feature data. float16 is IEEE binary16, held as 16-bit bit patterns (a
 * `Uint16Array` on the host, 2 bytes an element in a GPUBuffer); it works on every device, with or
 * without the `shader-f16` feature, and values are stored rounded to nearest, ties to even, exactly
 * as `f32ToF16Bits` rounds.
 *
 * @category Batches
 */
export type DType = 'float32' | 'float16' | 'uint8';

/**
 * Shape of a batch. For images give channels, height and width; for `rows` give features.
 *
 * @category Batches
 */
export type BatchShape = ImageBatchShape | RowsBatchShape;

/**
 * An image batch [B, C, H, W] (NCHW) or [B, H, W, C] (NHWC).
 *
 * @category Batches
 */
export interface ImageBatchShape {
  /** Memory order of the elements. */
  layout: 'NCHW' | 'NHWC';
  /** Batch size B. */
  batch: number;
  /** Channels C. */
  channels: number;
  /** Height H. */
  height: number;
  /** Width W. */
  width: number;
}

/**
 * A generic batch of feature rows [B, D]: spectrogram frames, tabular rows, embeddings, activations. No boxes.
 *
 * @category Batches
 */
export interface RowsBatchShape {
  /** Always `'rows'`. */
  layout: 'rows';
  /** Batch size B. */
  batch: number;
  /** Features per row D. */
  features: number;
}

/**
 * Per-channel normalisation applied to uint8 input: (x / 255 - mean) / std, with mean and std in
 * units of x / 255 (torchvision's after ToTensor, e.g. ImageNet's mean [0.485, 0.456, 0.406] and
 * std [0.229, 0.224, 0.225]). 0-255 units (123.7, 58.4, ...) are rejected with a message saying so.
 *
 * @category Batches
 */
export interface Normalize {
  /** Per-channel mean in [0, 1] (one entry per channel, or one for all). */
  mean: readonly number[];
  /** Per-channel standard deviation in (0, 1] (one entry per channel, or one for all). */
  std: readonly number[];
}

/**
 * Label element types: class ids (int32, uint32) or soft / multi-hot targets (float32).
 *
 * @category Batches
 */
export type LabelDType = 'int32' | 'uint32' | 'float32';

/**
 * Benchmark presets and the workload matrix. `full` is the workload (meant for a real GPU);
 * `swiftshader` shrinks batches so that `npm run bench` (Chromium and Node) stays within a few
 * minutes on a 2-core machine with a software adapter.
 */
import type { BatchShape, DType, MixMode, Normalize } from '../src/index';

export type PresetName = 'full' | 'swiftshader';
export type MixKind = 'mixup' | 'cutmix';
export type PairingName = 'flip' | 'shuffle';
export type WorkloadName = 'images u8>f32 norm' | 'images u8>f16 norm' | 'images f32' | 'rows f32' | 'labels i32>f32';

export interface Preset {
  name: PresetName;
  images: { batch: number; channels: number; height: number; width: number };
  rows: { batch: number; features: number };
  labels: { batch: number; classes: number };
  modes: MixMode[];
  pairings: PairingName[];
  /** Timed runs per column (medians need at least 20). */
  runs: number;
  warmup: number;
}

export const PRESETS: Record<PresetName, Preset> = {
  full: {
    name: 'full',
    images: { batch: 256, channels: 3, height: 224, width: 224 },
    rows: { batch: 1024, features: 512 },
    labels: { batch: 256, classes: 1000 },
    modes: ['batch', 'elem'],
    pairings: ['flip', 'shuffle'],
    runs: 30,
    warmup: 5,
  },
  swiftshader: {
    name: 'swiftshader',
    images: { batch: 32, channels: 3, height: 64, width: 64 },
    rows: { batch: 256, features: 512 },
    labels: { batch: 256, classes: 1000 },
    modes: ['batch', 'elem'],
    pairings: ['flip', 'shuffle'],
    runs: 20,
    warmup: 3,
  },
};

export const IMAGENET: Normalize = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

export interface RowSpec {
  id: string;
  workload: WorkloadName;
  /** The data that is mixed: images, feature rows, or (labels) the class ids' batch. */
  shape: BatchShape;
  inDtype: DType;
  outDtype: DType;
  normalize: Normalize | null;
  /** Classes K for the labels workload. */
  classes: number | null;
  mode: MixMode;
  mix: MixKind;
  pairing: PairingName;
}

/** Every row of a preset, in report order. */
export function buildRows(preset: Preset): RowSpec[] {
  const rows: RowSpec[] = [];
  const im = preset.images;
  const imageShape: BatchShape = {
    layout: 'NCHW',
    batch: im.batch,
    channels: im.channels,
    height: im.height,
    width: im.width,
  };
  const rowShape: BatchShape = { layout: 'rows', batch: preset.rows.batch, features: preset.rows.features };
  const labelShape: BatchShape = { layout: 'rows', batch: preset.labels.batch, features: 1 };
  const workloads: Array<Omit<RowSpec, 'id' | 'mode' | 'mix' | 'pairing'> & { mixes: MixKind[] }> = [
    {
      workload: 'images u8>f32 norm',
      shape: imageShape,
      inDtype: 'uint8',
      outDtype: 'float32',
      normalize: IMAGENET,
      classes: null,
      mixes: ['mixup', 'cutmix'],
    },
    {
      workload: 'images u8>f16 norm',
      shape: imageShape,
      inDtype: 'uint8',
      outDtype: 'float16',
      normalize: IMAGENET,
      classes: null,
      mixes: ['mixup', 'cutmix'],
    },
    {
      workload: 'images f32',
      shape: imageShape,
      inDtype: 'float32',
      outDtype: 'float32',
      normalize: null,
      classes: null,
      mixes: ['mixup', 'cutmix'],
    },
    // Rows have no pixels, so no boxes: CutMix does not apply.
    {
      workload: 'rows f32',
      shape: rowShape,
      inDtype: 'float32',
      outDtype: 'float32',
      normalize: null,
      classes: null,
      mixes: ['mixup'],
    },
    // Targets read only kind, lam and partner: a CutMix plan costs the same as a mixup plan.
    {
      workload: 'labels i32>f32',
      shape: labelShape,
      inDtype: 'float32',
      outDtype: 'float32',
      normalize: null,
      classes: preset.labels.classes,
      mixes: ['mixup'],
    },
  ];
  for (const w of workloads) {
    for (const mix of w.mixes) {
      for (const mode of preset.modes) {
        for (const pairing of preset.pairings) {
          const { mixes: _mixes, ...spec } = w;
          rows.push({ ...spec, id: `${w.workload} | ${mode} ${mix} ${pairing}`, mode, mix, pairing });
        }
      }
    }
  }
  return rows;
}

/** Human-readable shape of a row's data. */
export function describeShape(row: RowSpec): string {
  const s = row.shape;
  if (row.classes !== null) return `${s.batch} ids, K=${row.classes}`;
  if (s.layout === 'rows') return `${s.batch}x${s.features}`;
  return `${s.batch}x${s.channels}x${s.height}x${s.width}`;
}

/**
 * The method menu: planner options for each method, and the two masks of the user's own that the
 * page builds on the public mask API (SmoothMix's Gaussian, GridMix's grid). One function makes a
 * plan for the page and for the λ histogram, so both show the same draws.
 */
import { KIND_MASK, createPlanner, packBits, withMasks } from '../src/index';
import type { MixMode, MixOptions, MixPlan, Planner, UserMasks } from '../src/index';
import { TILE } from './samples';

export type Method = 'mixup' | 'cutmix' | 'both' | 'resizemix' | 'fmix' | 'smoothmix' | 'gridmix' | 'all';
export type PairingName = 'flip' | 'roll' | 'shuffle';

export interface MethodSettings {
  method: Method;
  alpha: number;
  switchProb: number;
  mode: MixMode;
  pairing: PairingName;
  seed: number;
}

/** What kind 4 (a mask paste) is under each method, for the tile captions. */
export function maskName(method: Method): string {
  return method === 'smoothmix' ? 'SmoothMix' : method === 'gridmix' ? 'GridMix' : 'FMix';
}

const isUserMask = (method: Method) => method === 'smoothmix' || method === 'gridmix';

/**
 * The planner's options. The user masks start from a CutMix plan: its partners, and its boxes as
 * the places and sizes of the masks (so α and the seed steer them as they steer CutMix).
 */
export function plannerOptions(s: MethodSettings, numClasses: number, labelSmoothing: number): MixOptions {
  const a = s.alpha;
  const on = (...methods: Method[]) => (methods.includes(s.method) || s.method === 'all' ? a : 0);
  const options: MixOptions = {
    mixupAlpha: on('mixup', 'both'),
    cutmixAlpha: isUserMask(s.method) ? a : on('cutmix', 'both'),
    resizemixAlpha: on('resizemix'),
    fmixAlpha: on('fmix'),
    mode: s.mode,
    pairing: s.pairing,
    seed: s.seed,
    numClasses,
    labelSmoothing,
  };
  // switchProb chooses between mixup and CutMix only: the planner rejects it beside ResizeMix, FMix or
  // methodWeights. "all" weighs the four planner methods equally.
  if (s.method === 'all') options.methodWeights = { mixup: 1, cutmix: 1, resizemix: 1, fmix: 1 };
  else if (s.method !== 'resizemix' && s.method !== 'fmix') options.switchProb = s.switchProb;
  return options;
}

/** The next plan of `planner` for `batch` tiles; for a user mask, its CutMix boxes become masks. */
export function nextPlan(planner: Planner, s: MethodSettings, batch: number, draw: number): MixPlan {
  const size = { height: TILE, width: TILE };
  const plan = planner.plan(batch, size);
  if (!isUserMask(s.method)) return plan;
  // Batch mode draws one box for the batch: one mask for the batch (as the planner's FMix does), made
  // from a sample that mixes (a sample paired with itself has λ 1 and an empty box).
  const mixing = Math.max(
    0,
    plan.partner.findIndex((p, i) => p !== i),
  );
  const from = s.mode === 'batch' ? [mixing] : Array.from(plan.kind.keys());
  const masks = s.method === 'smoothmix' ? smoothMixMasks(plan, from) : gridMixMasks(plan, from, s.seed, draw);
  withMasks(plan, masks, size);
  // The boxes were only the masks' placement: a mask sample has none.
  for (let i = 0; i < batch; i++) if (plan.kind[i] === KIND_MASK) plan.box.fill(0, 4 * i, 4 * i + 4);
  return plan;
}

/**
 * SmoothMix (Lee et al. 2020): the partner under a Gaussian, the sample's own weight 1 − G; mask m
 * from the box of sample `from[m]`. Here G is centred on the CutMix box with σ = side / √(2π) along
 * each axis, so that the volume under G equals the box's area: λ (the mask's exact mean) is near CutMix's.
 */
function smoothMixMasks(plan: MixPlan, from: readonly number[]): UserMasks {
  const data = new Float32Array(from.length * TILE * TILE);
  for (const [m, i] of from.entries()) {
    const [y0, y1, x0, x1] = plan.box.subarray(4 * i, 4 * i + 4);
    const sy = (y1 - y0) / Math.sqrt(2 * Math.PI);
    const sx = (x1 - x0) / Math.sqrt(2 * Math.PI);
    const cy = (y0 + y1) / 2;
    const cx = (x0 + x1) / 2;
    for (let y = 0; y < TILE; y++) {
      for (let x = 0; x < TILE; x++) {
        // Pixel centres; an empty box is no Gaussian at all (every pixel the sample's own).
        const dy = y + 0.5 - cy;
        const dx = x + 0.5 - cx;
        const g = sy > 0 && sx > 0 ? Math.exp(-(dy * dy) / (2 * sy * sy) - (dx * dx) / (2 * sx * sx)) : 0;
        data[m * TILE * TILE + y * TILE + x] = 1 - g;
      }
    }
  }
  return { format: 'soft', height: TILE, width: TILE, data };
}

/** GridMix's cells: an 8 x 8 grid, one mask pixel a cell of 8 x 8 image pixels. */
const GRID = 8;

/**
 * GridMix (Baek et al. 2020): each cell of the grid comes from the partner with probability
 * p = 1 − (sample `from[m]`'s CutMix λ) in mask m, so α steers the mix; the cells are chosen by a hash of the seed,
 * the draw, the mask and the cell (deterministic, and independent of the planner's stream).
 */
function gridMixMasks(plan: MixPlan, from: readonly number[], seed: number, draw: number): UserMasks {
  const cells = new Uint8Array(from.length * GRID * GRID);
  for (const [m, i] of from.entries()) {
    const p = 1 - plan.lam[i];
    for (let c = 0; c < GRID * GRID; c++) cells[m * GRID * GRID + c] = unit(seed, draw, i, c) < p ? 0 : 1;
  }
  return { format: 'bits', height: GRID, width: GRID, data: packBits(cells, GRID, GRID) };
}

/** A uniform number in [0, 1) from four integers (a murmur3-style finaliser over their mix). */
function unit(a: number, b: number, c: number, d: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 15) ^ Math.imul(c + 1, 0x27d4eb2f), 0x85ebca6b) ^ Math.imul(d + 0x165667b1, 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 2 ** 32;
}

/** `count` per-sample λ as the page's method plans them (elem mode, flip pairing), for the histogram. */
export function plannedLambdas(s: MethodSettings, count: number): Float32Array {
  // An even batch under flip pairing has no fixed points, so every sample gets a draw.
  const n = count + (count % 2);
  const settings: MethodSettings = { ...s, mode: 'elem', pairing: 'flip' };
  return nextPlan(createPlanner(plannerOptions(settings, 2, 0)), settings, n, 1).lam;
}

/**
 * The Beta(α, α) density for the λ panel, and the histogram of λ drawn by the planner. The density
 * is evaluated in log space with a Lanczos log-gamma, so small α (steep edges) stays finite inside (0, 1).
 */
import { createPlanner } from '../src/index';
import { plannedLambdas } from './methods';
import type { Method, MethodSettings } from './methods';

/** Lanczos coefficients for g = 7, n = 9 (about 15 significant digits for real x > 0). */
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0; below 1/2 through the reflection formula, where the series is less accurate. */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0];
  for (let k = 1; k < LANCZOS.length; k++) sum += LANCZOS[k] / (z + k);
  const t = z + LANCZOS_G + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Density of Beta(a, b) at x in the open interval (0, 1) (it may be infinite at the ends). */
export function betaPdf(x: number, a: number, b: number): number {
  return Math.exp((a - 1) * Math.log(x) + (b - 1) * Math.log1p(-x) - lnBeta(a, b));
}

function lnBeta(a: number, b: number): number {
  return lnGamma(a) + lnGamma(b) - lnGamma(a + b);
}

/** Normalised histogram on [0, 1]: bin heights are densities, so they compare with the pdf directly. */
export function histogram(values: ArrayLike<number>, bins: number): Float64Array {
  const density = new Float64Array(bins);
  for (let i = 0; i < values.length; i++) density[Math.min(bins - 1, Math.floor(values[i] * bins))]++;
  for (let k = 0; k < bins; k++) density[k] *= bins / values.length;
  return density;
}

export interface LambdaDraws {
  /** λ of mixup in elem mode: Beta(α, α) draws exactly as the planner makes them. */
  beta: Float32Array;
  /**
   * λ as the page's method plans it (CutMix after the box correction, ResizeMix mapped and corrected,
   * a mask's exact mean), with what it is; null for mixup alone, where it is `beta`.
   */
  planned: { label: string; lam: Float32Array } | null;
}

const PLANNED: Record<Exclude<Method, 'mixup'>, string> = {
  cutmix: 'CutMix λ after clipping the box (correctLam)',
  both: 'λ as planned: mixup or CutMix (switchProb)',
  resizemix: 'ResizeMix λ: mapped to [0.1, 0.8], box-corrected',
  fmix: "FMix λ: the mask's exact own fraction",
  smoothmix: "SmoothMix λ: the soft mask's exact mean",
  gridmix: "GridMix λ: the grid's exact own fraction",
  all: 'λ as planned: the four methods, equal weights',
};

/** `count` per-sample λ draws (elem mode) from the planner, for the histogram. */
export function drawLambdas(s: MethodSettings, count: number): LambdaDraws {
  // An even batch under flip pairing has no fixed points, so every sample gets a draw.
  const n = count + (count % 2);
  const beta = createPlanner({ mixupAlpha: s.alpha, cutmixAlpha: 0, mode: 'elem', seed: s.seed }).plan(n).lam;
  const planned = s.method === 'mixup' ? null : { label: PLANNED[s.method], lam: plannedLambdas(s, n) };
  return { beta, planned };
}

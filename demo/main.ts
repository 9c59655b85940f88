/**
 * The demo page: controls → a seeded planner → a plan executed on the GPU (or the CPU reference) →
 * the grid, the λ panel, and on request the benchmark. Renders are serialised and coalesced, so
 * dragging a slider never queues more than one pending mix.
 *
 * The page state is exposed as `window.mixupDemo.snapshot()` and `body[data-renders|data-state]`
 * for the end-to-end test (test/e2e/demo.test.ts).
 */
import './style.css';
import { MixupError, createPlanner } from '../src/index';
import type { MixMode, MixPlan, Planner } from '../src/index';
import type { BenchResult } from '../bench/core';
import { drawLambdas } from './density';
import type { LambdaDraws } from './density';
import { drawBench, drawGrid, drawLambda } from './draw';
import type { TileRect } from './draw';
import { LABEL_SMOOTHING, NUM_CLASSES, createCpuEngine, createGpuEngine } from './engine';
import type { Engine, ImageLayout, MixedBatch } from './engine';
import { maskName, nextPlan, plannerOptions } from './methods';
import type { Method, MethodSettings, PairingName } from './methods';
import { USER_CLASS, generateSamples, sampleFromFile } from './samples';
import type { Sample } from './samples';

interface Settings extends MethodSettings {
  layout: ImageLayout;
}

export interface DemoSnapshot {
  renders: number;
  backend: 'webgpu' | 'cpu';
  description: string;
  batch: number;
  /** Which draw of the seeded stream is shown (1 after a settings change, +1 per re-roll). */
  draw: number;
  settings: Settings;
  plan: {
    kind: number[];
    lam: number[];
    partner: number[];
    box: number[];
    /** The plan's masks (kind 4), data as plain numbers. */
    masks: { format: 'bits' | 'soft'; height: number; width: number; data: number[]; index: number[] } | null;
  } | null;
  check: MixedBatch['check'];
  /** Where each tile is on the grid canvas (CSS pixels), and the canvas's pixel ratio. */
  tiles: TileRect[];
  pixelRatio: number;
}

declare global {
  interface Window {
    mixupDemo?: { snapshot(): DemoSnapshot };
  }
}

/** More user images than this push out the oldest ones. */
const MAX_BATCH = 32;
const HISTOGRAM_DRAWS = 2000;
const SIDE_WIDTH = 354;

const $ = <T extends HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from index.html`);
  return element as T;
};

const ui = {
  status: $<HTMLParagraphElement>('status'),
  banner: $<HTMLParagraphElement>('banner'),
  error: $<HTMLParagraphElement>('error'),
  method: $<HTMLSelectElement>('method'),
  alphaRange: $<HTMLInputElement>('alpha-range'),
  alpha: $<HTMLInputElement>('alpha'),
  switchField: $<HTMLLabelElement>('switch-field'),
  switchProb: $<HTMLInputElement>('switch'),
  switchValue: $<HTMLOutputElement>('switch-value'),
  mode: $<HTMLSelectElement>('mode'),
  pairing: $<HTMLSelectElement>('pairing'),
  layout: $<HTMLSelectElement>('layout'),
  seed: $<HTMLInputElement>('seed'),
  reroll: $<HTMLButtonElement>('reroll'),
  files: $<HTMLInputElement>('files'),
  clearImages: $<HTMLButtonElement>('clear-images'),
  grid: $<HTMLCanvasElement>('grid'),
  batchInfo: $<HTMLSpanElement>('batch-info'),
  lambda: $<HTMLCanvasElement>('lambda'),
  lambdaInfo: $<HTMLSpanElement>('lambda-info'),
  benchPreset: $<HTMLSelectElement>('bench-preset'),
  benchRun: $<HTMLButtonElement>('bench-run'),
  benchInfo: $<HTMLSpanElement>('bench-info'),
  bench: $<HTMLCanvasElement>('bench'),
  benchLog: $<HTMLPreElement>('bench-log'),
  benchNote: $<HTMLParagraphElement>('bench-note'),
  dropOverlay: $<HTMLDivElement>('drop-overlay'),
};

// ---- settings: the form, optionally preset from the URL (?method=cutmix&alpha=0.4&seed=3&gpu=0) ----

const query = new URLSearchParams(location.search);

function applyQuery(): void {
  const set = (select: HTMLSelectElement, key: string) => {
    const value = query.get(key);
    if (value && Array.from(select.options).some((o) => o.value === value)) select.value = value;
  };
  set(ui.method, 'method');
  set(ui.mode, 'mode');
  set(ui.pairing, 'pairing');
  set(ui.layout, 'layout');
  if (query.has('alpha')) ui.alpha.value = query.get('alpha') as string;
  if (query.has('seed')) ui.seed.value = query.get('seed') as string;
  if (query.has('switch')) ui.switchProb.value = query.get('switch') as string;
}

/** α from the number box, clamped to the slider's range (the planner rejects α <= 0 when it is on). */
function readAlpha(): number {
  const a = Number(ui.alpha.value);
  return Number.isFinite(a) && a > 0 ? Math.min(5, Math.max(0.05, a)) : 1;
}

function readSettings(): Settings {
  const seed = Number(ui.seed.value);
  return {
    method: ui.method.value as Method,
    alpha: readAlpha(),
    switchProb: Number(ui.switchProb.value),
    mode: ui.mode.value as MixMode,
    pairing: ui.pairing.value as PairingName,
    layout: ui.layout.value as ImageLayout,
    seed: Number.isSafeInteger(seed) && seed >= 0 ? seed : 0,
  };
}

// ---- state ----

let engine: Engine = createCpuEngine();
let samples: Sample[] = generateSamples();
let planner: Planner | null = null;
let plan: MixPlan | null = null;
let draw = 0;
let renders = 0;
let lastCheck: MixedBatch['check'] = null;
let lastTiles: TileRect[] = [];
let lambdaKey = '';
let lambdaDraws: LambdaDraws | null = null;

let dirty = false;
let running = false;

/** What a change invalidates: the planner (new stream), the plan (next draw), or only the view. */
function invalidate(what: 'planner' | 'plan' | 'view'): void {
  if (what === 'planner') planner = null;
  if (what !== 'view') plan = null;
  dirty = true;
  if (!running) void renderLoop();
}

async function renderLoop(): Promise<void> {
  running = true;
  document.body.dataset.state = 'rendering';
  try {
    while (dirty) {
      dirty = false;
      try {
        await render();
        ui.error.hidden = true;
      } catch (error) {
        showError(error);
      }
    }
  } finally {
    running = false;
    document.body.dataset.state = 'idle';
  }
}

function showError(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  ui.error.hidden = false;
  if (error instanceof MixupError) {
    // A combination the library rejects (e.g. roll pairing in pair mode): its message says why.
    ui.error.textContent = `Rejected by the planner: ${message}`;
    console.warn(message);
    return;
  }
  ui.error.textContent = message;
  console.error(error);
}

async function render(): Promise<void> {
  const s = readSettings();
  // switchProb is the choice of "both" only ("all" weighs its methods equally).
  ui.switchField.hidden = s.method !== 'both';
  ui.switchValue.textContent = s.switchProb.toFixed(2);
  if (!planner) {
    planner = createPlanner(plannerOptions(s, NUM_CLASSES, LABEL_SMOOTHING));
    draw = 0;
  }
  if (!plan) {
    draw++;
    plan = nextPlan(planner, s, samples.length, draw);
  }
  const current = plan;
  const batch = samples.slice();
  const mixed = await engine.run(batch, current, s.layout);
  lastCheck = mixed.check;
  lastTiles = drawGrid(ui.grid, {
    tiles: mixed.tiles,
    plan: current,
    targets: mixed.targets,
    numClasses: NUM_CLASSES,
    maskName: maskName(s.method),
  });

  // The histogram depends on α, the method, switchProb and the seed only: redrawn from cache on a re-roll.
  const key = `${s.alpha}|${s.method}|${s.switchProb}|${s.seed}`;
  if (key !== lambdaKey || !lambdaDraws) {
    lambdaDraws = drawLambdas(s, HISTOGRAM_DRAWS);
    lambdaKey = key;
  }
  drawLambda(ui.lambda, { alpha: s.alpha, draws: lambdaDraws, plan: current }, SIDE_WIDTH, 250);
  const mean = current.lam.reduce((a, b) => a + b, 0) / current.lam.length;
  ui.lambdaInfo.textContent = `batch mean λ ${mean.toFixed(3)} · ticks: this batch`;

  const where = engine.backend === 'webgpu' ? 'GPU' : 'CPU';
  let check = '';
  if (mixed.check) {
    // uint8 output is bit-exact; targets are float32 blends of the same values.
    const equal = mixed.check.pixels === 0 && mixed.check.targets <= 1e-6;
    check = equal
      ? ' · equals the CPU reference'
      : ` · DIFFERS from the CPU reference (pixels ${mixed.check.pixels}, targets ${mixed.check.targets})`;
    if (!equal) console.error(`GPU result differs from the CPU reference: ${JSON.stringify(mixed.check)}`);
  }
  ui.batchInfo.textContent = `${batch.length} images · seed ${s.seed}, draw ${draw} · ${s.layout} uint8 · mixed on the ${where} in ${mixed.ms.toFixed(1)} ms${check}`;

  renders++;
  document.body.dataset.renders = String(renders);
  syncUrl(s);
}

function syncUrl(s: Settings): void {
  const q = new URLSearchParams(location.search);
  q.set('method', s.method);
  q.set('alpha', String(s.alpha));
  q.set('mode', s.mode);
  q.set('pairing', s.pairing);
  q.set('layout', s.layout);
  q.set('seed', String(s.seed));
  if (s.method === 'both') q.set('switch', String(s.switchProb));
  else q.delete('switch');
  history.replaceState(null, '', `${location.pathname}?${q}`);
}

// ---- controls ----

function syncAlphaRange(): void {
  ui.alphaRange.value = String(Math.log10(readAlpha()));
}

ui.alphaRange.addEventListener('input', () => {
  // Log scale: fine steps where small α (0.1–0.4, common for mixup) lives.
  const a = 10 ** Number(ui.alphaRange.value);
  ui.alpha.value = String(a < 1 ? Number(a.toFixed(2)) : Number(a.toFixed(1)));
  invalidate('planner');
});
ui.alpha.addEventListener('input', () => {
  syncAlphaRange();
  invalidate('planner');
});
for (const control of [ui.method, ui.switchProb, ui.mode, ui.pairing, ui.seed])
  control.addEventListener('input', () => invalidate('planner'));
// The same plan in the other layout: the tiles must not change.
ui.layout.addEventListener('input', () => invalidate('view'));
ui.reroll.addEventListener('click', () => invalidate('plan'));
// The controls act on input; Enter must not reload the page.
$<HTMLFormElement>('controls').addEventListener('submit', (event) => event.preventDefault());

// ---- user images: file input and drag-and-drop ----

async function addFiles(files: File[]): Promise<void> {
  const images = files.filter((f) => f.type.startsWith('image/'));
  const added: Sample[] = [];
  const failed: string[] = [];
  for (const file of images) {
    try {
      added.push(await sampleFromFile(file, file.name));
    } catch {
      failed.push(file.name);
    }
  }
  if (failed.length) {
    // A file the browser cannot decode is the user's input, not a page error.
    ui.banner.textContent = `Could not decode ${failed.join(', ')}.`;
    ui.banner.hidden = false;
  }
  if (!added.length) return;
  samples = [...samples, ...added];
  // Keep the generated samples; drop the oldest user images past the cap.
  while (samples.length > MAX_BATCH)
    samples.splice(
      samples.findIndex((s) => s.label === USER_CLASS),
      1,
    );
  ui.clearImages.disabled = false;
  invalidate('planner');
}

ui.files.addEventListener('change', () => {
  const files = Array.from(ui.files.files ?? []);
  ui.files.value = '';
  void addFiles(files);
});
ui.clearImages.addEventListener('click', () => {
  samples = samples.filter((s) => s.label !== USER_CLASS);
  ui.clearImages.disabled = true;
  invalidate('planner');
});

let dragDepth = 0;
const hasFiles = (event: DragEvent) => event.dataTransfer?.types.includes('Files') ?? false;
document.addEventListener('dragenter', (event) => {
  if (!hasFiles(event)) return;
  dragDepth++;
  ui.dropOverlay.hidden = false;
});
document.addEventListener('dragleave', () => {
  dragDepth = Math.max(0, dragDepth - 1);
  if (!dragDepth) ui.dropOverlay.hidden = true;
});
document.addEventListener('dragover', (event) => {
  if (hasFiles(event)) event.preventDefault();
});
document.addEventListener('drop', (event) => {
  event.preventDefault();
  dragDepth = 0;
  ui.dropOverlay.hidden = true;
  void addFiles(Array.from(event.dataTransfer?.files ?? []));
});

// ---- benchmark: bench/core.ts's runner, loaded on demand ----

async function runBenchmark(): Promise<void> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) return;
  ui.benchRun.disabled = true;
  ui.benchLog.hidden = false;
  ui.benchLog.textContent = '';
  ui.benchInfo.textContent = 'running…';
  document.body.dataset.bench = 'running';
  const t0 = performance.now();
  try {
    const { runBench } = await import('../bench/core');
    const runs = Number(query.get('benchRuns'));
    const result: BenchResult = await runBench({
      // The in-page runner: the label only names where it ran.
      env: 'chromium',
      gpu,
      preset: ui.benchPreset.value as 'swiftshader' | 'full',
      // One workload in batch mode: mixup and CutMix, flip and shuffle pairing.
      only: 'images u8>f32 norm | batch',
      runs: Number.isInteger(runs) && runs > 0 ? runs : undefined,
      warmup: Number.isInteger(runs) && runs > 0 ? 1 : undefined,
      tfjs: null,
      tfjsSkip: 'TF.js is not loaded by the demo (npm run bench has it)',
      runtime: navigator.userAgent,
      log: (line) => {
        ui.benchLog.textContent += `${line}\n`;
        ui.benchLog.scrollTop = ui.benchLog.scrollHeight;
      },
    });
    ui.bench.hidden = false;
    drawBench(ui.bench, result, SIDE_WIDTH);
    const timer = result.features.timestampQuery ? 'GPU timer' : 'wall clock';
    ui.benchInfo.textContent = `medians of ${result.runs} runs · ${timer} · ${((performance.now() - t0) / 1000).toFixed(0)} s`;
    // SwiftShader's compute runs far below its copy speed and a JS loop beats it: say so next to the bars.
    ui.benchNote.hidden = !result.adapter.isFallbackAdapter;
    const errors = result.rows.flatMap((r) => r.errors);
    if (errors.length) throw new Error(`benchmark errors: ${errors.join('; ')}`);
    ui.benchLog.hidden = true;
    document.body.dataset.bench = 'done';
  } catch (error) {
    ui.benchInfo.textContent = 'failed';
    document.body.dataset.bench = 'failed';
    showError(error);
  } finally {
    ui.benchRun.disabled = false;
  }
}
ui.benchRun.addEventListener('click', () => void runBenchmark());

// ---- start ----

function useCpu(reason: string): void {
  engine = createCpuEngine();
  ui.status.textContent = `Mixing with the ${engine.description}`;
  ui.banner.textContent = `WebGPU is unavailable: ${reason}. The grid is mixed by the CPU reference (mixBatchCpu) instead, with the same plan and the same results; the benchmark needs WebGPU.`;
  ui.banner.hidden = false;
  ui.benchRun.disabled = true;
  document.body.dataset.backend = 'cpu';
}

async function start(): Promise<void> {
  applyQuery();
  syncAlphaRange();
  const gpu = query.get('gpu') === '0' ? 'disabled with ?gpu=0' : await createGpuEngine();
  if (typeof gpu === 'string') {
    useCpu(gpu);
  } else {
    engine = gpu;
    ui.status.innerHTML = '';
    ui.status.append('Mixing with ');
    const b = document.createElement('b');
    b.textContent = engine.description;
    ui.status.append(b);
    document.body.dataset.backend = 'webgpu';
    void gpu.lost.then((reason) => {
      useCpu(reason);
      invalidate('view');
    });
  }
  window.mixupDemo = {
    snapshot: () => ({
      renders,
      backend: engine.backend,
      description: engine.description,
      batch: samples.length,
      draw,
      settings: readSettings(),
      plan: plan && {
        kind: [...plan.kind],
        lam: [...plan.lam],
        partner: [...plan.partner],
        box: [...plan.box],
        masks: plan.masks
          ? {
              format: plan.masks.format,
              height: plan.masks.height,
              width: plan.masks.width,
              data: [...plan.masks.data],
              index: [...plan.masks.index],
            }
          : null,
      },
      check: lastCheck,
      tiles: lastTiles,
      pixelRatio: ui.grid.width / ui.grid.clientWidth,
    }),
  };
  invalidate('planner');
}

start().catch(showError);

/**
 * Canvas drawing: the mixed batch as a grid of captioned tiles, the λ panel (Beta density and
 * sampled histogram), and the benchmark bars. Pure functions of their inputs, so a redraw is cheap.
 */
import { KIND_CUTMIX, KIND_MIXUP } from '../src/index';
import type { MixPlan } from '../src/index';
import type { BenchResult, ColumnName } from '../bench/core';
import { betaPdf, histogram } from './density';
import type { LambdaDraws } from './density';
import { CLASS_NAMES, TILE } from './samples';

export const COLOURS = {
  background: '#171b24',
  text: '#e8eaf0',
  muted: '#9aa3b5',
  grid: '#2a3140',
  mixup: '#4fc3f7',
  cutmix: '#ffb74d',
  none: '#9e9e9e',
  box: '#ffeb3b',
  curve: '#ffffff',
};

const KIND_NAMES = ['unchanged', 'mixup', 'CutMix'];
const kindColour = (kind: number) =>
  kind === KIND_MIXUP ? COLOURS.mixup : kind === KIND_CUTMIX ? COLOURS.cutmix : COLOURS.none;
const FONT = '12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace';
const SANS = '12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

/** Sizes the canvas for its CSS size at the device pixel ratio and returns a context in CSS pixels. */
function prepare(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D {
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const g = canvas.getContext('2d');
  if (!g) throw new Error('2D canvas is unavailable');
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.fillStyle = COLOURS.background;
  g.fillRect(0, 0, width, height);
  return g;
}

/** Draws `text`, cut with an ellipsis to fit `maxWidth`. */
function fitText(g: CanvasRenderingContext2D, text: string, x: number, y: number, maxWidth: number): void {
  let t = text;
  while (t.length > 1 && g.measureText(t).width > maxWidth) t = t.slice(0, -1);
  g.fillText(t === text ? t : `${t.slice(0, -1)}…`, x, y);
}

export interface GridInput {
  /** Mixed HWC RGB tiles. */
  tiles: Uint8Array[];
  plan: MixPlan;
  /** Mixed targets [B, K]. */
  targets: Float32Array;
  numClasses: number;
}

/** Tile scale and columns for a batch size: 16 tiles large, a bigger batch smaller. */
export function gridLayout(batch: number): { scale: number; columns: number } {
  return batch <= 16 ? { scale: 3, columns: 4 } : { scale: 2, columns: 6 };
}

/** Where a tile was drawn, in CSS pixels of the canvas (tests sample box outlines with it). */
export interface TileRect {
  x: number;
  y: number;
  scale: number;
}

export function drawGrid(canvas: HTMLCanvasElement, input: GridInput): TileRect[] {
  const { tiles, plan, targets, numClasses } = input;
  const batch = tiles.length;
  const { scale, columns } = gridLayout(batch);
  const size = TILE * scale;
  // Both layouts come out about 840 px wide.
  const gap = scale === 3 ? 14 : 10;
  const caption = 52;
  const rows = Math.ceil(batch / columns);
  const g = prepare(canvas, columns * (size + gap) + gap, rows * (size + caption + gap) + gap);

  // Tiles are blitted at 1:1 through a scratch canvas, then scaled up with crisp pixels.
  const scratch = document.createElement('canvas');
  scratch.width = TILE;
  scratch.height = TILE;
  const sg = scratch.getContext('2d') as CanvasRenderingContext2D;
  const image = sg.createImageData(TILE, TILE);
  g.imageSmoothingEnabled = false;
  g.font = FONT;
  g.textBaseline = 'top';
  const rects: TileRect[] = [];

  for (let i = 0; i < batch; i++) {
    const x = gap + (i % columns) * (size + gap);
    const y = gap + Math.floor(i / columns) * (size + caption + gap);
    rects.push({ x, y, scale });
    const rgb = tiles[i];
    for (let p = 0; p < TILE * TILE; p++) {
      image.data[4 * p] = rgb[3 * p];
      image.data[4 * p + 1] = rgb[3 * p + 1];
      image.data[4 * p + 2] = rgb[3 * p + 2];
      image.data[4 * p + 3] = 255;
    }
    sg.putImageData(image, 0, 0);
    g.drawImage(scratch, x, y, size, size);

    const kind = plan.kind[i];
    const lam = plan.lam[i];
    const partner = plan.partner[i];
    if (kind === KIND_CUTMIX) {
      // The pasted region of the partner, [y0, y1) x [x0, x1) in tile pixels.
      const [y0, y1, x0, x1] = plan.box.subarray(4 * i, 4 * i + 4);
      const rect = [x + x0 * scale, y + y0 * scale, (x1 - x0) * scale, (y1 - y0) * scale] as const;
      g.lineWidth = 4;
      g.strokeStyle = 'rgba(0, 0, 0, 0.7)';
      g.strokeRect(...rect);
      g.lineWidth = 2;
      g.strokeStyle = COLOURS.box;
      g.strokeRect(...rect);
    }
    // Kind stripe along the tile's bottom edge.
    g.fillStyle = kindColour(kind);
    g.fillRect(x, y + size - 4, size, 4);

    const ty = y + size + 6;
    g.fillStyle = COLOURS.text;
    fitText(g, kind === 0 ? `#${i} unchanged` : `#${i} ← #${partner}  ${KIND_NAMES[kind]}`, x, ty, size);
    g.fillStyle = kindColour(kind);
    let detail = `λ ${lam.toFixed(3)}`;
    if (kind === KIND_CUTMIX) {
      const [y0, y1, x0, x1] = plan.box.subarray(4 * i, 4 * i + 4);
      detail += `  box ${x1 - x0}×${y1 - y0} @${x0},${y0}`;
    }
    fitText(g, detail, x, ty + 15, size);
    // The two largest target weights (what the loss sees), from the mixed, smoothed targets.
    const row = targets.subarray(i * numClasses, (i + 1) * numClasses);
    const order = Array.from(row.keys()).sort((a, b) => row[b] - row[a]);
    const top = order.slice(0, row[order[1]] > row[order[numClasses - 1]] + 1e-6 ? 2 : 1);
    g.fillStyle = COLOURS.muted;
    g.font = SANS;
    fitText(g, top.map((k) => `${CLASS_NAMES[k]} ${row[k].toFixed(2)}`).join(' · '), x, ty + 30, size);
    g.font = FONT;
  }
  return rects;
}

export interface LambdaInput {
  alpha: number;
  draws: LambdaDraws;
  /** λ and kind of the batch on screen, shown as a rug under the axis. */
  plan: MixPlan;
}

const BINS = 40;

export function drawLambda(canvas: HTMLCanvasElement, input: LambdaInput, width: number, height: number): void {
  const g = prepare(canvas, width, height);
  const legend: Array<[string, string]> = [
    [COLOURS.curve, `Beta(${input.alpha}, ${input.alpha}) density`],
    ['rgba(79, 195, 247, 0.8)', `λ of ${input.draws.beta.length} planner draws (elem mode)`],
  ];
  if (input.draws.cutmix) legend.push([COLOURS.cutmix, 'CutMix λ after clipping the box (correctLam)']);
  const left = 36;
  const right = 10;
  const top = 14 + 15 * legend.length;
  const bottom = 44;
  const w = width - left - right;
  const h = height - top - bottom;
  const beta = histogram(input.draws.beta, BINS);
  const cut = input.draws.cutmix ? histogram(input.draws.cutmix, BINS) : null;
  const a = input.alpha;
  const curve: Array<[number, number]> = [];
  for (let k = 1; k < 400; k++) curve.push([k / 400, betaPdf(k / 400, a, a)]);
  // The axis follows the histograms and the density's middle; for α < 1 the curve runs off the top at the ends.
  const yMax = 1.15 * Math.max(1.2, ...beta, ...(cut ?? []), betaPdf(0.5, a, a));
  const px = (x: number) => left + x * w;
  const py = (v: number) => top + h - (Math.min(v, yMax) / yMax) * h;

  g.font = FONT;
  g.strokeStyle = COLOURS.grid;
  g.lineWidth = 1;
  g.fillStyle = COLOURS.muted;
  g.textBaseline = 'middle';
  g.textAlign = 'right';
  const step = yMax > 8 ? 2 : yMax > 4 ? 1 : 0.5;
  for (let v = 0; v <= yMax; v += step) {
    g.beginPath();
    g.moveTo(left, py(v));
    g.lineTo(left + w, py(v));
    g.stroke();
    g.fillText(String(v), left - 6, py(v));
  }
  g.textAlign = 'center';
  g.textBaseline = 'top';
  for (const x of [0, 0.25, 0.5, 0.75, 1]) g.fillText(String(x), px(x), top + h + 16);

  // Sampled λ: filled bars; CutMix's area-corrected λ: a step outline.
  g.fillStyle = 'rgba(79, 195, 247, 0.45)';
  beta.forEach((v, k) => {
    g.fillRect(px(k / BINS) + 0.5, py(v), w / BINS - 1, top + h - py(v));
  });
  if (cut) {
    g.strokeStyle = COLOURS.cutmix;
    g.lineWidth = 1.5;
    g.beginPath();
    g.moveTo(px(0), py(0));
    cut.forEach((v, k) => {
      g.lineTo(px(k / BINS), py(v));
      g.lineTo(px((k + 1) / BINS), py(v));
    });
    g.lineTo(px(1), py(0));
    g.stroke();
  }
  g.save();
  g.beginPath();
  g.rect(left, top, w, h);
  g.clip();
  g.strokeStyle = COLOURS.curve;
  g.lineWidth = 2;
  g.beginPath();
  curve.forEach(([x, v], k) => {
    if (k) g.lineTo(px(x), py(v));
    else g.moveTo(px(x), py(v));
  });
  g.stroke();
  g.restore();

  // Rug: this batch's λ, coloured by kind.
  const { kind, lam } = input.plan;
  for (let i = 0; i < lam.length; i++) {
    g.fillStyle = kindColour(kind[i]);
    g.fillRect(px(lam[i]) - 1, top + h + 3, 2, 9);
  }

  g.textAlign = 'left';
  g.textBaseline = 'middle';
  g.font = SANS;
  legend.forEach(([colour, text], k) => {
    const ly = 8 + k * 15;
    g.fillStyle = colour;
    g.fillRect(left, ly - 1, 14, 3);
    g.fillStyle = COLOURS.text;
    fitText(g, text, left + 20, ly, w - 20);
  });
}

const BENCH_COLUMNS: Array<[ColumnName, string, string]> = [
  ['ours', 'ours (mixer)', '#66bb6a'],
  ['naive', 'naive kernel', '#ef5350'],
  ['copy', 'buffer copy', '#90a4ae'],
  ['js', 'JS loop (CPU)', '#ab47bc'],
];

/** Benchmark rows as grouped bars of median time per column (shorter is faster), with ratios to ours. */
export function drawBench(canvas: HTMLCanvasElement, result: BenchResult, width: number): void {
  const rows = result.rows.filter((r) => !r.skipped);
  const bar = 14;
  const group = 28 + BENCH_COLUMNS.length * (bar + 3);
  const height = 8 + Math.max(1, rows.length) * group;
  const g = prepare(canvas, width, height);
  g.font = FONT;
  g.textBaseline = 'middle';
  const labelWidth = 118;
  const valueWidth = 170;
  const span = width - labelWidth - valueWidth - 8;
  rows.forEach((row, r) => {
    const y0 = 8 + r * group;
    g.fillStyle = COLOURS.text;
    g.textAlign = 'left';
    fitText(g, `${row.mix} · ${row.pairing} · ${row.shape}`, 0, y0 + 9, width);
    const times = BENCH_COLUMNS.map(([name]) => row.columns[name]?.ms?.median ?? null);
    const max = Math.max(...times.map((t) => t ?? 0));
    const ours = times[0];
    BENCH_COLUMNS.forEach(([name, label, colour], k) => {
      const y = y0 + 24 + k * (bar + 3);
      const t = times[k];
      g.fillStyle = COLOURS.muted;
      g.textAlign = 'left';
      fitText(g, label, 0, y + bar / 2, labelWidth - 6);
      if (t === null) {
        fitText(g, row.columns[name]?.skipped ?? 'not measured', labelWidth, y + bar / 2, span + valueWidth);
        return;
      }
      g.fillStyle = colour;
      g.fillRect(labelWidth, y, Math.max(2, (t / max) * span), bar);
      g.fillStyle = COLOURS.text;
      const r = ours === null ? 0 : t / ours;
      const ratio = name === 'ours' || ours === null ? '' : `  ${r < 0.1 ? r.toPrecision(2) : r.toFixed(2)}× ours`;
      fitText(
        g,
        `${t < 1 ? t.toFixed(3) : t.toFixed(2)} ms${ratio}`,
        labelWidth + Math.max(2, (t / max) * span) + 6,
        y + bar / 2,
        valueWidth + span,
      );
    });
  });
}

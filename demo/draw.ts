/**
 * Canvas drawing: the mixed batch as a grid of captioned tiles, the λ panel (Beta density and
 * sampled histogram), and the benchmark bars. Pure functions of their inputs, so a redraw is cheap.
 */
import { KIND_CUTMIX, KIND_MASK, KIND_RESIZEMIX } from '../src/index';
import type { MixPlan, PlanMasks } from '../src/index';
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
  resizemix: '#81c784',
  mask: '#f06292',
  none: '#9e9e9e',
  box: '#ffeb3b',
  resizeBox: '#69f0ae',
  maskEdge: '#ff4081',
  curve: '#ffffff',
};

const KIND_COLOURS = [COLOURS.none, COLOURS.mixup, COLOURS.cutmix, COLOURS.resizemix, COLOURS.mask];
const kindColour = (kind: number) => KIND_COLOURS[kind] ?? COLOURS.none;
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
  /** What kind 4 is on this page (FMix, or a user mask's method), for the captions. */
  maskName: string;
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
  /** The caption's first two lines (kind, partner, λ, box), before they are cut to the tile's width. */
  caption: string;
}

export function drawGrid(canvas: HTMLCanvasElement, input: GridInput): TileRect[] {
  const { tiles, plan, targets, numClasses } = input;
  const kindNames = ['unchanged', 'mixup', 'CutMix', 'ResizeMix', input.maskName];
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
    if (kind === KIND_CUTMIX || kind === KIND_RESIZEMIX) {
      // The pasted region ([y0, y1) x [x0, x1) in tile pixels): the partner's box, or its whole image resized.
      const [y0, y1, x0, x1] = plan.box.subarray(4 * i, 4 * i + 4);
      const rect = [x + x0 * scale, y + y0 * scale, (x1 - x0) * scale, (y1 - y0) * scale] as const;
      g.beginPath();
      g.rect(...rect);
      outline(g, kind === KIND_CUTMIX ? COLOURS.box : COLOURS.resizeBox);
    }
    if (kind === KIND_MASK && plan.masks) {
      g.beginPath();
      traceMaskEdges(g, plan.masks, plan.masks.index[i], x, y, scale);
      outline(g, COLOURS.maskEdge);
    }
    // Kind stripe along the tile's bottom edge.
    g.fillStyle = kindColour(kind);
    g.fillRect(x, y + size - 4, size, 4);

    const ty = y + size + 6;
    g.fillStyle = COLOURS.text;
    const title = kind === 0 ? `#${i} unchanged` : `#${i} ← #${partner}  ${kindNames[kind]}`;
    fitText(g, title, x, ty, size);
    g.fillStyle = kindColour(kind);
    let detail = `λ ${lam.toFixed(3)}`;
    if (kind === KIND_CUTMIX || kind === KIND_RESIZEMIX) {
      const [y0, y1, x0, x1] = plan.box.subarray(4 * i, 4 * i + 4);
      detail += `  box ${x1 - x0}×${y1 - y0} @${x0},${y0}`;
    }
    fitText(g, detail, x, ty + 15, size);
    rects.push({ x, y, scale, caption: `${title} · ${detail}` });
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

/** Strokes the current path as a light line on a dark halo, so it reads on any tile. */
function outline(g: CanvasRenderingContext2D, colour: string): void {
  g.lineWidth = 4;
  g.strokeStyle = 'rgba(0, 0, 0, 0.7)';
  g.stroke();
  g.lineWidth = 2;
  g.strokeStyle = colour;
  g.stroke();
}

/**
 * Adds to the path the edges of mask `m`'s partner region on a TILE x TILE tile at (x, y): between
 * neighbouring image pixels of which one takes mostly its own pixel (weight >= 0.5) and the other
 * mostly its partner's. Image pixels read their mask pixel by PlanMasks's nearest rule, as the kernels do.
 */
function traceMaskEdges(
  g: CanvasRenderingContext2D,
  masks: PlanMasks,
  m: number,
  x: number,
  y: number,
  scale: number,
): void {
  const own = ownPixels(masks, m);
  for (let r = 0; r < TILE; r++) {
    for (let c = 0; c < TILE; c++) {
      const here = own[r * TILE + c];
      if (c + 1 < TILE && own[r * TILE + c + 1] !== here) {
        g.moveTo(x + (c + 1) * scale, y + r * scale);
        g.lineTo(x + (c + 1) * scale, y + (r + 1) * scale);
      }
      if (r + 1 < TILE && own[(r + 1) * TILE + c] !== here) {
        g.moveTo(x + c * scale, y + (r + 1) * scale);
        g.lineTo(x + (c + 1) * scale, y + (r + 1) * scale);
      }
    }
  }
}

/** Per image pixel of a tile: 1 where mask `m` gives the sample's own pixel a weight of at least 0.5. */
function ownPixels(masks: Pick<PlanMasks, 'format' | 'height' | 'width' | 'data'>, m: number): Uint8Array {
  const { height: mh, width: mw, data } = masks;
  const pixels = mh * mw;
  const own = new Uint8Array(TILE * TILE);
  for (let r = 0; r < TILE; r++) {
    for (let c = 0; c < TILE; c++) {
      const p = Math.floor((r * mh) / TILE) * mw + Math.floor((c * mw) / TILE);
      own[r * TILE + c] =
        masks.format === 'bits'
          ? (data[m * Math.ceil(pixels / 32) + (p >>> 5)] >>> (p & 31)) & 1
          : Number(data[m * pixels + p] >= 0.5);
    }
  }
  return own;
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
  const planned = input.draws.planned;
  if (planned) legend.push([COLOURS.cutmix, planned.label]);
  const left = 36;
  const right = 10;
  const top = 14 + 15 * legend.length;
  const bottom = 44;
  const w = width - left - right;
  const h = height - top - bottom;
  const beta = histogram(input.draws.beta, BINS);
  const cut = planned ? histogram(planned.lam, BINS) : null;
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

  // Sampled λ: filled bars; the method's planned λ (area-corrected, mapped, a mask's mean): a step outline.
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

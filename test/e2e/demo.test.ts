/**
 * The demo page end to end: Vite serves demo/, headless Chromium (with WebGPU) loads it, and the
 * test drives the controls like a user. It checks that the grid is drawn from the GPU and equals the
 * CPU reference, that controls redraw it, that CutMix boxes are outlined where the plan puts them,
 * that dropped images join the batch, that the in-page benchmark runs, and that without WebGPU the
 * page says so and falls back to the CPU with the very same pixels. Each entry of the method menu
 * (mixup to FMix, the user masks, "all") is loaded from its URL preset: GPU equal to the CPU
 * reference, captions naming the kind and λ, box outlines and mask edges where the plan puts them.
 *
 * Screenshots go to .vitest-results/demo/; with UPDATE_DEMO_SCREENSHOT=1 the full page is also
 * written to docs/demo.png (the README's picture), which is otherwise left alone.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright';
import type { Browser, BrowserContext, Page } from 'playwright';
import { createServer } from 'vite';
import type { ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoSnapshot } from '../../demo/main.js';
import { CHROMIUM_ARGS, ensureChromium } from '../../scripts/chromium.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const shots = join(root, '.vitest-results', 'demo');
/** The grid canvas's background (draw.ts COLOURS.background). */
const BACKGROUND = [0x17, 0x1b, 0x24];
const BOX = [0xff, 0xeb, 0x3b];
/** ResizeMix's box and a mask's edge (draw.ts COLOURS.resizeBox, COLOURS.maskEdge). */
const RESIZE_BOX = [0x69, 0xf0, 0xae];
const MASK_EDGE = [0xff, 0x40, 0x81];
const TILE = 64;

let server: ViteDevServer;
let browser: Browser;
let base: string;

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  server = await createServer({
    root: join(root, 'demo'),
    configFile: false,
    logLevel: 'warn',
    clearScreen: false,
    server: { host: '127.0.0.1', port: 0, strictPort: true, hmr: false, watch: null },
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address !== 'object') throw new Error('Vite did not report its port');
  base = `http://127.0.0.1:${address.port}/`;
  browser = await chromium.launch({ executablePath: ensureChromium(), args: CHROMIUM_ARGS, headless: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** A page with its console errors and uncaught exceptions collected. */
async function open(context: BrowserContext, query: string): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  await page.goto(`${base}${query}`);
  return { page, errors };
}

const snapshot = (page: Page) => page.evaluate(() => (window.mixupDemo as { snapshot(): DemoSnapshot }).snapshot());

/** Waits until at least `after + 1` renders have finished and none is pending. */
async function settled(page: Page, after: number): Promise<DemoSnapshot> {
  await page.waitForFunction(
    (n) => Number(document.body.dataset.renders) > n && document.body.dataset.state === 'idle',
    after,
    { timeout: 60_000 },
  );
  return snapshot(page);
}

interface GridPixels {
  width: number;
  height: number;
  /** Pixels that differ from the background. */
  drawn: number;
  /** Distinct colours (quantised to 5 bits per channel). */
  colours: number;
  digest: string;
}

async function gridPixels(page: Page): Promise<GridPixels> {
  return page.evaluate(async (bg) => {
    const canvas = document.getElementById('grid') as HTMLCanvasElement;
    const data = (canvas.getContext('2d') as CanvasRenderingContext2D).getImageData(
      0,
      0,
      canvas.width,
      canvas.height,
    ).data;
    let drawn = 0;
    const colours = new Set<number>();
    for (let p = 0; p < data.length; p += 4) {
      if (data[p] !== bg[0] || data[p + 1] !== bg[1] || data[p + 2] !== bg[2]) drawn++;
      colours.add(((data[p] >> 3) << 10) | ((data[p + 1] >> 3) << 5) | (data[p + 2] >> 3));
    }
    const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', data));
    return {
      width: canvas.width,
      height: canvas.height,
      drawn,
      colours: colours.size,
      digest: Array.from(hash, (b) => b.toString(16).padStart(2, '0')).join(''),
    };
  }, BACKGROUND);
}

/** The grid canvas's pixel at CSS position (x, y). */
async function pixelAt(page: Page, x: number, y: number): Promise<number[]> {
  return page.evaluate(
    ([px, py]) => {
      const canvas = document.getElementById('grid') as HTMLCanvasElement;
      const ratio = canvas.width / canvas.clientWidth;
      return Array.from(
        (canvas.getContext('2d') as CanvasRenderingContext2D)
          .getImageData(Math.floor(px * ratio), Math.floor(py * ratio), 1, 1)
          .data.slice(0, 3),
      );
    },
    [x, y],
  );
}

/** The grid canvas's pixels at CSS positions, in one round trip. */
async function pixelsAt(page: Page, points: Array<[number, number]>): Promise<number[][]> {
  return page.evaluate((at) => {
    const canvas = document.getElementById('grid') as HTMLCanvasElement;
    const ratio = canvas.width / canvas.clientWidth;
    const g = canvas.getContext('2d') as CanvasRenderingContext2D;
    return at.map(([x, y]) =>
      Array.from(g.getImageData(Math.floor(x * ratio), Math.floor(y * ratio), 1, 1).data.slice(0, 3)),
    );
  }, points);
}

type SnapshotMasks = NonNullable<NonNullable<DemoSnapshot['plan']>['masks']>;

/**
 * Where mask `m` has an edge between image rows r and r + 1 of a 64 x 64 tile: column c's pixels
 * there differ in whether the sample's own weight is at least 1/2. Written from PlanMasks's rules
 * (nearest: image pixel (y, x) reads mask pixel (⌊y·h / 64⌋, ⌊x·w / 64⌋); bit p & 31 of word p >> 5).
 */
function horizontalEdges(masks: SnapshotMasks, m: number): Array<[number, number]> {
  const words = Math.ceil((masks.height * masks.width) / 32);
  const own = (y: number, x: number) => {
    const p = Math.floor((y * masks.height) / TILE) * masks.width + Math.floor((x * masks.width) / TILE);
    if (masks.format === 'soft') return masks.data[m * masks.height * masks.width + p] >= 0.5;
    return ((masks.data[m * words + (p >>> 5)] >>> (p & 31)) & 1) === 1;
  };
  const edges: Array<[number, number]> = [];
  // Rows near the bottom are under the tile's kind stripe.
  for (let r = 0; r + 1 < TILE - 3; r++)
    for (let c = 0; c < TILE; c++) if (own(r, c) !== own(r + 1, c)) edges.push([r, c]);
  return edges;
}

function expectTilesDrawn(pixels: GridPixels, batch: number): void {
  // Each tile covers at least 128 x 128 CSS pixels (more device pixels at a higher ratio) of many colours.
  expect(pixels.drawn).toBeGreaterThan(batch * 100 * 100);
  expect(pixels.colours).toBeGreaterThan(200);
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const UPDATE_SCREENSHOT = process.env.UPDATE_DEMO_SCREENSHOT === '1';
/**
 * The initial state both pages start from (and that the CPU page must reproduce pixel for pixel).
 * The benchmark runs 3 times per column in the test, the preset's count for the README's picture.
 */
const START = `?method=mixup&alpha=1&mode=elem&pairing=flip&layout=NHWC&seed=0${UPDATE_SCREENSHOT ? '' : '&benchRuns=3'}`;

describe('demo page', () => {
  let gpuDigest = '';

  it('mixes on the GPU, redraws on every control, outlines CutMix boxes, takes dropped images, runs the benchmark', async () => {
    const context = await browser.newContext({ viewport: { width: 1320, height: 900 } });
    const { page, errors } = await open(context, START);
    try {
      let s = await settled(page, 0);
      expect(s.backend).toBe('webgpu');
      expect(s.description).toMatch(/^WebGPU on \S/);
      await expect(page.locator('#status').textContent()).resolves.toContain('WebGPU on');
      expect(await page.locator('#banner').isHidden()).toBe(true);
      // uint8 output is exact: the GPU's pixels and targets equal mixBatchCpu / mixTargetsCpu on the same plan.
      expect(s.check).toEqual({ pixels: 0, targets: expect.any(Number) });
      expect(s.check!.targets).toBeLessThanOrEqual(1e-6);
      expect(s.batch).toBe(16);
      expect(new Set(s.plan!.kind)).toEqual(new Set([1]));

      const a = await gridPixels(page);
      expectTilesDrawn(a, s.batch);
      gpuDigest = a.digest;
      const shotA = await page.locator('#grid').screenshot({ path: join(shots, 'grid-mixup.png') });
      expect(shotA.subarray(0, 8)).toEqual(PNG_SIGNATURE);

      // mixup -> CutMix, α 1 -> 0.5, seed 0 -> 7.
      await page.selectOption('#method', 'cutmix');
      await page.fill('#alpha', '0.5');
      await page.fill('#seed', '7');
      s = await settled(page, s.renders);
      expect(s.settings).toMatchObject({ method: 'cutmix', alpha: 0.5, seed: 7 });
      expect(s.draw).toBe(1);
      expect(s.check).toEqual({ pixels: 0, targets: expect.any(Number) });
      expect(new Set(s.plan!.kind)).toEqual(new Set([2]));
      const b = await gridPixels(page);
      expectTilesDrawn(b, s.batch);
      expect(b.digest).not.toBe(a.digest);
      const shotB = await page.locator('#grid').screenshot({ path: join(shots, 'grid-cutmix.png') });
      expect(shotB.equals(shotA)).toBe(false);

      // The box outline lies where the plan's box is: sample the middle of each box's top edge.
      let outlined = 0;
      for (let i = 0; i < s.batch; i++) {
        const [y0, , x0, x1] = s.plan!.box.slice(4 * i, 4 * i + 4);
        if (x1 - x0 < 4) continue;
        const t = s.tiles[i];
        expect(await pixelAt(page, t.x + ((x0 + x1) / 2) * t.scale, t.y + y0 * t.scale)).toEqual(BOX);
        outlined++;
      }
      expect(outlined).toBeGreaterThan(s.batch / 2);

      // The same plan in NCHW: the layout changes the memory order, never the result.
      await page.selectOption('#layout', 'NCHW');
      s = await settled(page, s.renders);
      expect(s.draw).toBe(1);
      expect(s.check?.pixels).toBe(0);
      expect((await gridPixels(page)).digest).toBe(b.digest);

      // Re-roll: the next draw of the same stream.
      await page.click('#reroll');
      s = await settled(page, s.renders);
      expect(s.draw).toBe(2);
      expect((await gridPixels(page)).digest).not.toBe(b.digest);

      // Pair mode: partners swap and share one draw. A pairing the planner rejects there (roll is not an
      // involution) is reported on the page, as a warning rather than a console error.
      await page.selectOption('#mode', 'pair');
      s = await settled(page, s.renders);
      const { partner, lam } = s.plan!;
      partner.forEach((p, i) => {
        expect(partner[p]).toBe(i);
        expect(lam[p]).toBe(lam[i]);
      });
      await page.selectOption('#pairing', 'roll');
      await page.locator('#error').waitFor({ state: 'visible' });
      await expect(page.locator('#error').textContent()).resolves.toMatch(/involution/);
      s = await snapshot(page);
      await page.selectOption('#pairing', 'flip');
      s = await settled(page, s.renders);
      expect(await page.locator('#error').isHidden()).toBe(true);
      await page.selectOption('#mode', 'elem');
      s = await settled(page, s.renders);

      // A user image through the file input, then one dropped on the page.
      await page.setInputFiles('#files', { name: 'grid.png', mimeType: 'image/png', buffer: shotA });
      s = await settled(page, s.renders);
      expect(s.batch).toBe(17);
      const dropped = await page.evaluateHandle((base64) => {
        const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], 'dropped.png', { type: 'image/png' }));
        return transfer;
      }, shotB.toString('base64'));
      await page.dispatchEvent('main', 'drop', { dataTransfer: dropped });
      s = await settled(page, s.renders);
      expect(s.batch).toBe(18);
      expect(s.plan!.kind).toHaveLength(18);
      expect(s.check?.pixels).toBe(0);
      expectTilesDrawn(await gridPixels(page), s.batch);

      // Back to the generated samples, both methods, and the benchmark.
      await page.click('#clear-images');
      await page.selectOption('#method', 'both');
      await page.selectOption('#pairing', 'shuffle');
      await page.fill('#alpha', '0.6');
      await page.fill('#seed', '3');
      s = await settled(page, s.renders);
      expect(s.batch).toBe(16);
      expect(new Set(s.plan!.kind)).toEqual(new Set([1, 2]));
      // And every planner method by equal weights (the README's picture shows this batch).
      await page.selectOption('#method', 'all');
      s = await settled(page, s.renders);
      expect(await page.locator('#switch-field').isHidden()).toBe(true);
      expect(new Set(s.plan!.kind)).toEqual(new Set([1, 2, 3, 4]));
      expect(s.check?.pixels).toBe(0);
      await page.click('#bench-run');
      await page.waitForFunction(
        () => document.body.dataset.bench === 'done' || document.body.dataset.bench === 'failed',
        null,
        { timeout: 90_000 },
      );
      expect(await page.evaluate(() => document.body.dataset.bench)).toBe('done');
      expect(await page.locator('#bench').isVisible()).toBe(true);
      await expect(page.locator('#bench-info').textContent()).resolves.toMatch(
        UPDATE_SCREENSHOT ? /\d+ runs/ : /3 runs/,
      );

      const full = await page.screenshot({ fullPage: true, path: join(shots, 'page.png') });
      if (UPDATE_SCREENSHOT) {
        mkdirSync(join(root, 'docs'), { recursive: true });
        writeFileSync(join(root, 'docs', 'demo.png'), full);
      }
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  // Every entry of the method menu from its URL preset: the plan has the method's kinds, the GPU equals the
  // CPU reference, the captions name the kind and λ, and what was pasted is drawn on the tile.
  const METHODS: Array<[string, number[], string]> = [
    ['mixup', [1], 'elem'],
    ['cutmix', [2], 'elem'],
    ['both', [1, 2], 'elem'],
    ['resizemix', [3], 'elem'],
    ['fmix', [4], 'elem'],
    ['smoothmix', [4], 'elem'],
    ['gridmix', [4], 'elem'],
    ['all', [1, 2, 3, 4], 'elem'],
    // One mask for the whole batch.
    ['smoothmix', [4], 'batch'],
  ];
  const KIND_NAME: Record<string, string[]> = {
    fmix: ['FMix'],
    smoothmix: ['SmoothMix'],
    gridmix: ['GridMix'],
    all: ['mixup', 'CutMix', 'ResizeMix', 'FMix'],
  };

  it.each(METHODS)(
    'method=%s (kinds %j, mode %s) renders from its URL preset, equals the CPU reference and shows what it did',
    async (method, kinds, mode) => {
      const context = await browser.newContext({ viewport: { width: 1320, height: 900 } });
      const query = `?method=${method}&alpha=1&mode=${mode}&pairing=flip&layout=NCHW&seed=5`;
      const { page, errors } = await open(context, query);
      try {
        const s = await settled(page, 0);
        expect(s.backend).toBe('webgpu');
        expect(s.settings.method).toBe(method);
        // The drop overlay shows only while files are dragged over the page.
        expect(await page.locator('#drop-overlay').isHidden()).toBe(true);
        expect(await page.locator('#method').inputValue()).toBe(method);
        expect(await page.locator('#error').isHidden()).toBe(true);
        expect(s.check).toEqual({ pixels: 0, targets: expect.any(Number) });
        expect(s.check!.targets).toBeLessThanOrEqual(1e-6);
        const plan = s.plan!;
        // "both" and "all" draw a method per sample: each of theirs shows up among 16 samples.
        expect(new Set(plan.kind)).toEqual(new Set(kinds));
        if (mode === 'batch') expect(new Set(plan.masks!.index)).toEqual(new Set([0]));
        const pixels = await gridPixels(page);
        expectTilesDrawn(pixels, s.batch);
        await page.locator('#grid').screenshot({ path: join(shots, `grid-${method}.png`) });

        const points: Array<[number, number]> = [];
        const colours: number[][] = [];
        for (let i = 0; i < s.batch; i++) {
          const t = s.tiles[i];
          const kind = plan.kind[i];
          expect(t.caption).toContain(`λ ${plan.lam[i].toFixed(3)}`);
          if (kind === 3) expect(t.caption).toContain('ResizeMix');
          if (kind === 4) expect(KIND_NAME[method].some((name) => t.caption.includes(name))).toBe(true);
          if (kind === 2 || kind === 3) {
            // The middle of the box's top edge, as in the CutMix test above.
            const [y0, , x0, x1] = plan.box.slice(4 * i, 4 * i + 4);
            if (x1 - x0 < 4) continue;
            points.push([t.x + ((x0 + x1) / 2) * t.scale, t.y + y0 * t.scale]);
            colours.push(kind === 2 ? BOX : RESIZE_BOX);
          }
          if (kind === 4) {
            // The middle of every horizontal edge of the mask (its partner region's outline).
            const masks = plan.masks!;
            for (const [r, c] of horizontalEdges(masks, masks.index[i])) {
              points.push([t.x + (c + 0.5) * t.scale, t.y + (r + 1) * t.scale]);
              colours.push(MASK_EDGE);
            }
          }
        }
        if (kinds.some((k) => k >= 2)) expect(points.length).toBeGreaterThan(s.batch / 2);
        expect(await pixelsAt(page, points)).toEqual(colours);

        // The same preset with ?gpu=0: the CPU reference alone draws the very same grid.
        const cpu = await open(context, `${query}&gpu=0`);
        const c = await settled(cpu.page, 0);
        expect(c.backend).toBe('cpu');
        expect((await gridPixels(cpu.page)).digest).toBe(pixels.digest);
        expect(errors).toEqual([]);
        expect(cpu.errors).toEqual([]);
      } finally {
        await context.close();
      }
    },
  );

  it('without WebGPU says so and mixes the same pixels on the CPU', async () => {
    const context = await browser.newContext({ viewport: { width: 1320, height: 900 } });
    // A browser without WebGPU: navigator.gpu reads undefined before any page script runs.
    await context.addInitScript(() =>
      Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true }),
    );
    const { page, errors } = await open(context, START);
    try {
      const s = await settled(page, 0);
      expect(s.backend).toBe('cpu');
      expect(s.check).toBeNull();
      const banner = page.locator('#banner');
      expect(await banner.isVisible()).toBe(true);
      await expect(banner.textContent()).resolves.toMatch(
        /WebGPU is unavailable.*navigator\.gpu is missing.*CPU reference/s,
      );
      expect(await page.locator('#bench-run').isDisabled()).toBe(true);
      const pixels = await gridPixels(page);
      expectTilesDrawn(pixels, s.batch);
      // Same seed, same plan, same arithmetic: the very pixels the GPU page drew.
      if (gpuDigest) expect(pixels.digest).toBe(gpuDigest);
      await page.locator('#grid').screenshot({ path: join(shots, 'grid-cpu.png') });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

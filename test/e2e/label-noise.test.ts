/**
 * The label-noise example's CI smoke test: `npm run example:label-noise -- --smoke` end to end, in
 * headless Chromium on SwiftShader. 1,000 noisy training images, 2 epochs, ERM (trainOnBatch) and
 * mixup α = 1 (fitDataset through mixDataset): the loop runs, test accuracy is above chance (10%), and
 * the results file and the plot are written. The plot is decoded here and must show both curves in
 * their colours.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';
import { afterAll, expect, it } from 'vitest';
import { FIXED, SMOKE } from '../../examples/label-noise/config.js';
import type { ExperimentResult } from '../../examples/label-noise/experiment.js';
import { RUN_COLOURS } from '../../examples/label-noise/plot.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = mkdtempSync(join(tmpdir(), 'label-noise-smoke-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Decodes an 8-bit RGB or RGBA PNG (the screenshot) to RGBA pixels: chunks, inflate, the five row filters. */
function decodePng(file: Buffer): { width: number; height: number; rgba: Uint8Array } {
  expect(file.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (offset < file.length) {
    const length = file.readUInt32BE(offset);
    const type = file.toString('ascii', offset + 4, offset + 8);
    const body = file.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      expect(body[8]).toBe(8); // bit depth
      channels = body[9] === 6 ? 4 : body[9] === 2 ? 3 : 0;
      expect(channels).toBeGreaterThan(0);
    } else if (type === 'IDAT') idat.push(body);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x];
      const a = x >= channels ? pixels[y * stride + x - channels] : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels] : 0;
      const p = a + b - c;
      const paeth =
        Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c)
          ? a
          : Math.abs(p - b) <= Math.abs(p - c)
            ? b
            : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][filter];
      pixels[y * stride + x] = (v + predictor) & 255;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    rgba.set(pixels.subarray(i * channels, i * channels + 3), i * 4);
    rgba[i * 4 + 3] = channels === 4 ? pixels[i * channels + 3] : 255;
  }
  return { width, height, rgba };
}

function countColour(rgba: Uint8Array, hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  let n = 0;
  for (let i = 0; i < rgba.length; i += 4)
    if (Math.abs(rgba[i] - r) + Math.abs(rgba[i + 1] - g) + Math.abs(rgba[i + 2] - b) < 30) n++;
  return n;
}

it('npm run example:label-noise -- --smoke trains ERM and mixup above chance and writes the results and the plot', {
  timeout: 900_000,
}, () => {
  const started = Date.now();
  const run = spawnSync(process.execPath, [join(root, 'scripts', 'label-noise.mjs'), '--smoke', '--out', out], {
    cwd: root,
    encoding: 'utf8',
    timeout: 850_000,
  });
  console.log(`[label-noise smoke] ${((Date.now() - started) / 1000).toFixed(0)} s\n${run.stdout}${run.stderr}`);
  expect(run.status).toBe(0);

  const result = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ExperimentResult;
  expect(result.smoke).toBe(true);
  expect(result.complete).toBe(true);
  expect(result.config).toEqual(JSON.parse(JSON.stringify(SMOKE)));
  // The smoke configuration is the fixed one, smaller: same noise, model, optimiser, batch.
  expect({ ...result.config, trainSize: FIXED.trainSize, epochs: FIXED.epochs, runs: FIXED.runs }).toEqual(
    JSON.parse(JSON.stringify(FIXED)),
  );
  expect(result.data.trainSize).toBe(1000);
  expect(result.data.testSize).toBe(10000);
  expect(result.adapter.architecture).not.toBe('');
  expect(result.runs.map((r) => [r.id, r.api])).toEqual([
    ['erm', 'trainOnBatch'],
    ['mixup1', 'fitDataset'],
  ]);
  for (const r of result.runs) {
    expect(r.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    for (const e of r.epochs) {
      expect(Number.isFinite(e.trainLoss) && e.trainLoss > 0).toBe(true);
      // Above chance (10 classes) by a wide margin, on the clean test set.
      expect(e.testAccuracy).toBeGreaterThan(0.3);
    }
    expect(r.bestAccuracy).toBe(Math.max(...r.epochs.map((e) => e.testAccuracy)));
    expect(r.lastAccuracy).toBe(r.epochs[1].testAccuracy);
    expect(r.steps).toBe(2 * Math.floor(1000 / 128));
    expect(r.tensorsLeaked).toBe(0);
  }
  expect(result.runs[1].mixer).toMatchObject({
    mixupAlpha: 1,
    cutmixAlpha: 0,
    mode: 'batch',
    pairing: 'shuffle',
    labelSmoothing: 0,
  });
  const timing = result.runs[0].stepTiming!;
  expect(timing.trainMs).toBeGreaterThan(0);
  expect(timing.mixFraction).toBeGreaterThan(0);
  expect(timing.mixFraction).toBeLessThan(1);

  const plot = join(out, 'accuracy.png');
  expect(existsSync(plot)).toBe(true);
  const { width, height, rgba } = decodePng(readFileSync(plot));
  // The canvas is 720 × 420; the element's screenshot adds its 1 px border (and the line box's few px below).
  expect(width).toBeGreaterThanOrEqual(720);
  expect(width).toBeLessThanOrEqual(724);
  expect(height).toBeGreaterThanOrEqual(420);
  expect(height).toBeLessThanOrEqual(426);
  // Both curves (2 px lines across the plot) and their legend swatches are there, in the runs' colours.
  expect(countColour(rgba, RUN_COLOURS[0])).toBeGreaterThan(300);
  expect(countColour(rgba, RUN_COLOURS[1])).toBeGreaterThan(300);
  expect(countColour(rgba, RUN_COLOURS[2])).toBe(0);
});

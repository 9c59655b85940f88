#!/usr/bin/env node
// Host cost of FMix masks (src/fmix.ts) for 224 x 224 images: one mask per batch and 256 per-sample masks,
// at several mask resolutions, and of whole plans (createPlanner(...).plan(256, 224x224, into)).
// Usage: node scripts/fmix-cost.mjs [--sizes 16,32,56,112,224] [--repeats 5]
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const arg = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const sizes = arg('--sizes', '16,32,56,112,224').split(',').map(Number);
const repeats = Number(arg('--repeats', '5'));
const { createServer } = await import('vite');
const server = await createServer({
  root,
  configFile: false,
  logLevel: 'warn',
  server: { middlewareMode: true, hmr: false, watch: null },
  appType: 'custom',
  optimizeDeps: { noDiscovery: true, include: [] },
});
try {
  const { FmixSampler, maskWords } = await server.ssrLoadModule('/src/fmix.ts');
  const { Philox } = await server.ssrLoadModule('/src/rng.ts');
  const { createPlanner, emptyPlan } = await server.ssrLoadModule('/src/plan.ts');
  const rng = new Philox(1);
  /** Median over `repeats` of the ms one call of `f` takes, after a warm-up call. */
  const time = (f) => {
    f();
    const t = [];
    for (let r = 0; r < repeats; r++) {
      const t0 = performance.now();
      f();
      t.push(performance.now() - t0);
    }
    return t.sort((a, b) => a - b)[Math.floor(t.length / 2)];
  };
  console.log('mask side | 1 mask (ms) | 256 masks (ms) | bits a batch of 256 (KiB)');
  for (const side of sizes) {
    const sampler = new FmixSampler(side, side, 224, 224, 3);
    const words = maskWords(side, side);
    const data = new Uint32Array(256 * words);
    const one = time(() => sampler.draw(rng, 0.5, data, 0));
    const batch =
      side <= 112
        ? time(() => {
            for (let m = 0; m < 256; m++) sampler.draw(rng, 0.5, data, m * words);
          })
        : NaN;
    const est = Number.isNaN(batch) ? `~${(256 * one).toFixed(0)} (256 x one)` : batch.toFixed(2);
    console.log(`${side} | ${one.toFixed(3)} | ${est} | ${((data.length * 4) / 1024).toFixed(0)}`);
  }
  const size = { height: 224, width: 224 };
  for (const [name, options] of [
    ['mixup+cutmix elem (issue 14 case)', { mixupAlpha: 1, cutmixAlpha: 1, mode: 'elem' }],
    ['resizemix elem', { mixupAlpha: 0, resizemixAlpha: 1, mode: 'elem' }],
    ['fmix 32 batch', { mixupAlpha: 0, fmixAlpha: 1, mode: 'batch' }],
    ['fmix 32 elem', { mixupAlpha: 0, fmixAlpha: 1, mode: 'elem' }],
    [
      'mixup+cutmix+resizemix+fmix elem',
      { mixupAlpha: 1, cutmixAlpha: 1, resizemixAlpha: 1, fmixAlpha: 1, mode: 'elem' },
    ],
  ]) {
    const planner = createPlanner({ ...options, seed: 3 });
    const into = emptyPlan(256);
    const ms = time(() => planner.plan(256, size, into));
    console.log(`plan(256, 224x224, into), ${name}: ${(ms * 1000).toFixed(1)} µs`);
  }
} finally {
  await server.close();
}

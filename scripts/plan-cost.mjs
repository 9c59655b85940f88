#!/usr/bin/env node
// Host cost of the planner: FMix masks (src/fmix.ts) for 224 x 224 images, one per batch and 256 per-sample,
// at several mask resolutions; whole plans (plan(256, 224x224, into)) per method; and, with --against
// COMMIT, timm's path (B = 256, elem, mixup + CutMix, α = 1) and the benchmark's (mixup α = 0.8, shuffle)
// of this tree and of COMMIT side by side, alternating rounds in one process.
// Usage: node scripts/plan-cost.mjs [--sizes 16,32,56,112,224] [--against 4a465a4 [--rounds 9]]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const arg = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const sizes = arg('--sizes', '16,32,56,112,224').split(',').map(Number);
const repeats = Number(arg('--repeats', '7'));
const against = arg('--against', null);
const { createServer } = await import('vite');
const servers = [];
const load = async (dir, path) => {
  const server = await createServer({
    root: dir,
    configFile: false,
    logLevel: 'warn',
    server: { middlewareMode: true, hmr: false, watch: null, ws: false },
    appType: 'custom',
    optimizeDeps: { noDiscovery: true, include: [] },
  });
  servers.push(server);
  return server.ssrLoadModule(path);
};
/** Median over `repeats` of the ms one call of `f` takes, after a warm-up call. */
const time = (f, n = repeats) => {
  f();
  const t = [];
  for (let r = 0; r < n; r++) {
    const t0 = performance.now();
    f();
    t.push(performance.now() - t0);
  }
  return t.sort((a, b) => a - b)[Math.floor(t.length / 2)];
};
const size = { height: 224, width: 224 };
const old = against && mkdtempSync(join(tmpdir(), 'plan-cost-'));
try {
  const { FmixSampler, maskWords, MODE_CUTOFF } = await load(root, '/src/fmix.ts');
  const { Philox } = await load(root, '/src/rng.ts');
  const { createPlanner, emptyPlan } = await load(root, '/src/plan.ts');
  const rng = new Philox(1);
  console.log('FMix masks for 224x224 images, δ = 3');
  console.log('mask side | 1 mask (ms) | 256 masks (ms) | bits of 256 masks (KiB)');
  for (const side of sizes) {
    const sampler = new FmixSampler(side, side, 224, 224, 3);
    const words = maskWords(side, side);
    const data = new Uint32Array(256 * words);
    const one = time(() => sampler.draw(rng, 0.5, data, 0));
    const all = () => {
      for (let m = 0; m < 256; m++) sampler.draw(rng, 0.5, data, m * words);
    };
    const batch = side <= 112 ? time(all, 3).toFixed(1) : `~${(256 * one).toFixed(0)} (256 x 1 mask)`;
    console.log(`${side} | ${one.toFixed(3)} | ${batch} | ${((data.length * 4) / 1024).toFixed(0)}`);
  }
  // The share of the 224x224 field's variance in the modes MODE_CUTOFF drops (the same amplitude law).
  let kept = 0;
  let total = 0;
  for (let ky = -112; ky < 112; ky++) {
    for (let kx = 0; kx <= 112; kx++) {
      const f = Math.hypot(ky / 224, kx / 224);
      if (f === 0) continue;
      const rel = (Math.max(f, 1 / 224) * 224) ** -3;
      const v = (kx > 0 && kx < 112 ? 2 : 1) ** 2 * rel * rel;
      total += v;
      if (rel >= MODE_CUTOFF) kept += v;
    }
  }
  console.log(
    `variance share of the modes dropped at 224x224, δ = 3: ${((1 - kept / total) * 100).toExponential(2)} %`,
  );
  for (const [name, options] of [
    ['mixup+cutmix elem (timm)', { mixupAlpha: 1, cutmixAlpha: 1, mode: 'elem' }],
    ['mixup 0.8 + cutmix elem shuffle (bench)', { mixupAlpha: 0.8, cutmixAlpha: 1, mode: 'elem', pairing: 'shuffle' }],
    ['resizemix elem', { mixupAlpha: 0, resizemixAlpha: 1, mode: 'elem' }],
    ['fmix 32x32 batch', { mixupAlpha: 0, fmixAlpha: 1, mode: 'batch' }],
    ['fmix 32x32 elem', { mixupAlpha: 0, fmixAlpha: 1, mode: 'elem' }],
    ['fmix 224x224 batch', { mixupAlpha: 0, fmixAlpha: 1, fmixSize: 224, mode: 'batch' }],
    ['all four, equal weights, elem', { mixupAlpha: 1, cutmixAlpha: 1, resizemixAlpha: 1, fmixAlpha: 1, mode: 'elem' }],
  ]) {
    const planner = createPlanner({ ...options, seed: 3 });
    const into = emptyPlan(256);
    const calls = 10;
    const ms =
      time(() => {
        for (let k = 0; k < calls; k++) planner.plan(256, size, into);
      }, 5) / calls;
    console.log(`plan(256, 224x224, into), ${name}: ${(ms * 1000).toFixed(1)} µs`);
  }
  if (old) {
    execFileSync('sh', ['-c', `git -C "${root}" archive ${against} src | tar -x -C "${old}"`]);
    const trees = [
      ['this tree', createPlanner],
      [against, (await load(old, '/src/plan.ts')).createPlanner],
    ];
    const workloads = [
      ['timm path (α = 1)', { mixupAlpha: 1, cutmixAlpha: 1, mode: 'elem', seed: 3 }],
      [
        'the benchmark (mixup 0.8, shuffle)',
        { mixupAlpha: 0.8, cutmixAlpha: 1, mode: 'elem', pairing: 'shuffle', seed: 3 },
      ],
    ];
    const rounds = Number(arg('--rounds', '9'));
    const med = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    for (const [label, options] of workloads) {
      const medians = new Map(trees.map(([name]) => [name, []]));
      for (let round = 0; round < rounds; round++) {
        for (const [name, create] of round % 2 ? [...trees].reverse() : trees) {
          const planner = create(options);
          const into = emptyPlan(256);
          const block = () => {
            for (let k = 0; k < 200; k++) planner.plan(256, size, into);
          };
          medians.get(name).push((time(block, 5) / 200) * 1000);
        }
      }
      const [a, b] = trees.map(([name]) => med(medians.get(name)));
      console.log(`${label}, plan(256, 224x224, into), elem mixup+CutMix, median of ${rounds} alternating rounds:`);
      console.log(`  this tree ${a.toFixed(1)} µs, ${against} ${b.toFixed(1)} µs, ratio ${(a / b).toFixed(3)}`);
    }
  }
} finally {
  for (const s of servers) await s.close();
  if (old) rmSync(old, { recursive: true, force: true });
}

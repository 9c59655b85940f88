#!/usr/bin/env node
// Writes test/unit/fixtures/timm-plans-4a465a4.json: plans drawn by the planner of commit 4a465a4 (before
// ResizeMix, FMix and methodWeights), for timm's options over several seeds, modes, pairings and options.
// test/unit/plan-methods.test.ts checks that today's planner draws the same plans, so the expected values
// come from the old code, not from the code under test. Run once: node scripts/gen-timm-plan-fixture.mjs
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const COMMIT = '4a465a4';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'test/unit/fixtures/timm-plans-4a465a4.json');

/** [name, options, batch size, image size or null, fork worker or null]; three plans are drawn per case. */
const CASES = [
  ['default (mixup α 1, batch)', {}, 8, null, null],
  ['mixup 0.4, elem, prob 0.6', { mixupAlpha: 0.4, mode: 'elem', prob: 0.6, seed: 3 }, 12, null, null],
  ['mixup+cutmix elem', { mixupAlpha: 1, cutmixAlpha: 1, mode: 'elem', seed: 1 }, 16, [13, 21], null],
  ['mixup+cutmix elem seed 2', { mixupAlpha: 0.8, cutmixAlpha: 1, mode: 'elem', seed: 2 }, 16, [32, 32], null],
  ['mixup+cutmix batch', { mixupAlpha: 0.2, cutmixAlpha: 1, seed: 5 }, 6, [8, 8], null],
  [
    'mixup+cutmix pair, switchProb 0.3, prob 0.7',
    { mixupAlpha: 2, cutmixAlpha: 1, switchProb: 0.3, prob: 0.7, mode: 'pair', seed: 6 },
    9,
    [10, 7],
    null,
  ],
  ['switchProb 0', { mixupAlpha: 1, cutmixAlpha: 1, switchProb: 0, mode: 'elem', seed: 7 }, 8, [9, 9], null],
  ['switchProb 1', { mixupAlpha: 1, cutmixAlpha: 0.5, switchProb: 1, mode: 'elem', seed: 8 }, 8, [9, 9], null],
  [
    'cutmix only, correctLam false',
    { mixupAlpha: 0, cutmixAlpha: 1, correctLam: false, mode: 'elem', seed: 9 },
    8,
    [11, 5],
    null,
  ],
  [
    'cutmixMinMax with mixup, elem',
    { mixupAlpha: 0.3, cutmixMinMax: [0.2, 0.8], mode: 'elem', seed: 10 },
    10,
    [20, 30],
    null,
  ],
  ['shuffle pair', { mixupAlpha: 1, cutmixAlpha: 1, pairing: 'shuffle', mode: 'pair', seed: 11 }, 10, [16, 16], null],
  [
    'shuffle elem, stream 4',
    { mixupAlpha: 1, cutmixAlpha: 1, pairing: 'shuffle', mode: 'elem', seed: 12, stream: 4 },
    7,
    [6, 6],
    null,
  ],
  ['roll batch', { mixupAlpha: 1, cutmixAlpha: 1, pairing: 'roll', seed: 13 }, 5, [4, 4], null],
  [
    'explicit pairing',
    { mixupAlpha: 1, cutmixAlpha: 1, pairing: [3, 2, 1, 0, 4], mode: 'elem', seed: 14 },
    5,
    [4, 6],
    null,
  ],
  ['fork 2, elem', { mixupAlpha: 1, cutmixAlpha: 1, mode: 'elem', seed: 15 }, 8, [12, 12], 2],
  ['B 256 elem (issue 14 case)', { mixupAlpha: 1, cutmixAlpha: 1, mode: 'elem', seed: 16 }, 256, [224, 224], null],
];

const dir = mkdtempSync(join(tmpdir(), 'timm-fixture-'));
try {
  execFileSync('sh', ['-c', `git -C "${root}" archive ${COMMIT} src | tar -x -C "${dir}"`]);
  const { createServer } = await import('vite');
  const server = await createServer({
    root: dir,
    configFile: false,
    logLevel: 'warn',
    server: { middlewareMode: true, hmr: false, watch: null },
    appType: 'custom',
    optimizeDeps: { noDiscovery: true, include: [] },
  });
  try {
    const { createPlanner } = await server.ssrLoadModule('/src/plan.ts');
    const cases = CASES.map(([name, options, batch, size, fork]) => {
      const root = createPlanner(options);
      const planner = fork === null ? root : root.fork(fork);
      const imageSize = size && { height: size[0], width: size[1] };
      const plans = [0, 1, 2].map(() => {
        const p = planner.plan(batch, imageSize ?? undefined);
        return { kind: [...p.kind], lam: [...p.lam], partner: [...p.partner], box: [...p.box] };
      });
      return { name, options, batch, imageSize, fork, plans };
    });
    writeFileSync(out, `${JSON.stringify({ commit: COMMIT, cases })}\n`);
    // In the repository's JSON style, so that the style test passes and a regeneration diffs cleanly.
    execFileSync(join(root, 'node_modules/.bin/biome'), ['format', '--write', out], { stdio: 'ignore' });
    console.log(`wrote ${cases.length} cases to ${out}`);
  } finally {
    await server.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

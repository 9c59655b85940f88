#!/usr/bin/env node
// Host cost per call and heap per call in Node through Dawn (bench/host.ts), and the headline batch
// at default vs adapter limits. Restarts itself with --expose-gc and a young generation large enough
// that no collection runs inside a measured block.
// Usage: node scripts/host-cost.mjs [--limits] [--size 64] [--runs 200] [--against DIR] [--rounds 3] [--source]
// --against DIR also loads DIR/bench/host.ts (another checkout, e.g. the previous commit, with this
// file copied in) and alternates the two, round by round, on one device: before/after side by side.
// Each tree's bench/host.ts is bundled with vite build (as the package's dist is) and imported as
// plain ESM. --source loads it through vite's SSR module runner instead, as before: there every
// access to another module's export goes through a getter, which made validatePlan 3.5x slower
// (20 vs 5.6 µs) and encode's own JS about 2x: a cost of the runner, not of the package.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fileURLToPath } from 'node:url';
import { dawnEnv } from './chromium.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
if (!args.includes('--child')) {
  const run = spawnSync(
    process.execPath,
    ['--expose-gc', '--max-semi-space-size=64', fileURLToPath(import.meta.url), '--child', ...args],
    {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, ...dawnEnv() },
    },
  );
  process.exit(run.status ?? 1);
}
const value = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const { create, globals } = await import('webgpu');
Object.assign(globalThis, globals);
const gpu = create(['disable-dawn-features=timestamp_quantization']);
globalThis.__gpu = gpu; // Dawn's instance must outlive its devices
const { createServer } = await import('vite');
const { PerformanceObserver } = await import('node:perf_hooks');
let gcs = 0;
new PerformanceObserver((list) => (gcs += list.getEntries().length)).observe({ entryTypes: ['gc'] });
const log = (line) => console.log(`[node] ${line}`);
const outDirs = [];
/** DIR/bench/host.ts as the package is shipped: one ESM bundle (vite build), imported by Node. */
const bundle = async (dir) => {
  const { build } = await import('vite');
  const outDir = mkdtempSync(join(tmpdir(), 'host-cost-'));
  outDirs.push(outDir);
  await build({
    root: dir,
    configFile: false,
    logLevel: 'warn',
    build: {
      lib: { entry: join(dir, 'bench/host.ts'), formats: ['es'], fileName: 'host' },
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      minify: false,
      rollupOptions: { external: [/^@tensorflow\//, /^onnxruntime-web/] },
    },
  });
  return import(pathToFileURL(join(outDir, 'host.js')).href);
};
const load = async (dir) => {
  if (!args.includes('--source')) return bundle(dir);
  const server = await createServer({
    root: dir,
    configFile: false,
    logLevel: 'warn',
    server: { middlewareMode: true, hmr: false, watch: null },
    appType: 'custom',
    optimizeDeps: { noDiscovery: true, include: [] },
  });
  servers.push(server);
  return server.ssrLoadModule('/bench/host.ts');
};
const servers = [];
try {
  const against = args.includes('--against') ? args[args.indexOf('--against') + 1] : null;
  const trees = [['this', await load(root)], ...(against ? [[against, await load(against)]] : [])];
  if (args.includes('--limits')) {
    for (const [name, host] of trees) {
      log(`--- ${name}`);
      await host.runDefaultLimits(gpu, {
        runs: value('--runs', 5),
        height: value('--size', 224),
        width: value('--size', 224),
        log,
      });
    }
  } else {
    const adapter = await gpu.requestAdapter({ forceFallbackAdapter: true });
    const limits = {};
    for (const key in adapter.limits) if (typeof adapter.limits[key] === 'number') limits[key] = adapter.limits[key];
    const device = await adapter.requestDevice({ requiredLimits: limits });
    const size = value('--size', 64);
    const medians = new Map();
    for (let round = 0; round < value('--rounds', against ? 3 : 1); round++) {
      for (const [name, host] of trees) {
        log(`--- ${name}, round ${round + 1}`);
        const result = await host.runHostCost({
          device,
          height: size,
          width: size,
          runs: value('--runs', 200),
          gcCount: () => gcs,
          log,
        });
        for (const r of result.rows) {
          const key = `${name}|${r.name}`;
          if (!medians.has(key)) medians.set(key, { us: [], p90: [], heap: [] });
          const m = medians.get(key);
          m.us.push(r.us.median);
          m.p90.push(r.us.p90);
          if (r.heapBytes != null) m.heap.push(r.heapBytes);
        }
        if (round === 0) log(result.workload);
      }
    }
    const mid = (v) => (v.length ? [...v].sort((a, b) => a - b)[v.length >> 1] : null);
    log('summary (median over rounds): tree | row | median µs | p90 µs | heap KB/call');
    for (const [key, m] of medians) {
      const heap = mid(m.heap);
      log(
        `${key.replace('|', ' | ')} | ${mid(m.us).toFixed(1)} | ${mid(m.p90).toFixed(1)} | ${heap == null ? '-' : (heap / 1024).toFixed(1)}`,
      );
    }
    device.destroy();
  }
} finally {
  for (const server of servers) await server.close();
  for (const dir of outDirs) rmSync(dir, { recursive: true, force: true });
}
process.exit(0);

#!/usr/bin/env node
// Host cost per call and heap per call in Node through Dawn (bench/host.ts), and the headline batch
// at default vs adapter limits. Restarts itself with --expose-gc and a young generation large enough
// that no collection runs inside a measured block. Usage: node scripts/host-cost.mjs [--limits] [--size 224]
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dawnEnv } from './chromium.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
if (!args.includes('--child')) {
  const run = spawnSync(process.execPath, ['--expose-gc', '--max-semi-space-size=64', fileURLToPath(import.meta.url), '--child', ...args], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...dawnEnv() },
  });
  process.exit(run.status ?? 1);
}
const value = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const { create, globals } = await import('webgpu');
Object.assign(globalThis, globals);
const gpu = create(['disable-dawn-features=timestamp_quantization']);
globalThis.__gpu = gpu; // Dawn's instance must outlive its devices
const { createServer } = await import('vite');
const server = await createServer({ root, configFile: false, logLevel: 'warn', server: { middlewareMode: true, hmr: false, watch: null }, appType: 'custom', optimizeDeps: { noDiscovery: true, include: [] } });
const { PerformanceObserver } = await import('node:perf_hooks');
let gcs = 0;
new PerformanceObserver((list) => (gcs += list.getEntries().length)).observe({ entryTypes: ['gc'] });
const log = (line) => console.log(`[node] ${line}`);
try {
  const host = await server.ssrLoadModule('/bench/host.ts');
  if (args.includes('--limits')) {
    await host.runDefaultLimits(gpu, { runs: value('--runs', 5), height: value('--size', 224), width: value('--size', 224), log });
  } else {
    const adapter = await gpu.requestAdapter({ forceFallbackAdapter: true });
    const limits = {};
    for (const key in adapter.limits) if (typeof adapter.limits[key] === 'number') limits[key] = adapter.limits[key];
    const device = await adapter.requestDevice({ requiredLimits: limits });
    const size = value('--size', 64);
    const result = await host.runHostCost({ device, height: size, width: size, runs: value('--runs', 200), gcCount: () => gcs, log });
    log(result.workload);
    device.destroy();
  }
} finally {
  await server.close();
}
process.exit(0);

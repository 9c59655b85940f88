#!/usr/bin/env node
// `npm run bench`: the benchmark in headless Chromium (a page served by Vite on 127.0.0.1, driven by
// Playwright) and under Node through Dawn (a child process started with dawnEnv(), which loads
// bench/core.ts through Vite's ssrLoadModule so the `?raw` WGSL imports resolve as in the browser).
// Each prints its tables and writes bench/results/latest-<env>.json. See bench/README.md.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CHROMIUM_ARGS, dawnEnv, ensureChromium } from './chromium.mjs';
import { formatResult } from '../bench/table.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = join(root, 'bench', 'results');

const USAGE = `usage: npm run bench -- [options]
  --env all|chromium|node   where to run (default all: Chromium, then Node through Dawn)
  --preset auto|full|swiftshader
                            workload sizes (default auto: swiftshader on a fallback/software adapter)
  --runs N --warmup N       timed runs per column (default: the preset's, >= 20) and warm-up runs
  --only TEXT               only rows whose id contains TEXT (e.g. "images f32", "elem cutmix")
  --no-tfjs                 skip the TF.js column (Chromium)
  --probes                  instead: the kernel-shape probes of bench/probes.ts (Node through Dawn)
  --timeout S               give up on one environment after S seconds (default 3600)`;

const { values: opts } = parseArgs({
  options: {
    env: { type: 'string', default: 'all' },
    preset: { type: 'string', default: 'auto' },
    runs: { type: 'string' },
    warmup: { type: 'string' },
    only: { type: 'string' },
    'no-tfjs': { type: 'boolean', default: false },
    probes: { type: 'boolean', default: false },
    timeout: { type: 'string', default: '3600' },
    'node-child': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (opts.help) {
  console.log(USAGE);
  process.exit(0);
}
if (!['auto', 'full', 'swiftshader'].includes(opts.preset))
  fail(`--preset must be auto, full or swiftshader, not ${opts.preset}`);
if (!['all', 'chromium', 'node'].includes(opts.env)) fail(`--env must be all, chromium or node, not ${opts.env}`);
for (const key of ['runs', 'warmup', 'timeout']) {
  if (
    opts[key] !== undefined &&
    !(Number.isInteger(Number(opts[key])) && Number(opts[key]) >= (key === 'warmup' ? 0 : 1))
  )
    fail(`--${key} must be a whole number`);
}
const timeoutMs = Number(opts.timeout) * 1000;

function fail(message) {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

function benchOptions() {
  return {
    preset: opts.preset,
    runs: opts.runs === undefined ? undefined : Number(opts.runs),
    warmup: opts.warmup === undefined ? undefined : Number(opts.warmup),
    only: opts.only ?? null,
  };
}

/** Vite serving the repository: bench/ and src/ as TypeScript, WGSL through `?raw`. No project config (that one is vitest's). */
function viteConfig(extra) {
  return { root, configFile: false, logLevel: 'warn', clearScreen: false, ...extra };
}

function save(result) {
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `latest-${result.env}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\n${formatResult(result)}\n\nwrote ${file}\n`);
  return result.rows.some((r) => r.errors.length > 0) ? 1 : 0;
}

function withTimeout(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not finish within ${timeoutMs / 1000} s (--timeout)`)),
      timeoutMs,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function runChromium() {
  const executablePath = ensureChromium();
  const { createServer } = await import('vite');
  const { chromium } = await import('playwright');
  const server = await createServer(
    viteConfig({
      server: {
        host: '127.0.0.1',
        port: 0,
        strictPort: true,
        hmr: false,
        watch: null,
        // Cross-origin isolation: performance.now() is otherwise coarsened to 100 µs, too coarse for host costs.
        headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
      },
      // Pre-bundle TF.js up front: discovering it mid-run would make Vite reload the page.
      optimizeDeps: { entries: ['bench/index.html'], include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu'] },
    }),
  );
  let browser = null;
  try {
    await server.listen();
    const address = server.httpServer.address();
    const port = typeof address === 'object' && address ? address.port : null;
    if (!port) throw new Error('Vite did not report its port');
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
    const page = await browser.newPage();
    let settle;
    const done = new Promise((resolve, reject) => (settle = { resolve, reject }));
    await page.exposeFunction('benchLog', (line) => console.log(`[chromium] ${line}`));
    await page.exposeFunction('benchDone', (json) => settle.resolve(JSON.parse(json)));
    await page.exposeFunction('benchFail', (message) =>
      settle.reject(new Error(`benchmark failed in the page: ${message}`)),
    );
    page.on('pageerror', (error) => settle.reject(error));
    page.on('crash', () => settle.reject(new Error('the page crashed')));
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning')
        console.error(`[chromium ${message.type()}] ${message.text()}`);
    });
    const o = benchOptions();
    const query = new URLSearchParams({ preset: o.preset });
    if (o.runs !== undefined) query.set('runs', String(o.runs));
    if (o.warmup !== undefined) query.set('warmup', String(o.warmup));
    if (o.only) query.set('only', o.only);
    if (opts['no-tfjs']) query.set('tfjs', '0');
    const url = `http://127.0.0.1:${port}/bench/index.html?${query}`;
    console.log(`[chromium] ${executablePath}, page ${url}`);
    // Generous: a fresh clone's first load waits for Vite to pre-bundle TF.js.
    await page.goto(url, { timeout: 180_000 });
    return save(await withTimeout(done, 'the Chromium benchmark'));
  } finally {
    await browser?.close();
    await server.close();
  }
}

/** Parent side: Dawn needs SwiftShader's ICD and the Vulkan loader in the environment before it loads. */
function runNode() {
  const args = [fileURLToPath(import.meta.url), '--node-child', '--preset', opts.preset, '--timeout', opts.timeout];
  for (const key of ['runs', 'warmup', 'only']) if (opts[key] !== undefined) args.push(`--${key}`, opts[key]);
  if (opts.probes) args.push('--probes');
  // --expose-gc and a large young generation: the host-cost table measures JS heap per call.
  const child = spawn(process.execPath, ['--expose-gc', '--max-semi-space-size=64', ...args], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...dawnEnv() },
  });
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    child.on('error', (error) => {
      console.error(`[node] could not start: ${error.message}`);
      resolve(1);
    });
  });
}

/** Child side: Dawn's navigator.gpu equivalent, and bench/core.ts through Vite's SSR loader. */
async function nodeChild() {
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  // Dawn rounds timestamps to 65.5 µs by default; Chromium's developer-features flag does the same unrounding.
  const gpu = create(['disable-dawn-features=timestamp_quantization']);
  // Dawn's rule (README, Node): this object must stay referenced while its devices are used.
  globalThis.gpu = gpu;
  const { createServer } = await import('vite');
  const server = await createServer(
    viteConfig({
      server: { middlewareMode: true, hmr: false, watch: null },
      appType: 'custom',
      optimizeDeps: { noDiscovery: true, include: [] },
    }),
  );
  let code = 1;
  try {
    if (opts.probes) {
      const { runProbes } = await server.ssrLoadModule('/bench/probes.ts');
      await withTimeout(
        runProbes(gpu, (line) => console.log(`[node] ${line}`)),
        'the probes',
      );
      process.exit(0);
    }
    const { runBench } = await server.ssrLoadModule('/bench/core.ts');
    const o = benchOptions();
    const { PerformanceObserver } = await import('node:perf_hooks');
    let gcs = 0;
    new PerformanceObserver((list) => (gcs += list.getEntries().length)).observe({ entryTypes: ['gc'] });
    const result = await withTimeout(
      runBench({
        env: 'node',
        gpu,
        ...o,
        tfjs: null,
        tfjsSkip: 'TF.js is run in the browser only (its webgpu backend needs a page)',
        runtime: `Node ${process.version}, webgpu (Dawn) package`,
        gcCount: () => gcs,
        log: (line) => console.log(`[node] ${line}`),
      }),
      'the Node benchmark',
    );
    code = save(result);
  } finally {
    await server.close();
  }
  // Dawn's instance keeps the event loop alive.
  process.exit(code);
}

async function main() {
  if (opts['node-child']) return nodeChild();
  if (opts.probes) process.exit(await runNode());
  const started = Date.now();
  let status = 0;
  if (opts.env === 'all' || opts.env === 'chromium') {
    try {
      status |= await runChromium();
    } catch (error) {
      console.error(`[chromium] ${error instanceof Error ? (error.stack ?? error.message) : error}`);
      status |= 1;
    }
  }
  if (opts.env === 'all' || opts.env === 'node') status |= await runNode();
  console.log(
    `bench: ${status ? 'finished with errors' : 'done'} in ${((Date.now() - started) / 1000).toFixed(0)} s; results in ${resultsDir}`,
  );
  process.exit(status ? 1 : 0);
}

main().catch((error) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});

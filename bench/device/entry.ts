/**
 * Node entry of the device bundle: the same benchmark as `npm run bench -- --env node`, without Vite
 * at run time. bench/device/bundle.mjs builds this file, bench/core.ts and the package into one ESM
 * file (bench.mjs, the `?raw` WGSL inlined); `webgpu` stays external and is found in the bundle's
 * node_modules. bench/device/run.sh sets the Vulkan environment before Node starts.
 *
 *   node bench.mjs probe [--expect-hardware] [--out DIR]     adapter info, features, limits (adapter.json)
 *   node bench.mjs bench [--preset P] [--runs N] [--warmup N] [--only TEXT | --groups "A;B;..."]
 *                        [--limits bench|default] [--name NAME] [--out DIR]    tables on stdout, DIR/NAME.json
 *   node bench.mjs summary --ours bench-node.json --torch torch.json [--out DIR]   ours vs torch (summary.md)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { create, globals } from 'webgpu';
import { runBench } from '../core';
import type { BenchResult } from '../core';
import type { PresetName } from '../presets';
import { formatResult } from '../table.mjs';
import { summarize } from './summary';
import type { TorchResult } from './summary';

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    preset: { type: 'string', default: 'auto' },
    runs: { type: 'string' },
    warmup: { type: 'string' },
    only: { type: 'string' },
    groups: { type: 'string' },
    limits: { type: 'string', default: 'bench' },
    name: { type: 'string', default: 'bench-node' },
    out: { type: 'string', default: '.' },
    'expect-hardware': { type: 'boolean', default: false },
    ours: { type: 'string' },
    torch: { type: 'string' },
  },
});

function fail(message: string): never {
  console.error(`bench.mjs: ${message}`);
  process.exit(2);
}

const command = positionals[0] ?? 'bench';
if (!['probe', 'bench', 'summary'].includes(command))
  fail(`the command must be probe, bench or summary, not ${command}`);
if (!['auto', 'full', 'swiftshader'].includes(opts.preset))
  fail(`--preset must be auto, full or swiftshader, not ${opts.preset}`);
if (opts.only !== undefined && opts.groups !== undefined) fail('give --only or --groups, not both');
if (!['bench', 'default'].includes(opts.limits)) fail(`--limits must be bench or default, not ${opts.limits}`);
for (const key of ['runs', 'warmup'] as const) {
  const v = opts[key];
  if (v !== undefined && !(Number.isInteger(Number(v)) && Number(v) >= (key === 'warmup' ? 0 : 1)))
    fail(`--${key} must be a whole number, not ${v}`);
}

/** Dawn's GPU, made once and pinned: Dawn crashes at exit when it is collected while its adapters live (ENVIRONMENT.md). */
function dawn(): GPU {
  const pinned = globalThis as { mixupDawn?: GPU };
  if (!pinned.mixupDawn) {
    Object.assign(globalThis, globals);
    // Dawn rounds timestamps to 65.5 µs by default; the bench in run-bench.mjs turns that off too.
    pinned.mixupDawn = create(['disable-dawn-features=timestamp_quantization']);
  }
  return pinned.mixupDawn;
}

/**
 * `--limits default`: every device is created without requiredLimits, i.e. with the spec defaults
 * (128 MiB binding, 256 MiB buffer) as most users get them. The bench itself asks for the adapter's
 * maximum; this is a stop-gap for a bench that has no rows at default limits of its own.
 */
function gpuForLimits(gpu: GPU, limits: string): GPU {
  if (limits === 'bench') return gpu;
  return {
    requestAdapter: async (options?: GPURequestAdapterOptions) => {
      const adapter = await gpu.requestAdapter(options);
      if (!adapter) return adapter;
      const requestDevice = adapter.requestDevice.bind(adapter);
      Object.defineProperty(adapter, 'requestDevice', {
        value: (descriptor?: GPUDeviceDescriptor) => requestDevice({ ...descriptor, requiredLimits: {} }),
      });
      return adapter;
    },
    getPreferredCanvasFormat: () => gpu.getPreferredCanvasFormat(),
    wgslLanguageFeatures: gpu.wgslLanguageFeatures,
  } as GPU;
}

function writeJson(name: string, value: unknown): string {
  mkdirSync(opts.out, { recursive: true });
  const file = join(opts.out, `${name}.json`);
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
  return file;
}

const LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupsPerDimension',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupStorageSize',
] as const;

async function probe(): Promise<number> {
  const instance = dawn();
  const adapter =
    (await instance.requestAdapter({ powerPreference: 'high-performance' })) ??
    (await instance.requestAdapter({ forceFallbackAdapter: true }));
  if (!adapter) {
    console.error('probe: no WebGPU adapter (Vulkan loader, ICD or driver missing; see bench/device/README.md)');
    return 1;
  }
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const defaults = await adapter.requestDevice();
  const report = {
    date: new Date().toISOString(),
    runtime: `Node ${process.version}, webgpu (Dawn) package, device bundle`,
    adapter: {
      vendor: info.vendor,
      architecture: info.architecture,
      device: info.device,
      description: info.description,
      isFallbackAdapter: Boolean(info.isFallbackAdapter),
    },
    features: [...adapter.features].sort(),
    adapterLimits: Object.fromEntries(LIMITS.map((k) => [k, adapter.limits[k]])),
    defaultDeviceLimits: Object.fromEntries(LIMITS.map((k) => [k, defaults.limits[k]])),
    env: {
      VK_ICD_FILENAMES: process.env.VK_ICD_FILENAMES ?? null,
      VK_DRIVER_FILES: process.env.VK_DRIVER_FILES ?? null,
      LD_LIBRARY_PATH: process.env.LD_LIBRARY_PATH ?? null,
    },
  };
  defaults.destroy();
  console.log(JSON.stringify(report, null, 2));
  console.log(`probe: wrote ${writeJson('adapter', report)}`);
  if (opts['expect-hardware'] && report.adapter.isFallbackAdapter) {
    console.error('probe: the adapter is a fallback (software) adapter, but --expect-hardware was given');
    return 1;
  }
  return 0;
}

/**
 * Results of several runs (one per --groups entry) as one: rows concatenated in order, target counts
 * added up, everything else from the first run. Used so that a run stopped by its time limit still
 * leaves the groups it finished on disk.
 */
function merge(parts: BenchResult[]): BenchResult {
  const [first] = parts;
  const sum = (pick: (p: BenchResult) => number) => parts.reduce((total, p) => total + pick(p), 0);
  return {
    ...first,
    only: parts.length > 1 ? parts.map((p) => p.only ?? '').join('; ') : first.only,
    seconds: sum((p) => p.seconds),
    rows: parts.flatMap((p) => p.rows),
    targets: first.targets.map((t, i) => ({
      ...t,
      measured: sum((p) => p.targets[i]?.measured ?? 0),
      met: sum((p) => p.targets[i]?.met ?? 0),
    })),
  };
}

async function bench(): Promise<number> {
  // --groups "A;B;C": one run per row filter, in this order, the JSON rewritten after each; else one run of --only.
  const groups = opts.groups
    ? opts.groups
        .split(';')
        .map((g) => g.trim())
        .filter(Boolean)
    : [opts.only ?? null];
  const parts: BenchResult[] = [];
  let file = '';
  // As scripts/run-bench.mjs: counting GCs lets the host-cost table measure JS heap per call.
  let gcs = 0;
  new PerformanceObserver((list) => {
    gcs += list.getEntries().length;
  }).observe({ entryTypes: ['gc'] });
  for (const only of groups) {
    parts.push(
      await runBench({
        env: 'node',
        gpu: gpuForLimits(dawn(), opts.limits),
        preset: opts.preset as PresetName | 'auto',
        runs: opts.runs === undefined ? undefined : Number(opts.runs),
        warmup: opts.warmup === undefined ? undefined : Number(opts.warmup),
        only,
        tfjs: null,
        tfjsSkip: 'TF.js is run in the browser only (its webgpu backend needs a page)',
        runtime: `Node ${process.version}, webgpu (Dawn) package, device bundle${opts.limits === 'default' ? ', devices at default limits' : ''}`,
        gcCount: () => gcs,
        log: (line) => console.log(`[node] ${line}`),
      }),
    );
    file = writeJson(opts.name, merge(parts));
    if (groups.length > 1) console.log(`[node] group "${only}" done; wrote ${file}`);
  }
  const result = merge(parts);
  console.log(`\n${formatResult(result)}\n\nwrote ${file}\n`);
  return result.rows.some((r) => r.errors.length > 0) ? 1 : 0;
}

function summary(): number {
  if (!opts.ours || !opts.torch) fail('summary needs --ours FILE and --torch FILE');
  const read = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
  const text = summarize(read(opts.ours) as BenchResult, read(opts.torch) as TorchResult);
  mkdirSync(opts.out, { recursive: true });
  const file = join(opts.out, 'summary.md');
  writeFileSync(file, `${text}\n`);
  console.log(`\n${text}\n\nwrote ${file}`);
  return 0;
}

(command === 'probe' ? probe() : command === 'summary' ? Promise.resolve(summary()) : bench())
  .then((code) => process.exit(code))
  .catch((error) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  });

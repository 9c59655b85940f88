#!/usr/bin/env node
// Host cost of the planner alone: µs per plan() call (median, p90) and JS heap bytes allocated per call,
// for the workload of issue 14 (B = 256, elem mode, mixup α 0.8 + CutMix α 1, 224×224), in flip and
// shuffle pairing. Columns, side by side in one run: the planner of a baseline commit (`--before`, by
// default the last commit before the allocation-free rework), this checkout's planner returning a fresh
// plan, and this checkout's planner filling one reused plan (`plan(B, size, into)`).
//
//   node bench/planner.mjs [--before REF] [--samples N] [--calls N]
//
// Both planners are bundled from their TypeScript sources with Vite (as a user's build would), the
// baseline from `git archive REF src`. Time: performance.now() around each call, calls of the columns
// interleaved in blocks so that load on a shared machine hits every column alike; also the mean CPU
// time per call (process.cpuUsage), which a busy machine inflates less than wall time. Allocation: each
// column in a child process of its own (what V8 inlines, and so whether a double is boxed, depends on
// what else ran in the process), started with --expose-gc; bytes = change of used heap plus what every
// garbage collection in the window freed (v8.GCProfiler), over `--calls` calls after 1000 warm-up
// calls, minus the same measurement around zero calls. Targets (issue 14, reported, not asserted):
// median ≤ 50 µs, ≤ 4 KB per call.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';

if (typeof globalThis.gc !== 'function') {
  const child = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(child.status ?? 1);
}

const { values: args } = parseArgs({
  options: {
    before: { type: 'string', default: '2c57f2c' },
    samples: { type: 'string', default: '4000' },
    calls: { type: 'string', default: '10000' },
    'alloc-child': { type: 'string' },
  },
});
const SAMPLES = Number(args.samples);
const CALLS = Number(args.calls);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const B = 256;
const SIZE = { height: 224, width: 224 };
const WORKLOADS = [
  { name: 'elem mixup 0.8 + CutMix 1, flip', options: { mixupAlpha: 0.8, cutmixAlpha: 1, mode: 'elem', seed: 1 } },
  {
    name: 'elem mixup 0.8 + CutMix 1, shuffle',
    options: { mixupAlpha: 0.8, cutmixAlpha: 1, mode: 'elem', pairing: 'shuffle', seed: 1 },
  },
];

/** Bundles `<srcRoot>/src/<entry>.ts` into one ES module and imports it. */
async function loadPlanner(srcRoot, outDir, entry = 'plan') {
  const { build } = await import('vite');
  await build({
    configFile: false,
    logLevel: 'error',
    root: srcRoot,
    build: {
      lib: { entry: join(srcRoot, `src/${entry}.ts`), formats: ['es'], fileName: () => `${entry}.mjs` },
      outDir,
      emptyOutDir: true,
      minify: false,
      write: true,
    },
  });
  const bundle = join(outDir, `${entry}.mjs`);
  return { bundle, ...(await import(pathToFileURL(bundle).href)) };
}

if (args['alloc-child']) {
  // Child: `<bundle> <workload index> <fresh|into>`; prints bytes per call.
  const [bundle, w, how] = args['alloc-child'].split('|');
  const m = await import(pathToFileURL(bundle).href);
  const planner = m.createPlanner(WORKLOADS[Number(w)].options);
  const into = m.emptyPlan(B);
  const call = how === 'into' ? () => planner.plan(B, SIZE, into) : () => planner.plan(B, SIZE);
  for (let i = 0; i < 1000; i++) call();
  console.log(bytesPerCall(call));
  process.exit(0);
}

const work = mkdtempSync(join(tmpdir(), 'planner-bench-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

const after = await loadPlanner(root, join(work, 'after-dist'));
const rng = await loadPlanner(root, join(work, 'rng-dist'), 'rng');
let before = null;
let beforeCommit = null;
try {
  beforeCommit = execFileSync('git', ['rev-parse', '--short', `${args.before}^{commit}`], {
    cwd: root,
    encoding: 'utf8',
  }).trim();
  const tree = join(work, 'before');
  execFileSync('mkdir', ['-p', tree]);
  execFileSync('sh', ['-c', `git archive ${beforeCommit} src | tar -x -C "${tree}"`], { cwd: root });
  before = await loadPlanner(tree, join(work, 'before-dist'));
} catch (e) {
  console.log(`(no baseline: cannot load the planner of ${args.before}: ${String(e.message).split('\n')[0]})`);
}

/** One column: a planner, how it is called, and the same for a child process measuring allocation. */
function columns(options) {
  const cols = [];
  if (before) {
    const p = before.createPlanner(options);
    cols.push({ name: `before (${beforeCommit})`, call: () => p.plan(B, SIZE), bundle: before.bundle, how: 'fresh' });
  }
  const fresh = after.createPlanner(options);
  cols.push({ name: 'after, fresh plan', call: () => fresh.plan(B, SIZE), bundle: after.bundle, how: 'fresh' });
  const reused = after.createPlanner(options);
  const into = after.emptyPlan(B);
  cols.push({ name: 'after, into', call: () => reused.plan(B, SIZE, into), bundle: after.bundle, how: 'into' });
  return cols;
}

function childBytesPerCall(col, workload) {
  const out = execFileSync(
    process.execPath,
    [
      '--expose-gc',
      fileURLToPath(import.meta.url),
      '--calls',
      String(CALLS),
      '--alloc-child',
      `${col.bundle}|${workload}|${col.how}`,
    ],
    { encoding: 'utf8' },
  );
  return Number(out.trim());
}

/** Same bytes from the baseline and from this checkout, with and without `into`, for 20 plans. */
function sameDraws(options) {
  if (!before) return 'n/a';
  const a = before.createPlanner(options);
  const b = after.createPlanner(options);
  const c = after.createPlanner(options);
  const into = after.emptyPlan(B);
  const bytes = (p) =>
    Buffer.concat([p.kind, p.lam, p.partner, p.box].map((x) => Buffer.from(x.buffer, x.byteOffset, x.byteLength)));
  for (let t = 0; t < 20; t++) {
    const ref = bytes(a.plan(B, SIZE));
    if (!ref.equals(bytes(b.plan(B, SIZE))) || !ref.equals(bytes(c.plan(B, SIZE, into))))
      return `no (plan ${t} differs)`;
  }
  return 'yes';
}

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** µs per call for every column, interleaved in blocks of 25 calls, the column order rotating. */
function time(cols) {
  for (const c of cols) for (let i = 0; i < 1000; i++) c.call();
  const times = cols.map(() => new Float64Array(SAMPLES));
  const cpu = cols.map(() => 0);
  const BLOCK = 25;
  for (let done = 0, round = 0; done < SAMPLES; done += BLOCK, round++) {
    for (let k = 0; k < cols.length; k++) {
      const j = (k + round) % cols.length;
      const call = cols[j].call;
      const c0 = process.cpuUsage();
      for (let i = done; i < Math.min(done + BLOCK, SAMPLES); i++) {
        const t0 = performance.now();
        call();
        times[j][i] = (performance.now() - t0) * 1000;
      }
      const c = process.cpuUsage(c0);
      cpu[j] += c.user + c.system;
    }
  }
  return times.map((t, j) => {
    const s = t.sort();
    return { median: quantile(s, 0.5), p90: quantile(s, 0.9), cpu: cpu[j] / SAMPLES };
  });
}

/** Bytes allocated on the JS heap by `n` calls, counting what collections in between freed. */
function allocated(call, n) {
  gc();
  const profiler = new v8.GCProfiler();
  profiler.start();
  const h0 = v8.getHeapStatistics().used_heap_size;
  for (let i = 0; i < n; i++) call();
  const h1 = v8.getHeapStatistics().used_heap_size;
  let freed = 0;
  for (const s of profiler.stop().statistics) {
    freed += s.beforeGC.heapStatistics.usedHeapSize - s.afterGC.heapStatistics.usedHeapSize;
  }
  return h1 - h0 + freed;
}

function bytesPerCall(call) {
  allocated(call, 100); // warm the measurement itself
  const overhead = allocated(() => {}, CALLS);
  return (allocated(call, CALLS) - overhead) / CALLS;
}

const f1 = (x) => x.toFixed(1).padStart(8);
console.log(
  `planner host cost, B = ${B}, ${SIZE.height}x${SIZE.width}; node ${process.version}, ${cpus().length} CPUs, ` +
    `load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} (a shared machine: compare columns, not runs)`,
);
console.log(
  `${SAMPLES} timed calls per column, allocation over ${CALLS} calls; targets: median <= 50 us, <= 4096 B/call\n`,
);
/** ns per Philox4x32-10 block of this checkout's stream (best of 20 runs of 64,000 words): the generator's floor. */
function philoxNsPerBlock() {
  const stream = new rng.Philox(1);
  let best = Infinity;
  let sink = 0;
  for (let run = 0; run < 20; run++) {
    const t0 = performance.now();
    for (let i = 0; i < 64_000; i++) sink ^= stream.nextU32();
    best = Math.min(best, ((performance.now() - t0) * 1e6) / 16_000);
  }
  return sink === 0.5 ? 0 : best;
}
console.log(`Philox4x32-10 in this checkout: ${philoxNsPerBlock().toFixed(1)} ns per block (best of 20 runs)\n`);

for (const [index, w] of WORKLOADS.entries()) {
  const cols = columns(w.options);
  const t = time(cols);
  const bytes = cols.map((c) => childBytesPerCall(c, index));
  console.log(`${w.name} (same draws as ${beforeCommit ?? 'baseline'}: ${sameDraws(w.options)})`);
  console.log(`  ${'column'.padEnd(24)}  median us    p90 us  cpu us/call     B/call   before/this (median)`);
  cols.forEach((c, i) => {
    const ratio = before ? (t[0].median / t[i].median).toFixed(2) : '';
    const row = `${f1(t[i].median)}  ${f1(t[i].p90)}     ${f1(t[i].cpu)}  ${bytes[i].toFixed(0).padStart(9)}`;
    console.log(`  ${c.name.padEnd(24)}  ${row}   ${ratio}`);
  });
  console.log('');
}

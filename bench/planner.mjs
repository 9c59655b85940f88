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
// interleaved in blocks so that load on a shared machine hits every column alike. Allocation: the
// process runs with --expose-gc (re-executed with it when missing); bytes = change of used heap plus
// what every garbage collection in the window freed (v8.GCProfiler), over `--calls` calls, minus the
// same measurement around zero calls. Targets (issue 14, reported, not asserted): ≤ 50 µs, ≤ 4 KB.
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
  },
});
const SAMPLES = Number(args.samples);
const CALLS = Number(args.calls);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const B = 256;
const SIZE = { height: 224, width: 224 };
const WORKLOADS = [
  { name: 'elem mixup 0.8 + CutMix 1, flip', options: { mixupAlpha: 0.8, cutmixAlpha: 1, mode: 'elem', seed: 1 } },
  { name: 'elem mixup 0.8 + CutMix 1, shuffle', options: { mixupAlpha: 0.8, cutmixAlpha: 1, mode: 'elem', pairing: 'shuffle', seed: 1 } },
];

/** Bundles `<srcRoot>/src/plan.ts` into one ES module and imports it. */
async function loadPlanner(srcRoot, outDir) {
  const { build } = await import('vite');
  await build({
    configFile: false,
    logLevel: 'error',
    root: srcRoot,
    build: {
      lib: { entry: join(srcRoot, 'src/plan.ts'), formats: ['es'], fileName: () => 'plan.mjs' },
      outDir,
      emptyOutDir: true,
      minify: false,
      write: true,
    },
  });
  return import(pathToFileURL(join(outDir, 'plan.mjs')).href);
}

const work = mkdtempSync(join(tmpdir(), 'planner-bench-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

const after = await loadPlanner(root, join(work, 'after-dist'));
let before = null;
let beforeCommit = null;
try {
  beforeCommit = execFileSync('git', ['rev-parse', '--short', `${args.before}^{commit}`], { cwd: root, encoding: 'utf8' }).trim();
  const tree = join(work, 'before');
  execFileSync('mkdir', ['-p', tree]);
  execFileSync('sh', ['-c', `git archive ${beforeCommit} src | tar -x -C "${tree}"`], { cwd: root });
  before = await loadPlanner(tree, join(work, 'before-dist'));
} catch (e) {
  console.log(`(no baseline: cannot load the planner of ${args.before}: ${String(e.message).split('\n')[0]})`);
}

/** One column: a planner and how it is called. */
function columns(options) {
  const cols = [];
  if (before) {
    const p = before.createPlanner(options);
    cols.push({ name: `before (${beforeCommit})`, call: () => p.plan(B, SIZE) });
  }
  const fresh = after.createPlanner(options);
  cols.push({ name: 'after, fresh plan', call: () => fresh.plan(B, SIZE) });
  const reused = after.createPlanner(options);
  const into = after.emptyPlan(B);
  cols.push({ name: 'after, into', call: () => reused.plan(B, SIZE, into) });
  return cols;
}

/** Same bytes from the baseline and from this checkout, with and without `into`, for 20 plans. */
function sameDraws(options) {
  if (!before) return 'n/a';
  const a = before.createPlanner(options);
  const b = after.createPlanner(options);
  const c = after.createPlanner(options);
  const into = after.emptyPlan(B);
  const bytes = (p) => Buffer.concat([p.kind, p.lam, p.partner, p.box].map((x) => Buffer.from(x.buffer, x.byteOffset, x.byteLength)));
  for (let t = 0; t < 20; t++) {
    const ref = bytes(a.plan(B, SIZE));
    if (!ref.equals(bytes(b.plan(B, SIZE))) || !ref.equals(bytes(c.plan(B, SIZE, into)))) return `no (plan ${t} differs)`;
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
  const BLOCK = 25;
  for (let done = 0, round = 0; done < SAMPLES; done += BLOCK, round++) {
    for (let k = 0; k < cols.length; k++) {
      const j = (k + round) % cols.length;
      const call = cols[j].call;
      for (let i = done; i < Math.min(done + BLOCK, SAMPLES); i++) {
        const t0 = performance.now();
        call();
        times[j][i] = (performance.now() - t0) * 1000;
      }
    }
  }
  return times.map((t) => {
    const s = t.sort();
    return { median: quantile(s, 0.5), p90: quantile(s, 0.9) };
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
    `load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (a shared machine: compare columns, not runs)`,
);
console.log(`${SAMPLES} timed calls per column, allocation over ${CALLS} calls; targets: median <= 50 us, <= 4096 B/call\n`);
for (const w of WORKLOADS) {
  const cols = columns(w.options);
  const t = time(cols);
  const bytes = cols.map((c) => bytesPerCall(c.call));
  console.log(`${w.name} (same draws as ${beforeCommit ?? 'baseline'}: ${sameDraws(w.options)})`);
  console.log(`  ${'column'.padEnd(24)}  median us    p90 us     B/call   before/this (median)`);
  cols.forEach((c, i) => {
    const ratio = before ? (t[0].median / t[i].median).toFixed(2) : '';
    console.log(`  ${c.name.padEnd(24)}  ${f1(t[i].median)}  ${f1(t[i].p90)}  ${bytes[i].toFixed(0).padStart(9)}   ${ratio}`);
  });
  console.log('');
}

// Formats a benchmark result (the JSON of bench/core.ts) as Markdown tables, for the terminal and
// for bench/RESULTS.md alike. Plain JavaScript so scripts/run-bench.mjs can import it without a build.

const COLUMNS = ['ours', 'copy', 'copy kernel', 'shape copy', 'naive', 'tfjs', 'js'];

const fixed = (v, digits) => (v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits));

/** Milliseconds with about three significant digits. */
function ms(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return '-';
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3);
}

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

const label = (r) => `${r.workload} ${r.mode} ${r.mix} ${r.pairing}`;
const timer = (t) => (t === 'gpu-timestamp' ? 'gpu' : (t ?? '-'));

function cellMs(col) {
  if (!col || col.skipped || !col.ms) return '-';
  return `${ms(col.ms.median)} [${ms(col.ms.min)}..${ms(col.ms.max)}]`;
}

function ratio(v, digits = 2, suffix = 'x') {
  return v === null || v === undefined ? '-' : `${fixed(v, digits)}${suffix}`;
}

/** The header lines and three tables: times, bandwidth and ratios, host cost. */
export function formatResult(result) {
  const a = result.adapter;
  const device = [a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' / ');
  const measured = result.rows.filter((r) => !r.skipped);
  const skipped = result.rows.filter((r) => r.skipped);
  const gpuTiming = result.features.timestampQuery
    ? 'GPU timestamps (timestampWrites, bracketing the work)'
    : 'wall time to onSubmittedWorkDone';
  const out = [];
  out.push(`## ${result.env}: preset ${result.preset} (${result.presetReason})`);
  out.push('');
  out.push(
    `- adapter: ${device}${a.isFallbackAdapter ? ' (fallback adapter)' : ''}; shader-f16: ${result.features.shaderF16 ? 'yes' : 'no'}; timestamp-query: ${result.features.timestampQuery ? 'yes' : 'no'}`,
  );
  out.push(`- runtime: ${result.runtime}`);
  out.push(
    `- date: ${result.date}; ${result.runs} runs per column after ${result.warmup} warm-up, interleaved; ${result.seconds.toFixed(0)} s`,
  );
  const tfjs = result.tfjsAdapter ? `wall time on TF.js's own device (${result.tfjsAdapter})` : 'not run';
  out.push(`- ours, copy, naive: ${gpuTiming}; tfjs: ${tfjs}; js: CPU time`);
  out.push('');
  out.push('ms per call, median [min..max]:');
  out.push('');
  out.push(
    table(
      ['workload mode mix pairing', 'shape', 'timer', ...COLUMNS],
      measured.map((r) => [
        label(r),
        r.shape,
        timer(r.columns.ours.timing),
        ...COLUMNS.map((c) => cellMs(r.columns[c])),
      ]),
    ),
  );
  out.push('');
  out.push(
    'GB/s of the minimum bytes (each input byte read once, each output byte written once), and ratios (ours/copy on the GPU timer; tfjs/ours and js/ours on wall time; naive/ours on the GPU timer):',
  );
  out.push('');
  out.push(
    table(
      [
        'workload mode mix pairing',
        'MB',
        ...COLUMNS.map((c) => `${c} GB/s`),
        'ours % of copy',
        '% of copy kernel',
        '% of shape copy',
        'tfjs/ours',
        'naive/ours',
        'js/ours',
      ],
      measured.map((r) => [
        label(r),
        fixed(r.bytes.min / 1e6, 2),
        ...COLUMNS.map((c) => fixed(r.columns[c].gbps, 2)),
        ratio(r.ratios.oursPctOfCopy, 0, '%'),
        ratio(r.ratios.oursPctOfCopyKernel, 0, '%'),
        ratio(r.ratios.oursPctOfShapeCopy, 0, '%'),
        ratio(r.ratios.tfjsOverOurs),
        ratio(r.ratios.naiveOverOurs),
        ratio(r.ratios.jsOverOurs),
      ]),
    ),
  );
  out.push('');
  out.push(
    'Host cost per call (no GPU wait), median µs, and allocations per call after warm-up; check = every column matches the CPU reference:',
  );
  out.push('');
  out.push(
    table(
      [
        'workload mode mix pairing',
        'cycles',
        'encode µs',
        'buffers',
        'bind groups',
        'mix() µs',
        'buffers',
        'bind groups',
        'check',
      ],
      measured.map((r) => {
        const h = r.host;
        const cycles = r.cycles ? `${r.cycles.count} (max ${r.cycles.longest})` : '-';
        return [
          label(r),
          cycles,
          h ? fixed(h.encode.us.median, 0) : '-',
          h ? fixed(h.encode.buffersPerCall, 1) : '-',
          h ? fixed(h.encode.bindGroupsPerCall, 1) : '-',
          h ? fixed(h.mix.us.median, 0) : '-',
          h ? fixed(h.mix.buffersPerCall, 1) : '-',
          h ? fixed(h.mix.bindGroupsPerCall, 1) : '-',
          r.errors.length ? 'FAIL' : 'ok',
        ];
      }),
    ),
  );
  if (result.hostCost) {
    const h = result.hostCost;
    const floor = h.rows.find((r) => r.name === 'WebGPU floor');
    out.push(
      '',
      `Host cost per call (${h.workload}); the GPU is drained between calls, outside the timing. The WebGPU floor makes the same encoder / pass / setPipeline / setBindGroup (cached) / dispatch / finish / submit calls with a trivial kernel; the "our dispatches" rows make them with the pipelines, bind groups and grids of one mixer call (the same GPU work; with its upload), and "1 workgroup" is plan+encode+submit with each dispatch cut to one workgroup: on a software adapter the GPU work runs on the host's cores and slows submit, so compare 1 workgroup with the floor, and plan+encode+submit with floor, our dispatches; heap = JS heap allocated per call in steady state, and by the first call after the queue went idle, where Dawn in Node allocates 150-250 KB once for real GPU work (Node with --expose-gc only):`,
      '',
    );
    out.push(
      table(
        ['what', 'median µs', 'p90 µs', 'x floor (median)', 'heap KB/call', 'first call after idle, heap KB'],
        h.rows.map((r) => [
          r.name,
          fixed(r.us.median, 1),
          fixed(r.us.p90, 1),
          floor ? fixed(r.us.median / floor.us.median, 1) : '-',
          r.heapBytes == null ? '-' : fixed(r.heapBytes / 1024, 1),
          r.firstHeapBytes == null ? '-' : fixed(r.firstHeapBytes / 1024, 1),
        ]),
      ),
    );
  }
  if (result.limits) {
    const [full, plain] = result.limits;
    out.push(
      '',
      'The headline batch (256x3x224x224 uint8 -> ImageNet-normalised float32, elem, mixup + CutMix, shuffle) on two devices of one adapter, interleaved, ms per call:',
      '',
    );
    out.push(
      table(
        ['device', 'maxStorageBufferBindingSize', 'dispatches', 'median ms', 'p90 ms', 'x one pass'],
        result.limits.map((r) => [
          r.name,
          `${(r.maxStorageBufferBindingSize / 2 ** 20).toFixed(0)} MiB`,
          r.dispatches,
          fixed(r.ms.median, 1),
          fixed(r.ms.p90, 1),
          fixed(r.ms.median / full.ms.median, 2),
        ]),
      ),
    );
    void plain;
  }
  const notes = [];
  for (const r of skipped) notes.push(`- skipped: ${label(r)}: ${r.skipped}`);
  for (const c of COLUMNS) {
    const reasons = new Set(measured.map((r) => r.columns[c].skipped).filter(Boolean));
    for (const reason of reasons) notes.push(`- column ${c} not measured: ${reason}`);
  }
  for (const r of measured) for (const e of r.errors) notes.push(`- ERROR ${label(r)}: ${e}`);
  if (notes.length) out.push('', ...notes);
  out.push('', 'Targets (reported, never asserted):', '');
  for (const t of result.targets) {
    const verdict = t.applicable
      ? `${t.met} of ${t.measured} rows`
      : `${t.met} of ${t.measured} rows, not judged here (${t.note})`;
    out.push(`- ${t.target} (${t.basis}): ${verdict}${t.applicable && t.note ? `; ${t.note}` : ''}`);
  }
  return out.join('\n');
}

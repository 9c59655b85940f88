/**
 * Ours next to the PyTorch peer (bench/device/torch_peer.py) on one device: the rows pair by id;
 * torch's `roll` pairing (torchvision's) pairs with our `shuffle` (both are permutations that are not
 * a flip). torch/ours > 1 means ours is faster. GPU basis: our timestamps vs torch's CUDA events;
 * wall basis: our wall time to onSubmittedWorkDone vs torch's wall time to synchronize.
 */
import type { BenchResult, RowResult } from '../core';

export interface TorchRow {
  id: string;
  impl: string;
  pairing: string | null;
  skipped: string | null;
  timing: string | null;
  ms: { median: number } | null;
  wallMs: { median: number } | null;
  gbps: number | null;
  check: { ok: boolean } | null;
  note: string;
}

export interface TorchResult {
  date: string;
  env: Record<string, unknown>;
  shape: { batch: number; channels: number; height: number; width: number };
  rows: TorchRow[];
}

const fixed = (v: number | null | undefined, digits: number) =>
  v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits);

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

function oursFor(ours: BenchResult, row: TorchRow): RowResult | undefined {
  const id = row.pairing === 'roll' ? row.id.replace(/ roll$/, ' shuffle') : row.id;
  return ours.rows.find((r) => r.id === id && !r.skipped);
}

export function summarize(ours: BenchResult, torch: TorchResult): string {
  const a = ours.adapter;
  const out: string[] = [];
  out.push(`## ours (webgpu-mixup through Dawn) vs the PyTorch peer, same device`);
  out.push('');
  out.push(
    `- ours: ${[a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' / ')}; preset ${ours.preset}; ${ours.date}`,
  );
  out.push(
    `- torch: ${Object.entries(torch.env)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}; ${torch.date}`,
  );
  out.push(
    `- torch batch ${torch.shape.batch}x${torch.shape.channels}x${torch.shape.height}x${torch.shape.width}; ours: see each row's shape in the bench tables`,
  );
  out.push('');
  const rows: string[][] = [];
  const { batch, channels, height, width } = torch.shape;
  const sameShape = (r: RowResult) =>
    r.shape === (r.workload.startsWith('labels') ? `${batch} ids, K=1000` : `${batch}x${channels}x${height}x${width}`);
  let mismatched = 0;
  for (const t of torch.rows) {
    if (t.skipped || !t.ms || !t.wallMs) continue;
    const copy = t.id.endsWith('| copy');
    const r = copy
      ? ours.rows.find((o) => t.id === `${o.workload} | copy` && !o.skipped && o.columns.copy.ms)
      : oursFor(ours, t);
    const o = r ? (copy ? r.columns.copy : r.columns.ours) : undefined;
    const comparable = r !== undefined && sameShape(r);
    if (r && !comparable) mismatched++;
    rows.push([
      t.id,
      copy ? 'torch copy_ vs copyBufferToBuffer' : t.impl + (t.check && !t.check.ok ? ' (CHECK FAILED)' : ''),
      fixed(t.ms.median, 3),
      r
        ? `${fixed(o?.ms?.median, 3)}${!copy && r.id !== t.id ? ' (shuffle)' : ''}${comparable ? '' : ` (shape ${r.shape})`}`
        : '-',
      comparable && o?.ms ? `${fixed(t.ms.median / o.ms.median, 2)}x` : '-',
      comparable && o?.wallMs ? `${fixed(t.wallMs.median / o.wallMs.median, 2)}x` : '-',
      r && !copy ? `${fixed(r.ratios.oursPctOfCopy, 0)}%` : '-',
    ]);
  }
  out.push(
    table(
      ['row', 'torch impl', 'torch ms', 'ours ms', 'torch/ours (GPU)', 'torch/ours (wall)', 'ours % of copy'],
      rows,
    ),
  );
  if (mismatched)
    out.push(
      '',
      `- ${mismatched} rows ran at different shapes in the two tools: no ratio (run both at the same sizes)`,
    );
  const skipped = torch.rows.filter((t) => t.skipped);
  if (skipped.length) out.push('', ...[...new Set(skipped.map((t) => `- torch ${t.impl} not run: ${t.skipped}`))]);
  return out.join('\n');
}

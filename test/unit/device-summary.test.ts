import { describe, expect, it } from 'vitest';
import type { BenchResult } from '../../bench/core.js';
import { summarize } from '../../bench/device/summary.js';
import type { TorchResult, TorchRow } from '../../bench/device/summary.js';

const stats = (median: number) => ({ median, min: median, max: median, n: 20 });

/** A bench row with only the fields the summary reads; times in ms. */
function oursRow(id: string, shape: string, gpu: number, wall: number, copy: number) {
  const [workload] = id.split(' | ');
  return {
    id,
    workload,
    shape,
    skipped: undefined,
    columns: { ours: { ms: stats(gpu), wallMs: stats(wall) }, copy: { ms: stats(copy), wallMs: stats(copy), gbps: 1 } },
    ratios: { oursPctOfCopy: (100 * copy) / gpu },
  };
}

function torchRow(id: string, impl: string, pairing: string | null, gpu: number, wall: number): TorchRow {
  return {
    id,
    impl,
    pairing,
    skipped: null,
    timing: 'cuda-events',
    ms: stats(gpu),
    wallMs: stats(wall),
    gbps: 1,
    check: { ok: true },
    note: '',
  };
}

const ours = {
  adapter: { vendor: 'v', architecture: 'a', device: 'd', description: 'x', isFallbackAdapter: false },
  preset: 'full',
  date: 'today',
  rows: [
    oursRow('images f32 | batch mixup flip', '4x3x8x8', 2, 4, 1),
    oursRow('images f32 | batch mixup shuffle', '4x3x8x8', 5, 10, 1),
    oursRow('labels i32>f32 | batch mixup flip', '256 ids, K=1000', 1, 1, 1),
  ],
} as unknown as BenchResult;

const torch: TorchResult = {
  date: 'today',
  env: { torch: '2.x' },
  shape: { batch: 4, channels: 3, height: 8, width: 8 },
  rows: [
    torchRow('images f32 | copy', 'torch copy_', null, 0.5, 0.5),
    torchRow('images f32 | batch mixup flip', 'torch', 'flip', 6, 6),
    torchRow('images f32 | batch mixup roll', 'torchvision.v2', 'roll', 15, 20),
    torchRow('labels i32>f32 | batch mixup flip', 'torch', 'flip', 3, 3),
  ],
};

/** The summary's table as cells, keyed by the row id and torch impl. */
function cells(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split('\n').filter((l) => l.startsWith('| images') || l.startsWith('| labels'))) {
    const c = line.split(' | ').map((s) => s.replace(/^\| /, '').replace(/ \|$/, '').trim());
    out.set(`${c[0]} | ${c[1]} / ${c[2]}`, c.slice(3));
  }
  return out;
}

describe('device summary: ours next to the torch peer', () => {
  const text = summarize(ours, torch);
  const table = cells(text);

  it('pairs rows by id and gives torch / ours on both timers', () => {
    // torch 6 ms vs ours 2 ms on the GPU timers, 6 vs 4 on wall time; ours is copy 1 / 2 = 50 %.
    expect(table.get('images f32 | batch mixup flip / torch')).toEqual(['6.000', '2.000', '3.00x', '1.50x', '50%']);
  });

  it("pairs torchvision's roll with our shuffle, and says so", () => {
    expect(table.get('images f32 | batch mixup roll / torchvision.v2')).toEqual([
      '15.000',
      '5.000 (shuffle)',
      '3.00x',
      '2.00x',
      '20%',
    ]);
  });

  it('sets the copies side by side', () => {
    expect(table.get('images f32 | copy / torch copy_ vs copyBufferToBuffer')).toEqual([
      '0.500',
      '1.000',
      '0.50x',
      '0.50x',
      '-',
    ]);
  });

  it('gives no ratio where the two ran at different sizes', () => {
    // torch ran a batch of 4; ours had 256 ids.
    expect(table.get('labels i32>f32 | batch mixup flip / torch')?.slice(1, 4)).toEqual([
      '1.000 (shape 256 ids, K=1000)',
      '-',
      '-',
    ]);
    expect(text).toContain('1 rows ran at different shapes');
  });
});

/**
 * The README's label-noise results block is generated from the committed results file
 * (scripts/label-noise-readme.mjs), so its table and its verdicts on the paper's prediction can
 * neither drift from the file nor be typed by hand. The verdicts are checked on hand-made results
 * at the edges of the prediction's thresholds (10 points of drop, 3 points of stability, 8 points of lead).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BEGIN, END, resultsBlock } from '../../scripts/label-noise-readme.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function run(id: string, best: number, last: number) {
  return {
    id,
    label: id,
    api: 'trainOnBatch',
    mixer: id === 'erm' ? null : {},
    bestAccuracy: best,
    bestEpoch: 3,
    lastAccuracy: last,
    bestMinusLast: best - last,
    stepTiming: { mixFraction: 0.01 },
  };
}

function results(erm: [number, number], mixup8: [number, number]) {
  return {
    complete: true,
    completedEpochs: 60,
    config: { epochs: 60 },
    adapter: { vendor: 'v', architecture: 'a' },
    tfjs: { version: '4', backend: 'webgpu' },
    startedAt: 'then',
    wallSeconds: 3600,
    runs: [run('erm', ...erm), run('mixup8', ...mixup8)],
  };
}

describe('README label-noise results', () => {
  it('is the block generated from examples/label-noise/results/results.json', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const file = JSON.parse(readFileSync(join(root, 'examples/label-noise/results/results.json'), 'utf8'));
    const block = readme.slice(readme.indexOf(BEGIN), readme.indexOf(END) + END.length);
    expect(block).toBe(resultsBlock(file));
  });

  it('says met only when each part of the prediction holds', () => {
    // ERM drops 10.5 points, mixup α=8 drops 1 and leads by 10.5: all met.
    const good = resultsBlock(results([0.8, 0.695], [0.81, 0.8]));
    expect(good.match(/: met \(/g)).toHaveLength(3);
    // ERM drops 9.5 points (< 10), mixup α=8 drops 4 (> 3), leads by 6.5 (< 8): none met.
    const bad = resultsBlock(results([0.8, 0.705], [0.81, 0.77]));
    expect(bad.match(/\*\*not met\*\*/g)).toHaveLength(3);
    expect(bad).toContain('(9.50 points; best 80.00% at epoch 3, last 70.50%)');
  });
});

/**
 * The label-noise example's data path on the CPU: the IDX parser on hand-built files, gzip'd by
 * node:zlib and read back by the DecompressionStream loader and by the Node reader; the seeded subset,
 * the label noise (its rate against the formula p · (K − 1) / K) and the epoch permutations.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { corruptLabels, drawSubset, epochOrder } from '../../examples/label-noise/data.js';
import { FASHION_MNIST_FILES, gunzip, loadFashionMnist, parseIdx } from '../../examples/label-noise/idx.js';
import { readFashionMnist } from '../../examples/label-noise/idx-node.js';

/** An IDX file of unsigned bytes, written by hand: 0, 0, type 8, rank, big-endian dims, data. */
function idxBytes(shape: number[], data: Uint8Array): Uint8Array {
  const header = new Uint8Array(4 + 4 * shape.length);
  header.set([0, 0, 0x08, shape.length]);
  shape.forEach((d, i) => {
    header.set([d >>> 24, (d >>> 16) & 255, (d >>> 8) & 255, d & 255], 4 + 4 * i);
  });
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data, header.length);
  return out;
}

describe('IDX loader', () => {
  it('parses shape and bytes of a hand-built file, through gzip and DecompressionStream', async () => {
    // 300 = 0x012c: a dimension above 255 checks the big-endian order.
    const data = Uint8Array.from({ length: 300 * 2 * 3 }, (_, i) => (i * 7) % 256);
    const parsed = parseIdx(await gunzip(gzipSync(idxBytes([300, 2, 3], data))));
    expect(parsed.shape).toEqual([300, 2, 3]);
    expect(Array.from(parsed.data)).toEqual(Array.from(data));
  });

  it('rejects what is not an IDX file of bytes, saying why', () => {
    expect(() => parseIdx(gzipSync(idxBytes([2], new Uint8Array(2))), 'f.gz')).toThrow(/f\.gz: not an IDX file.*gzip/);
    const floats = idxBytes([1], new Uint8Array(4));
    floats[2] = 0x0d;
    expect(() => parseIdx(floats)).toThrow(/element type 0xd, expected 0x08/);
    expect(() => parseIdx(idxBytes([2, 3], new Uint8Array(5)))).toThrow(
      /shape \[2, 3\] needs 18 bytes, the file has 17/,
    );
  });

  it('loads a data set the same way in the browser loader and the Node reader, and checks images against labels', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fmnist-'));
    try {
      const images = (n: number, seed: number) =>
        idxBytes(
          [n, 28, 28],
          Uint8Array.from({ length: n * 784 }, (_, i) => (i * seed) % 256),
        );
      const labels = (n: number) =>
        idxBytes(
          [n],
          Uint8Array.from({ length: n }, (_, i) => i % 10),
        );
      const files: Record<string, Uint8Array> = {
        [FASHION_MNIST_FILES.trainImages]: gzipSync(images(12, 3)),
        [FASHION_MNIST_FILES.trainLabels]: gzipSync(labels(12)),
        [FASHION_MNIST_FILES.testImages]: gzipSync(images(5, 5)),
        [FASHION_MNIST_FILES.testLabels]: gzipSync(labels(5)),
      };
      for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
      const browser = await loadFashionMnist(async (name) => files[name]);
      const node = await readFashionMnist(dir);
      expect(browser.train.count).toBe(12);
      expect(browser.test.count).toBe(5);
      expect(Array.from(browser.test.labels)).toEqual([0, 1, 2, 3, 4]);
      expect(Array.from(node.train.images)).toEqual(Array.from(browser.train.images));
      expect(Array.from(node.test.labels)).toEqual(Array.from(browser.test.labels));
      // Labels for another number of images, or a class above 9, are refused.
      const wrong: Record<string, Uint8Array> = { ...files, [FASHION_MNIST_FILES.testLabels]: gzipSync(labels(4)) };
      await expect(loadFashionMnist(async (name) => wrong[name])).rejects.toThrow(
        /test labels: shape \[4\], expected \[5\]/,
      );
      const bad: Record<string, Uint8Array> = {
        ...files,
        [FASHION_MNIST_FILES.testLabels]: gzipSync(idxBytes([5], Uint8Array.from([0, 1, 12, 3, 4]))),
      };
      await expect(loadFashionMnist(async (name) => bad[name])).rejects.toThrow(/test labels: label 12 at 2/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('experiment data', () => {
  it('draws a seeded subset of distinct indices, the same for the same seed', () => {
    const a = drawSubset(60000, 5000, 11);
    expect(a).toHaveLength(5000);
    expect(new Set(a).size).toBe(5000);
    expect(Math.max(...a)).toBeLessThan(60000);
    expect(Array.from(drawSubset(60000, 5000, 11))).toEqual(Array.from(a));
    expect(Array.from(drawSubset(60000, 5000, 12).subarray(0, 20))).not.toEqual(Array.from(a.subarray(0, 20)));
  });

  it('replaces labels with probability p by a uniform class: about p (K − 1) / K of them change', () => {
    const n = 100_000;
    const clean = Int32Array.from({ length: n }, (_, i) => i % 10);
    const noisy = corruptLabels(clean, 0.4, 10, 5);
    const changed = noisy.filter((v, i) => v !== clean[i]).length / n;
    // 0.4 × 9 / 10 = 0.36; the binomial standard deviation is 0.0015.
    expect(Math.abs(changed - 0.36)).toBeLessThan(0.008);
    expect(noisy.every((v) => v >= 0 && v < 10)).toBe(true);
    // A changed label goes to each other class about equally often.
    const to = new Array(10).fill(0);
    noisy.forEach((v, i) => {
      if (clean[i] === 0 && v !== 0) to[v]++;
    });
    const expected = (n / 10) * 0.04;
    for (let k = 1; k < 10; k++) expect(Math.abs(to[k] - expected)).toBeLessThan(5 * Math.sqrt(expected));
    expect(Array.from(corruptLabels(clean, 0.4, 10, 5))).toEqual(Array.from(noisy));
  });

  it('orders each epoch by a seeded permutation, another for each epoch', () => {
    const e0 = epochOrder(5000, 1, 0);
    expect(Array.from(e0).sort((a, b) => a - b)).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    expect(Array.from(epochOrder(5000, 1, 0))).toEqual(Array.from(e0));
    expect(Array.from(epochOrder(5000, 1, 1).subarray(0, 20))).not.toEqual(Array.from(e0.subarray(0, 20)));
  });
});

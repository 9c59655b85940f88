/** The IDX loader for Node: reads the gzip'd files from a directory and decompresses them with `node:zlib`. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FASHION_MNIST_FILES, checkSplit, parseIdx } from './idx';
import type { FashionMnist, IdxArray } from './idx';

/** Where Debian's `dataset-fashion-mnist` puts the files. */
export const DEBIAN_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Reads one gzip'd IDX file. */
export async function readIdxFile(path: string): Promise<IdxArray> {
  return parseIdx(new Uint8Array(gunzipSync(await readFile(path))), path);
}

/** Reads the four Fashion-MNIST files from `dir`. */
export async function readFashionMnist(dir = DEBIAN_FASHION_MNIST_DIR): Promise<FashionMnist> {
  const f = FASHION_MNIST_FILES;
  const [trI, trL, teI, teL] = await Promise.all(
    [f.trainImages, f.trainLabels, f.testImages, f.testLabels].map((name) => readIdxFile(join(dir, name))),
  );
  return { train: checkSplit(trI, trL, 'train'), test: checkSplit(teI, teL, 'test') };
}

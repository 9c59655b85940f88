/**
 * IDX files (the MNIST / Fashion-MNIST format), gzip'd as distributed: a big-endian header (two zero
 * bytes, a type code, the number of dimensions, then each dimension as a uint32) and the data. Only
 * unsigned bytes (type 0x08) occur in these data sets, and only those are accepted.
 *
 * `gunzip` uses the web's `DecompressionStream`, present in browsers and in Node 18+ alike; the
 * Node-only reader in `idx-node.ts` uses `node:zlib` instead.
 */

/** A parsed IDX file: its dimensions and its bytes (one image after another, row by row). */
export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

const UBYTE = 0x08;

/** Parses an uncompressed IDX file of unsigned bytes; throws on any other type or a size mismatch. */
export function parseIdx(bytes: Uint8Array, name = 'IDX file'): IdxArray {
  if (bytes.length < 4) throw new Error(`${name}: ${bytes.length} bytes, too short for an IDX header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(0) !== 0)
    throw new Error(`${name}: not an IDX file (the first two bytes are not zero; is it still gzip'd?)`);
  const type = bytes[2];
  if (type !== UBYTE) throw new Error(`${name}: element type 0x${type.toString(16)}, expected 0x08 (unsigned bytes)`);
  const rank = bytes[3];
  const offset = 4 + 4 * rank;
  if (bytes.length < offset) throw new Error(`${name}: header of rank ${rank} is cut short`);
  const shape = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const size = shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== offset + size)
    throw new Error(`${name}: shape [${shape.join(', ')}] needs ${offset + size} bytes, the file has ${bytes.length}`);
  return { shape, data: bytes.subarray(offset) };
}

/** Decompresses gzip data with `DecompressionStream` (browser or Node). */
export async function gunzip(compressed: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([compressed as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The four Fashion-MNIST files, as Debian's `dataset-fashion-mnist` installs them. */
export const FASHION_MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte.gz',
  trainLabels: 'train-labels-idx1-ubyte.gz',
  testImages: 't10k-images-idx3-ubyte.gz',
  testLabels: 't10k-labels-idx1-ubyte.gz',
} as const;

/** Fashion-MNIST: images [N, 28, 28] bytes and labels [N] (classes 0..9). */
export interface FashionMnist {
  train: { images: Uint8Array; labels: Uint8Array; count: number };
  test: { images: Uint8Array; labels: Uint8Array; count: number };
}

/** Checks that images and labels belong together: [N, 28, 28] and [N], labels in 0..9. */
export function checkSplit(
  images: IdxArray,
  labels: IdxArray,
  name: string,
): { images: Uint8Array; labels: Uint8Array; count: number } {
  const [n, h, w] = images.shape;
  if (images.shape.length !== 3 || h !== 28 || w !== 28)
    throw new Error(`${name} images: shape [${images.shape.join(', ')}], expected [N, 28, 28]`);
  if (labels.shape.length !== 1 || labels.shape[0] !== n)
    throw new Error(`${name} labels: shape [${labels.shape.join(', ')}], expected [${n}]`);
  const bad = labels.data.findIndex((k) => k > 9);
  if (bad >= 0) throw new Error(`${name} labels: label ${labels.data[bad]} at ${bad}, expected 0..9`);
  return { images: images.data, labels: labels.data, count: n };
}

/** Loads Fashion-MNIST through `read` (e.g. a `fetch` of the served file), which returns a file's gzip'd bytes. */
export async function loadFashionMnist(read: (file: string) => Promise<Uint8Array>): Promise<FashionMnist> {
  const load = async (file: string) => parseIdx(await gunzip(await read(file)), file);
  const f = FASHION_MNIST_FILES;
  const [trI, trL, teI, teL] = await Promise.all([
    load(f.trainImages),
    load(f.trainLabels),
    load(f.testImages),
    load(f.testLabels),
  ]);
  return { train: checkSplit(trI, trL, 'train'), test: checkSplit(teI, teL, 'test') };
}

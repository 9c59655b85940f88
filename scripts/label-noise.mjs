#!/usr/bin/env node
// `npm run example:label-noise`: the label-noise experiment (examples/label-noise) in headless Chromium,
// on TF.js's WebGPU backend, driven by Playwright on a page Vite serves on 127.0.0.1. Writes the
// results JSON and the accuracy plot (a screenshot of the page's canvas) to examples/label-noise/results/.
// The data are Debian's dataset-fashion-mnist, served to the page under /fashion-mnist/; installed
// with apt when missing and we are root, otherwise the script says what to install.
import { createReadStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CHROMIUM_ARGS, aptInstall, ensureChromium } from './chromium.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const DATA_DIR = process.env.FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist';
const FILES = [
  'train-images-idx3-ubyte.gz',
  'train-labels-idx1-ubyte.gz',
  't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz',
];

const USAGE = `usage: npm run example:label-noise -- [options]
  (no option)     the fixed experiment, headless: 4 runs x 60 epochs; writes
                  examples/label-noise/results/results.json and accuracy.png
  --smoke         the CI smoke configuration (1,000 images, 2 epochs, ERM and mixup)
  --out DIR       where to write results.json and accuracy.png
                  (default examples/label-noise/results, or .../results/smoke with --smoke)
  --serve         serve the page for a browser of your own instead (prints its address)
  --port N        the port for --serve (default 5180)
  FASHION_MNIST_DIR=...  where the four .gz files are (default ${DATA_DIR})`;

const { values: opts } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    out: { type: 'string' },
    serve: { type: 'boolean', default: false },
    port: { type: 'string', default: '5180' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  console.log(USAGE);
  process.exit(0);
}

/** The data directory with the four files, installing Debian's package when allowed; throws with advice otherwise. */
function ensureDataset() {
  const complete = () => FILES.every((f) => existsSync(join(DATA_DIR, f)));
  if (complete()) return DATA_DIR;
  if (!process.env.FASHION_MNIST_DIR && aptInstall('dataset-fashion-mnist', 'label-noise') && complete())
    return DATA_DIR;
  throw new Error(
    `Fashion-MNIST not found in ${DATA_DIR} (${FILES.join(', ')}). Install Debian/Ubuntu package ` +
      '`dataset-fashion-mnist` (sudo apt-get install dataset-fashion-mnist), or set FASHION_MNIST_DIR to a directory with those four files.',
  );
}

/** Serves the four files under /fashion-mnist/, and nothing else from the data directory. */
function fashionMnistPlugin(dir) {
  return {
    name: 'fashion-mnist',
    configureServer(server) {
      server.middlewares.use('/fashion-mnist', (req, res, next) => {
        const name = (req.url ?? '').replace(/^\//, '').split('?')[0];
        if (!FILES.includes(name)) return next();
        res.setHeader('Content-Type', 'application/octet-stream');
        createReadStream(join(dir, name)).pipe(res);
      });
    },
  };
}

async function startServer(dir, port) {
  const { createServer } = await import('vite');
  const server = await createServer({
    root,
    configFile: false,
    logLevel: 'warn',
    clearScreen: false,
    plugins: [fashionMnistPlugin(dir)],
    server: { host: '127.0.0.1', port, strictPort: true, hmr: false, watch: null },
    // Pre-bundle TF.js up front: discovering it mid-run would make Vite reload the page.
    optimizeDeps: {
      entries: ['examples/label-noise/index.html'],
      include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu'],
    },
  });
  await server.listen();
  const address = server.httpServer.address();
  return { server, port: typeof address === 'object' && address ? address.port : port };
}

/** Writes results.json and accuracy.png (a screenshot of the page's plot canvas) to `outDir`. */
async function save(page, outDir, result) {
  mkdirSync(outDir, { recursive: true });
  const resultsFile = join(outDir, 'results.json');
  writeFileSync(resultsFile, `${JSON.stringify(result, null, 2)}\n`);
  const plotFile = join(outDir, 'accuracy.png');
  await page.locator('#plot').screenshot({ path: plotFile });
  return { resultsFile, plotFile };
}

async function runHeadless(dir) {
  const outDir = opts.out ?? join(root, 'examples', 'label-noise', 'results', ...(opts.smoke ? ['smoke'] : []));
  const executablePath = ensureChromium();
  const { chromium } = await import('playwright');
  const { server, port } = await startServer(dir, 0);
  let browser = null;
  try {
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
    const page = await browser.newPage({ viewport: { width: 900, height: 1000 } });
    let settle;
    const done = new Promise((resolve, reject) => (settle = { resolve, reject }));
    await page.exposeFunction('labelNoiseLog', (line) => console.log(`[label-noise] ${line}`));
    await page.exposeFunction('labelNoiseDone', (json) => settle.resolve(json));
    // After every round of epochs: the results so far (complete: false) and the plot, so a run stopped
    // early (Ctrl-C, a deadline) still leaves its data; the final write replaces them.
    await page.exposeFunction('labelNoiseProgress', async (json) => {
      const partial = JSON.parse(json);
      await save(page, outDir, partial);
      console.log(
        `[label-noise] saved the results of epochs 1-${partial.completedEpochs} of ${partial.config.epochs} (${(partial.wallSeconds / 60).toFixed(1)} min so far)`,
      );
    });
    await page.exposeFunction('labelNoiseFail', (message) =>
      settle.reject(new Error(`the experiment failed in the page: ${message}`)),
    );
    page.on('pageerror', (error) => settle.reject(error));
    page.on('crash', () => settle.reject(new Error('the page crashed')));
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning')
        console.error(`[chromium ${message.type()}] ${message.text()}`);
    });
    const url = `http://127.0.0.1:${port}/examples/label-noise/index.html${opts.smoke ? '?smoke=1' : ''}`;
    console.log(`[label-noise] ${executablePath}, page ${url}`);
    // Generous: a fresh clone's first load waits for Vite to pre-bundle TF.js.
    await page.goto(url, { timeout: 180_000 });
    const result = JSON.parse(await done);
    const { resultsFile, plotFile } = await save(page, outDir, result);
    for (const r of result.runs) {
      console.log(
        `[label-noise] ${r.label.padEnd(11)} best ${(100 * r.bestAccuracy).toFixed(2)}% (epoch ${r.bestEpoch}), last ${(100 * r.lastAccuracy).toFixed(2)}%, best - last ${(100 * r.bestMinusLast).toFixed(2)} points, ${r.wallSeconds.toFixed(0)} s`,
      );
    }
    console.log(
      `[label-noise] done in ${(result.wallSeconds / 60).toFixed(1)} min; wrote ${resultsFile} and ${plotFile}`,
    );
  } finally {
    await browser?.close();
    await server.close();
  }
}

async function main() {
  const dir = ensureDataset();
  if (opts.serve) {
    const { port } = await startServer(dir, Number(opts.port));
    console.log(
      `[label-noise] open http://127.0.0.1:${port}/examples/label-noise/index.html in a browser with WebGPU (add ?smoke=1 for the short run); Ctrl-C stops`,
    );
    return;
  }
  await runHeadless(dir);
  process.exit(0);
}

main().catch((error) => {
  console.error(`[label-noise] ${error instanceof Error ? (error.stack ?? error.message) : error}`);
  process.exit(1);
});

// What a new user does, end to end: `npm pack`, install the tarball into fresh projects, type-check
// strict TypeScript against it (moduleResolution nodenext and bundler, skipLibCheck false), check
// its exports with @arethetypeswrong/cli, and run the README's Node quick start on Dawn, several
// times, to a clean exit.
//
// Only the npm registry is reached (TypeScript 6 for the DOM-lib check, from npm's cache after the
// first run). The heavy packages a user would install (webgpu, @webgpu/types, TF.js's core,
// onnxruntime-web) are linked from this repository's node_modules rather than installed again.
import { spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dawnEnv } from '../../scripts/chromium.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixture = join(root, 'test', 'consumer', 'fixture');
const modules = join(root, 'node_modules');
const TYPESCRIPT_6 = '6.0.3'; // the first TypeScript whose DOM lib declares WebGPU

interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** Runs a command to completion without blocking the event loop (several run side by side). */
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, output }));
  });
}

function npm(args: string[], cwd: string): Run {
  const result = spawnSync('npm', [...args, '--no-audit', '--no-fund'], { cwd, encoding: 'utf8' });
  return { status: result.status, signal: result.signal, output: `${result.stdout}${result.stderr}` };
}

function link(project: string, name: string, target: string): void {
  const at = join(project, 'node_modules', name);
  mkdirSync(dirname(at), { recursive: true });
  symlinkSync(target, at, 'dir');
}

/** The block after the README's `<!-- quick-start-node -->` marker, as a user would copy it. */
function readmeQuickStart(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = /<!-- quick-start-node[^>]*-->\s*```js\n([\s\S]*?)\n```/.exec(readme);
  if (!block) throw new Error('README.md has no ```js block after <!-- quick-start-node -->');
  return `${block[1]}\n`;
}

function tsconfig(resolution: 'nodenext' | 'bundler', types: string[], files: string[]): string {
  const compilerOptions = {
    target: 'ES2022',
    lib: ['ES2022', 'DOM'],
    module: resolution === 'bundler' ? 'esnext' : 'nodenext',
    moduleResolution: resolution,
    strict: true,
    skipLibCheck: false,
    noEmit: true,
    ...(types.length ? { types } : {}),
  };
  return JSON.stringify({ compilerOptions, files }, null, 2);
}

let work = '';
let tarball = '';
let core = ''; // a Node / browser project: @webgpu/types as its own dev dependency, webgpu, onnxruntime-web
let tfjs = ''; // a TF.js project: the @webgpu/types and @types/* that @tensorflow/tfjs-core brings
let ts6 = '';

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'webgpu-mixup-consumer-'));
  const packed = join(work, 'pack');
  mkdirSync(packed);
  // prepack builds dist/ first, so this works on a fresh clone.
  const pack = npm(['pack', '--pack-destination', packed], root);
  expect(pack.status, `npm pack failed:\n${pack.output}`).toBe(0);
  const [name] = readdirSync(packed).filter((f) => f.endsWith('.tgz'));
  expect(name, `npm pack made no tarball:\n${pack.output}`).toBeTruthy();
  tarball = join(packed, name!);

  for (const project of ['core', 'tfjs']) {
    const dir = join(work, project);
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: `consumer-${project}`, private: true, type: 'module' }),
    );
    const install = npm(['install', '--prefer-offline', '--ignore-scripts', tarball], dir);
    expect(install.status, `npm install ${tarball} failed:\n${install.output}`).toBe(0);
  }
  core = join(work, 'core');
  link(core, '@webgpu/types', join(modules, '@webgpu', 'types'));
  link(core, 'webgpu', join(modules, 'webgpu'));
  link(core, 'onnxruntime-web', join(modules, 'onnxruntime-web'));
  cpSync(join(fixture, 'core.ts'), join(core, 'core.ts'));
  cpSync(join(fixture, 'ort.ts'), join(core, 'ort.ts'));
  writeFileSync(join(core, 'quick-start.mjs'), readmeQuickStart());

  // As `npm install @tensorflow/tfjs` lays it out: tfjs-core's pinned @webgpu/types and its @types.
  tfjs = join(work, 'tfjs');
  const tfjsCore = join(modules, '@tensorflow', 'tfjs-core');
  const nested = join(tfjsCore, 'node_modules', '@webgpu', 'types');
  link(tfjs, '@tensorflow/tfjs-core', tfjsCore);
  link(tfjs, '@webgpu/types', existsSync(nested) ? nested : join(modules, '@webgpu', 'types'));
  for (const types of ['long', 'offscreencanvas', 'seedrandom'])
    link(tfjs, `@types/${types}`, join(modules, '@types', types));
  cpSync(join(fixture, 'tfjs.ts'), join(tfjs, 'tfjs.ts'));

  ts6 = join(work, 'typescript-6');
  mkdirSync(ts6);
  writeFileSync(join(ts6, 'package.json'), JSON.stringify({ name: 'typescript-6', private: true }));
  const install = npm(['install', '--prefer-offline', '--ignore-scripts', `typescript@${TYPESCRIPT_6}`], ts6);
  expect(install.status, `npm install typescript@${TYPESCRIPT_6} failed:\n${install.output}`).toBe(0);
}, 300_000);

afterAll(() => {
  if (work && !process.env.KEEP_CONSUMER) rmSync(work, { recursive: true, force: true });
});

describe('the packed package, installed as a user would', () => {
  it('ships the built library, its declarations, LICENSE and the README image, and no sources', () => {
    const list = spawnSync('tar', ['-tzf', tarball], { encoding: 'utf8' });
    expect(list.status).toBe(0);
    const files = list.stdout
      .split('\n')
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, ''));
    for (const file of [
      'package.json',
      'README.md',
      'LICENSE',
      'docs/demo.png',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/tfjs.js',
      'dist/adapters/tfjs.d.ts',
      'dist/ort.js',
      'dist/adapters/ort.d.ts',
    ]) {
      expect(files, file).toContain(file);
    }
    expect(files.filter((f) => /^(src|shaders|test)\//.test(f))).toEqual([]);
    // The README's image is linked relatively, so it must be in the package.
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    for (const [, image] of readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)/g))
      if (!/^https?:/.test(image!)) expect(files, `README image ${image}`).toContain(image);
  });

  it('@arethetypeswrong/cli finds no problem for node16 (ESM) and bundler', async () => {
    // esm-only: the package is ESM only, so attw's node10 and node16-from-CJS modes do not apply.
    const attw = await run(
      process.execPath,
      [
        join(modules, '@arethetypeswrong', 'cli', 'dist', 'index.js'),
        tarball,
        '--profile',
        'esm-only',
        '--format',
        'ascii',
      ],
      work,
    );
    expect(attw.status, attw.output).toBe(0);
    expect(attw.output).toMatch(/node16 \(from ESM\)/);
  });

  it('strict TypeScript (skipLibCheck false) type-checks against the core, TF.js and ORT entries under nodenext and bundler, and under TypeScript 6 with only its DOM lib', async () => {
    const tsc5 = join(modules, 'typescript', 'bin', 'tsc');
    const tsc6 = join(ts6, 'node_modules', 'typescript', 'bin', 'tsc');
    const checks: [string, string, string, string][] = [];
    for (const resolution of ['nodenext', 'bundler'] as const) {
      writeFileSync(
        join(core, `tsconfig.${resolution}.json`),
        tsconfig(resolution, ['@webgpu/types'], ['core.ts', 'ort.ts']),
      );
      writeFileSync(join(tfjs, `tsconfig.${resolution}.json`), tsconfig(resolution, [], ['tfjs.ts']));
      checks.push([`core + ort, ${resolution}, @webgpu/types`, tsc5, core, `tsconfig.${resolution}.json`]);
      checks.push([`tfjs, ${resolution}, tfjs-core's @webgpu/types`, tsc5, tfjs, `tsconfig.${resolution}.json`]);
    }
    writeFileSync(join(core, 'tsconfig.dom.json'), tsconfig('nodenext', [], ['core.ts']));
    checks.push([`core, nodenext, TypeScript ${TYPESCRIPT_6}'s DOM lib only`, tsc6, core, 'tsconfig.dom.json']);
    const results = await Promise.all(
      checks.map(([, tsc, cwd, config]) => run(process.execPath, [tsc, '-p', config], cwd)),
    );
    const failures = results.flatMap((r, i) =>
      r.status === 0 ? [] : [`${checks[i]![0]} (exit ${r.status}):\n${r.output}`],
    );
    expect(failures.join('\n')).toBe('');
  });

  it("the README's Node quick start mixes a batch on Dawn and exits cleanly, run after run", async () => {
    const env = { ...process.env, ...dawnEnv() };
    const runs: Run[] = [];
    for (let i = 0; i < 3; i++) runs.push(await run(process.execPath, ['quick-start.mjs'], core, env));
    for (const r of runs) {
      expect({ status: r.status, signal: r.signal }, r.output).toEqual({ status: 0, signal: null });
    }
    // Each printed target row is lam·t(own class) + (1 − lam)·t(partner's class), with the quick
    // start's classes (i mod K) smoothed by ε = 0.1: on = 1 − ε + ε/K, off = ε/K.
    const K = 10;
    const lines = runs[0]!.output.split('\n').filter((l) => l.startsWith('sample '));
    expect(lines).toHaveLength(8);
    for (const line of lines) {
      const m =
        /^sample (\d+): (unchanged|mixup|cutmix) with (\d+), lam ([\d.]+), first pixel (-?[\d.]+), target ([\d. ]+)$/.exec(
          line,
        );
      expect(m, line).not.toBeNull();
      const [i, partner, lam] = [Number(m![1]), Number(m![3]), Number(m![4])];
      const row = m![6]!.split(' ').map(Number);
      const onehot = (c: number, k: number) => (k === c ? 1 - 0.1 + 0.1 / K : 0.1 / K);
      row.forEach((v, k) => {
        expect(
          Math.abs(v - (lam * onehot(i % K, k) + (1 - lam) * onehot(partner % K, k))),
          `${line} [${k}]`,
        ).toBeLessThan(1.5e-3);
      });
    }
    // Seeded: every run prints the same batch.
    for (const r of runs.slice(1)) expect(r.output.split('\n').filter((l) => l.startsWith('sample '))).toEqual(lines);
  });
});

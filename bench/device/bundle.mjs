#!/usr/bin/env node
// `npm run bench:device-bundle`: packs everything the benchmark needs on a bare Linux x86-64 machine
// with an NVIDIA driver but no Node, no browser and no network, into bench/device/dist/mixup-device.tar.xz:
//   bin/node                         this Node (process.execPath)
//   node_modules/webgpu/             the package's JS and its linux-x64 dawn.node only
//   lib/libvulkan.so.1               the Vulkan loader (Debian's libvulkan1)
//   lib/glvnd/libGLdispatch.so.0     glvnd's dispatcher, used only where the driver's folder lacks one
//   bench.mjs                        bench/device/entry.ts + bench/core.ts + the package, one ESM file (Vite build)
//   run.sh, torch_peer.py, MANIFEST.txt
// The benchmark is built from its entry at pack time, so whatever bench/core.ts is then is what travels.
// See bench/device/README.md.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const dist = join(here, 'dist');
const stage = join(dist, 'mixup-device');
const archive = join(dist, 'mixup-device.tar.xz');
/** The device tool moves at most 64 MiB, working tree included: leave room for the tree. */
const LIMIT_BYTES = 60 * 1024 * 1024;

const MiB = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const sh = (cmd, args, options = {}) => execFileSync(cmd, args, { encoding: 'utf8', ...options }).trim();

function log(line) {
  console.log(`[bundle] ${line}`);
}

/** bench/device/entry.ts with everything it imports (bench/core.ts, src/, the WGSL) in one ESM file; `webgpu` stays external. */
async function buildBench() {
  const { build } = await import('vite');
  await build({
    root,
    configFile: false,
    logLevel: 'warn',
    clearScreen: false,
    ssr: { noExternal: true, external: ['webgpu'] },
    build: {
      ssr: join(here, 'entry.ts'),
      outDir: stage,
      emptyOutDir: false,
      target: 'node20',
      minify: false,
      sourcemap: false,
      rollupOptions: {
        external: ['webgpu'],
        output: { format: 'es', entryFileNames: 'bench.mjs', codeSplitting: false },
      },
    },
  });
  log(`bench.mjs: ${MiB(statSync(join(stage, 'bench.mjs')).size)}`);
}

function copyWebgpu() {
  const pkg = join(root, 'node_modules', 'webgpu');
  const out = join(stage, 'node_modules', 'webgpu');
  mkdirSync(join(out, 'dist', 'linux-x64'), { recursive: true });
  for (const file of ['package.json', 'index.js', 'LICENSE.md']) copyFileSync(join(pkg, file), join(out, file));
  copyFileSync(join(pkg, 'dist', 'linux-x64', 'dawn.node'), join(out, 'dist', 'linux-x64', 'dawn.node'));
  return JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')).version;
}

/** A file of a Debian package: from the installed package, else from `apt-get download` unpacked in a temporary folder. */
function debianFile(pkg, pattern) {
  try {
    const status = sh('dpkg-query', ['-W', '-f=${Status} ${Version}', pkg]);
    if (status.startsWith('install ok installed')) {
      const file = sh('dpkg', ['-L', pkg])
        .split('\n')
        .find((f) => pattern.test(f));
      if (file) return { file: realpathSync(file), source: `Debian ${pkg} ${status.split(' ').pop()} (installed)` };
    }
  } catch {
    // not installed, or no dpkg: try a download
  }
  const tmp = mkdtempSync(join(tmpdir(), `mixup-${pkg}-`));
  try {
    sh('apt-get', ['download', pkg], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch {
    return null;
  }
  const deb = sh('ls', [tmp])
    .split('\n')
    .find((f) => f.endsWith('.deb'));
  sh('dpkg-deb', ['-x', join(tmp, deb), join(tmp, 'x')]);
  const file = sh('find', [join(tmp, 'x'), '-type', 'f'])
    .split('\n')
    .find((f) => pattern.test(f));
  return file ? { file, source: `Debian ${deb} (apt-get download)` } : null;
}

function copyLoaders() {
  mkdirSync(join(stage, 'lib', 'glvnd'), { recursive: true });
  const vulkan = process.env.MIXUP_VULKAN_LOADER
    ? { file: process.env.MIXUP_VULKAN_LOADER, source: `MIXUP_VULKAN_LOADER=${process.env.MIXUP_VULKAN_LOADER}` }
    : debianFile('libvulkan1', /libvulkan\.so\.1/);
  if (!vulkan)
    throw new Error(
      'no Vulkan loader: install Debian libvulkan1 (apt-get install libvulkan1) or set MIXUP_VULKAN_LOADER to a libvulkan.so.1',
    );
  copyFileSync(vulkan.file, join(stage, 'lib', 'libvulkan.so.1'));
  const glvnd = debianFile('libglvnd0', /libGLdispatch\.so\.0/);
  if (glvnd) copyFileSync(glvnd.file, join(stage, 'lib', 'glvnd', 'libGLdispatch.so.0'));
  else log('warning: no libGLdispatch.so.0 (Debian libglvnd0); the device must have its own');
  return { vulkan: vulkan.source, glvnd: glvnd?.source ?? 'none' };
}

function gitDescribe() {
  try {
    const commit = sh('git', ['rev-parse', '--short', 'HEAD'], { cwd: root });
    const dirty = sh('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root })
      ? ' + uncommitted changes'
      : '';
    return `${commit}${dirty}`;
  } catch {
    return 'unknown';
  }
}

async function main() {
  if (process.platform !== 'linux' || process.arch !== 'x64')
    throw new Error(`the bundle is for linux-x64; this Node is ${process.platform}-${process.arch}`);
  rmSync(stage, { recursive: true, force: true });
  rmSync(archive, { force: true });
  mkdirSync(join(stage, 'bin'), { recursive: true });
  await buildBench();
  copyFileSync(process.execPath, join(stage, 'bin', 'node'));
  chmodSync(join(stage, 'bin', 'node'), 0o755);
  const webgpu = copyWebgpu();
  const loaders = copyLoaders();
  for (const file of ['run.sh', 'torch_peer.py']) cpSync(join(here, file), join(stage, file));
  chmodSync(join(stage, 'run.sh'), 0o755);
  const manifest = [
    `webgpu-mixup device bundle, packed ${new Date().toISOString()} from ${gitDescribe()}`,
    `node: ${process.version} (${process.execPath})`,
    `webgpu package: ${webgpu} (linux-x64 dawn.node)`,
    `vulkan loader: ${loaders.vulkan}`,
    `glvnd dispatcher (fallback): ${loaders.glvnd}`,
    'bench.mjs: bench/device/entry.ts built with Vite (bench/core.ts, src/, shaders/ inlined)',
    '',
  ].join('\n');
  writeFileSync(join(stage, 'MANIFEST.txt'), manifest);
  log('compressing (xz -9) ...');
  sh('sh', ['-c', `tar -C '${dist}' -cf - mixup-device | xz -9 -T0 > '${archive}'`]);
  const size = statSync(archive).size;
  process.stdout.write(manifest);
  log(`${archive}: ${MiB(size)} (unpacked ${sh('du', ['-sh', stage]).split('\t')[0]})`);
  // Only the archive travels (the device tool's carry); the unpacked copy would be 4x its size.
  rmSync(stage, { recursive: true, force: true });
  if (size > LIMIT_BYTES)
    throw new Error(
      `the bundle is ${MiB(size)}, over the ${MiB(LIMIT_BYTES)} budget (the device tool moves 64 MiB, working tree included)`,
    );
}

main().catch((error) => {
  console.error(`[bundle] ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});

#!/usr/bin/env node
// Finds a Chromium for the browser tests and the benchmark: $CHROMIUM_PATH, then /usr/bin/chromium.
// When none is found and we are root with apt, installs Debian's `chromium`; otherwise says what to install.
// Also finds SwiftShader's Vulkan ICD, which Chromium ships and which Dawn in Node needs on GPU-less machines.
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';

const DEFAULT_PATH = '/usr/bin/chromium';
const SWIFTSHADER_ICDS = ['/usr/lib/chromium/vk_swiftshader_icd.json'];

/**
 * Installs Debian package `pkg` with apt-get when this process may (root, apt present), for the
 * scripts' "install it when missing" rule. Returns whether it tried; the caller checks the result.
 */
export function aptInstall(pkg, tag) {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root) return false;
  try {
    execFileSync('apt-get', ['--version'], { stdio: 'ignore' });
  } catch {
    return false;
  }
  console.error(`[${tag}] not found; installing Debian package \`${pkg}\` with apt-get ...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', pkg], { stdio: 'inherit', env });
  return true;
}

export function ensureChromium({ install = true } = {}) {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (existsSync(fromEnv)) return fromEnv;
    throw new Error(`CHROMIUM_PATH is set to ${fromEnv}, which does not exist`);
  }
  if (existsSync(DEFAULT_PATH)) return DEFAULT_PATH;
  if (install && aptInstall('chromium', 'chromium') && existsSync(DEFAULT_PATH)) return DEFAULT_PATH;
  throw new Error(
    'Chromium not found. Install Debian/Ubuntu package `chromium` (sudo apt-get install chromium), ' +
      'or set CHROMIUM_PATH to a Chromium or Chrome binary with WebGPU.',
  );
}

/** The SwiftShader Vulkan ICD shipped with Chromium, if present. */
export function swiftShaderIcd() {
  return process.env.VK_ICD_FILENAMES || SWIFTSHADER_ICDS.find((p) => existsSync(p)) || null;
}

/**
 * Environment for Dawn in Node on a GPU-less machine: SwiftShader's ICD, and the Vulkan loader.
 * Debian's Chromium ships its own libvulkan.so.1, so no extra package is needed; it must be on
 * LD_LIBRARY_PATH before the process that loads dawn.node starts (vitest's forks, the main job).
 */
export function dawnEnv() {
  const env = {};
  const icd = swiftShaderIcd();
  if (icd) env.VK_ICD_FILENAMES = icd;
  const loaderDir = '/usr/lib/chromium';
  if (existsSync(`${loaderDir}/libvulkan.so.1`)) {
    const current = process.env.LD_LIBRARY_PATH;
    env.LD_LIBRARY_PATH = current?.split(':').includes(loaderDir)
      ? current
      : [current, loaderDir].filter(Boolean).join(':');
  }
  return env;
}

/** Flags for headless Chromium with WebGPU on a closed network (see shared ENVIRONMENT notes). */
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--enable-unsafe-webgpu',
  '--enable-webgpu-developer-features',
  '--no-sandbox',
  '--disable-gpu-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    console.log(ensureChromium());
  } catch (error) {
    console.error(String(error instanceof Error ? error.message : error));
    process.exit(1);
  }
}

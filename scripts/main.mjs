#!/usr/bin/env node
// `npm start`: builds the package, then runs the sample job (scripts/mix-sample.mjs) in a Node
// process with Dawn's environment (SwiftShader's Vulkan driver and loader from Debian's Chromium
// when there is no GPU). The loader path must be set before that process starts, hence the child.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dawnEnv, ensureChromium } from './chromium.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
let env = { ...process.env };
try {
  ensureChromium();
  env = { ...env, ...dawnEnv() };
} catch (error) {
  console.error(
    `[main] ${error instanceof Error ? error.message : error}\n[main] continuing: a real GPU may still be found.`,
  );
}
const build = spawnSync(
  process.execPath,
  [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'],
  { cwd: root, stdio: 'inherit' },
);
if (build.status !== 0) process.exit(build.status ?? 1);
const run = spawnSync(process.execPath, [join(root, 'scripts', 'mix-sample.mjs'), ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env,
});
process.exit(run.status ?? 1);

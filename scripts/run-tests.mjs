#!/usr/bin/env node
// `npm test`: finds (or installs) Chromium, runs every vitest project (unit, browser, node),
// then prints the plain summary line `N passed, N failed` from vitest's JSON report.
// Extra arguments go to vitest (e.g. `npm test -- --project unit`). With `--coverage` (npm run
// test:coverage) and no --project, only the unit and node projects run: V8 coverage of src/ in
// Node (the browser project's code runs in Chromium, outside Node's coverage); report in coverage/.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dawnEnv, ensureChromium } from './chromium.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const chromium = ensureChromium();
const reportDir = join(root, '.vitest-results');
const report = join(reportDir, 'report.json');
mkdirSync(reportDir, { recursive: true });
rmSync(report, { force: true });

const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const extra = process.argv.slice(2);
const coverageOnly =
  extra.includes('--coverage') && !extra.some((a) => a === '--project' || a.startsWith('--project='));
const args = [
  vitest,
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${report}`,
  ...(coverageOnly ? ['--project', 'unit', '--project', 'node'] : []),
  // Instrumented code runs slower: the unit project's 5 s default would time out its heavy tests.
  ...(extra.includes('--coverage') ? ['--testTimeout=120000'] : []),
  ...extra,
];
const run = spawnSync(process.execPath, args, {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, ...dawnEnv(), CHROMIUM_PATH: chromium },
});

let passed = 0;
let failed = 0;
let other = 0;
try {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  for (const file of json.testResults ?? []) {
    for (const test of file.assertionResults ?? []) {
      if (test.status === 'passed') passed++;
      else if (test.status === 'failed') failed++;
      else other++;
    }
    // A file that failed to load has no assertions but must still fail the run.
    if (file.status === 'failed' && !(file.assertionResults ?? []).some((t) => t.status === 'failed')) failed++;
  }
} catch (error) {
  console.error(`could not read vitest's JSON report (${report}): ${error instanceof Error ? error.message : error}`);
  failed++;
}
if (other) console.log(`(${other} tests neither passed nor failed: skipped or todo)`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || run.status !== 0 || passed === 0 ? 1 : 0);

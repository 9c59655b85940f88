#!/usr/bin/env node
// `npm run test:mutants`: applies the curated mutations of scripts/mutants.list.mjs one at a time to a
// temporary copy of the checkout, runs the tests each one names, and reports which survive.
//
// The checkout is never written: the copy lives under the system's temp directory (node_modules is a
// symlink into the checkout), and is removed on exit, on Ctrl-C and on a crash. Exit code 1 when a
// mutation survives, when its search text no longer occurs exactly once in its file, when its tests
// ran nothing, or when the unmutated baseline fails (a "kill" would then mean nothing); so the list
// cannot go stale silently.
//
// Options: --only id,id  run only these mutations;  --list  print the list and exit;
//          --check  only check that every search text and test file still matches, run nothing;
//          --baseline  first run every project's named tests unmutated (they must pass; slower).
import { spawn, execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dawnEnv, ensureChromium } from './chromium.mjs';
import { MUTANTS } from './mutants.list.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? new Set(args[onlyAt + 1].split(',')) : null;
/** Wall-clock limit of one test run; past it the mutation counts as killed (a hang is a failure). */
const RUN_TIMEOUT_MS = 10 * 60_000;

if (flag('--list')) {
  for (const m of MUTANTS) console.log(`${m.id.padEnd(28)} ${m.file.padEnd(30)} [${m.project}] ${m.rule}`);
  console.log(`${MUTANTS.length} mutations`);
  process.exit(0);
}

const selected = MUTANTS.filter((m) => !only || only.has(m.id));
if (only && selected.length !== only.size) {
  const known = new Set(MUTANTS.map((m) => m.id));
  console.error(`unknown mutation id(s): ${[...only].filter((id) => !known.has(id)).join(', ')}`);
  process.exit(2);
}
const ids = new Set();
for (const m of MUTANTS) {
  if (ids.has(m.id)) throw new Error(`mutation id ${m.id} appears twice in scripts/mutants.list.mjs`);
  ids.add(m.id);
}

// ---- the temporary copy ----
const copy = mkdtempSync(join(tmpdir(), 'webgpu-mixup-mutants-'));
let child = null;
const cleanUp = () => rmSync(copy, { recursive: true, force: true });
process.on('exit', cleanUp);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (child) child.kill('SIGKILL');
    console.error(`\n${signal}: stopped; the checkout was never modified, the temporary copy is removed.`);
    process.exit(130);
  });
}

// Tracked files and untracked ones git does not ignore: what a fresh clone plus local work holds.
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: root })
  .toString()
  .split('\0')
  .filter((f) => f && existsSync(join(root, f)));
for (const f of files) {
  mkdirSync(dirname(join(copy, f)), { recursive: true });
  copyFileSync(join(root, f), join(copy, f));
}
symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'), 'dir');

const env = { ...process.env, ...dawnEnv(), CHROMIUM_PATH: ensureChromium() };
const report = join(copy, '.vitest-results', 'mutant.json');
mkdirSync(dirname(report), { recursive: true });

/** Runs vitest in the copy on `projects` x `tests`; returns counts from its JSON report. */
function runTests(projects, tests, grep) {
  rmSync(report, { force: true });
  const argv = [join(copy, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--bail=1', '--reporter=json'];
  argv.push(`--outputFile.json=${report}`, ...projects.flatMap((p) => ['--project', p]));
  if (grep) argv.push('-t', grep);
  argv.push(...tests);
  return new Promise((resolve) => {
    const started = Date.now();
    let log = '';
    child = spawn(process.execPath, argv, { cwd: copy, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => {
      log += d;
    });
    child.stderr.on('data', (d) => {
      log += d;
    });
    const timer = setTimeout(() => child?.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      child = null;
      const seconds = (Date.now() - started) / 1000;
      let passed = 0;
      let failed = 0;
      let firstFailure = '';
      try {
        const json = JSON.parse(readFileSync(report, 'utf8'));
        for (const file of json.testResults ?? []) {
          for (const t of file.assertionResults ?? []) {
            if (t.status === 'passed') passed++;
            else if (t.status === 'failed') {
              failed++;
              firstFailure ||= t.fullName;
            }
          }
          if (file.status === 'failed' && !(file.assertionResults ?? []).some((t) => t.status === 'failed')) {
            failed++;
            firstFailure ||= `${file.name.replace(`${copy}/`, '')} failed to load: ${(file.message ?? '').slice(0, 200)}`;
          }
        }
      } catch {
        // No report: vitest crashed or was killed. Counts as a failure of the run.
      }
      const timedOut = signal === 'SIGKILL';
      if (timedOut) firstFailure = `timed out after ${RUN_TIMEOUT_MS / 1000} s`;
      const noFiles = /No test files found/.test(log);
      if (code !== 0 && failed === 0 && !noFiles) {
        failed++;
        firstFailure ||= `vitest exited with ${code ?? signal}: ${log.trim().split('\n').slice(-3).join(' | ')}`;
      }
      resolve({ passed, failed, seconds, firstFailure });
    });
  });
}

const asList = (v) => (Array.isArray(v) ? v : [v]);
let problems = 0;

// ---- stale entries: search text must occur exactly once, test files must exist ----
for (const m of selected) {
  const source = readFileSync(join(copy, m.file), 'utf8');
  const count = source.split(m.find).length - 1;
  if (count !== 1) {
    console.log(
      `STALE    ${m.id}: the search text occurs ${count} times in ${m.file} (needs exactly 1): ${JSON.stringify(m.find)}`,
    );
    m.stale = true;
    problems++;
  }
  for (const t of m.tests) {
    if (!existsSync(join(copy, t))) {
      console.log(`STALE    ${m.id}: test file ${t} does not exist`);
      m.stale = true;
      problems++;
    }
  }
}

// ---- baseline: every project's tests pass unmutated ----
if (flag('--check')) {
  console.log(`${selected.length} mutations, ${problems} problem(s) with the list`);
  process.exit(problems ? 1 : 0);
}
if (flag('--baseline')) {
  const byProject = new Map();
  for (const m of selected.filter((s) => !s.stale)) {
    for (const p of asList(m.project)) {
      const set = byProject.get(p) ?? new Set();
      for (const t of m.tests) set.add(t);
      byProject.set(p, set);
    }
  }
  for (const [project, tests] of byProject) {
    const r = await runTests([project], [...tests]);
    console.log(`baseline ${project}: ${r.passed} passed, ${r.failed} failed (${r.seconds.toFixed(0)} s)`);
    if (r.failed > 0 || r.passed === 0) {
      console.log(`BASELINE FAILS in ${project} (${r.firstFailure || 'no tests ran'}): kills would mean nothing.`);
      process.exit(1);
    }
  }
}

// ---- the mutations ----
const survivors = [];
for (const m of selected) {
  if (m.stale) continue;
  const path = join(copy, m.file);
  const original = readFileSync(path, 'utf8');
  writeFileSync(
    path,
    original.replace(m.find, () => m.replace),
  );
  let r;
  try {
    r = await runTests(asList(m.project), m.tests, m.grep);
  } finally {
    writeFileSync(path, original);
  }
  const where = `[${asList(m.project).join('+')}] ${r.seconds.toFixed(0)} s`;
  if (r.failed > 0) {
    console.log(`killed   ${m.id.padEnd(28)} ${where}  by: ${r.firstFailure.slice(0, 140)}`);
  } else if (r.passed === 0) {
    console.log(`NO TESTS ${m.id.padEnd(28)} ${where}  (the named tests ran nothing: stale list?)`);
    problems++;
  } else {
    console.log(`SURVIVED ${m.id.padEnd(28)} ${where}  ${r.passed} tests passed; rule: ${m.rule}`);
    survivors.push(m);
  }
}

const tested = selected.filter((m) => !m.stale).length;
console.log(
  `\n${tested - survivors.length} of ${tested} mutations killed, ${survivors.length} survived` +
    (problems ? `, ${problems} problem(s) with the list` : ''),
);
if (survivors.length) console.log(`survivors: ${survivors.map((m) => m.id).join(', ')}`);
process.exit(survivors.length || problems ? 1 : 0);

#!/usr/bin/env node
// Gives every relative import in the TypeScript sources the extension Node's ESM resolution needs
// (`./plan` -> `./plan.js`, `./dir` -> `./dir/index.js`), which tsc then copies into the emitted
// .d.ts files. tsconfig.build.json (moduleResolution NodeNext) rejects an extension-less relative
// import in src/, so a missing one fails `npm run build`; this script fixes them all at once.
//
//   node scripts/add-js-extensions.mjs            # rewrites src/ and test/
//   node scripts/add-js-extensions.mjs demo bench # or the folders given
//   node scripts/add-js-extensions.mjs --check    # lists what it would change, exits 1 if anything
//
// Idempotent: a specifier that already names an existing file (`./x.js` for x.ts, `./x.mjs`,
// `../shaders/a.wgsl?raw`) is left alone, as are package imports. Only specifiers that resolve to a
// file are rewritten; anything else is reported and left as it is.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE = /\.(?:ts|tsx|mts|cts)$/;
// The specifier of `import … from '…'`, `export … from '…'`, `import '…'` and `import('…')`.
const IMPORT = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"\n]*)\2/g;
// TypeScript source -> the extension of the file it compiles to.
const EMITTED = [
  ['.ts', '.js'],
  ['.tsx', '.js'],
  ['.mts', '.mjs'],
  ['.cts', '.cjs'],
];

function isFile(path) {
  return existsSync(path) && statSync(path).isFile();
}

/** The specifier to write for `spec` imported from `file`, or null when it needs no change. */
export function withExtension(file, spec) {
  if (spec.includes('?') || spec.includes('#')) return null; // a Vite query (`?raw`): not a module path
  const target = resolve(dirname(file), spec);
  if (isFile(target)) return null; // already names a real file (.mjs, .json, .wgsl)
  // `./x.js` written for `./x.ts`: already right.
  for (const [source, emitted] of EMITTED) {
    if (spec.endsWith(emitted) && isFile(target.slice(0, -emitted.length) + source)) return null;
  }
  for (const [source, emitted] of EMITTED) {
    if (isFile(target + source)) return spec + emitted;
  }
  for (const [source, emitted] of EMITTED) {
    if (isFile(join(target, `index${source}`))) return `${spec.replace(/\/$/, '')}/index${emitted}`;
  }
  throw new Error(`cannot resolve '${spec}' (no ${spec}.ts, ${spec}/index.ts or such)`);
}

/** Rewrites one file's text; returns the new text and the changes made. */
export function rewrite(file, text) {
  const changes = [];
  const problems = [];
  const out = text.replace(IMPORT, (whole, lead, quote, spec) => {
    let next;
    try {
      next = withExtension(file, spec);
    } catch (error) {
      problems.push(error.message);
      return whole;
    }
    if (next === null) return whole;
    changes.push(`${spec} -> ${next}`);
    return `${lead}${quote}${next}${quote}`;
  });
  return { text: out, changes, problems };
}

function* sources(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) yield path;
  }
}

function main(argv) {
  const check = argv.includes('--check');
  const dirs = argv.filter((a) => a !== '--check');
  let changed = 0;
  let problems = 0;
  for (const dir of dirs.length ? dirs : ['src', 'test']) {
    for (const file of sources(resolve(root, dir))) {
      const before = readFileSync(file, 'utf8');
      const result = rewrite(file, before);
      const name = relative(root, file);
      for (const problem of result.problems) console.error(`${name}: ${problem}; left as it is`);
      problems += result.problems.length;
      if (!result.changes.length) continue;
      changed++;
      console.log(`${name}: ${result.changes.join(', ')}`);
      if (!check) writeFileSync(file, result.text);
    }
  }
  console.log(
    `${changed} file(s) ${check ? 'to change' : 'changed'}${problems ? `, ${problems} import(s) not resolved` : ''}`,
  );
  return (check && changed) || problems ? 1 : 0;
}

if (fileURLToPath(import.meta.url) === resolve(process.argv[1] ?? '')) {
  process.exit(main(process.argv.slice(2)));
}

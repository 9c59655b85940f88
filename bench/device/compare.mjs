#!/usr/bin/env node
// Checks that two benchmark results (bench/core.ts JSON) are the same table: the bundle's run against
// `npm run bench -- --env node`. Same rows in the same order, the same columns measured or skipped,
// every check passing, the same JSON fields, and the printed tables (bench/table.mjs) equal line by
// line once the numbers are masked. Then prints, per column, how the medians compare (B / A), which
// on a shared machine is noise around 1.
//   node bench/device/compare.mjs A.json B.json      exit 0 when the tables match, 1 otherwise
import { readFileSync } from 'node:fs';
import { formatResult } from '../table.mjs';

const [fileA, fileB] = process.argv.slice(2);
if (!fileA || !fileB) {
  console.error('usage: node bench/device/compare.mjs A.json B.json');
  process.exit(2);
}
const a = JSON.parse(readFileSync(fileA, 'utf8'));
const b = JSON.parse(readFileSync(fileB, 'utf8'));
const problems = [];

/** Every key path of a JSON value, arrays by position, leaves as their type. */
function shape(value, path = '', out = new Set()) {
  if (value === null || typeof value !== 'object') out.add(`${path}:${value === null ? 'null' : typeof value}`);
  else for (const [k, v] of Object.entries(value)) shape(v, `${path}.${k}`, out);
  return out;
}

for (const key of ['env', 'preset', 'runs', 'warmup', 'only'])
  if (a[key] !== b[key]) problems.push(`${key}: ${a[key]} vs ${b[key]}`);
for (const key of ['vendor', 'architecture', 'device', 'description'])
  if (a.adapter[key] !== b.adapter[key]) problems.push(`adapter.${key}: ${a.adapter[key]} vs ${b.adapter[key]}`);
const ids = (r) => r.rows.map((row) => row.id).join('\n');
if (ids(a) !== ids(b)) problems.push('the rows differ (ids or order)');
const columns = Object.keys(a.rows[0]?.columns ?? {});
a.rows.forEach((ra, i) => {
  const rb = b.rows[i];
  if (!rb) return;
  if (Boolean(ra.skipped) !== Boolean(rb.skipped)) problems.push(`${ra.id}: skipped in one only`);
  for (const c of columns)
    if (Boolean(ra.columns[c]?.skipped) !== Boolean(rb.columns[c]?.skipped))
      problems.push(`${ra.id}: column ${c} skipped in one only`);
  for (const r of [ra, rb]) if (r.errors.length) problems.push(`${r.id}: errors ${r.errors.join('; ')}`);
});
// Numbers (and the run's date, duration and runtime) are what may differ; every field must exist in both.
const mask = (s) => [...s].map((p) => p.replace(/\.\d+(?=[.:])/g, '.#')).sort();
const shapeA = new Set(mask(shape(a)));
const shapeB = new Set(mask(shape(b)));
for (const p of shapeA) if (!shapeB.has(p)) problems.push(`field only in A: ${p}`);
for (const p of shapeB) if (!shapeA.has(p)) problems.push(`field only in B: ${p}`);
const masked = (r) =>
  formatResult(r)
    .split('\n')
    .filter((l) => !/^- (runtime|date):/.test(l))
    .map((l) =>
      l
        .replace(/\d+(\.\d+)?/g, '#')
        .replace(/\s+/g, ' ')
        .replace(/-+/g, '-'),
    );
const ta = masked(a);
const tb = masked(b);
if (ta.length !== tb.length) problems.push(`printed tables: ${ta.length} vs ${tb.length} lines`);
ta.forEach((l, i) => {
  if (tb[i] !== undefined && l !== tb[i]) problems.push(`printed line ${i + 1} differs:\n  A: ${l}\n  B: ${tb[i]}`);
});

console.log(`A: ${fileA} (${a.runtime}, ${a.date})\nB: ${fileB} (${b.runtime}, ${b.date})`);
console.log(
  `${a.rows.length} rows (${a.rows.filter((r) => !r.skipped).length} measured), columns ${columns.join(', ')}; printed tables ${ta.length} lines`,
);
console.log('\nmedian ms, B / A per column over the measured rows: median [min..max] of the per-row ratios');
for (const c of columns) {
  const ratios = a.rows
    .map((ra, i) => [ra.columns[c]?.ms?.median, b.rows[i]?.columns[c]?.ms?.median])
    .filter(([x, y]) => x > 0 && y > 0)
    .map(([x, y]) => y / x)
    .sort((x, y) => x - y);
  if (!ratios.length) {
    console.log(`  ${c}: not measured in either`);
    continue;
  }
  const med = ratios[ratios.length >> 1];
  console.log(
    `  ${c}: ${med.toFixed(2)} [${ratios[0].toFixed(2)}..${ratios[ratios.length - 1].toFixed(2)}] over ${ratios.length} rows`,
  );
}
if (problems.length) {
  console.log(`\nNOT the same table (${problems.length} differences):\n${problems.map((p) => `- ${p}`).join('\n')}`);
  process.exit(1);
}
console.log('\nsame table: same rows, columns, fields and printed layout; every check ok');

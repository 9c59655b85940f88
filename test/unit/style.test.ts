// The code style is part of the build: Biome's formatter and linter (biome.json) pass over the
// sources, tests, benchmark, scripts, demo and examples, and no line in src/ is longer than 120
// characters (the formatter's width; it cannot split long strings or comments itself).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

describe('code style', () => {
  it('biome check (format and lint) reports nothing', () => {
    const run = spawnSync(
      process.execPath,
      [join(root, 'node_modules', '@biomejs', 'biome', 'bin', 'biome'), 'check', '--reporter=summary'],
      {
        cwd: root,
        encoding: 'utf8',
      },
    );
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
  });

  it('every line in src/ is at most 120 characters', () => {
    const files = spawnSync('git', ['ls-files', 'src'], { cwd: root, encoding: 'utf8' })
      .stdout.split('\n')
      .filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(10);
    const long = files.flatMap((f) =>
      readFileSync(join(root, f), 'utf8')
        .split('\n')
        .flatMap((line, i) => (line.length > 120 ? [`${f}:${i + 1} (${line.length})`] : [])),
    );
    expect(long).toEqual([]);
  });
});

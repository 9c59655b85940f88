// scripts/add-js-extensions.mjs: the codemod that gives relative imports the extensions Node's ESM
// resolution (and so tsconfig.build.json's NodeNext) needs. It is re-run after merges, so it must
// leave what is already right alone.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rewrite } from '../../scripts/add-js-extensions.mjs';

const dir = mkdtempSync(join(tmpdir(), 'add-js-extensions-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
for (const file of [
  'plan.ts',
  'gpu/index.ts',
  'gpu/mixer.ts',
  'helper.mts',
  'layouts.generated.ts',
  'tool.mjs',
  'shaders/a.wgsl',
]) {
  mkdirSync(join(dir, file, '..'), { recursive: true });
  writeFileSync(join(dir, file), '');
}
const importer = join(dir, 'index.ts');

const SOURCE = [
  "import { createPlanner } from './plan';",
  "import type { Mixer } from './gpu/mixer';",
  "export * from './gpu';",
  "export { layout } from './layouts.generated';",
  "import './plan';",
  "const lazy = await import('./helper');",
  "import wgsl from './shaders/a.wgsl?raw';",
  "import { tool } from './tool.mjs';",
  "import { describe } from 'vitest';",
  "import { again } from './plan.js';",
].join('\n');

const EXPECTED = [
  "import { createPlanner } from './plan.js';",
  "import type { Mixer } from './gpu/mixer.js';",
  "export * from './gpu/index.js';",
  "export { layout } from './layouts.generated.js';",
  "import './plan.js';",
  "const lazy = await import('./helper.mjs');",
  "import wgsl from './shaders/a.wgsl?raw';",
  "import { tool } from './tool.mjs';",
  "import { describe } from 'vitest';",
  "import { again } from './plan.js';",
].join('\n');

describe('add-js-extensions', () => {
  it('adds .js (.mjs for .mts) to file imports and /index.js to folder imports; leaves ?raw, named files and packages', () => {
    const result = rewrite(importer, SOURCE);
    expect(result.text).toBe(EXPECTED);
    expect(result.changes).toHaveLength(6);
    expect(result.problems).toEqual([]);
  });

  it('changes nothing on a second run', () => {
    const second = rewrite(importer, rewrite(importer, SOURCE).text);
    expect(second.text).toBe(EXPECTED);
    expect(second.changes).toEqual([]);
  });

  it('reports an import it cannot resolve and leaves it as written', () => {
    const result = rewrite(importer, "import { x } from './missing';");
    expect(result.text).toBe("import { x } from './missing';");
    expect(result.problems).toEqual(["cannot resolve './missing' (no ./missing.ts, ./missing/index.ts or such)"]);
  });
});

/**
 * The README's TF.js snippets compile under `strict`, as a user's TypeScript project would compile
 * them: each ```ts block of the "TensorFlow.js" section is type-checked with `webgpu-mixup/tfjs`
 * mapped to the source, after declarations of the names the snippets leave to the reader (x, y,
 * model, batches). A second check makes sure the checker is really looking: misuse of the same API
 * (targets of an images-only call used as a tensor) must be reported.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = join(root, '.vitest-results', 'readme-tfjs');

/** What the snippets use without defining it, as the README's comments describe it. */
const PRELUDE = `import type * as TF from '@tensorflow/tfjs';
declare const x: TF.Tensor4D;
declare const y: TF.Tensor1D;
declare const model: TF.LayersModel;
declare const batches: TF.data.Dataset<{ xs: TF.Tensor; ys: TF.Tensor }>;
`;

function tfjsSnippets(): string[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const start = readme.indexOf('### TensorFlow.js');
  const section = readme.slice(start, readme.indexOf('\n### ', start + 1));
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
}

/** Type-checks `sources` (one file each) and returns the diagnostics as text, one line each. */
function typecheck(sources: string[]): string[] {
  mkdirSync(dir, { recursive: true });
  const files = sources.map((source, i) => {
    const file = join(dir, `snippet-${i}.ts`);
    // A snippet's own imports must come first; the prelude's declarations follow them.
    const imports = source.split('\n').filter((l) => l.startsWith('import '));
    const rest = source.split('\n').filter((l) => !l.startsWith('import '));
    writeFileSync(file, [...imports, PRELUDE, ...rest].join('\n'));
    return file;
  });
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: ['@webgpu/types'],
    typeRoots: [join(root, 'node_modules', '@types'), join(root, 'node_modules')],
    skipLibCheck: true,
    paths: { 'webgpu-mixup/tfjs': [join(root, 'src', 'adapters', 'tfjs.ts')] },
  };
  const program = ts.createProgram(files, options);
  return ts
    .getPreEmitDiagnostics(program)
    .map(
      (d) =>
        `${d.file ? d.file.fileName.slice(dir.length + 1) : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
    );
}

describe("README's TF.js snippets", () => {
  it('type-check under strict: mix(x, y) gives targets that trainOnBatch takes, mixDataset feeds fitDataset', {
    timeout: 120_000,
  }, () => {
    const snippets = tfjsSnippets();
    expect(snippets.length).toBe(2);
    expect(snippets[0]).toContain('model.trainOnBatch(images, targets)');
    expect(snippets[1]).toContain('model.fitDataset(mixDataset(mixer, batches)');
    const misuse = `import * as tf from '@tensorflow/tfjs';
import { createTfjsMixer } from 'webgpu-mixup/tfjs';
const mixer = createTfjsMixer(tf, { numClasses: 10 });
const { images, targets } = await mixer.mix(x);
await model.trainOnBatch(images, targets);
`;
    const diagnostics = typecheck([...snippets, misuse]);
    expect(diagnostics.filter((d) => d.startsWith('snippet-0') || d.startsWith('snippet-1'))).toEqual([]);
    // Images only: targets is null, and the checker says so.
    expect(diagnostics.filter((d) => d.startsWith('snippet-2')).join('\n')).toMatch(/null/);
  });
});

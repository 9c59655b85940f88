/// <reference types="vitest/config" />
import { defineConfig } from 'vite';

// Stryker's test run: the unit tests of the pure TypeScript modules it mutates (stryker.config.mjs),
// in Node, without the GPU projects of vite.config.ts (they need Chromium or Dawn and are slow).
export default defineConfig({
  test: {
    include: ['test/unit/{beta,options,pairing,plan,reference,rng,validate,walk,formulas,mutant-kills}*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
  },
});

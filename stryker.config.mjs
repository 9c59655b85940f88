// `npm run test:stryker`: Stryker mutates the pure TypeScript modules (planner, RNG, Beta, options,
// reference, walk, formulas, pairing) and runs the unit tests against each mutant. Slow (tens of
// minutes on two cores); a command for the maintainer's note, not a CI step. Report: reports/mutation/.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'vitest.stryker.config.ts', related: false },
  mutate: [
    'src/plan.ts',
    'src/rng.ts',
    'src/beta.ts',
    'src/options.ts',
    'src/reference.ts',
    'src/gpu/walk.ts',
    'src/formulas.ts',
    'src/pairing.ts',
  ],
  coverageAnalysis: 'perTest',
  reporters: ['clear-text', 'html', 'json', 'progress'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  concurrency: Number(process.env.STRYKER_CONCURRENCY ?? 1),
  timeoutMS: 15_000,
  // Static mutants (module-level constants) need the whole suite per mutant; skipped for time, counted as ignored.
  ignoreStatic: true,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  thresholds: { high: 90, low: 80, break: null },
};

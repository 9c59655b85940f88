/// <reference types="vitest/config" />
import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import { playwright } from '@vitest/browser-playwright';
import { CHROMIUM_ARGS, dawnEnv } from './scripts/chromium.mjs';

// Dawn in Node finds no adapter on GPU-less machines unless pointed at SwiftShader's ICD and a
// Vulkan loader (ENVIRONMENT.md). The Node project's forks inherit this environment.
Object.assign(process.env, dawnEnv());

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export default defineConfig({
  build: {
    lib: {
      entry: {
        index: resolve(import.meta.dirname, 'src/index.ts'),
        tfjs: resolve(import.meta.dirname, 'src/adapters/tfjs.ts'),
        ort: resolve(import.meta.dirname, 'src/adapters/ort.ts'),
      },
      formats: ['es'],
    },
    // Frameworks are peers: the adapters take the user's own instances, never bundle them.
    rollupOptions: { external: [/^@tensorflow\//, /^onnxruntime-web/] },
    target: 'es2022',
    sourcemap: true,
    minify: false,
  },
  test: {
    // Only with --coverage (npm run test:coverage): V8 coverage of src/, merged across the projects run.
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      reporter: ['text', 'text-summary', 'json-summary', 'html'],
      reportsDirectory: 'coverage',
      reportOnFailure: true,
    },
    projects: [
      {
        // CPU only: planner, reference, layouts.
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          // Some are exhaustive (every float16 bit pattern, a KS test with n = 460,999, biome over the
          // tree): about a second each on a quiet machine, past vitest's 5 s default on a loaded one.
          testTimeout: 60_000,
        },
      },
      {
        // The GPU tests in headless Chromium with WebGPU (SwiftShader in CI).
        test: {
          name: 'browser',
          include: ['test/gpu/**/*.test.ts', 'test/browser/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({ launchOptions: { executablePath: chromiumPath, args: CHROMIUM_ARGS } }),
            instances: [{ browser: 'chromium' }],
          },
        },
        // The page has no process.env: the float comparison mode (test/helpers/data.ts) comes in here.
        define: { __MIXUP_TEST_TOLERANCE__: JSON.stringify(process.env.MIXUP_TEST_TOLERANCE ?? '') },
      },
      {
        // End-to-end: pages served by Vite and driven by Playwright in headless Chromium (the demo).
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      {
        // A user's view: the packed tarball installed into fresh projects, type-checked under
        // nodenext and bundler, checked by attw, and the README's Node quick start run on Dawn.
        test: {
          name: 'consumer',
          include: ['test/consumer/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
      {
        // The same GPU tests in Node through Dawn (the `webgpu` package).
        test: {
          name: 'node',
          include: ['test/gpu/**/*.test.ts', 'test/node/**/*.test.ts'],
          environment: 'node',
          setupFiles: ['test/helpers/node-gpu-setup.ts'],
          pool: 'forks',
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});

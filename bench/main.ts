/**
 * Browser entry of the benchmark (bench/index.html). Query: ?preset=auto|full|swiftshader&runs=N&warmup=N&only=TEXT&tfjs=0.
 * Reports through functions that scripts/run-bench.mjs exposes (benchLog, benchDone, benchFail);
 * opened by hand, it logs to the page and the console.
 */
import { runBench } from './core';
import type { BenchResult } from './core';
import type { PresetName } from './presets';
import type { TfjsContext } from './tfjs';

interface BenchHooks {
  benchLog?: (line: string) => Promise<void>;
  benchDone?: (json: string) => Promise<void>;
  benchFail?: (message: string) => Promise<void>;
}
const hooks = window as unknown as BenchHooks;
const pre = document.getElementById('log');

function log(line: string): void {
  if (hooks.benchLog) void hooks.benchLog(line);
  else console.log(line);
  if (pre) pre.textContent += `\n${line}`;
}

async function loadTfjs(): Promise<TfjsContext> {
  const tf = await import('@tensorflow/tfjs');
  await import('@tensorflow/tfjs-backend-webgpu');
  // Small tensors would otherwise run on the CPU and never touch the GPU.
  tf.env().set('WEBGPU_CPU_FORWARD', false);
  if (!(await tf.setBackend('webgpu'))) throw new Error("tf.setBackend('webgpu') returned false");
  await tf.ready();
  const backend = tf.backend() as unknown as {
    device: GPUDevice;
    commandEncoder: GPUCommandEncoder | null;
    endComputePassEncoder(): void;
    submitQueue(): void;
  };
  const info = (backend.device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  return {
    tf,
    device: backend.device,
    // submitQueue() alone finishes the encoder with TF.js's compute pass still open (an invalid
    // command buffer), and throws when TF.js has just flushed by itself (no encoder).
    submitQueue: () => {
      if (!backend.commandEncoder) return;
      backend.endComputePassEncoder();
      backend.submitQueue();
    },
    adapterInfo: info
      ? [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' / ')
      : 'adapter info unavailable',
  };
}

async function main(): Promise<void> {
  const q = new URLSearchParams(location.search);
  const number = (key: string) => (q.has(key) ? Number(q.get(key)) : undefined);
  const gpu = navigator.gpu;
  if (!gpu)
    throw new Error(
      'navigator.gpu is missing: WebGPU needs --enable-unsafe-webgpu (headless) and a secure context (http://127.0.0.1)',
    );
  const result: BenchResult = await runBench({
    env: 'chromium',
    gpu,
    preset: (q.get('preset') ?? 'auto') as PresetName | 'auto',
    runs: number('runs'),
    warmup: number('warmup'),
    only: q.get('only'),
    tfjs: q.get('tfjs') === '0' ? null : loadTfjs,
    tfjsSkip: 'disabled with --no-tfjs',
    runtime: navigator.userAgent,
    log,
  });
  const json = JSON.stringify(result);
  if (hooks.benchDone) await hooks.benchDone(json);
  else console.log(result);
}

main().catch(async (error: unknown) => {
  const message = error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error);
  if (hooks.benchFail) await hooks.benchFail(message);
  else console.error(error);
});

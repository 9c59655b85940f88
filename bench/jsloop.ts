/**
 * The plain JavaScript baseline: tight loops over typed arrays into a preallocated output, the code
 * a user would write without a GPU. (mixBatchCpu is the bit-exact reference, rounding every step
 * with Math.fround; it is the correctness oracle here, not the speed baseline.)
 */
import type { MixPlan } from '../src/index';
import { f32ToF16Bits, normalizeCoefficients, smoothingValues } from '../src/index';
import type { RowSpec } from './presets';

export type HostOutput = Float32Array | Uint16Array;

export interface JsLoop {
  run(): void;
  readonly output: HostOutput;
}

export function createJsLoop(
  row: RowSpec,
  plan: MixPlan,
  x: Uint8Array | Float32Array,
  ids: Int32Array | null,
): JsLoop {
  const s = row.shape;
  const B = s.batch;
  const { kind, lam, partner, box } = plan;

  if (row.classes !== null && ids) {
    const K = row.classes;
    const out = new Float32Array(B * K);
    const { on, off } = smoothingValues(K, 0.1);
    return {
      output: out,
      run() {
        for (let i = 0; i < B; i++) {
          const l = lam[i];
          const a = ids[i];
          const b = ids[partner[i]];
          const base = i * K;
          out.fill(off, base, base + K);
          // Both one-hots put their weight on their own class; the rest stays `off`.
          out[base + a] = on * l + off * (1 - l);
          out[base + b] = a === b ? on : off * l + on * (1 - l);
        }
      },
    };
  }

  const channels = s.layout === 'rows' ? 1 : s.channels;
  const H = s.layout === 'rows' ? 1 : s.height;
  const W = s.layout === 'rows' ? s.features : s.width;
  const plane = H * W;
  const n = channels * plane;
  const scale = new Float32Array(channels).fill(1);
  const bias = new Float32Array(channels);
  if (row.normalize) {
    const c = normalizeCoefficients(row.normalize, channels);
    scale.set(c.scale);
    bias.set(c.bias);
  }
  const f16 = row.outDtype === 'float16';
  // float16 output is converted from a float32 scratch row by row.
  const out = f16 ? new Uint16Array(B * n) : new Float32Array(B * n);
  const f32 = f16 ? new Float32Array(n) : (out as Float32Array);

  return {
    output: out,
    run() {
      for (let i = 0; i < B; i++) {
        const a0 = i * n;
        const b0 = partner[i] * n;
        const o0 = f16 ? 0 : a0;
        const k = kind[i];
        const l = lam[i];
        const m = 1 - l;
        for (let c = 0; c < channels; c++) {
          const sc = scale[c];
          const bi = bias[c];
          const cb = c * plane;
          if (k === 1) {
            for (let e = cb; e < cb + plane; e++) f32[o0 + e] = (x[a0 + e] * l + x[b0 + e] * m) * sc + bi;
          } else if (k === 2) {
            const y0 = box[4 * i];
            const y1 = box[4 * i + 1];
            const x0 = box[4 * i + 2];
            const x1 = box[4 * i + 3];
            for (let y = 0; y < H; y++) {
              const r = cb + y * W;
              const inRows = y >= y0 && y < y1;
              for (let xx = 0; xx < W; xx++) {
                const from = inRows && xx >= x0 && xx < x1 ? b0 : a0;
                f32[o0 + r + xx] = x[from + r + xx] * sc + bi;
              }
            }
          } else {
            for (let e = cb; e < cb + plane; e++) f32[o0 + e] = x[a0 + e] * sc + bi;
          }
        }
        if (f16) for (let e = 0; e < n; e++) (out as Uint16Array)[a0 + e] = f32ToF16Bits(f32[e]);
      }
    },
  };
}

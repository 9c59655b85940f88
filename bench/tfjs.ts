/**
 * The TF.js baseline: the composition a user would write on the tfjs webgpu backend, on TF.js's own
 * device. Mixup: gather by partner, mul, add. CutMix: a box mask built from the plan's boxes with
 * comparisons, then mask·x[partner] + (1 − mask)·x. uint8 images: cast, /255, −mean, /std first
 * (TF.js has no uint8 tensors, so the bytes live in an int32 tensor). Labels: oneHot with label
 * smoothing, then the same blend. The plan's small tensors (partner, λ, boxes) are made once per
 * row, like our plan; the images, masks and results are computed per call.
 */
import type * as TF from '@tensorflow/tfjs';
import type { MixPlan } from '../src/index';
import { smoothingValues } from '../src/index';
import type { RowSpec } from './presets';

export type Tf = typeof TF;

/** What the benchmark needs from TF.js: the module and its webgpu backend. */
export interface TfjsContext {
  tf: Tf;
  device: GPUDevice;
  /** Flushes TF.js's pending command encoder (it holds up to 15 dispatches before submitting). */
  submitQueue(): void;
  adapterInfo: string;
}

export interface TfjsColumn {
  /** One call: compute, flush, wait for TF.js's queue. */
  run(): Promise<void>;
  read(): Promise<Float32Array>;
  dispose(): void;
}

export function createTfjsColumn(
  ctx: TfjsContext,
  row: RowSpec,
  plan: MixPlan,
  x: Uint8Array | Float32Array,
  ids: Int32Array | null,
): TfjsColumn {
  const { tf } = ctx;
  const s = row.shape;
  const B = s.batch;
  const keep: TF.Tensor[] = [];
  const hold = <T extends TF.Tensor>(t: T): T => {
    keep.push(t);
    return t;
  };
  const partner = hold(tf.tensor1d(Int32Array.from(plan.partner), 'int32'));
  const image = s.layout !== 'rows';
  const lamShape = image ? [B, 1, 1, 1] : [B, 1];
  // Batch mode draws one λ: a user writes a scalar there.
  const lam = hold(row.mode === 'batch' ? tf.scalar(plan.lam[0]) : tf.tensor(plan.lam, lamShape));
  const oneMinusLam = hold(tf.sub(1, lam));

  let input: TF.Tensor;
  let compose: () => TF.Tensor;
  if (row.classes !== null && ids) {
    const K = row.classes;
    const { on, off } = smoothingValues(K, 0.1);
    input = hold(tf.tensor1d(ids, 'int32'));
    compose = () => {
      const t = tf.oneHot(input as TF.Tensor1D, K, on, off, 'float32');
      return t.mul(lam).add(tf.gather(t, partner).mul(oneMinusLam));
    };
  } else {
    const shape = image ? [B, s.channels, s.height, s.width] : [B, s.features];
    input = hold(
      row.inDtype === 'uint8'
        ? tf.tensor(Int32Array.from(x), shape, 'int32')
        : tf.tensor(x as Float32Array, shape, 'float32'),
    );
    const norm = row.normalize;
    const mean = norm ? hold(tf.tensor(norm.mean as number[], [1, norm.mean.length, 1, 1])) : null;
    const std = norm ? hold(tf.tensor(norm.std as number[], [1, norm.std.length, 1, 1])) : null;
    const prepare = (): TF.Tensor => (mean && std ? input.cast('float32').div(255).sub(mean).div(std) : input);

    if (row.mix === 'cutmix' && image) {
      const column = (k: number) =>
        hold(
          tf.tensor(
            Int32Array.from({ length: B }, (_, i) => plan.box[4 * i + k]),
            [B, 1, 1, 1],
            'int32',
          ),
        );
      const [y0, y1, x0, x1] = [0, 1, 2, 3].map(column);
      const ys = hold(tf.range(0, s.height, 1, 'int32').reshape([1, 1, s.height, 1]));
      const xs = hold(tf.range(0, s.width, 1, 'int32').reshape([1, 1, 1, s.width]));
      compose = () => {
        const v = prepare();
        const inside = ys
          .greaterEqual(y0)
          .logicalAnd(ys.less(y1))
          .logicalAnd(xs.greaterEqual(x0).logicalAnd(xs.less(x1)));
        const mask = inside.cast('float32'); // [B, 1, H, W], broadcast over channels
        return v.mul(tf.sub(1, mask)).add(tf.gather(v, partner).mul(mask));
      };
    } else {
      compose = () => {
        const v = prepare();
        return v.mul(lam).add(tf.gather(v, partner).mul(oneMinusLam));
      };
    }
  }

  let last: TF.Tensor | null = null;
  return {
    async run() {
      last?.dispose();
      last = tf.tidy(compose);
      ctx.submitQueue();
      await ctx.device.queue.onSubmittedWorkDone();
    },
    async read() {
      if (!last) throw new Error('run() first');
      return Float32Array.from((await last.data()) as Float32Array);
    },
    dispose() {
      last?.dispose();
      last = null;
      for (const t of keep) t.dispose();
    },
  };
}

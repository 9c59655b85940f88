/** Draws test accuracy against epoch, one curve per run, on a canvas (the page's live plot and the committed PNG). */

/** One curve: a run's label, its colour and its accuracy per epoch (index 0 is epoch 1). */
export interface Curve {
  label: string;
  colour: string;
  accuracy: readonly number[];
}

/** Colours of the four runs, in the config's order. */
export const RUN_COLOURS = ['#d62728', '#1f77b4', '#2ca02c', '#9467bd'];

/** Plots `curves` over `epochs` epochs; the y range covers the data in steps of 10 points. */
export function drawAccuracy(canvas: HTMLCanvasElement, curves: readonly Curve[], epochs: number, title: string): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D context on the plot canvas');
  const { width, height } = canvas;
  const left = 56;
  const right = 16;
  const top = 36;
  const bottom = 44;
  const values = curves.flatMap((c) => c.accuracy);
  const low = values.length ? Math.max(0, Math.floor(Math.min(...values) * 10) / 10) : 0;
  const high = values.length ? Math.min(1, Math.ceil(Math.max(...values) * 10) / 10) : 1;
  const span = Math.max(high - low, 0.1);
  const x = (epoch: number) => left + ((epoch - 1) / Math.max(epochs - 1, 1)) * (width - left - right);
  const y = (acc: number) => top + (1 - (acc - low) / span) * (height - top - bottom);

  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  ctx.font = '13px sans-serif';
  ctx.fillStyle = '#222';
  ctx.textAlign = 'left';
  ctx.fillText(title, left, 20);
  // Grid: every 5 points of accuracy, every 10 epochs.
  ctx.strokeStyle = '#e4e4e4';
  ctx.lineWidth = 1;
  ctx.fillStyle = '#555';
  ctx.textAlign = 'right';
  for (let a = Math.round(low * 100); a <= Math.round((low + span) * 100); a += 5) {
    ctx.beginPath();
    ctx.moveTo(left, y(a / 100));
    ctx.lineTo(width - right, y(a / 100));
    ctx.stroke();
    ctx.fillText(`${a}%`, left - 6, y(a / 100) + 4);
  }
  ctx.textAlign = 'center';
  const tick = epochs > 20 ? 10 : epochs > 5 ? 2 : 1;
  for (let e = 1; e <= epochs; e += e === 1 && tick > 1 ? tick - 1 : tick) {
    ctx.fillText(String(e), x(e), height - bottom + 16);
  }
  ctx.fillText('epoch', left + (width - left - right) / 2, height - 8);
  ctx.save();
  ctx.translate(14, top + (height - top - bottom) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText('clean test accuracy', 0, 0);
  ctx.restore();
  ctx.strokeStyle = '#888';
  ctx.strokeRect(left, top, width - left - right, height - top - bottom);

  curves.forEach((curve, i) => {
    ctx.strokeStyle = curve.colour;
    ctx.lineWidth = 2;
    ctx.beginPath();
    curve.accuracy.forEach((acc, e) => {
      if (e === 0) ctx.moveTo(x(1), y(acc));
      else ctx.lineTo(x(e + 1), y(acc));
    });
    ctx.stroke();
    if (curve.accuracy.length === 1) ctx.fillRect(x(1) - 2, y(curve.accuracy[0]) - 2, 4, 4);
    // Legend, bottom right, one line per run with its last accuracy.
    const last = curve.accuracy[curve.accuracy.length - 1];
    const ly = height - bottom - 12 - (curves.length - 1 - i) * 18;
    ctx.fillStyle = curve.colour;
    ctx.fillRect(width - right - 190, ly - 5, 18, 3);
    ctx.fillStyle = '#222';
    ctx.textAlign = 'left';
    ctx.fillText(
      last === undefined ? curve.label : `${curve.label}  (last ${(100 * last).toFixed(1)}%)`,
      width - right - 166,
      ly,
    );
  });
}

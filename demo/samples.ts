/**
 * The demo's sample images: 16 classes of colourful 64x64 patterns drawn procedurally on a canvas
 * (nothing is downloaded), and user images scaled to the same tile size.
 */

export const TILE = 64;

/** One image of the batch: RGB bytes (NHWC order within the sample) and its class id. */
export interface Sample {
  rgb: Uint8Array;
  label: number;
  /** Shown in captions: the class name, or the file name for a user image. */
  name: string;
}

type Painter = (g: CanvasRenderingContext2D) => void;

const TAU = Math.PI * 2;

function fill(g: CanvasRenderingContext2D, colour: string): void {
  g.fillStyle = colour;
  g.fillRect(0, 0, TILE, TILE);
}

function polygon(g: CanvasRenderingContext2D, points: Array<[number, number]>, colour: string): void {
  g.beginPath();
  points.forEach(([x, y], i) => {
    if (i) g.lineTo(x, y);
    else g.moveTo(x, y);
  });
  g.closePath();
  g.fillStyle = colour;
  g.fill();
}

function disc(g: CanvasRenderingContext2D, x: number, y: number, r: number, colour: string): void {
  g.beginPath();
  g.arc(x, y, r, 0, TAU);
  g.fillStyle = colour;
  g.fill();
}

/** Class name and painter, in class-id order. */
const CLASSES: Array<[string, Painter]> = [
  [
    'sun',
    (g) => {
      fill(g, '#5ec8f2');
      g.strokeStyle = '#ffb300';
      g.lineWidth = 4;
      for (let k = 0; k < 12; k++) {
        const a = (k / 12) * TAU;
        g.beginPath();
        g.moveTo(32 + 16 * Math.cos(a), 32 + 16 * Math.sin(a));
        g.lineTo(32 + 29 * Math.cos(a), 32 + 29 * Math.sin(a));
        g.stroke();
      }
      disc(g, 32, 32, 14, '#ffd54f');
    },
  ],
  [
    'stripes',
    (g) => {
      fill(g, '#fff3e0');
      for (let k = -TILE; k < 2 * TILE; k += 16)
        polygon(
          g,
          [
            [k, 0],
            [k + 8, 0],
            [k + 8 + TILE, TILE],
            [k + TILE, TILE],
          ],
          '#e53935',
        );
    },
  ],
  [
    'checker',
    (g) => {
      for (let y = 0; y < 8; y++)
        for (let x = 0; x < 8; x++) {
          g.fillStyle = (x + y) % 2 ? '#7b1fa2' : '#aeea00';
          g.fillRect(x * 8, y * 8, 8, 8);
        }
    },
  ],
  [
    'target',
    (g) => {
      fill(g, '#263238');
      for (let r = 30, k = 0; r > 0; r -= 6, k++) disc(g, 32, 32, r, k % 2 ? '#ffffff' : '#d50000');
    },
  ],
  [
    'square',
    (g) => {
      fill(g, '#ff9800');
      g.fillStyle = '#0d47a1';
      g.fillRect(14, 14, 36, 36);
      g.fillStyle = '#42a5f5';
      g.fillRect(22, 22, 20, 20);
    },
  ],
  [
    'triangle',
    (g) => {
      fill(g, '#f8bbd0');
      polygon(
        g,
        [
          [32, 8],
          [58, 54],
          [6, 54],
        ],
        '#2e7d32',
      );
      polygon(
        g,
        [
          [32, 24],
          [45, 47],
          [19, 47],
        ],
        '#a5d6a7',
      );
    },
  ],
  [
    'star',
    (g) => {
      fill(g, '#1a237e');
      const points: Array<[number, number]> = [];
      for (let k = 0; k < 10; k++) {
        const a = -Math.PI / 2 + (k / 10) * TAU;
        const r = k % 2 ? 11 : 27;
        points.push([32 + r * Math.cos(a), 34 + r * Math.sin(a)]);
      }
      polygon(g, points, '#ffd600');
    },
  ],
  [
    'heart',
    (g) => {
      fill(g, '#fce4ec');
      g.beginPath();
      g.moveTo(32, 54);
      g.bezierCurveTo(4, 36, 8, 10, 32, 22);
      g.bezierCurveTo(56, 10, 60, 36, 32, 54);
      g.fillStyle = '#c2185b';
      g.fill();
    },
  ],
  [
    'moon',
    (g) => {
      fill(g, '#311b92');
      for (const [x, y] of [
        [8, 10],
        [54, 8],
        [48, 52],
        [12, 50],
        [40, 30],
      ])
        disc(g, x, y, 1.5, '#fff9c4');
      disc(g, 28, 32, 20, '#fff59d');
      disc(g, 38, 26, 18, '#311b92');
    },
  ],
  [
    'waves',
    (g) => {
      fill(g, '#006064');
      g.lineWidth = 5;
      g.strokeStyle = '#4dd0e1';
      for (let y0 = 6; y0 < TILE; y0 += 14) {
        g.beginPath();
        for (let x = 0; x <= TILE; x += 2) g.lineTo(x, y0 + 4 * Math.sin((x / TILE) * 2 * TAU));
        g.stroke();
      }
    },
  ],
  [
    'dots',
    (g) => {
      fill(g, '#ffeb3b');
      for (let y = 0; y < 4; y++)
        for (let x = 0; x < 4; x++) disc(g, 8 + x * 16 + (y % 2) * 4, 8 + y * 16, 5, '#3949ab');
    },
  ],
  [
    'cross',
    (g) => {
      fill(g, '#d32f2f');
      g.fillStyle = '#ffffff';
      g.fillRect(26, 10, 12, 44);
      g.fillRect(10, 26, 44, 12);
    },
  ],
  [
    'spiral',
    (g) => {
      fill(g, '#e8f5e9');
      g.strokeStyle = '#6a1b9a';
      g.lineWidth = 4;
      g.beginPath();
      for (let t = 0; t < 6 * Math.PI; t += 0.1) g.lineTo(32 + 1.5 * t * Math.cos(t), 32 + 1.5 * t * Math.sin(t));
      g.stroke();
    },
  ],
  [
    'rainbow',
    (g) => {
      const gradient = g.createLinearGradient(0, 0, TILE, TILE);
      ['#f44336', '#ff9800', '#ffeb3b', '#4caf50', '#2196f3', '#9c27b0'].forEach((c, k, all) => {
        gradient.addColorStop(k / (all.length - 1), c);
      });
      g.fillStyle = gradient;
      g.fillRect(0, 0, TILE, TILE);
    },
  ],
  [
    'diamond',
    (g) => {
      fill(g, '#004d40');
      polygon(
        g,
        [
          [32, 4],
          [60, 32],
          [32, 60],
          [4, 32],
        ],
        '#1de9b6',
      );
      polygon(
        g,
        [
          [32, 18],
          [46, 32],
          [32, 46],
          [18, 32],
        ],
        '#ff4081',
      );
    },
  ],
  [
    'flower',
    (g) => {
      fill(g, '#8bc34a');
      for (let k = 0; k < 6; k++) {
        const a = (k / 6) * TAU;
        disc(g, 32 + 14 * Math.cos(a), 32 + 14 * Math.sin(a), 10, '#f06292');
      }
      disc(g, 32, 32, 8, '#ffca28');
    },
  ],
];

/** Class names by id; user images get the last class. */
export const CLASS_NAMES: readonly string[] = [...CLASSES.map(([name]) => name), 'yours'];
export const USER_CLASS = CLASS_NAMES.length - 1;

function tileContext(): CanvasRenderingContext2D {
  const canvas = document.createElement('canvas');
  canvas.width = TILE;
  canvas.height = TILE;
  const g = canvas.getContext('2d', { willReadFrequently: true });
  if (!g) throw new Error('2D canvas is unavailable');
  return g;
}

/** The canvas's RGBA pixels as packed RGB (the mixer takes 3 channels). */
function readRgb(g: CanvasRenderingContext2D): Uint8Array {
  const rgba = g.getImageData(0, 0, TILE, TILE).data;
  const rgb = new Uint8Array(TILE * TILE * 3);
  for (let p = 0; p < TILE * TILE; p++) {
    rgb[3 * p] = rgba[4 * p];
    rgb[3 * p + 1] = rgba[4 * p + 1];
    rgb[3 * p + 2] = rgba[4 * p + 2];
  }
  return rgb;
}

export function generateSamples(): Sample[] {
  return CLASSES.map(([name, paint], label) => {
    const g = tileContext();
    paint(g);
    return { rgb: readRgb(g), label, name };
  });
}

/** Decodes a user's image file and centre-crops it to a square tile (cover, like a training crop). */
export async function sampleFromFile(file: Blob, name: string): Promise<Sample> {
  const bitmap = await createImageBitmap(file);
  try {
    const side = Math.min(bitmap.width, bitmap.height);
    const g = tileContext();
    g.imageSmoothingQuality = 'high';
    g.drawImage(bitmap, (bitmap.width - side) / 2, (bitmap.height - side) / 2, side, side, 0, 0, TILE, TILE);
    return { rgb: readRgb(g), label: USER_CLASS, name };
  } finally {
    bitmap.close();
  }
}

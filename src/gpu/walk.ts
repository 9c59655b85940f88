/**
 * Turns a partner array into the work list of the mixing kernel: segments of walks along the
 * permutation's cycles (i -> partner[i] -> partner[partner[i]] ...).
 *
 * A thread walks one segment at one quad position: it loads x[walk[off]], then for each of the
 * segment's `length` steps loads the next sample, writes out[s] = mix(x[s], x[next]) and carries
 * the loaded value on. A closed segment is a whole cycle: its last step reuses the first value,
 * so each input is read exactly once, and mixing in place is safe (a thread reads every sample
 * of its cycle before overwriting it, at positions no other thread touches).
 *
 * Long cycles (a random shuffle has one of about 0.6·B samples) leave too few threads for a
 * wide GPU, so out of place they are cut into open segments; each cut re-reads one sample.
 * A partner array that is not a permutation (repeats) gets one open segment per sample: both
 * x[i] and x[partner[i]] are loaded, which is the naive kernel's access pattern.
 */
import { MixupError } from '../errors.js';
import { isPermutation } from '../pairing.js';

/**
 * Shortest piece a cycle is cut into: each cut re-reads one sample, so pieces of 8 bound the extra
 * reads at 1/8 of the input while still multiplying the threads of a long cycle.
 */
const MIN_CUT = 8;

export interface Walk {
  /** 4 words per segment: offset into `walk`, outputs to write, 1 if it closes its cycle, 0. */
  segments: Uint32Array;
  /** Sample indices; segment k reads walk[off .. off + length] (length + 1 entries). */
  walk: Uint32Array;
  /** Number of segments. */
  count: number;
  /** Input samples loaded by the kernel (B when every cycle is one closed segment). */
  loads: number;
}

export interface WalkOptions {
  /** Mixing in place: cycles are never cut, and the partner must be a permutation. */
  inPlace: boolean;
  /** Quads (threads) per sample. */
  quads: number;
  /** Aim for at least this many threads before cutting cycles (out of place only). */
  targetThreads: number;
}

/** Builds the segment table for `partner`; see the module comment. */
export function buildWalk(partner: Uint32Array, { inPlace, quads, targetThreads }: WalkOptions): Walk {
  const n = partner.length;
  const segments = new Uint32Array(4 * n);
  const walk = new Uint32Array(2 * n);
  let count = 0;
  let used = 0;
  let loads = 0;
  const push = (samples: ArrayLike<number>, start: number, end: number, successor: number, closes: boolean) => {
    segments.set([used, end - start, closes ? 1 : 0, 0], 4 * count++);
    for (let k = start; k < end; k++) walk[used++] = samples[k];
    walk[used++] = successor;
    loads += end - start + (closes ? 0 : 1);
  };

  if (!isPermutation(partner)) {
    if (inPlace) {
      throw new MixupError('plan.partner', 'a permutation when mixing in place (a sample used twice would be read after it was overwritten)', 'an array with repeated partners');
    }
    for (let i = 0; i < n; i++) push([i], 0, 1, partner[i], false);
    return { segments, walk, count, loads };
  }

  // Cut cycles only when whole cycles give too few threads; never in place.
  let cycles = 0;
  const seen = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (seen[i]) continue;
    cycles++;
    for (let j = i; !seen[j]; j = partner[j]) seen[j] = 1;
  }
  const maxLength = inPlace || cycles * quads >= targetThreads ? n : Math.max(MIN_CUT, Math.ceil((n * quads) / targetThreads));

  seen.fill(0);
  const cycle = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    if (seen[i]) continue;
    let length = 0;
    for (let j = i; !seen[j]; j = partner[j]) {
      seen[j] = 1;
      cycle[length++] = j;
    }
    if (length <= maxLength) {
      push(cycle, 0, length, cycle[0], true);
      continue;
    }
    const pieces = Math.ceil(length / maxLength);
    for (let p = 0; p < pieces; p++) {
      const start = Math.floor((p * length) / pieces);
      const end = Math.floor(((p + 1) * length) / pieces);
      push(cycle, start, end, cycle[end % length], false);
    }
  }
  return { segments, walk, count, loads };
}

/** The samples of one dispatch of a chunked batch: outputs in chunk `chunk`, partners in `partnerChunk`. */
export interface ChunkGroup {
  chunk: number;
  partnerChunk: number;
  /** First segment of the group in the walk's segment table, and how many. */
  segBase: number;
  segCount: number;
}

/**
 * The work list for a batch too large to bind at once, cut into chunks of `samplesPerChunk` whole
 * samples. Each output is one open segment (load x[i], load x[partner[i]], write out[i]), grouped
 * by (chunk of i, chunk of its partner): one dispatch per group binds just those two input windows
 * and the output window. Inputs are then read twice (once as a sample, once as a partner); chunking
 * trades that for working within the device's binding limit.
 */
export function buildChunkedWalk(partner: Uint32Array, samplesPerChunk: number): Walk & { groups: ChunkGroup[] } {
  const n = partner.length;
  const chunks = Math.ceil(n / samplesPerChunk);
  const byGroup = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const key = Math.floor(i / samplesPerChunk) * chunks + Math.floor(partner[i] / samplesPerChunk);
    let list = byGroup.get(key);
    if (!list) byGroup.set(key, (list = []));
    list.push(i);
  }
  const segments = new Uint32Array(4 * n);
  const walk = new Uint32Array(2 * n);
  const groups: ChunkGroup[] = [];
  let count = 0;
  for (const key of [...byGroup.keys()].sort((a, b) => a - b)) {
    const samples = byGroup.get(key)!;
    groups.push({ chunk: Math.floor(key / chunks), partnerChunk: key % chunks, segBase: count, segCount: samples.length });
    for (const i of samples) {
      segments.set([2 * count, 1, 0, 0], 4 * count);
      walk[2 * count] = i;
      walk[2 * count + 1] = partner[i];
      count++;
    }
  }
  return { segments, walk, count, loads: 2 * n, groups };
}

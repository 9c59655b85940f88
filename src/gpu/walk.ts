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

/**
 * Shortest piece a cycle is cut into: each cut re-reads one sample, so pieces of 8 bound the extra
 * reads at 1/8 of the input while still multiplying the threads of a long cycle.
 */
const MIN_CUT = 8;

/**
 * Longest segment out of place, whatever the thread count: a thread's steps are dependent (each
 * store waits for its load), so one long segment sets the dispatch's latency. 16 re-reads at most
 * 1/16 of the input (bytes stay within 1/16 of the minimum) and, with the kernel's two-step
 * prefetch, keeps a thread's chain to about 8 round trips to memory. On SwiftShader at the
 * benchmark's sizes the thread-count rule already cuts shuffles into pieces of 8 (few threads per
 * sample), so the cap does not bind there (caps 16, 64 and none measured within noise, Node,
 * 2026-12-01); it matters for large images on wide GPUs (B = 256 at 224x224: uncut cycles of up to
 * ~240 steps when a plan has enough cycles), where 16 is chosen from the model, not a measurement.
 */
export const MAX_CHAIN = 16;

export interface Walk {
  /** 4 words per segment: offset into `walk`, outputs to write, 1 if it closes its cycle, 0. */
  segments: Uint32Array;
  /** Sample indices; segment k reads walk[off .. off + length] (length + 1 entries). */
  walk: Uint32Array;
  /** Number of segments. */
  count: number;
  /** Words of `walk` in use. */
  used: number;
  /** Input samples loaded by the kernel (B when every cycle is one closed segment). */
  loads: number;
  /** Segments by output window, in order (one group unless `outputChunk` was given). */
  outputGroups?: OutputGroup[];
}

export interface WalkOptions {
  /** Mixing in place: cycles are never cut, and the partner must be a permutation. */
  inPlace: boolean;
  /** Quads (threads) per sample. */
  quads: number;
  /** Aim for at least this many threads before cutting cycles (out of place only). */
  targetThreads: number;
  /** Longest segment out of place (default MAX_CHAIN). */
  maxChain?: number;
  /**
   * Outputs are written in windows of this many whole samples, one dispatch per window: segments
   * are cut where the cycle crosses into another window (each cut re-reads one sample) and grouped
   * by window (`groups`). Default: one window.
   */
  outputChunk?: number;
}

/** The segments of one output window: `segCount` segments from `segBase`, writing window `chunk`. */
export interface OutputGroup {
  chunk: number;
  segBase: number;
  segCount: number;
}

/** Arrays a walk is built in, kept by the mixer so a call allocates none; grown on demand. */
export class WalkScratch {
  segments = new Uint32Array(0);
  walk = new Uint32Array(0);
  seen = new Uint8Array(0);
  cycle = new Uint32Array(0);

  /** Arrays for `n` samples (their contents are overwritten). */
  reserve(n: number): this {
    if (this.seen.length < n) {
      this.segments = new Uint32Array(4 * n);
      this.walk = new Uint32Array(2 * n);
      this.seen = new Uint8Array(n);
      this.cycle = new Uint32Array(n);
    }
    return this;
  }
}

/** A copy of `walk` that owns its arrays (for a call that must outlive the scratch's next use). */
export function cloneWalk(walk: Walk): Walk {
  return { ...walk, segments: walk.segments.slice(0, 4 * walk.count), walk: walk.walk.slice(0, walk.used) };
}

/** True when `partner` maps [0, n) onto itself one-to-one (`seen` is n bytes of scratch). */
function permutes(partner: Uint32Array, seen: Uint8Array): boolean {
  const n = partner.length;
  seen.fill(0, 0, n);
  for (let i = 0; i < n; i++) {
    const p = partner[i];
    if (p >= n || seen[p]) return false;
    seen[p] = 1;
  }
  return true;
}

/** Builds the segment table for `partner` (in `scratch` when given); see the module comment. */
export function buildWalk(partner: Uint32Array, options: WalkOptions, scratch = new WalkScratch()): Walk {
  const { inPlace, quads, targetThreads } = options;
  const n = partner.length;
  const { segments, walk, seen, cycle } = scratch.reserve(n);
  let count = 0;
  let used = 0;
  let loads = 0;
  // Segment: samples cycle[start..end) (indices modulo `length`) write their outputs, then the
  // successor is read; a closing segment ends on the cycle's first sample, already loaded.
  const push = (start: number, end: number, length: number, closes: boolean) => {
    const at = 4 * count++;
    segments[at] = used;
    segments[at + 1] = end - start;
    segments[at + 2] = closes ? 1 : 0;
    segments[at + 3] = 0;
    for (let k = start; k < end; k++) walk[used++] = cycle[k % length];
    walk[used++] = cycle[end % length];
    loads += end - start + (closes ? 0 : 1);
  };

  if (!permutes(partner, seen)) {
    if (inPlace) {
      throw new MixupError(
        'plan.partner',
        'a permutation when mixing in place (a sample used twice would be read after it was overwritten)',
        'an array with repeated partners',
      );
    }
    for (let i = 0; i < n; i++) {
      cycle[0] = i;
      cycle[1] = partner[i];
      push(0, 1, 2, false);
    }
    // Segment i writes sample i: an output window's segments are its samples, in order.
    const per = options.outputChunk ?? n;
    const groups: OutputGroup[] = [];
    for (let c = 0; c * per < n; c++) groups.push({ chunk: c, segBase: c * per, segCount: Math.min(per, n - c * per) });
    return { segments, walk, count, used, loads, outputGroups: groups };
  }

  // Out of place, cycles are cut into pieces of at most `maxLength`: by thread count when whole
  // cycles give too few threads, and always by chain length. Never in place.
  let cycles = 0;
  seen.fill(0, 0, n);
  for (let i = 0; i < n; i++) {
    if (seen[i]) continue;
    cycles++;
    for (let j = i; !seen[j]; j = partner[j]) seen[j] = 1;
  }
  const byThreads = cycles * quads >= targetThreads ? n : Math.max(MIN_CUT, Math.ceil((n * quads) / targetThreads));
  const maxLength = inPlace ? n : Math.min(byThreads, Math.max(MIN_CUT, options.maxChain ?? MAX_CHAIN));
  // An open run cycle[start..end) in pieces of at most maxLength.
  const open = (start: number, end: number, length: number) => {
    const pieces = Math.ceil((end - start) / maxLength);
    for (let p = 0; p < pieces; p++) {
      push(
        start + Math.floor((p * (end - start)) / pieces),
        start + Math.floor(((p + 1) * (end - start)) / pieces),
        length,
        false,
      );
    }
  };

  const perChunk = options.outputChunk ?? n;
  const chunks = Math.ceil(n / perChunk);
  const chunkOf = (s: number) => Math.floor(s / perChunk);
  const groups: OutputGroup[] = [];
  for (let c = 0; c < chunks; c++) {
    const segBase = count;
    seen.fill(0, 0, n);
    for (let i = 0; i < n; i++) {
      if (seen[i]) continue;
      let length = 0;
      let inChunk = 0;
      for (let j = i; !seen[j]; j = partner[j]) {
        seen[j] = 1;
        cycle[length++] = j;
        if (chunkOf(j) === c) inChunk++;
      }
      if (inChunk === 0) continue;
      if (inChunk === length) {
        if (length <= maxLength) push(0, length, length, true);
        else open(0, length, length);
        continue;
      }
      // The cycle leaves the window: each run of its outputs inside the window is open.
      for (let k = 0; k < length; k++) {
        if (chunkOf(cycle[k]) !== c || chunkOf(cycle[(k + length - 1) % length]) === c) continue;
        let end = k + 1;
        while (chunkOf(cycle[end % length]) === c) end++;
        open(k, end, length);
      }
    }
    groups.push({ chunk: c, segBase, segCount: count - segBase });
  }
  return { segments, walk, count, used, loads, outputGroups: groups };
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
    if (!list) {
      list = [];
      byGroup.set(key, list);
    }
    list.push(i);
  }
  const segments = new Uint32Array(4 * n);
  const walk = new Uint32Array(2 * n);
  const groups: ChunkGroup[] = [];
  let count = 0;
  for (const key of [...byGroup.keys()].sort((a, b) => a - b)) {
    const samples = byGroup.get(key)!;
    groups.push({
      chunk: Math.floor(key / chunks),
      partnerChunk: key % chunks,
      segBase: count,
      segCount: samples.length,
    });
    for (const i of samples) {
      segments.set([2 * count, 1, 0, 0], 4 * count);
      walk[2 * count] = i;
      walk[2 * count + 1] = partner[i];
      count++;
    }
  }
  return { segments, walk, count, used: 2 * n, loads: 2 * n, groups };
}

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
   * Outputs are written in windows of at most this many whole samples, one dispatch per window (see
   * outputWindows: as few as cover the batch, overlapping): segments are grouped by window
   * (`outputGroups`), and a cycle is cut where its run of outputs cannot stay in one window (each cut
   * re-reads one sample). Default: one window.
   */
  outputChunk?: number;
}

/**
 * The segments of one output window: `segCount` segments from `segBase`, writing window `chunk`,
 * samples [base, base + count) (outputWindows).
 */
export interface OutputGroup {
  chunk: number;
  segBase: number;
  segCount: number;
  base: number;
  count: number;
}

/**
 * The output windows of `n` samples in windows of at most `perWindow`: the fewest that cover the
 * batch, all of `perWindow` samples (one of n when it fits), spread evenly from sample 0 to the last,
 * so that consecutive windows overlap. A sample in an overlap may be written from either window,
 * which lets a cycle's run of outputs stay in one segment where adjacent windows would cut it.
 * The first sample of each window.
 */
export function outputWindows(n: number, perWindow: number): { starts: number[]; count: number } {
  if (n <= perWindow) return { starts: [0], count: n };
  const windows = Math.ceil(n / perWindow);
  const starts: number[] = [];
  for (let c = 0; c < windows; c++) starts.push(Math.floor((c * (n - perWindow)) / (windows - 1)));
  return { starts, count: perWindow };
}

/** Arrays a walk is built in, kept by the mixer so a call allocates none; grown on demand. */
export class WalkScratch {
  segments = new Uint32Array(0);
  walk = new Uint32Array(0);
  seen = new Uint8Array(0);
  cycle = new Uint32Array(0);
  /** Output windows only: the runs cycles are cut into (5 words each, at most one per sample). */
  runs = new Uint32Array(0);
  /** Segments and walk words written so far, and the loads they make (see push). */
  readonly writer = { count: 0, used: 0, loads: 0 };
  /** The options object of the walks built here, refilled per call by the layout (no object per call). */
  readonly options: WalkOptions = { inPlace: false, quads: 1, targetThreads: 1 };

  /** Arrays for `n` samples (their contents are overwritten). */
  reserve(n: number): this {
    if (this.seen.length < n) {
      this.segments = new Uint32Array(4 * n);
      this.walk = new Uint32Array(2 * n);
      this.seen = new Uint8Array(n);
      this.cycle = new Uint32Array(n);
      this.runs = new Uint32Array(0);
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
  scratch.reserve(n);
  const { segments, walk, seen, cycle } = scratch;
  // The segments are written by push() into the scratch's tables (module functions, not closures:
  // this runs per call, issue 14); `w` counts them.
  const w = scratch.writer;
  w.count = 0;
  w.used = 0;
  w.loads = 0;

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
      push(scratch, 0, 1, 2, false);
    }
    // Segment i writes sample i: window c writes the samples from the middle of its overlap with
    // the window before to the middle of its overlap with the next, in order.
    const { starts, count: per } = outputWindows(n, options.outputChunk ?? n);
    const from = (c: number) => (c === 0 ? 0 : c === starts.length ? n : (starts[c] + starts[c - 1] + per) >> 1);
    const groups = starts.map((base, c) => ({
      chunk: c,
      segBase: from(c),
      segCount: from(c + 1) - from(c),
      base,
      count: per,
    }));
    return { segments, walk, count: w.count, used: w.used, loads: w.loads, outputGroups: groups };
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
  seen.fill(0, 0, n);
  if (n <= (options.outputChunk ?? n)) {
    // One output window: every cycle whole, or in open pieces of at most maxLength.
    for (let i = 0; i < n; i++) {
      if (seen[i]) continue;
      let length = 0;
      for (let j = i; !seen[j]; j = partner[j]) {
        seen[j] = 1;
        cycle[length++] = j;
      }
      if (length <= maxLength) push(scratch, 0, length, length, true);
      else pushOpen(scratch, 0, length, length, maxLength);
    }
    const { count, used, loads } = w;
    return {
      segments,
      walk,
      count,
      used,
      loads,
      outputGroups: [{ chunk: 0, segBase: 0, segCount: count, base: 0, count: n }],
    };
  }
  const { starts, count: per } = outputWindows(n, options.outputChunk ?? n);
  // Several windows: sample s may be written from windows first(s) .. last(s). Each cycle is cut into
  // the fewest runs that each lie in one window and are at most maxLength long (greedy, from the best
  // of the first 2 * maxLength starts); a run goes to the lowest window that holds it. The cycles are
  // kept one after another in `cycle` (they partition the samples), the runs in `scratch.runs`, then
  // the segments are written window by window.
  const first = (s: number) => {
    let c = 0;
    while (s >= starts[c] + per) c++;
    return c;
  };
  const last = (s: number) => {
    let c = starts.length - 1;
    while (starts[c] > s) c--;
    return c;
  };
  if (scratch.runs.length < 5 * n) scratch.runs = new Uint32Array(5 * n);
  // Runs: cycle start in `cycle`, cycle length, run start and end (modulo the length), window * 2 + closes.
  const runs = scratch.runs;
  let runCount = 0;
  // The runs of the cycle at cycle[from..from + length) starting at position `begin`, each as long
  // as one window and maxLength allow; written as runs when `emit`. Returns how many.
  const greedy = (from: number, length: number, begin: number, emit: boolean): number => {
    let pieces = 0;
    for (let k = 0; k < length; pieces++) {
      let lo = 0;
      let hi = starts.length - 1;
      let end = k;
      while (end < length && end - k < maxLength) {
        const s = cycle[from + ((begin + end) % length)];
        const l = Math.max(lo, first(s));
        const h = Math.min(hi, last(s));
        if (l > h) break;
        lo = l;
        hi = h;
        end++;
      }
      if (emit) {
        const r = 5 * runCount++;
        runs[r] = from;
        runs[r + 1] = length;
        runs[r + 2] = begin + k;
        runs[r + 3] = begin + end;
        // A whole cycle in one run closes (greedy only makes one of a cycle of at most maxLength).
        runs[r + 4] = 2 * lo + (k === 0 && end === length ? 1 : 0);
      }
      k = end;
    }
    return pieces;
  };
  for (let i = 0, placed = 0; i < n; i++) {
    if (seen[i]) continue;
    const from = placed;
    for (let j = i; !seen[j]; j = partner[j]) {
      seen[j] = 1;
      cycle[placed++] = j;
    }
    const length = placed - from;
    let best = 0;
    let fewest = greedy(from, length, 0, false);
    for (let b = 1; b < Math.min(length, 2 * maxLength) && fewest > 1; b++) {
      const pieces = greedy(from, length, b, false);
      if (pieces < fewest) {
        fewest = pieces;
        best = b;
      }
    }
    greedy(from, length, best, true);
  }
  const groups: OutputGroup[] = [];
  for (let c = 0; c < starts.length; c++) {
    const segBase = w.count;
    for (let r = 0; r < 5 * runCount; r += 5) {
      if (runs[r + 4] >> 1 !== c) continue;
      push(scratch, runs[r + 2], runs[r + 3], runs[r + 1], (runs[r + 4] & 1) === 1, runs[r]);
    }
    groups.push({ chunk: c, segBase, segCount: w.count - segBase, base: starts[c], count: per });
  }
  return { segments, walk, count: w.count, used: w.used, loads: w.loads, outputGroups: groups };
}

/**
 * Appends a segment: samples cycle[from + (k mod length)] for k in [start, end) write their
 * outputs, then the successor is read; a closing segment ends on the cycle's first sample, already
 * loaded.
 */
function push(scratch: WalkScratch, start: number, end: number, length: number, closes: boolean, from = 0): void {
  const { segments, walk, cycle } = scratch;
  const w = scratch.writer;
  const at = 4 * w.count++;
  segments[at] = w.used;
  segments[at + 1] = end - start;
  segments[at + 2] = closes ? 1 : 0;
  segments[at + 3] = 0;
  let used = w.used;
  for (let k = start; k < end; k++) walk[used++] = cycle[from + (k % length)];
  walk[used++] = cycle[from + (end % length)];
  w.used = used;
  w.loads += end - start + (closes ? 0 : 1);
}

/** An open run cycle[start..end) in pieces of at most maxLength. */
function pushOpen(scratch: WalkScratch, start: number, end: number, length: number, maxLength: number): void {
  const pieces = Math.ceil((end - start) / maxLength);
  for (let p = 0; p < pieces; p++) {
    push(
      scratch,
      start + Math.floor((p * (end - start)) / pieces),
      start + Math.floor(((p + 1) * (end - start)) / pieces),
      length,
      false,
    );
  }
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

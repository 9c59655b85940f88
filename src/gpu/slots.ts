/**
 * Upload slots: a buffer for one call's uniforms, plan table, walks and normalisation, its host
 * copy, and the bad-id counter. mix() uses one slot for every call (see `mixSlot`); each encode()
 * holds its own until the caller releases the encoding and the queue has done the work.
 */

/** An upload buffer, its bad-id counter, and its host copy with typed views over it. */
export interface Slot {
  buffer: GPUBuffer;
  flag: GPUBuffer;
  host: ArrayBuffer;
  u32: Uint32Array;
  i32: Int32Array;
  f32: Float32Array;
  /**
   * Bind groups over this slot, by what they bind (see record.ts). The layout's ranges depend on
   * the batch's shape only, so a loop over one shape creates its groups once.
   */
  groups: Map<string, GPUBindGroup>;
  /**
   * The last bind group of each dispatch (by lane: record.ts), with the numbers its key was made
   * of: a loop that binds the same ranges again finds it by comparing numbers, without a key string.
   */
  recent: Map<number, RecentGroup>;
}

/** A bind group and the numbers (buffer ids and ranges) that name what it binds. */
export interface RecentGroup {
  values: Float64Array;
  group: GPUBindGroup;
}

/**
 * Free encode() slots kept for reuse; more are destroyed when released. A loop that keeps up to
 * this many encodes in flight (submitting ahead of the GPU) reuses its slots and their bind groups,
 * so it creates no buffer, bind group or host copy per call; with 4 a loop 10 deep made about 6 new
 * slots per 10 calls (about 30 KB of JS heap per call, and a createBindGroup each). A slot is an
 * upload of about 56 bytes per sample, so 16 slots of B = 256 keep under 0.5 MB.
 */
export const MAX_FREE_SLOTS = 16;

/**
 * Released encode() slots wait for one queue.onSubmittedWorkDone() per this many releases, not one
 * each: a watch made after a release covers that slot's work (it was submitted before the release),
 * so one watch returns every slot released before it. The call costs 5-20 µs of host time in Dawn
 * (more than any other per-call WebGPU call of ours but submit); a loop that drains the queue every
 * call then rotates over this many slots, with this many bind groups, and pays it once in 4 calls.
 */
export const WATCH_BATCH = 4;

export class SlotPool {
  /**
   * mix() writes its upload with queue.writeBuffer and submits at once, in one synchronous step.
   * Queue operations run in order, so the next call's write lands after this call's work: one slot
   * serves every mix() call, however many are in flight.
   */
  private queueSlot: Slot | null = null;
  private readonly free: Slot[] = [];
  /** Released slots no watch covers yet (see WATCH_BATCH). */
  private readonly released: Slot[] = [];
  /** Slots a pending watch covers. */
  private watched = 0;
  private readonly held = new Set<Slot>();
  private destroyed = false;

  constructor(private readonly device: GPUDevice) {}

  /** The one slot of mix() calls; replaced when too small (destroy waits for work already submitted). */
  mixSlot(size: number): Slot {
    if (this.queueSlot && this.queueSlot.buffer.size >= size) return this.queueSlot;
    if (this.queueSlot) destroySlot(this.queueSlot);
    this.queueSlot = this.newSlot(size);
    return this.queueSlot;
  }

  /** A slot for one encode(), held until `release`. */
  acquire(size: number): Slot {
    const free = this.free;
    for (let i = 0; i < free.length; i++) {
      const slot = free[i];
      if (slot.buffer.size < size) continue;
      // Swap-remove (no splice: it allocates an array per call); the order of free slots is immaterial.
      free[i] = free[free.length - 1];
      free.pop();
      return slot;
    }
    const slot = this.newSlot(size);
    this.held.add(slot);
    return slot;
  }

  /**
   * Returns an encode() slot to the pool once the queue has finished the work submitted so far: in
   * batches of WATCH_BATCH, one watch each. Past MAX_FREE_SLOTS kept, the slot is destroyed instead
   * (WebGPU frees a destroyed buffer's memory only after the work submitted with it).
   */
  releaseAfterWork(slot: Slot): void {
    if (this.destroyed || !this.held.has(slot)) return;
    if (this.free.length + this.released.length + this.watched >= MAX_FREE_SLOTS) {
      this.held.delete(slot);
      destroySlot(slot);
      return;
    }
    this.released.push(slot);
    if (this.released.length >= WATCH_BATCH) this.watch();
  }

  /** One watch for every released slot: they go back to `free` when the queue is done. */
  private watch(): void {
    const batch = this.released.slice();
    this.released.length = 0;
    this.watched += batch.length;
    const back = () => {
      this.watched -= batch.length;
      for (let i = 0; i < batch.length; i++) this.release(batch[i]);
    };
    this.device.queue.onSubmittedWorkDone().then(back, back);
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const slot of this.held) destroySlot(slot);
    if (this.queueSlot) destroySlot(this.queueSlot);
    this.queueSlot = null;
    this.held.clear();
    this.free.length = 0;
    this.released.length = 0;
  }

  private release(slot: Slot): void {
    if (this.destroyed || !this.held.has(slot)) return;
    this.free.push(slot);
  }

  private newSlot(size: number): Slot {
    // Powers of two, so a growing batch reallocates only a few times.
    const capacity = Math.max(4096, 2 ** Math.ceil(Math.log2(size)));
    const host = new ArrayBuffer(capacity);
    return {
      buffer: this.device.createBuffer({
        label: 'mixup upload',
        size: capacity,
        usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
      }),
      flag: this.device.createBuffer({
        label: 'mixup bad label count',
        size: 4,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      }),
      host,
      u32: new Uint32Array(host),
      i32: new Int32Array(host),
      f32: new Float32Array(host),
      groups: new Map(),
      recent: new Map(),
    };
  }
}

function destroySlot(slot: Slot): void {
  slot.groups.clear();
  slot.recent.clear();
  slot.buffer.destroy();
  slot.flag.destroy();
}

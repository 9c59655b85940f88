/**
 * Compiled pipelines, one cache per GPUDevice: every mixer on a device (forks included) shares it,
 * so a variant is compiled once per device. The bind group layouts come from the binding tables
 * generated from the WGSL (layouts.generated.ts).
 */
import { BatchBindings, LabelsBindings, ResizeBindings } from './layouts.generated.js';
import { batchShaderCode, labelsShaderCode, resizeShaderCode } from './shaders.js';
import { LABELS_KEY, batchKey, resizeKey } from './variant.js';
import type { BatchEntry, BatchVariant, ResizeVariant } from './variant.js';

type BindingTable = Record<string, { binding: number; type: GPUBufferBindingType }>;

/** A bind group layout with the table's bindings, less `omit`. */
function layoutFrom(
  device: GPUDevice,
  label: string,
  table: BindingTable,
  omit: readonly string[] = [],
): GPUBindGroupLayout {
  const entries: GPUBindGroupLayoutEntry[] = [];
  for (const name in table) {
    if (!omit.includes(name))
      entries.push({
        binding: table[name].binding,
        visibility: GPUShaderStage.COMPUTE,
        buffer: { type: table[name].type },
      });
  }
  return device.createBindGroupLayout({ label, entries });
}

interface Entry {
  pending: Promise<GPUComputePipeline>;
  ready: GPUComputePipeline | null;
}

/** What a pipeline is built from: its cache key and a descriptor made on first use. */
export interface PipelineSpec {
  key: string;
  descriptor: () => GPUComputePipelineDescriptor;
}

const caches = new WeakMap<GPUDevice, PipelineCache>();

/** The bind group layouts of the kernels, by how a job is bound (see PipelineCache.layouts). */
type Layouts<T> = {
  copy: T;
  split: T;
  inPlace: T;
  labels: T;
  resize: T;
  resizeSplit: T;
};

export class PipelineCache {
  readonly device: GPUDevice;
  /**
   * Bind group layouts: the batch kernel out of place (no dst2), with a split output (every binding:
   * 8 storage buffers, the default maxStorageBuffersPerShaderStage), in place (no src, src2, dst2);
   * the labels kernel; the resize pass without and with a split output.
   */
  readonly layouts: Layouts<GPUBindGroupLayout>;
  /** Pipelines created so far (a test checks that nothing compiles after prepare()). */
  compiled = 0;
  private readonly modules = new Map<string, GPUShaderModule>();
  private readonly entries = new Map<string, Entry>();
  private readonly pipelineLayouts: Layouts<GPUPipelineLayout>;

  /** The cache of `device`, created on first use. */
  static for(device: GPUDevice): PipelineCache {
    let cache = caches.get(device);
    if (!cache) {
      cache = new PipelineCache(device);
      caches.set(device, cache);
    }
    return cache;
  }

  private constructor(device: GPUDevice) {
    this.device = device;
    const layouts = {
      copy: layoutFrom(device, 'mixup batch', BatchBindings, ['dst2']),
      split: layoutFrom(device, 'mixup batch split output', BatchBindings),
      inPlace: layoutFrom(device, 'mixup batch in place', BatchBindings, ['src', 'src2', 'dst2']),
      labels: layoutFrom(device, 'mixup labels', LabelsBindings),
      resize: layoutFrom(device, 'mixup resize', ResizeBindings, ['dst2']),
      resizeSplit: layoutFrom(device, 'mixup resize split output', ResizeBindings),
    };
    this.layouts = layouts;
    const pipelineLayout = (layout: GPUBindGroupLayout) => device.createPipelineLayout({ bindGroupLayouts: [layout] });
    this.pipelineLayouts = {
      copy: pipelineLayout(layouts.copy),
      split: pipelineLayout(layouts.split),
      inPlace: pipelineLayout(layouts.inPlace),
      labels: pipelineLayout(layouts.labels),
      resize: pipelineLayout(layouts.resize),
      resizeSplit: pipelineLayout(layouts.resizeSplit),
    };
  }

  /** Which layout a batch variant binds: in place, split output, or the plain copy. */
  static batchLayoutOf(variant: BatchVariant): 'inPlace' | 'split' | 'copy' {
    return variant.inPlace ? 'inPlace' : variant.dstSplit ? 'split' : 'copy';
  }

  /** The bind group layout of a batch dispatch of `variant`. */
  batchLayout(variant: BatchVariant): GPUBindGroupLayout {
    return this.layouts[PipelineCache.batchLayoutOf(variant)];
  }

  /** The bind group layout of a resize pass whose io is `io`. */
  resizeLayout(io: BatchVariant): GPUBindGroupLayout {
    return io.dstSplit ? this.layouts.resizeSplit : this.layouts.resize;
  }

  /** The batch kernel of `variant` at `entry`. */
  batch(variant: BatchVariant, entry: BatchEntry): PipelineSpec {
    const key = batchKey(variant, entry);
    return {
      key,
      descriptor: () => ({
        label: key,
        layout: this.pipelineLayouts[PipelineCache.batchLayoutOf(variant)],
        compute: {
          module: this.module(key.slice(0, key.lastIndexOf(':')), () => batchShaderCode(variant)),
          entryPoint: entry,
        },
      }),
    };
  }

  /** ResizeMix's pass of `variant`. */
  resize(variant: ResizeVariant): PipelineSpec {
    const key = resizeKey(variant);
    return {
      key,
      descriptor: () => ({
        label: key,
        layout: variant.io.dstSplit ? this.pipelineLayouts.resizeSplit : this.pipelineLayouts.resize,
        compute: { module: this.module(key, () => resizeShaderCode(variant)), entryPoint: 'main' },
      }),
    };
  }

  /** The labels kernel. */
  labels(): PipelineSpec {
    return {
      key: LABELS_KEY,
      descriptor: () => ({
        label: 'mixup labels',
        layout: this.pipelineLayouts.labels,
        compute: { module: this.module('labels', labelsShaderCode), entryPoint: 'main' },
      }),
    };
  }

  /** The pipeline if it is compiled, else null. */
  ready(key: string): GPUComputePipeline | null {
    return this.entries.get(key)?.ready ?? null;
  }

  /** Compiles asynchronously, once per key; concurrent callers share one compile. */
  compile(spec: PipelineSpec): Promise<GPUComputePipeline> {
    const known = this.entries.get(spec.key);
    if (known) return known.ready ? Promise.resolve(known.ready) : known.pending;
    this.compiled++;
    const entry: Entry = { pending: null as unknown as Promise<GPUComputePipeline>, ready: null };
    entry.pending = this.device.createComputePipelineAsync(spec.descriptor()).then(
      (pipeline) => (entry.ready ??= pipeline),
      (error: unknown) => {
        this.entries.delete(spec.key);
        throw error;
      },
    );
    this.entries.set(spec.key, entry);
    return entry.pending;
  }

  /**
   * Compiles synchronously when not compiled yet (encode() cannot wait). A compile still pending
   * is superseded: its key then resolves to this pipeline, so later calls never compile again.
   */
  compileSync(spec: PipelineSpec): GPUComputePipeline {
    const known = this.entries.get(spec.key);
    if (known?.ready) return known.ready;
    this.compiled++;
    const pipeline = this.device.createComputePipeline(spec.descriptor());
    if (known) known.ready = pipeline;
    else this.entries.set(spec.key, { pending: Promise.resolve(pipeline), ready: pipeline });
    return pipeline;
  }

  private module(key: string, code: () => string): GPUShaderModule {
    let module = this.modules.get(key);
    if (!module) {
      module = this.device.createShaderModule({ label: key, code: code() });
      this.modules.set(key, module);
    }
    return module;
  }
}

export const SOURCE: string;
export const TARGET: string;
export const KERNELS: Record<string, string>;
export function layoutsFromWgsl(
  code: string,
): Record<string, { size: number; fields: Record<string, { offset: number; type: string }> }>;
export function bindingsFromWgsl(code: string): Record<string, { binding: number; type: GPUBufferBindingType }>;
export function renderLayouts(common: string, kernels: Record<string, string>): string;
export function renderFromDisk(): string;

export const SOURCE: string;
export const TARGET: string;
export function layoutsFromWgsl(code: string): Record<string, { size: number; fields: Record<string, { offset: number; type: string }> }>;
export function renderLayouts(code: string): string;

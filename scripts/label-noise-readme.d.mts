export function resultsBlock(results: unknown): string;
export const BEGIN: string;
export const END: string;

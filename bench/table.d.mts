// Types for bench/table.mjs (plain JavaScript so scripts/run-bench.mjs needs no build).
export function formatResult(result: unknown): string;

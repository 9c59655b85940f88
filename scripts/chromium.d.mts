export function ensureChromium(options?: { install?: boolean }): string;
export function swiftShaderIcd(): string | null;
export const CHROMIUM_ARGS: string[];
export function dawnEnv(): Record<string, string>;

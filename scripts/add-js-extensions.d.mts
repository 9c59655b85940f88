/** The specifier to write for `spec` imported from `file`, or null when it needs no change. Throws when it resolves to nothing. */
export function withExtension(file: string, spec: string): string | null;
/** Rewrites one file's text: the new text, the changes made (`old -> new`) and the imports it could not resolve. */
export function rewrite(file: string, text: string): { text: string; changes: string[]; problems: string[] };

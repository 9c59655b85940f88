/**
 * Word offsets of WGSL struct fields, from the layouts reflected from the shaders
 * (layouts.generated.ts), so the host writes uniforms and the plan table through typed-array
 * views at reflected positions: no offset counted by hand, and nothing parsed per call.
 */
export interface StructLayout {
  readonly size: number;
  readonly fields: { readonly [name: string]: { readonly offset: number; readonly type: string } };
}

/** Each field's offset in 4-byte words (every field of our structs is 4-byte aligned). */
export function fieldWords<L extends StructLayout>(layout: L): { readonly [K in keyof L['fields']]: number } {
  const words: Record<string, number> = {};
  for (const name in layout.fields) {
    const { offset, type } = layout.fields[name];
    if (offset % 4 !== 0 || !/^(vec\d<)?(u32|i32|f32)>?$/.test(type))
      throw new Error(`internal: field ${name} (${type} at ${offset}) is not 4-byte words`);
    words[name] = offset / 4;
  }
  return words as { [K in keyof L['fields']]: number };
}

/**
 * Writes WGSL struct values into a DataView using the layouts reflected from the shaders
 * (layouts.generated.ts), so no offset is counted by hand on the host.
 */
export interface StructLayout {
  readonly size: number;
  readonly fields: { readonly [name: string]: { readonly offset: number; readonly type: string } };
}

export type StructValues<L extends StructLayout> = { [K in keyof L['fields']]?: number | ArrayLike<number> };

export function writeStruct<L extends StructLayout>(view: DataView, base: number, layout: L, values: StructValues<L>): void {
  for (const name in values) {
    const field = layout.fields[name];
    if (!field) throw new Error(`internal: struct has no field ${name}`);
    const value = values[name]!;
    const at = base + field.offset;
    const scalars = typeof value === 'number' ? [value] : Array.from(value);
    const scalar = field.type.replace(/^vec\d<(.+)>$/, '$1');
    for (let k = 0; k < scalars.length; k++) {
      const offset = at + 4 * k;
      if (scalar === 'u32') view.setUint32(offset, scalars[k], true);
      else if (scalar === 'i32') view.setInt32(offset, scalars[k], true);
      else if (scalar === 'f32') view.setFloat32(offset, scalars[k], true);
      else throw new Error(`internal: unsupported field type ${field.type}`);
    }
  }
}

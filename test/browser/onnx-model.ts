/**
 * A tiny ONNX model written byte by byte, so the ORT test needs no model file and no protobuf
 * library: `Y = X * scale` (one `Mul` node with a scalar float initializer), float32 in and out.
 *
 * Protobuf wire format (https://protobuf.dev/programming-guides/encoding/): each field is a varint
 * key `(field << 3) | wireType`, then a varint (wire type 0), or a varint length and the bytes
 * (wire type 2: strings, bytes, embedded messages). Field numbers are those of onnx.proto3.
 */

type Chunk = Uint8Array;

/** An unsigned varint: 7 bits per byte, low bits first, high bit set on all but the last byte. */
function varint(value: number): Chunk {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`varint of ${value}`);
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Uint8Array.from(out);
}

function concat(chunks: readonly Chunk[]): Chunk {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Field with a varint value (wire type 0). */
const intField = (field: number, value: number): Chunk => concat([varint(field * 8 + 0), varint(value)]);
/** Field with length-delimited bytes (wire type 2): strings, bytes and embedded messages. */
const bytesField = (field: number, bytes: Chunk): Chunk => concat([varint(field * 8 + 2), varint(bytes.length), bytes]);
const stringField = (field: number, text: string): Chunk => bytesField(field, new TextEncoder().encode(text));
const message = (field: number, ...parts: Chunk[]): Chunk => bytesField(field, concat(parts));

/** onnx.TensorProto.DataType.FLOAT */
const FLOAT = 1;

/** A ValueInfoProto for a float tensor of fixed dims (a string dim becomes a symbolic `dim_param`). */
function floatValueInfo(field: number, name: string, dims: readonly (number | string)[]): Chunk {
  // TensorShapeProto.Dimension: dim_value = 1 (int64), dim_param = 2 (string).
  const shape = concat(dims.map((d) => message(1, typeof d === 'number' ? intField(1, d) : stringField(2, d))));
  // ValueInfoProto: name = 1, type = 2; TypeProto: tensor_type = 1; TypeProto.Tensor: elem_type = 1, shape = 2.
  return message(field, stringField(1, name), message(2, message(1, intField(1, FLOAT), bytesField(2, shape))));
}

/**
 * The bytes of a ModelProto computing `Y = X * scale` for a float32 input `X` of `dims`
 * (a string entry is a symbolic dimension such as the batch size), with opset `opset`.
 */
export function mulModel(dims: readonly (number | string)[], scale: number, opset = 13): Uint8Array {
  const scaleBytes = new Uint8Array(Float32Array.of(scale).buffer);
  // TensorProto: data_type = 2, name = 8, raw_data = 9 (little-endian); no dims = a scalar.
  const initializer = message(5, intField(2, FLOAT), stringField(8, 'scale'), bytesField(9, scaleBytes));
  // NodeProto: input = 1, output = 2, name = 3, op_type = 4.
  const node = message(
    1,
    stringField(1, 'X'),
    stringField(1, 'scale'),
    stringField(2, 'Y'),
    stringField(3, 'mul'),
    stringField(4, 'Mul'),
  );
  // GraphProto: node = 1, name = 2, initializer = 5, input = 11, output = 12.
  const graph = message(
    7,
    node,
    stringField(2, 'scale_graph'),
    initializer,
    floatValueInfo(11, 'X', dims),
    floatValueInfo(12, 'Y', dims),
  );
  // ModelProto: ir_version = 1, producer_name = 2, graph = 7, opset_import = 8 (OperatorSetIdProto: domain = 1, version = 2).
  return concat([
    intField(1, 8),
    stringField(2, 'webgpu-mixup test'),
    graph,
    message(8, stringField(1, ''), intField(2, opset)),
  ]);
}

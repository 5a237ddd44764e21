// A minimal ONNX ModelProto reader for tests, written from the protobuf wire format and onnx.proto's field
// numbers, independent of the engine's writer: nodes (op, inputs, outputs, int attributes), initializer names
// and graph outputs with their element types.

interface Field {
  field: number;
  wire: number;
  value: bigint | Uint8Array;
}

function* fields(bytes: Uint8Array): Generator<Field> {
  let at = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = bytes[at++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (at < bytes.length) {
    const key = Number(varint());
    const field = key >> 3;
    const wire = key & 7;
    if (wire === 0) yield { field, wire, value: varint() };
    else if (wire === 2) {
      const length = Number(varint());
      yield { field, wire, value: bytes.subarray(at, at + length) };
      at += length;
    } else if (wire === 5) at += 4;
    else if (wire === 1) at += 8;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

const text = (v: bigint | Uint8Array) => new TextDecoder().decode(v as Uint8Array);

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  ints: Record<string, bigint>;
}

export interface OnnxGraph {
  nodes: OnnxNode[];
  initializers: string[];
  outputs: Array<{ name: string; elemType: number }>;
}

function readNode(bytes: Uint8Array): OnnxNode {
  const node: OnnxNode = { op: '', inputs: [], outputs: [], ints: {} };
  for (const f of fields(bytes)) {
    if (f.field === 1) node.inputs.push(text(f.value));
    else if (f.field === 2) node.outputs.push(text(f.value));
    else if (f.field === 4) node.op = text(f.value);
    else if (f.field === 5) {
      let name = '';
      let i: bigint | undefined;
      for (const a of fields(f.value as Uint8Array)) {
        if (a.field === 1) name = text(a.value);
        if (a.field === 3) i = a.value as bigint;
      }
      if (i !== undefined) node.ints[name] = i;
    }
  }
  return node;
}

function readOutput(bytes: Uint8Array): { name: string; elemType: number } {
  let name = '';
  let elemType = 0;
  for (const f of fields(bytes)) {
    if (f.field === 1) name = text(f.value);
    if (f.field === 2)
      for (const t of fields(f.value as Uint8Array))
        if (t.field === 1)
          for (const tt of fields(t.value as Uint8Array)) if (tt.field === 1) elemType = Number(tt.value);
  }
  return { name, elemType };
}

export function readOnnxGraph(model: Uint8Array): OnnxGraph {
  const graph: OnnxGraph = { nodes: [], initializers: [], outputs: [] };
  for (const f of fields(model)) {
    if (f.field !== 7) continue;
    for (const g of fields(f.value as Uint8Array)) {
      if (g.field === 1) graph.nodes.push(readNode(g.value as Uint8Array));
      else if (g.field === 5) {
        for (const t of fields(g.value as Uint8Array))
          if (t.field === 8) graph.initializers.push(text(t.value));
      } else if (g.field === 12) graph.outputs.push(readOutput(g.value as Uint8Array));
    }
  }
  return graph;
}

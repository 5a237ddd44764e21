// A small declarative builder for ONNX graphs. Model code calls `g.op('MatMul', [a, b])` and gets back the
// output value's name; `encodeModel` serialises the result as an ONNX ModelProto.
import { ProtoWriter } from './protobuf.js';

export type DType =
  | 'float32'
  | 'float16'
  | 'bfloat16'
  | 'double'
  | 'int64'
  | 'int32'
  | 'int8'
  | 'uint8'
  | 'bool';

export const DTYPE_CODE: Record<DType, number> = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  double: 11,
  bfloat16: 16,
};

export const DTYPE_BYTES: Record<DType, number> = {
  float32: 4,
  uint8: 1,
  int8: 1,
  int32: 4,
  int64: 8,
  bool: 1,
  float16: 2,
  double: 8,
  bfloat16: 2,
};

/** A fixed size, or a symbolic name for a dynamic axis. */
export type Dim = number | string;

/** Tensor data stored outside the model file (ONNX external data), e.g. straight inside a safetensors file. */
export interface ExternalData {
  location: string; // relative to the model file's folder
  offset: number;
  length: number;
}

export interface TensorInit {
  dtype: DType;
  dims: readonly number[];
  data?: Uint8Array;
  external?: ExternalData;
}

/** Attribute values: integers become INT(S), other numbers FLOAT(S); wrap in {float} to force a float. */
export type AttrValue =
  | number
  | bigint
  | string
  | readonly number[]
  | { float: number }
  | { floats: readonly number[] }
  | { tensor: TensorInit }
  | { graph: GraphBuilder };

interface NodeDef {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttrValue>;
  domain: string;
  name: string;
}

export interface ValueDef {
  name: string;
  dtype: DType;
  shape: readonly Dim[];
}

export interface OpOptions {
  /** Number of outputs (default 1) or their explicit names. */
  outputs?: number | string[];
  domain?: string;
  name?: string;
}

export function bytesOf(
  values: Float32Array | Int32Array | BigInt64Array | Uint8Array | Uint16Array,
): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

export class GraphBuilder {
  private readonly nodes: NodeDef[] = [];
  private readonly inputs: ValueDef[] = [];
  /** Each graph output and the value it exposes (`value` differs from the output's name when renamed or copied). */
  private readonly outputs: Array<ValueDef & { value: string }> = [];
  private readonly initializers = new Map<string, TensorInit>();
  private readonly constantsByKey = new Map<string, string>();
  private counter = 0;

  /**
   * `namePrefix` keeps a subgraph's generated names apart from its parent's (ONNX forbids shadowing them).
   * `inputsOf`: the graph is an `If` branch, which has no inputs of its own, so what it declares as an input
   * becomes an input of that outer graph and the branch reads it from there.
   */
  constructor(
    readonly name: string,
    private readonly namePrefix = '',
    private readonly inputsOf?: GraphBuilder,
  ) {}

  /** A name no other value in this graph uses. */
  fresh(prefix: string): string {
    this.counter += 1;
    return `${this.namePrefix}${prefix}_${this.counter}`;
  }

  /**
   * Declares an input. Declared twice (two `If` branches reading one outer input), the dtypes must agree and the
   * axes the two shapes disagree on become dynamic.
   */
  input(name: string, dtype: DType, shape: readonly Dim[]): string {
    if (this.inputsOf) return this.inputsOf.input(name, dtype, shape);
    const known = this.inputs.findIndex((v) => v.name === name);
    const before = this.inputs[known];
    if (!before) {
      this.inputs.push({ name, dtype, shape });
      return name;
    }
    if (before.dtype !== dtype || before.shape.length !== shape.length)
      throw new Error(
        `input ${name} declared as ${before.dtype}[${before.shape.join(', ')}] and as ${dtype}[${shape.join(', ')}]`,
      );
    const merged = shape.map((d, i) => (d === before.shape[i] ? d : `${name}_${i}`));
    this.inputs[known] = { name, dtype, shape: merged };
    return name;
  }

  /**
   * Exposes `value` as a graph output called `name`. When the encoded graph is written, a value a node of this
   * graph computes takes the output's name (callers keep using `value` meanwhile); only a graph input, an
   * initializer, a value exposed twice or one a subgraph reads by name gets an Identity, which copies it: a
   * copy of every K/V cache each ML-Cache step, before.
   */
  output(value: string, name: string, dtype: DType, shape: readonly Dim[]): void {
    this.outputs.push({ name, dtype, shape, value });
  }

  initializer(name: string, tensor: TensorInit): string {
    if (this.initializers.has(name)) throw new Error(`duplicate initializer ${name}`);
    this.initializers.set(name, tensor);
    return name;
  }

  /** A small inline constant, shared when the same values are asked for twice. */
  constant(dtype: DType, dims: readonly number[], values: readonly number[] | readonly bigint[]): string {
    const key = `${dtype}|${dims.join(',')}|${values.join(',')}`;
    const known = this.constantsByKey.get(key);
    if (known) return known;
    const name = this.fresh('const');
    this.constantsByKey.set(key, name);
    return this.initializer(name, { dtype, dims, data: encodeValues(dtype, values) });
  }

  /** int64 vector constant, the usual shape/axes/indices operand. */
  ints(values: readonly number[]): string {
    return this.constant(
      'int64',
      [values.length],
      values.map((v) => BigInt(v)),
    );
  }

  /** float32 scalar constant. */
  scalar(value: number, dtype: DType = 'float32'): string {
    return this.constant(dtype, [], [value]);
  }

  node(
    op: string,
    inputs: readonly string[],
    attrs: Record<string, AttrValue> = {},
    options: OpOptions = {},
  ): string[] {
    const count = options.outputs ?? 1;
    const outputs = typeof count === 'number' ? Array.from({ length: count }, () => this.fresh(op)) : count;
    this.nodes.push({
      op,
      inputs: [...inputs],
      outputs,
      attrs,
      domain: options.domain ?? '',
      name: options.name ?? this.fresh(`n_${op}`),
    });
    return outputs;
  }

  /** A single-output node; returns its output's name. */
  op(
    op: string,
    inputs: readonly string[],
    attrs: Record<string, AttrValue> = {},
    options: OpOptions = {},
  ): string {
    const [out] = this.node(op, inputs, attrs, options);
    return out as string;
  }

  /** The graph outputs declared so far: their names, types and shapes. */
  get outputSpecs(): ReadonlyArray<Readonly<ValueDef>> {
    return this.outputs.map(({ name, dtype, shape }) => ({ name, dtype, shape }));
  }

  get nodeCount(): number {
    return this.nodes.length;
  }

  /** Each node's name, op and the values it reads and writes, for following the dataflow (tests, profiles). */
  get nodeEdges(): ReadonlyArray<Readonly<Pick<NodeDef, 'name' | 'op' | 'inputs' | 'outputs'>>> {
    return this.nodes.map(({ name, op, inputs, outputs }) => ({ name, op, inputs, outputs }));
  }

  /** Every value name the nodes of this graph's subgraphs (at any depth) read. */
  private subgraphReads(into = new Set<string>()): Set<string> {
    for (const n of this.nodes)
      for (const a of Object.values(n.attrs))
        if (typeof a === 'object' && a !== null && 'graph' in a) {
          for (const m of a.graph.nodes) for (const i of m.inputs) into.add(i);
          a.graph.subgraphReads(into);
        }
    return into;
  }

  /** The nodes as encoded: produced values renamed to the outputs that expose them, Identities for the rest. */
  private encodedNodes(): NodeDef[] {
    const produced = new Set(this.nodes.flatMap((n) => n.outputs));
    const pinned = this.subgraphReads();
    const renamed = new Map<string, string>();
    const copies: NodeDef[] = [];
    for (const o of this.outputs) {
      if (o.value === o.name) continue;
      if (produced.has(o.value) && !pinned.has(o.value) && !renamed.has(o.value)) {
        renamed.set(o.value, o.name);
      } else {
        copies.push({
          op: 'Identity',
          inputs: [o.value],
          outputs: [o.name],
          attrs: {},
          domain: '',
          name: '',
        });
      }
    }
    const rename = (v: string) => renamed.get(v) ?? v;
    return [...this.nodes, ...copies].map((n, i) => ({
      ...n,
      inputs: n.inputs.map(rename),
      outputs: n.outputs.map(rename),
      name: n.name || `${this.namePrefix}n_output_copy_${i}`,
    }));
  }

  encodeGraph(w: ProtoWriter): void {
    for (const n of this.encodedNodes()) w.message(1, (nw) => encodeNode(nw, n));
    w.string(2, this.name);
    for (const [name, t] of this.initializers) w.message(5, (tw) => encodeTensor(tw, name, t));
    for (const v of this.inputs) w.message(11, (vw) => encodeValueInfo(vw, v));
    for (const v of this.outputs) w.message(12, (vw) => encodeValueInfo(vw, v));
  }
}

function encodeValues(dtype: DType, values: readonly number[] | readonly bigint[]): Uint8Array {
  if (values.length === 0) return new Uint8Array(0); // an empty tensor of any type
  switch (dtype) {
    case 'float32':
      return bytesOf(Float32Array.from(values as readonly number[]));
    case 'int64':
      return bytesOf(BigInt64Array.from((values as readonly (number | bigint)[]).map((v) => BigInt(v))));
    case 'int32':
      return bytesOf(Int32Array.from(values as readonly number[]));
    case 'bool':
    case 'uint8':
      return Uint8Array.from(values as readonly number[]);
    case 'double':
      return new Uint8Array(Float64Array.from(values as readonly number[]).buffer);
    default:
      throw new Error(`inline constants of type ${dtype} are not supported`);
  }
}

function encodeTensor(w: ProtoWriter, name: string, t: TensorInit): void {
  w.packedInts(1, t.dims);
  w.int(2, DTYPE_CODE[t.dtype]);
  w.string(8, name);
  if (t.external) {
    const entries: Array<[string, string]> = [
      ['location', t.external.location],
      ['offset', String(t.external.offset)],
      ['length', String(t.external.length)],
    ];
    for (const [key, value] of entries) w.message(13, (ew) => ew.string(1, key).string(2, value));
    w.int(14, 1);
  } else {
    w.bytes(9, t.data ?? new Uint8Array(0));
  }
}

function encodeValueInfo(w: ProtoWriter, v: ValueDef): void {
  w.string(1, v.name);
  w.message(2, (tw) =>
    tw.message(1, (tt) => {
      tt.int(1, DTYPE_CODE[v.dtype]);
      tt.message(2, (sw) => {
        for (const d of v.shape)
          sw.message(1, (dw) => (typeof d === 'number' ? dw.int(1, d) : dw.string(2, d)));
      });
    }),
  );
}

const ATTR = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7 } as const;

function encodeAttr(w: ProtoWriter, name: string, value: AttrValue): void {
  w.string(1, name);
  if (typeof value === 'number') {
    if (Number.isInteger(value)) w.int(3, value).int(20, ATTR.INT);
    else w.float(2, value).int(20, ATTR.FLOAT);
  } else if (typeof value === 'bigint') {
    w.int(3, value).int(20, ATTR.INT);
  } else if (typeof value === 'string') {
    w.string(4, value).int(20, ATTR.STRING);
  } else if (Array.isArray(value)) {
    const nums = value as readonly number[];
    if (nums.every((v) => Number.isInteger(v))) w.packedInts(8, nums).int(20, ATTR.INTS);
    else w.packedFloats(7, nums).int(20, ATTR.FLOATS);
  } else if ('float' in value) {
    w.float(2, value.float).int(20, ATTR.FLOAT);
  } else if ('floats' in value) {
    w.packedFloats(7, value.floats).int(20, ATTR.FLOATS);
  } else if ('tensor' in value) {
    const t = value.tensor;
    w.message(5, (tw) => encodeTensor(tw, `${name}_value`, t)).int(20, ATTR.TENSOR);
  } else if ('graph' in value) {
    const g = value.graph;
    w.message(6, (gw) => g.encodeGraph(gw)).int(20, ATTR.GRAPH);
  }
}

function encodeNode(w: ProtoWriter, n: NodeDef): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name);
  w.string(4, n.op);
  for (const [k, v] of Object.entries(n.attrs)) w.message(5, (aw) => encodeAttr(aw, k, v));
  if (n.domain) w.string(7, n.domain);
}

export interface ModelOptions {
  opset?: number;
  /** Extra operator domains, e.g. { 'com.microsoft': 1 } for ORT contrib ops. */
  domains?: Record<string, number>;
  producer?: string;
}

/** Serialises a graph as an ONNX ModelProto (IR version 8). */
export function encodeModel(graph: GraphBuilder, options: ModelOptions = {}): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, 8);
  w.string(2, options.producer ?? 'dimoo-bot');
  w.message(7, (gw) => graph.encodeGraph(gw));
  w.message(8, (ow) => ow.string(1, '').int(2, options.opset ?? 18));
  for (const [domain, version] of Object.entries(options.domains ?? {})) {
    w.message(8, (ow) => ow.string(1, domain).int(2, version));
  }
  return w.finish();
}

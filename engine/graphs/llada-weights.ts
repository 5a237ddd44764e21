// The transformer graph's weights and linear layers: checkpoint tensors as external initializers in their stored
// type, cast once to fp32 or (under `half`) fp16, quantized layer weights as MatMulNBits inputs, and the forms of
// x · Wᵀ. LladaBlocks (llada-blocks.ts) and LladaGraph (llada-graph.ts) build the network on top.
import type { DType } from '../onnx/graph.js';
import { GraphBuilder } from '../onnx/graph.js';
import { externalDataFor, type WeightRef } from '../runtime/external-data.js';
import type { QuantizedRef } from '../runtime/quantized-weights.js';
import {
  type ContribOps,
  DEFAULT_CONTRIB,
  invalid,
  type LinearForm,
  MLP_SCALE_INPUT,
  type TransformerDims,
  type TransformerGraphOptions,
  validateDims,
} from './transformer-options.js';

const STORED_DTYPE: Record<WeightRef['dtype'], DType> = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' };
const BYTES: Record<WeightRef['dtype'], number> = { F32: 4, F16: 2, BF16: 2 };

/**
 * Weights and linears of one graph. A graph made with `parent` writes its ops into `g` (a subgraph, e.g. an ONNX
 * Loop body) but takes every weight from the parent's scope.
 */
export class LladaWeights {
  readonly g: GraphBuilder;
  protected readonly d: TransformerDims;
  protected readonly headSize: number;
  private readonly form: LinearForm;
  private readonly transposed = new Map<string, string>();
  private readonly params = new Map<string, string>();
  private readonly initializers = new Map<string, string>();
  /** Values held in fp16 (`half` matrices), and each fp32 activation's fp16 copy (one Cast per input, not per use). */
  private readonly halfValues = new Set<string>();
  private readonly halfCopies = new Map<string, string>();
  /** Quantized layer weights by the handle `layerMatrix` returned: MatMulNBits' B and scales initializers. */
  private readonly quantized = new Map<string, { b: string; scales: string; ref: QuantizedRef }>();
  private mlpScales?: { half: string; inverse: string };
  protected readonly contrib: ContribOps;

  constructor(
    protected readonly options: TransformerGraphOptions,
    protected readonly parent?: LladaWeights,
    g?: GraphBuilder,
  ) {
    this.g = g ?? new GraphBuilder('llada');
    validateDims(options.dims);
    this.d = options.dims;
    this.headSize = this.d.dModel / this.d.nHeads;
    this.form = options.linear ?? 'gemm';
    this.contrib = { ...(options.contrib ?? DEFAULT_CONTRIB) };
    if (this.d.nKvHeads !== this.d.nHeads) this.contrib.attention = false;
  }

  /** The graph that holds the weights: the outermost parent (a Loop body may sit inside an If branch). */
  private get root(): LladaWeights {
    return this.parent ? this.parent.root : this;
  }

  private ref(name: string, shape: readonly number[]): WeightRef {
    const ref = this.options.weight(name) as WeightRef | undefined;
    if (!ref) throw invalid(`the checkpoint has no tensor "${name}"`, { tensor: name });
    if (ref.shape.length !== shape.length || ref.shape.some((d, i) => d !== shape[i])) {
      throw invalid(
        `${ref.file}: tensor "${name}" has shape [${ref.shape.join(', ')}], expected [${shape.join(', ')}] from config.json`,
        { file: ref.file, tensor: name },
      );
    }
    return ref;
  }

  /** The checkpoint tensor `name` (or some of its rows) as an external initializer in its stored type. */
  private stored(
    name: string,
    shape: readonly number[],
    rows?: { from: number; count: number },
  ): { init: string; dtype: DType } {
    const ref = this.ref(name, shape);
    const external = externalDataFor(ref, this.options.folder);
    let dims = shape;
    let initName = name;
    if (rows) {
      // Rows of a row-major [V, D] matrix are one contiguous byte range: point at the slice only.
      const rowBytes = (shape[1] as number) * BYTES[ref.dtype];
      external.offset += rows.from * rowBytes;
      external.length = rows.count * rowBytes;
      dims = [rows.count, shape[1] as number];
      initName = `${name}[${rows.from}:${rows.from + rows.count}]`;
    }
    const dtype = STORED_DTYPE[ref.dtype];
    // A tied head reads wte again, perhaps in another type: still one initializer.
    let init = this.initializers.get(initName);
    if (!init) {
      init = this.g.initializer(initName, { dtype, dims, external });
      this.initializers.set(initName, init);
    }
    return { init, dtype };
  }

  /** A weight in `want` (fp32 or fp16): one initializer and one cast per tensor and type, however often read. */
  private weightAs(
    want: 'float32' | 'float16',
    name: string,
    shape: readonly number[],
    rows?: { from: number; count: number },
  ): string {
    const key = `${name}|${rows ? `${rows.from}:${rows.count}` : ''}|${want}`;
    const known = this.params.get(key);
    if (known) return known;
    const { init, dtype } = this.stored(name, shape, rows);
    const value = dtype === want ? init : this.g.op('Cast', [init], { to: want === 'float32' ? 1 : 10 });
    this.params.set(key, value);
    if (want === 'float16') this.halfValues.add(value);
    return value;
  }

  /** A weight as an fp32 value: an external initializer, cast when stored as bf16/fp16. */
  param(name: string, shape: readonly number[], rows?: { from: number; count: number }): string {
    if (this.parent) return this.parent.param(name, shape, rows);
    return this.weightAs('float32', name, shape, rows);
  }

  /**
   * A linear layer's weight [out, in]: fp16 under `half` (cast once from what the checkpoint stores, folded at
   * session start), else the fp32 value of `param`.
   */
  matrix(name: string, shape: readonly number[], rows?: { from: number; count: number }): string {
    if (this.parent) return this.parent.matrix(name, shape, rows);
    return this.weightAs(this.options.half ? 'float16' : 'float32', name, shape, rows);
  }

  /** A block's linear weight: quantized when the options hold it, else as `matrix`. */
  layerMatrix(name: string, shape: readonly number[]): string {
    if (this.parent) return this.parent.layerMatrix(name, shape);
    const ref = this.options.quant?.weights(name);
    if (!ref) return this.matrix(name, shape);
    const handle = `quantized:${name}`;
    if (this.quantized.has(handle)) return handle;
    if (ref.n !== shape[0] || ref.k !== shape[1])
      throw invalid(`quantized ${name} is [${ref.n}, ${ref.k}], expected [${shape.join(', ')}]`);
    const { folder } = this.options;
    const b = this.g.initializer(ref.packed.name, {
      dtype: 'uint8',
      dims: ref.packed.shape,
      external: externalDataFor(ref.packed, folder),
    });
    const scales32 = this.g.initializer(ref.scales.name, {
      dtype: 'float32',
      dims: ref.scales.shape,
      external: externalDataFor(ref.scales, folder),
    });
    // MatMulNBits takes its scales in the activations' type.
    const scales = this.options.half ? this.g.op('Cast', [scales32], { to: 10 }) : scales32;
    this.quantized.set(handle, { b, scales, ref });
    return handle;
  }

  /**
   * The input `mlp_scale []` (engine/runtime/overflow-guard.ts) as the fp16 factor of the MLP's up projection and
   * its fp32 inverse, made once in the graph that holds the weights, for every block of every subgraph.
   */
  mlpScale(): { half: string; inverse: string } {
    const { root } = this;
    if (!root.mlpScales) {
      const { g } = root;
      const scale = g.input(MLP_SCALE_INPUT, 'float32', []);
      root.mlpScales = {
        half: root.halfValue(g.op('Cast', [scale], { to: 10 })),
        inverse: g.op('Reciprocal', [scale]),
      };
    }
    return root.mlpScales;
  }

  /** Whether `value` is fp16: a `half` matrix, an fp16 copy, or an activation a `half` graph keeps in fp16. */
  isHalf(value: string): boolean {
    return this.halfValues.has(value) || (this.parent?.isHalf(value) ?? false);
  }

  /** Records that `value` is fp16 (an op on fp16 activations), so no layer casts it again; returns it. */
  halfValue(value: string): string {
    this.halfValues.add(value);
    return value;
  }

  /** The fp16 copy of an fp32 activation, cast once however many layers read it. */
  toHalf(x: string): string {
    if (this.isHalf(x)) return x;
    let copy = this.halfCopies.get(x);
    if (!copy) {
      copy = this.halfValue(this.g.op('Cast', [x], { to: 10 }));
      this.halfCopies.set(x, copy);
    }
    return copy;
  }

  /** `x` in the linear layers' activation type: fp16 under `half`, else as it is (fp32). */
  act(x: string): string {
    return this.options.half ? this.toHalf(x) : x;
  }

  /** `x` as fp32 (the residual stream, norms, heads): cast back when it is an fp16 activation. */
  toFloat(x: string): string {
    return this.isHalf(x) ? this.g.op('Cast', [x], { to: 1 }) : x;
  }

  /**
   * `x · Wᵀ` for a weight stored [out, in], in the activation type: under `half` the input is made fp16 and the
   * result stays fp16 (the next layer multiplies in fp16 too); otherwise fp32 in and out.
   */
  project(x: string, w: string, out: number, inFeatures: number): string {
    const q = this.root.quantized.get(w);
    if (q) {
      const y = this.g.op(
        'MatMulNBits',
        [this.act(x), q.b, q.scales],
        {
          K: inFeatures,
          N: out,
          bits: q.ref.bits,
          block_size: q.ref.blockSize,
          accuracy_level: this.options.quant?.accuracyLevel ?? 4,
        },
        { domain: 'com.microsoft' },
      );
      return this.options.half ? this.halfValue(y) : y;
    }
    if (!this.isHalf(w)) return this.product(this.toFloat(x), w, out, inFeatures);
    return this.halfValue(this.product(this.toHalf(x), w, out, inFeatures));
  }

  /** `x · Wᵀ` as fp32, whatever the activation type (heads, and what feeds the residual stream). */
  linear(x: string, w: string, out: number, inFeatures: number): string {
    return this.toFloat(this.project(x, w, out, inFeatures));
  }

  private product(x: string, w: string, out: number, inFeatures: number): string {
    const { g } = this;
    switch (this.form) {
      case 'transpose': {
        const { root } = this;
        let wt = root.transposed.get(w);
        if (!wt) {
          wt = root.g.op('Transpose', [w], { perm: [1, 0] });
          root.transposed.set(w, wt);
        }
        return g.op('MatMul', [x, wt]);
      }
      case 'fused':
        return g.op('FusedMatMul', [x, w], { transB: 1, alpha: { float: 1 } }, { domain: 'com.microsoft' });
      case 'gemm': {
        const flat = g.op('Reshape', [x, g.ints([-1, inFeatures])]);
        const y = g.op('Gemm', [flat, w], { transB: 1 });
        const lead = g.op('Slice', [g.op('Shape', [x]), g.ints([0]), g.ints([-1])]);
        return g.op('Reshape', [y, g.op('Concat', [lead, g.ints([out])], { axis: 0 })]);
      }
    }
  }
}

// The image graph's bf16 Gumbel-max sampling (engine/sampling/bf16-gumbel.ts is its host reference): guided
// logits rounded as upstream's bf16 tensors are, per-code noise derived in the graph from each cell's key
// (engine/sampling/code-noise.ts), and the first index of the maximum, as torch's argmax returns among ties.
import type { GraphBuilder } from '../onnx/graph.js';
import { gumbelTable, NOISE_MIX, NOISE_P, TIER } from '../sampling/code-noise.js';

const BF16 = 16;
const FLOAT = 1;
const INT64 = 7;

/** `x` rounded to bf16 (ties to even) and back to float32: what torch stores after a bf16 op. */
export function bf16(g: GraphBuilder, x: string): string {
  return g.op('Cast', [g.op('Cast', [x], { to: BF16 })], { to: FLOAT });
}

/** The first index of each row's maximum along the last axis (width K) of float32 `x` → int64 without that axis. */
export function firstArgMax(g: GraphBuilder, x: string, K: number): string {
  const top = g.op('ReduceMax', [x, g.ints([-1])], { keepdims: 1 });
  const iota = g.constant(
    'float32',
    [K],
    Array.from({ length: K }, (_, i) => i),
  );
  const at = g.op('Where', [g.op('Equal', [x, top]), iota, g.scalar(K)]);
  // A row holding NaN has no maximum; K − 1 keeps the index in range, so its NaN confidence reaches the overflow guard.
  const first = g.op('Min', [g.op('ReduceMin', [at, g.ints([-1])], { keepdims: 0 }), g.scalar(K - 1)]);
  return g.op('Cast', [first], { to: INT64 });
}

/** codeWord(key, code) for the keys of `noise [J, M]` (cellKey of each uniform) and every code → int64 [J, M, K]. */
function codeWords(g: GraphBuilder, noise: string, K: number): string {
  const P = g.scalar(NOISE_P, 'int64');
  const mod = (x: string) => g.op('Mod', [x, P]);
  const mul = (a: string, b: string) => mod(g.op('Mul', [a, b]));
  const pow5 = (y: string) => {
    const y2 = mul(y, y);
    return mul(mul(y2, y2), y);
  };
  const keyF = g.op('Floor', [g.op('Mul', [noise, g.scalar(2 ** 23)])]);
  const key = g.op('Unsqueeze', [g.op('Cast', [keyF], { to: INT64 }), g.ints([-1])]); // [J, M, 1]
  const codeMix = Array.from({ length: K }, (_, j) => BigInt(j + 1) * BigInt(NOISE_MIX.code));
  const codes = g.constant(
    'int64',
    [K],
    codeMix.map((v) => v % BigInt(NOISE_P)),
  );
  const y1 = mod(g.op('Add', [codes, key]));
  const offset = mod(
    g.op('Add', [mul(key, g.scalar(NOISE_MIX.key, 'int64')), g.scalar(NOISE_MIX.offset, 'int64')]),
  );
  const y3 = mod(g.op('Add', [mul(pow5(y1), g.scalar(NOISE_MIX.round, 'int64')), offset]));
  return g.op('Mul', [pow5(y3), g.scalar(2, 'int64')]);
}

/** The bf16 Gumbel value of every code of every cell: gumbelTable() at gumbelIndex(word) → float32 [J, M, K]. */
export function codeGumbels(g: GraphBuilder, noise: string, K: number): string {
  const w = codeWords(g, noise, K);
  const int = (v: number) => g.scalar(v, 'int64');
  const high = g.op('Div', [w, int(65536)]);
  const mid = g.op('Add', [g.op('Div', [w, int(256)]), int(TIER.size)]);
  const low = g.op('Add', [w, int(2 * TIER.size)]);
  const index = g.op('Where', [
    g.op('GreaterOrEqual', [w, int(TIER.high)]),
    high,
    g.op('Where', [g.op('GreaterOrEqual', [w, int(TIER.mid)]), mid, low]),
  ]);
  const data = gumbelTable();
  const table = g.initializer(g.fresh('gumbel_bf16'), {
    dtype: 'float32',
    dims: [data.length],
    data: new Uint8Array(data.buffer.slice(0)),
  });
  return g.op('Gather', [table, index], { axis: 0 });
}

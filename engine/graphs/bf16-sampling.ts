// The image graph's bf16 Gumbel-max sampling (engine/sampling/bf16-gumbel.ts is its host reference): guided
// logits rounded op by op in upstream's order, per-code noise derived in the graph from each cell's key
// (engine/sampling/code-noise.ts), and the first index of the maximum, as torch's argmax returns among ties.
import type { GraphBuilder } from '../onnx/graph.js';
import { gumbelTable, NOISE_MIX, NOISE_P, TIER } from '../sampling/code-noise.js';

const BF16 = 16;
const FLOAT = 1;
const INT32 = 6;
const INT64 = 7;

/** `x` rounded to bf16 (ties to even) and back to float32: what torch stores after a bf16 op. */
export function bf16(g: GraphBuilder, x: string): string {
  return g.op('Cast', [g.op('Cast', [x], { to: BF16 })], { to: FLOAT });
}

/**
 * Guidance of `cells [J·G, M, K]` with `branchW [J, G]` on bf16 tensors in upstream's op order → float32 [J, M, K]
 * holding bf16 values. Both of upstream's forms are one fold, `acc = R(α·c)`, then per uncond branch `u_g`:
 * `acc = R(acc + R(δ_g · R(β·c + γ·u_g)))`, R rounding to bf16 (x + (−u) is x − u in float32, 0·c + u is u):
 *   text-to-image and painting, `(1 + s)·c − s·u`: α = w₀, β = 0, γ = 1, δ = w_g (G ≤ 2);
 *   image-to-image, `c + a·(c − u_text) + b·(c − u_img)`: α = 1, β = 1, γ = −1, δ = −w_g (G = 3, the only
 *   three-branch guidance; its weights stay [1 + a + b, −a, −b] for every plain weighted sum).
 * Unrolled for G ≤ 3: a missing branch adds R(0·…) = ±0, which leaves acc as it is.
 */
export function guideBf16(g: GraphBuilder, cells: string, branchW: string, K: number): string {
  const wShape = g.op('Shape', [branchW]);
  // Held as bf16 (half of float32) until each branch is taken out of it.
  const grouped = g.op('Reshape', [
    g.op('Cast', [cells], { to: BF16 }),
    g.op('Concat', [wShape, g.ints([-1, K])], { axis: 0 }),
  ]);
  const G = g.op('Gather', [wShape, g.scalar(1, 'int64')], { axis: 0 });
  const dual = g.op('Equal', [G, g.scalar(3, 'int64')]);
  const pick = (yes: number, no: string) => g.op('Where', [dual, g.scalar(yes), no]);
  const weight = (i: string) => g.op('Gather', [branchW, i], { axis: 1 }); // [J]
  const branch = (i: string) => g.op('Cast', [g.op('Gather', [grouped, i], { axis: 1 })], { to: FLOAT });
  const perJob = (w: string) => g.op('Unsqueeze', [w, g.ints([1, 2])]); // [J] → [J, 1, 1]
  const c = branch(g.scalar(0, 'int64'));
  let acc = bf16(g, g.op('Mul', [c, perJob(pick(1, weight(g.scalar(0, 'int64'))))]));
  const beta = pick(1, g.scalar(0));
  const sign = pick(-1, g.scalar(1));
  for (const step of [1, 2]) {
    const at = g.scalar(step, 'int64');
    const i = g.op('Min', [at, g.op('Sub', [G, g.scalar(1, 'int64')])]);
    const delta = g.op('Where', [g.op('Less', [at, G]), g.op('Mul', [weight(i), sign]), g.scalar(0)]);
    const d = bf16(g, g.op('Add', [g.op('Mul', [c, beta]), g.op('Mul', [branch(i), sign])]));
    acc = bf16(g, g.op('Add', [acc, bf16(g, g.op('Mul', [d, perJob(delta)]))]));
  }
  return acc;
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

/**
 * pow5(y3) of codeWord(key, code) (the word is twice it) for the keys of `noise [J, M]` (cellKey of each uniform)
 * and every code → int32 [J, M, K]. The products need int64 (below P² < 2⁶²), so at most three int64 [J, M, K]
 * tensors live at once (y, y², a product); the result is below P < 2³¹ and leaves as int32.
 */
function codeHalfWords(g: GraphBuilder, noise: string, K: number): string {
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
  const offset = mod(
    g.op('Add', [mul(key, g.scalar(NOISE_MIX.key, 'int64')), g.scalar(NOISE_MIX.offset, 'int64')]),
  ); // [J, M, 1]
  const y1 = mod(g.op('Add', [codes, key]));
  const y3 = mod(g.op('Add', [mul(pow5(y1), g.scalar(NOISE_MIX.round, 'int64')), offset]));
  return g.op('Cast', [pow5(y3)], { to: INT32 });
}

/**
 * The bf16 Gumbel value of every code of every cell: gumbelTable() at gumbelIndex(word) → float32 [J, M, K].
 * In int32 on y = word / 2: word ≥ 2²⁴ ⇔ y ≥ 2²³ and word >> 16 = y >> 15; word ≥ 2¹⁶ ⇔ y ≥ 2¹⁵ and word >> 8 =
 * y >> 7. The lower tiers' index is made and consumed before the top tier's, so few [J, M, K] tensors live at once.
 */
export function codeGumbels(g: GraphBuilder, noise: string, K: number): string {
  const y = codeHalfWords(g, noise, K);
  const int = (v: number) => g.scalar(v, 'int32');
  const atLeast = (words: number) => g.op('GreaterOrEqual', [y, int(words / 2)]);
  const lower = g.op('Where', [
    atLeast(TIER.mid),
    g.op('Add', [g.op('Div', [y, int(256 / 2)]), int(TIER.size)]),
    g.op('Add', [g.op('Mul', [y, int(2)]), int(2 * TIER.size)]),
  ]);
  const index = g.op('Where', [atLeast(TIER.high), g.op('Div', [y, int(65536 / 2)]), lower]);
  const data = gumbelTable();
  const table = g.initializer(g.fresh('gumbel_bf16'), {
    dtype: 'float32',
    dims: [data.length],
    data: new Uint8Array(data.buffer.slice(0)),
  });
  return g.op('Gather', [table, index], { axis: 0 });
}

// A graph whose run takes a while on any CPU (eight 1024² float matmuls, ~17 GFLOP): long enough that a timer
// due a few milliseconds after the run starts is due before it ends.
import { encodeModel, GraphBuilder } from '../../../engine/onnx/graph.js';
import { type Feeds, Tensor } from '../../../engine/runtime/ort.js';

const N = 1024;

export function slowModel(): Uint8Array {
  const g = new GraphBuilder('slow');
  const x = g.input('x', 'float32', [N, N]);
  let y = x;
  for (let i = 0; i < 8; i++) y = g.op('MatMul', [y, x]);
  g.output(y, 'y', 'float32', [N, N]);
  return encodeModel(g);
}

export function slowFeeds(): Feeds {
  return { x: new Tensor('float32', new Float32Array(N * N).fill(0.001), [N, N]) };
}

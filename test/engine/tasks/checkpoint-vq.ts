// The VQ codec of a loaded checkpoint on the CPU, as the engine opens it: for task tests that build their own
// TaskContext (a scripted or counting backend beside the real VQ model).
import * as ort from 'onnxruntime-node';
import type { Checkpoint } from '../../../engine/checkpoint/load.js';
import { VqCodec } from '../../../engine/runtime/vq-codec.js';

export function checkpointVq(ckpt: Checkpoint): VqCodec {
  return new VqCodec({
    config: ckpt.vq.config,
    weight: (name) => {
      const ref = ckpt.vq.refs.get(name);
      if (!ref) throw new Error(`the checkpoint has no VQ tensor ${name}`);
      return ref;
    },
    folder: ckpt.dir,
    createSession: (model, options) =>
      typeof model === 'string'
        ? ort.InferenceSession.create(model, options)
        : ort.InferenceSession.create(model, options),
  });
}

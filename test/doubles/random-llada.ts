// Test double: a random LLaDA-shaped checkpoint (published tensor names, nn.Linear [out, in] layout) written as
// one safetensors file through the engine's writer, for parity tests of the transformer graphs. Not a product path.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  readSafetensorsHeader,
  type TensorToWrite,
  writeSafetensors,
} from '../../engine/checkpoint/safetensors.js';
import type { TransformerDims } from '../../engine/graphs/transformer.js';
import { mulberry32 } from '../../engine/testing/mulberry32.js';
import { floatToBf16, floatToHalf } from './safetensors-double.js';

type StoredDType = TensorToWrite['dtype'];
type TensorSpec = Omit<TensorToWrite, 'data'>;

export const TINY_DIMS: TransformerDims = {
  dModel: 64,
  nLayers: 2,
  nHeads: 4,
  nKvHeads: 4,
  mlpHidden: 160,
  vocabSize: 300,
  ropeTheta: 10000,
  rmsNormEps: 1e-5,
  weightTying: false,
};

/** The tensors a checkpoint with these dims holds, by published name. */
export function lladaTensorSpecs(dims: TransformerDims, dtype: StoredDType): TensorSpec[] {
  const { dModel: D, nHeads, nKvHeads, mlpHidden: H, vocabSize: V } = dims;
  const kv = (D / nHeads) * nKvHeads;
  const p = 'model.transformer';
  const specs: TensorSpec[] = [{ name: `${p}.wte.weight`, dtype, shape: [V, D] }];
  for (let i = 0; i < dims.nLayers; i++) {
    const b = `${p}.blocks.${i}`;
    specs.push(
      { name: `${b}.attn_norm.weight`, dtype, shape: [D] },
      { name: `${b}.q_proj.weight`, dtype, shape: [D, D] },
      { name: `${b}.k_proj.weight`, dtype, shape: [kv, D] },
      { name: `${b}.v_proj.weight`, dtype, shape: [kv, D] },
      { name: `${b}.attn_out.weight`, dtype, shape: [D, D] },
      { name: `${b}.ff_norm.weight`, dtype, shape: [D] },
      { name: `${b}.ff_proj.weight`, dtype, shape: [H, D] },
      { name: `${b}.up_proj.weight`, dtype, shape: [H, D] },
      { name: `${b}.ff_out.weight`, dtype, shape: [D, H] },
    );
  }
  specs.push({ name: `${p}.ln_f.weight`, dtype, shape: [D] });
  if (!dims.weightTying) specs.push({ name: `${p}.ff_out.weight`, dtype, shape: [V, D] });
  return specs;
}

/**
 * Writes `model.safetensors` under `dir` with uniform random weights scaled like a trained model's (norm weights
 * near 1, projections ~1/√fan-in, a head scaled up so the logits spread over several units) and returns its path.
 */
export function writeRandomLlada(dir: string, dims: TransformerDims, dtype: StoredDType, seed = 1): string {
  const random = mulberry32(seed);
  const file = path.join(dir, 'model.safetensors');
  const produce = (spec: TensorSpec): Uint8Array => {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const isNorm = spec.shape.length === 1;
    const isHead = spec.name === 'model.transformer.ff_out.weight';
    const fanIn = spec.shape[1] ?? 1;
    const scale = isNorm
      ? 0.2
      : isHead
        ? 8 / Math.sqrt(fanIn)
        : spec.name.endsWith('wte.weight')
          ? 1
          : 1.7 / Math.sqrt(fanIn);
    const values = new Float32Array(count);
    for (let i = 0; i < count; i++) values[i] = (isNorm ? 1 : 0) + (2 * random() - 1) * scale;
    if (spec.dtype === 'F32') return new Uint8Array(values.buffer);
    const bits = new Uint16Array(count);
    for (let i = 0; i < count; i++)
      bits[i] = spec.dtype === 'BF16' ? floatToBf16(values[i]!) : floatToHalf(values[i]!);
    return new Uint8Array(bits.buffer);
  };
  fs.mkdirSync(dir, { recursive: true });
  writeSafetensors(
    file,
    lladaTensorSpecs(dims, dtype).map((spec) => ({ ...spec, data: produce(spec) })),
  );
  return file;
}

/** Multiplies an F32 tensor of a written checkpoint by `factor` in place (outliers for overflow tests). */
export function scaleStoredTensor(file: string, name: string, factor: number): void {
  const ref = readSafetensorsHeader(file).get(name);
  if (ref?.dtype !== 'F32') throw new Error(`${file} has no F32 tensor ${name}`);
  const fd = fs.openSync(file, 'r+');
  try {
    const bytes = Buffer.alloc(ref.length);
    fs.readSync(fd, bytes, 0, ref.length, ref.offset);
    const values = new Float32Array(bytes.buffer, bytes.byteOffset, ref.length / 4);
    for (let i = 0; i < values.length; i++) values[i] = (values[i] as number) * factor;
    fs.writeSync(fd, bytes, 0, ref.length, ref.offset);
  } finally {
    fs.closeSync(fd);
  }
}

// Weights stay in the checkpoint's safetensors files: each ONNX initializer is external data (offset/length)
// relative to the checkpoint folder. onnxruntime refuses external paths that are absolute or escape the model's
// folder (symlinks included), and a model given as bytes has no folder, so sessions are created from the encoded
// model bytes with `session.model_external_initializers_file_folder_path` set to the checkpoint folder: nothing is
// copied or written. (Measured on onnxruntime-node 1.30: hard links and a model file beside the weights also work;
// symlinks, `../` and absolute locations are refused; `externalData` in Node only takes in-memory bytes.)
import { isAbsolute, relative, sep } from 'node:path';
import type * as ort from 'onnxruntime-node';
import type { DType, TensorInit } from '../onnx/graph.js';

/** The part of a safetensors tensor entry the graph builders need. */
export interface ExternalTensorSource {
  name: string;
  dtype: string; // safetensors dtype: F32, F16, BF16, …
  shape: readonly number[];
  file: string; // absolute path
  offset: number; // absolute byte offset of the data in the file
  length: number;
}

const SAFETENSORS_TO_ONNX: Record<string, DType> = {
  F32: 'float32',
  F16: 'float16',
  BF16: 'bfloat16',
  F64: 'double',
  I64: 'int64',
  I32: 'int32',
  I8: 'int8',
  U8: 'uint8',
  BOOL: 'bool',
};

export function onnxDtype(source: ExternalTensorSource): DType {
  const dtype = SAFETENSORS_TO_ONNX[source.dtype];
  if (!dtype)
    throw new Error(`tensor ${source.name} has dtype ${source.dtype}, which the engine cannot read`);
  return dtype;
}

/** An initializer that points into the checkpoint file instead of holding the bytes. */
export function externalTensor(source: ExternalTensorSource, checkpointDir: string): TensorInit {
  const location = relative(checkpointDir, source.file);
  if (location.startsWith('..') || isAbsolute(location)) {
    throw new Error(`weight file ${source.file} is outside the checkpoint folder ${checkpointDir}`);
  }
  return {
    dtype: onnxDtype(source),
    dims: source.shape,
    external: { location: location.split(sep).join('/'), offset: source.offset, length: source.length },
  };
}

/** Session options that let a model given as bytes resolve its external data inside `checkpointDir`. */
export function externalDataOptions(checkpointDir: string): ort.InferenceSession.SessionOptions {
  return { extra: { session: { model_external_initializers_file_folder_path: checkpointDir } } };
}

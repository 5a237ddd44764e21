// Weights stay where the checkpoint keeps them: an initializer points into a safetensors file as ONNX external
// data (location/offset/length), and the model itself is handed to onnxruntime as bytes, so nothing is written to
// disk and nothing is copied per start.
//
// Measured on onnxruntime-node 1.30 (CPU): external-data locations are resolved against the model file's folder
// and refused when absolute, when they contain `..`, or when they escape the folder through a symlink (a symlinked
// file in a cache folder is refused; a hard link works but needs the same filesystem). A model loaded from bytes
// resolves them against the session config entry `session.model_external_initializers_file_folder_path`, which
// the Node binding accepts through `SessionOptions.extra`; the folder may itself be reached through a symlink.
// ORT checks the symlink-resolved path: a Hugging Face cache snapshot (files are symlinks into ../../blobs/) is
// refused unless the folder is the blobs' real folder, which is what `externalDataRoot` picks.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ExternalData } from '../onnx/graph.js';
import type { SessionOptions } from './ort.js';

/** Where one tensor's bytes lie: the shape of what the checkpoint reader reports for each safetensors entry. */
export interface WeightRef {
  name: string;
  dtype: 'F32' | 'F16' | 'BF16';
  shape: number[];
  /** Absolute path of the safetensors file. */
  file: string;
  /** Absolute byte offset of the tensor's data in `file`. */
  offset: number;
  length: number;
}

/**
 * Session options that let a model given as bytes find its external data under `folder` (absolute). Merge them
 * into the options a session factory receives; `extra.session` entries from the caller are kept.
 */
export function externalDataSessionOptions(folder: string, options: SessionOptions = {}): SessionOptions {
  const extra = (options.extra ?? {}) as Record<string, unknown>;
  const session = (extra.session ?? {}) as Record<string, unknown>;
  return {
    ...options,
    extra: { ...extra, session: { ...session, model_external_initializers_file_folder_path: folder } },
  };
}

function realPath(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** The folder to give onnxruntime for weights in `files`: the deepest common ancestor of their real paths. */
export function externalDataRoot(files: Iterable<string>): string {
  let root: string | undefined;
  for (const file of files) {
    const dir = path.dirname(realPath(file));
    if (root === undefined) root = dir;
    while (path.relative(root, dir).startsWith('..')) root = path.dirname(root);
  }
  if (root === undefined) throw new Error('externalDataRoot needs at least one file');
  return root;
}

/** The external-data entry for `ref`, relative to `folder` (symlinks resolved, as onnxruntime checks them). */
export function externalDataFor(ref: WeightRef, folder: string): ExternalData {
  const location = path.relative(realPath(folder), realPath(ref.file));
  if (location === '' || location.startsWith('..') || path.isAbsolute(location)) {
    throw new Error(
      `weight file ${ref.file} does not lie under the external-data folder ${folder} (symlinks resolved); ` +
        'pick the folder with externalDataRoot',
    );
  }
  return { location: location.split(path.sep).join('/'), offset: ref.offset, length: ref.length };
}

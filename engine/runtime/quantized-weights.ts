// The quantized linear weights of a checkpoint (engine/graphs/quantize.ts), made once from its safetensors and
// kept in one file under the cache folder, keyed by the checkpoint's files (path, size, mtime) and the settings.
// The graphs point into that file as ONNX external data, as they point into the safetensors for everything else.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { blocksPerRow, type QuantBits } from '../graphs/quantize.js';
import type { WeightRef } from './external-data.js';
import type { IndexEntry } from './quantize-file.js';
import { quantizeInWorker } from './quantize-in-worker.js';

export interface QuantizedRef {
  bits: QuantBits;
  blockSize: number;
  n: number;
  k: number;
  /** uint8 [N, blocks, blockSize·bits/8]. */
  packed: WeightRef;
  /** float32 [N · blocks]. */
  scales: WeightRef;
}

export interface QuantizedWeights {
  file: string;
  get(name: string): QuantizedRef | undefined;
}

const FORMAT = 1;

function cacheKey(refs: readonly WeightRef[], bits: QuantBits, blockSize: number): string {
  const files = [...new Set(refs.map((r) => r.file))].sort().map((f) => {
    const st = fs.statSync(f);
    return [fs.realpathSync(f), st.size, st.mtimeMs];
  });
  const names = refs.map((r) => r.name);
  return createHash('sha256')
    .update(JSON.stringify({ FORMAT, files, names, bits, blockSize }))
    .digest('hex')
    .slice(0, 24);
}

/**
 * The quantized weights for `refs` (each an nn.Linear [out, in]), from the cache or made now on worker threads
 * (quantize-in-worker.ts), so the event loop keeps running while a large checkpoint is quantized. `onProgress`
 * hears each tensor as it is done (the 8B model has 224 of them).
 */
export async function quantizedWeights(
  refs: readonly WeightRef[],
  options: {
    bits: QuantBits;
    blockSize: number;
    cacheDir: string;
    onProgress?: (done: number, total: number) => void;
    /** Quantizing threads (default: every core but one, at most 8). */
    workers?: number;
  },
): Promise<QuantizedWeights> {
  const { bits, blockSize } = options;
  const dir = path.join(options.cacheDir, 'quantized');
  const key = cacheKey(refs, bits, blockSize);
  const file = path.join(dir, `${key}-int${bits}-b${blockSize}.bin`);
  const indexFile = `${file}.json`;
  if (!(fs.existsSync(file) && fs.existsSync(indexFile))) {
    await quantizeInWorker({ refs, bits, blockSize, file }, options.onProgress, options.workers);
  }
  const index = JSON.parse(fs.readFileSync(indexFile, 'utf8')) as Record<string, IndexEntry>;
  const at = (name: string, [offset, length]: [number, number], shape: number[]): WeightRef => ({
    name,
    dtype: 'F32',
    shape,
    file,
    offset,
    length,
  });
  return {
    file,
    get(name) {
      const e = index[name];
      if (!e) return undefined;
      const blocks = blocksPerRow(e.k, blockSize);
      return {
        bits,
        blockSize,
        n: e.n,
        k: e.k,
        packed: at(`${name}.qweight`, e.packed, [e.n, blocks, (blockSize * bits) / 8]),
        scales: at(`${name}.scales`, e.scales, [e.n * blocks]),
      };
    },
  };
}

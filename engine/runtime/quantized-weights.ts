// The quantized linear weights of a checkpoint (engine/graphs/quantize.ts), made once from its safetensors and
// kept in one file under the cache folder, keyed by the checkpoint's files (path, size, mtime) and the settings.
// The graphs point into that file as ONNX external data, as they point into the safetensors for everything else.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readTensor } from '../checkpoint/safetensors.js';
import { blocksPerRow, type QuantBits, quantizeMatrix } from '../graphs/quantize.js';
import type { WeightRef } from './external-data.js';

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

interface IndexEntry {
  n: number;
  k: number;
  packed: [number, number];
  scales: [number, number];
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

function writeAll(fd: number, data: Uint8Array, position: number): void {
  for (let at = 0; at < data.byteLength; )
    at += fs.writeSync(fd, data, at, data.byteLength - at, position + at);
}

/**
 * The quantized weights for `refs` (each an nn.Linear [out, in]), from the cache or made now. `onProgress` hears
 * each tensor as it is done (the 8B model has 224 of them).
 */
export function quantizedWeights(
  refs: readonly WeightRef[],
  options: {
    bits: QuantBits;
    blockSize: number;
    cacheDir: string;
    onProgress?: (done: number, total: number) => void;
  },
): QuantizedWeights {
  const { bits, blockSize } = options;
  const dir = path.join(options.cacheDir, 'quantized');
  const key = cacheKey(refs, bits, blockSize);
  const file = path.join(dir, `${key}-int${bits}-b${blockSize}.bin`);
  const indexFile = `${file}.json`;
  let index: Record<string, IndexEntry>;
  if (fs.existsSync(file) && fs.existsSync(indexFile)) {
    index = JSON.parse(fs.readFileSync(indexFile, 'utf8')) as Record<string, IndexEntry>;
  } else {
    fs.mkdirSync(dir, { recursive: true });
    index = {};
    const partial = `${file}.partial`;
    const fd = fs.openSync(partial, 'w');
    let at = 0;
    try {
      refs.forEach((ref, i) => {
        const [n, k] = ref.shape as [number, number];
        const q = quantizeMatrix(readTensor(ref), n, k, bits, blockSize);
        const scales = new Uint8Array(q.scales.buffer, q.scales.byteOffset, q.scales.byteLength);
        // Scales at 4-byte offsets keep every entry aligned for a reader that maps the file.
        const packedAt = at;
        writeAll(fd, q.packed, packedAt);
        const scalesAt = Math.ceil((packedAt + q.packed.byteLength) / 4) * 4;
        writeAll(fd, scales, scalesAt);
        at = Math.ceil((scalesAt + scales.byteLength) / 4) * 4;
        index[ref.name] = {
          n,
          k,
          packed: [packedAt, q.packed.byteLength],
          scales: [scalesAt, scales.byteLength],
        };
        options.onProgress?.(i + 1, refs.length);
      });
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(partial, file);
    fs.writeFileSync(indexFile, JSON.stringify(index));
  }
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

// Writes the quantized-weights cache file (engine/runtime/quantized-weights.ts describes it): every packed matrix
// and its scales at 4-byte-aligned offsets, then the index beside it. Synchronous and CPU-bound (88–93 s for the
// 8B checkpoint): quantize-worker.ts runs it off the main thread.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readTensor } from '../checkpoint/safetensors.js';
import { type QuantBits, quantizeMatrix } from '../graphs/quantize.js';
import type { WeightRef } from './external-data.js';

/** Where one matrix lies in the file: its [N, K] and the byte ranges of its packed blocks and its scales. */
export interface IndexEntry {
  n: number;
  k: number;
  packed: [number, number];
  scales: [number, number];
}

/** What to quantize and where to write it; plain data, so it crosses to a worker thread as it is. */
export interface QuantizeJob {
  refs: readonly WeightRef[];
  bits: QuantBits;
  blockSize: number;
  /** The cache file; its index is `${file}.json`. */
  file: string;
}

function writeAll(fd: number, data: Uint8Array, position: number): void {
  for (let at = 0; at < data.byteLength; )
    at += fs.writeSync(fd, data, at, data.byteLength - at, position + at);
}

/**
 * Quantizes `job.refs` (each an nn.Linear [out, in]) into `job.file` through a `.partial` file renamed when whole,
 * then writes the index. `onProgress` hears each tensor as it is done (the 8B model has 224 of them).
 */
export function writeQuantizedFile(
  job: QuantizeJob,
  onProgress?: (done: number, total: number) => void,
): void {
  const { refs, bits, blockSize, file } = job;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const index: Record<string, IndexEntry> = {};
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
      onProgress?.(i + 1, refs.length);
    });
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(partial, file);
  fs.writeFileSync(`${file}.json`, JSON.stringify(index));
}

// The quantized-weights cache file (engine/runtime/quantized-weights.ts describes it): every packed matrix and its
// scales at 4-byte-aligned offsets, then the index beside it. Every offset follows from the shapes alone, so the
// file is laid out first and its tensors are then written in any order, by several worker threads at once
// (quantize-in-worker.ts); quantizing is CPU-bound: 88–93 s for the 8B checkpoint on one thread.
import * as fs from 'node:fs';
import { readTensor } from '../checkpoint/safetensors.js';
import { blocksPerRow, type QuantBits, quantizeMatrix } from '../graphs/quantize.js';
import type { WeightRef } from './external-data.js';

/** Where one matrix lies in the file: its [N, K] and the byte ranges of its packed blocks and its scales. */
export interface IndexEntry {
  n: number;
  k: number;
  packed: [number, number];
  scales: [number, number];
}

/** What to quantize and where to write it. */
export interface QuantizeJob {
  refs: readonly WeightRef[];
  bits: QuantBits;
  blockSize: number;
  /** The cache file; its index is `${file}.json`. */
  file: string;
}

/** One worker's share: tensors and their places in a file already laid out; plain data, as a worker gets it. */
export interface QuantizePart {
  bits: QuantBits;
  blockSize: number;
  file: string;
  tensors: Array<{ ref: WeightRef; entry: IndexEntry }>;
}

const align4 = (at: number) => Math.ceil(at / 4) * 4;

/** The index of `refs` in file order, and the file's size. */
export function layOut(
  refs: readonly WeightRef[],
  bits: QuantBits,
  blockSize: number,
): { entries: IndexEntry[]; bytes: number } {
  let at = 0;
  const entries = refs.map((ref) => {
    const [n, k] = ref.shape as [number, number];
    const blocks = blocksPerRow(k, blockSize);
    const packed: [number, number] = [at, (n * blocks * blockSize * bits) / 8];
    const scales: [number, number] = [align4(at + packed[1]), n * blocks * 4];
    at = align4(scales[0] + scales[1]);
    return { n, k, packed, scales };
  });
  return { entries, bytes: at };
}

function writeAll(fd: number, data: Uint8Array, position: number): void {
  for (let at = 0; at < data.byteLength; )
    at += fs.writeSync(fd, data, at, data.byteLength - at, position + at);
}

/** Quantizes a part's tensors into their places in `part.file`; `onTensor` hears each one as it is done. */
export function writeQuantizedPart(part: QuantizePart, onTensor?: () => void): void {
  const fd = fs.openSync(part.file, 'r+');
  try {
    for (const { ref, entry } of part.tensors) {
      const q = quantizeMatrix(readTensor(ref), entry.n, entry.k, part.bits, part.blockSize);
      if (q.packed.byteLength !== entry.packed[1] || q.scales.byteLength !== entry.scales[1])
        throw new Error(`${ref.name}: quantized to a size the file's layout did not plan`);
      writeAll(fd, q.packed, entry.packed[0]);
      writeAll(
        fd,
        new Uint8Array(q.scales.buffer, q.scales.byteOffset, q.scales.byteLength),
        entry.scales[0],
      );
      onTensor?.();
    }
  } finally {
    fs.closeSync(fd);
  }
}

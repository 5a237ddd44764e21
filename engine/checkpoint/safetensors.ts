// safetensors files as published: an 8-byte little-endian header length, a JSON header of
// `name → { dtype, shape, data_offsets: [begin, end] }` (offsets relative to the data section), then the data.
// Only headers are read; tensor bytes stay in the file and reach onnxruntime as external data.
import {
  closeSync,
  existsSync,
  fstatSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { EngineError } from '../api.js';
import type { WeightRef } from '../runtime/external-data.js';
import { refuseUnreachable } from './files.js';

export type { WeightRef } from '../runtime/external-data.js';

const DTYPE_BYTES: Record<string, number> = {
  F32: 4,
  F16: 2,
  BF16: 2,
  F64: 8,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};
const MAX_HEADER = 100 * 1024 * 1024;

const isCount = (value: unknown) => Number.isSafeInteger(value) && (value as number) >= 0;

function invalid(file: string, detail: string): EngineError {
  return new EngineError('checkpoint_invalid', `${file}: ${detail}`, {
    detail: `${basename(file)}: ${detail}`,
  });
}

/** Reads one file's header into weight references (absolute offsets), checking every entry against the file. */
export function readSafetensorsHeader(file: string): Map<string, WeightRef> {
  if (!existsSync(file)) {
    refuseUnreachable(file, basename(file));
    throw new EngineError('checkpoint_missing', `${file} does not exist`, {
      detail: `${basename(file)} is missing`,
    });
  }
  // A folder where a shard should be (or an unreadable file) is named like any broken file, not a raw EISDIR.
  const stat = statSync(file);
  if (!stat.isFile())
    throw invalid(file, stat.isDirectory() ? 'is a folder, not a safetensors file' : 'is not a regular file');
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    throw invalid(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  try {
    const size = fstatSync(fd).size;
    if (size < 8) throw invalid(file, `file is ${size} bytes, too short for a safetensors header`);
    const lengthBytes = Buffer.alloc(8);
    readSync(fd, lengthBytes, 0, 8, 0);
    const headerLength = Number(lengthBytes.readBigUInt64LE(0));
    if (headerLength < 2 || headerLength > MAX_HEADER || 8 + headerLength > size) {
      throw invalid(
        file,
        `header length ${headerLength} does not fit a ${size}-byte file (truncated or not safetensors)`,
      );
    }
    const headerBytes = Buffer.alloc(headerLength);
    readSync(fd, headerBytes, 0, headerLength, 8);
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(headerBytes.toString('utf8')) as Record<string, unknown>;
    } catch {
      throw invalid(file, 'header is not valid JSON');
    }
    // `null` or a list parses, and listing null's entries threw a raw TypeError.
    if (!header || typeof header !== 'object' || Array.isArray(header))
      throw invalid(file, 'header is not a JSON object of tensors');
    const dataStart = 8 + headerLength;
    const refs = new Map<string, WeightRef>();
    const ranges: Array<[number, number, string]> = [];
    for (const [name, entry] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      const {
        dtype,
        shape,
        data_offsets: offsets,
      } = (entry ?? {}) as { dtype?: string; shape?: number[]; data_offsets?: number[] };
      const bytes = dtype ? DTYPE_BYTES[dtype] : undefined;
      // A dimension of "a" or -1, or an offset of 0.5, made sums of NaN or ranges that only seemed to overlap.
      if (
        !bytes ||
        !Array.isArray(shape) ||
        !shape.every(isCount) ||
        !Array.isArray(offsets) ||
        offsets.length !== 2 ||
        !offsets.every(isCount)
      ) {
        throw invalid(file, `tensor ${name} has a malformed header entry`);
      }
      const [begin, end] = offsets as [number, number];
      const expected = shape.reduce((a, b) => a * b, 1) * bytes;
      if (end - begin !== expected) {
        throw invalid(
          file,
          `tensor ${name} (${dtype} ${JSON.stringify(shape)}) should have ${expected} bytes, header says ${end - begin}`,
        );
      }
      if (begin < 0 || dataStart + end > size) {
        throw invalid(
          file,
          `tensor ${name} needs bytes up to ${dataStart + end} but the file has ${size} (truncated?)`,
        );
      }
      ranges.push([begin, end, name]);
      refs.set(name, {
        name,
        dtype: dtype as WeightRef['dtype'],
        shape,
        file,
        offset: dataStart + begin,
        length: expected,
      });
    }
    // An empty tensor holds no bytes, so it overlaps nothing wherever it sits; the furthest end so far, not only the
    // neighbour's, since a long tensor can reach past several short ones.
    ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let reach = 0;
    let reachName = '';
    for (const [begin, end, name] of ranges) {
      if (end === begin) continue;
      if (begin < reach) throw invalid(file, `tensors ${reachName} and ${name} overlap`);
      reach = end;
      reachName = name;
    }
    return refs;
  } finally {
    closeSync(fd);
  }
}

/**
 * All weights of a model folder: `model.safetensors`, or the shards named by `model.safetensors.index.json`.
 * `prefix` selects another file stem (e.g. `vqvae/diffusion_pytorch_model`).
 */
export function readWeightIndex(dir: string, stem = 'model'): Map<string, WeightRef> {
  const single = join(dir, `${stem}.safetensors`);
  const index = join(dir, `${stem}.safetensors.index.json`);
  if (existsSync(single)) return readSafetensorsHeader(single);
  if (!existsSync(index)) {
    refuseUnreachable(single, basename(single));
    refuseUnreachable(index, basename(index));
    throw new EngineError('checkpoint_missing', `neither ${single} nor ${index} exists`, {
      detail: `${stem}.safetensors (or ${stem}.safetensors.index.json with its shards) is missing in ${dir}`,
    });
  }
  // Values are checked one by one below: a hand-edited index may hold anything.
  let weightMap: Record<string, unknown>;
  try {
    weightMap = (JSON.parse(readFileSync(index, 'utf8')) as { weight_map: Record<string, unknown> })
      .weight_map;
    if (!weightMap || typeof weightMap !== 'object') throw new Error('no weight_map');
  } catch {
    throw invalid(index, 'is not a safetensors index with a weight_map');
  }
  const shards = new Map<string, Map<string, WeightRef>>();
  const refs = new Map<string, WeightRef>();
  for (const [name, shard] of Object.entries(weightMap)) {
    if (typeof shard !== 'string')
      throw invalid(index, `weight_map gives ${name} the shard ${JSON.stringify(shard)}, not a file name`);
    if (shard.includes('/') || shard.includes('\\'))
      throw invalid(index, `shard name ${shard} must be a plain file name`);
    let headers = shards.get(shard);
    if (!headers) {
      headers = readSafetensorsHeader(join(dirname(index), shard));
      shards.set(shard, headers);
    }
    const ref = headers.get(name);
    if (!ref)
      throw invalid(index, `weight_map says ${name} is in ${shard}, but that shard has no such tensor`);
    refs.set(name, ref);
  }
  return refs;
}

export interface TensorToWrite {
  name: string;
  dtype: 'F32' | 'BF16' | 'F16';
  shape: number[];
  /** Raw little-endian bytes in `dtype`. */
  data: Uint8Array;
}

/** Writes tensors in the safetensors format (header padded to 8 bytes, as the reference writer does). */
export function writeSafetensors(
  file: string,
  tensors: TensorToWrite[],
  metadata: Record<string, string> = { format: 'pt' },
): void {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((json.length + 8) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const head = Buffer.alloc(8 + headerBytes.length);
  head.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(head, 8);
  // Tensor by tensor and in slices: one write stops at 2 GiB, and a whole 8B shard would not fit one Buffer.
  const fd = openSync(file, 'w');
  try {
    writeAll(fd, head);
    for (const t of tensors) writeAll(fd, t.data);
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, data: Uint8Array): void {
  const slice = 1 << 30;
  for (let at = 0; at < data.byteLength; ) {
    at += writeSync(fd, data, at, Math.min(slice, data.byteLength - at));
  }
}

/**
 * Reads a tensor as float32 in one chunked read; bf16 is widened by a shift (far faster than per-value DataView
 * reads: the quantizer reads every linear weight of the model through here), fp16 converted per value.
 */
export function readTensor(ref: WeightRef): Float32Array {
  const count = ref.shape.reduce((a, b) => a * b, 1);
  // Unpooled, so the typed-array views below start at offset 0 of their own buffer (aligned, not shared).
  const bytes = Buffer.allocUnsafeSlow(ref.length);
  const fd = openSync(ref.file, 'r');
  try {
    for (let at = 0; at < ref.length; ) {
      const n = readSync(fd, bytes, at, Math.min(1 << 30, ref.length - at), ref.offset + at);
      if (n === 0) throw new Error(`${ref.file}: ${ref.name} ends early`);
      at += n;
    }
  } finally {
    closeSync(fd);
  }
  if (ref.dtype === 'F32') return new Float32Array(bytes.buffer, bytes.byteOffset, count);
  const halves = new Uint16Array(bytes.buffer, bytes.byteOffset, count);
  const out = new Float32Array(count);
  if (ref.dtype === 'BF16') {
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < count; i++) bits[i] = (halves[i] as number) << 16;
    return out;
  }
  for (let i = 0; i < count; i++) out[i] = halfToFloat(halves[i] as number);
  return out;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** float32 → bfloat16 bits, round to nearest even (as torch's conversion). */
export function toBf16Bytes(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  const view = new DataView(out.buffer);
  const scratch = new DataView(new ArrayBuffer(4));
  for (let i = 0; i < values.length; i++) {
    scratch.setFloat32(0, values[i] as number);
    const bits = scratch.getUint32(0);
    const rounded = (bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16;
    view.setUint16(2 * i, rounded, true);
  }
  return out;
}

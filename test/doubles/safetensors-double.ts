// Test double: a minimal safetensors writer and header reader, until engine/checkpoint/safetensors.ts (branch
// `format`) lands on main. Layout: u64 LE header length, JSON header (space-padded to 8 bytes), tensor bytes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WeightRef } from '../../engine/runtime/external-data.js';

export type StoredDType = WeightRef['dtype'];

export interface TensorSpec {
  name: string;
  dtype: StoredDType;
  shape: number[];
}

const BYTES: Record<StoredDType, number> = { F32: 4, F16: 2, BF16: 2 };

/** Writes tensors in order; `produce` is asked for one tensor's bytes at a time, so big files need no big buffer. */
export function writeSafetensorsDouble(
  file: string,
  specs: readonly TensorSpec[],
  produce: (spec: TensorSpec) => Uint8Array,
): void {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const t of specs) {
    const length = t.shape.reduce((a, b) => a * b, 1) * BYTES[t.dtype];
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + length] };
    offset += length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, prefix);
    fs.writeSync(fd, json);
    for (const t of specs) {
      const data = produce(t);
      const expected = t.shape.reduce((a, b) => a * b, 1) * BYTES[t.dtype];
      if (data.byteLength !== expected)
        throw new Error(`${t.name}: ${data.byteLength} bytes, expected ${expected}`);
      fs.writeSync(fd, data);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads a safetensors header into WeightRefs (absolute offsets). */
export function readWeightRefs(file: string): Map<string, WeightRef> {
  const absolute = path.resolve(file);
  const fd = fs.openSync(absolute, 'r');
  try {
    const prefix = Buffer.alloc(8);
    fs.readSync(fd, prefix, 0, 8, 0);
    const headerLength = Number(prefix.readBigUInt64LE());
    const headerBytes = Buffer.alloc(headerLength);
    fs.readSync(fd, headerBytes, 0, headerLength, 8);
    const header = JSON.parse(headerBytes.toString('utf8')) as Record<
      string,
      { dtype: StoredDType; shape: number[]; data_offsets: [number, number] }
    >;
    const refs = new Map<string, WeightRef>();
    for (const [name, entry] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      const [begin, end] = entry.data_offsets;
      refs.set(name, {
        name,
        dtype: entry.dtype,
        shape: entry.shape,
        file: absolute,
        offset: 8 + headerLength + begin,
        length: end - begin,
      });
    }
    return refs;
  } finally {
    fs.closeSync(fd);
  }
}

/** A tensor's values as float64, whatever its stored dtype. */
export function readTensorFloat64(ref: WeightRef): Float64Array {
  const bytes = Buffer.alloc(ref.length);
  const fd = fs.openSync(ref.file, 'r');
  try {
    fs.readSync(fd, bytes, 0, ref.length, ref.offset);
  } finally {
    fs.closeSync(fd);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = ref.shape.reduce((a, b) => a * b, 1);
  const out = new Float64Array(count);
  const scratch = new DataView(new ArrayBuffer(4));
  for (let i = 0; i < count; i++) {
    if (ref.dtype === 'F32') out[i] = view.getFloat32(i * 4, true);
    else if (ref.dtype === 'BF16') {
      scratch.setUint32(0, view.getUint16(i * 2, true) << 16);
      out[i] = scratch.getFloat32(0);
    } else out[i] = halfToFloat(view.getUint16(i * 2, true));
  }
  return out;
}

export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** float → IEEE half bits via its float32 bits, round to nearest even. */
export function floatToHalf(value: number): number {
  const scratch = new DataView(new ArrayBuffer(4));
  scratch.setFloat32(0, value);
  const x = scratch.getUint32(0);
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && half & 1)) half += 1;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half += 1;
  return sign | half;
}

/** float32 bits → bf16 bits, round to nearest even (what torch's .to(bfloat16) does). */
export function floatToBf16(value: number): number {
  const scratch = new DataView(new ArrayBuffer(4));
  scratch.setFloat32(0, value);
  const bits = scratch.getUint32(0);
  return ((bits + 0x7fff + ((bits >> 16) & 1)) >>> 16) & 0xffff;
}

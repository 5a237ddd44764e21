// The safetensors reader/writer against hand-built bytes: absolute offsets, 8-byte alignment, bf16 rounding,
// f16 subnormals, and the index of a sharded folder.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  readSafetensorsHeader,
  readTensor,
  readWeightIndex,
  toBf16Bytes,
  writeSafetensors,
} from '../../../engine/checkpoint/safetensors.js';

const dir = mkdtempSync(join(tmpdir(), 'dimoo-st-'));
const bytes = (values: Float32Array | Uint16Array) => new Uint8Array(values.buffer);

describe('safetensors', () => {
  it('round-trips F32, F16 and BF16 tensors at absolute, 8-byte aligned offsets', () => {
    const file = join(dir, 'a.safetensors');
    const f16 = new Uint16Array([0x3c00, 0xc000, 0x3555, 0x0001, 0x7c00]); // 1, −2, ≈1/3, min subnormal, +inf
    writeSafetensors(file, [
      { name: 'x', dtype: 'F32', shape: [2, 2], data: bytes(new Float32Array([1.5, -2, 3.25, 0])) },
      { name: 'h', dtype: 'F16', shape: [5], data: bytes(f16) },
      { name: 'b', dtype: 'BF16', shape: [3], data: toBf16Bytes(new Float32Array([1, -0.15625, 3])) },
    ]);
    const refs = readSafetensorsHeader(file);
    expect([...refs.keys()].sort()).toEqual(['b', 'h', 'x']);
    const headerLength = Number(readFileSync(file).readBigUInt64LE(0));
    expect((8 + headerLength) % 8).toBe(0);
    expect(refs.get('x')).toMatchObject({
      offset: 8 + headerLength,
      length: 16,
      shape: [2, 2],
      dtype: 'F32',
    });
    expect(refs.get('h')).toMatchObject({ offset: 8 + headerLength + 16, length: 10 });
    expect(Array.from(readTensor(refs.get('x')!))).toEqual([1.5, -2, 3.25, 0]);
    const h = readTensor(refs.get('h')!);
    expect([h[0], h[1], h[3], h[4]]).toEqual([1, -2, 2 ** -24, Number.POSITIVE_INFINITY]);
    expect(h[2]).toBeCloseTo(1 / 3, 3);
    expect(Array.from(readTensor(refs.get('b')!))).toEqual([1, -0.15625, 3]);
  });

  it('rounds float32 to bfloat16 to nearest, ties to even', () => {
    const bits = (v: number) => new Uint16Array(toBf16Bytes(Float32Array.of(v)).buffer)[0];
    expect(bits(1 + 2 ** -8)).toBe(0x3f80); // exactly halfway, even below: round down
    expect(bits(1 + 3 * 2 ** -8)).toBe(0x3f82); // halfway, odd below: round up
    expect(bits(1 + 2 ** -8 + 2 ** -20)).toBe(0x3f81); // above halfway: round up
  });

  it('reads a sharded folder through model.safetensors.index.json', () => {
    const sharded = mkdtempSync(join(dir, 'sharded-'));
    const f = (v: number[]) => bytes(Float32Array.from(v));
    writeSafetensors(join(sharded, 'model-00001-of-00002.safetensors'), [
      { name: 'a', dtype: 'F32', shape: [2], data: f([1, 2]) },
    ]);
    writeSafetensors(join(sharded, 'model-00002-of-00002.safetensors'), [
      { name: 'b', dtype: 'F32', shape: [1], data: f([3]) },
    ]);
    writeFileSync(
      join(sharded, 'model.safetensors.index.json'),
      JSON.stringify({
        metadata: { total_size: 12 },
        weight_map: { a: 'model-00001-of-00002.safetensors', b: 'model-00002-of-00002.safetensors' },
      }),
    );
    const refs = readWeightIndex(sharded);
    expect(refs.get('b')!.file).toMatch(/model-00002-of-00002\.safetensors$/);
    expect(Array.from(readTensor(refs.get('a')!))).toEqual([1, 2]);
    expect(Array.from(readTensor(refs.get('b')!))).toEqual([3]);
  });
});

describe('safetensors offsets', () => {
  // A header written by hand: the tensors' ranges in the order given, 16 bytes of data.
  const withRanges = (entries: Record<string, [number, number]>) => {
    const header: Record<string, unknown> = {};
    for (const [name, [begin, end]] of Object.entries(entries))
      header[name] = { dtype: 'F32', shape: [(end - begin) / 4], data_offsets: [begin, end] };
    const json = Buffer.from(JSON.stringify(header));
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(json.length));
    const file = join(mkdtempSync(join(dir, 'offsets-')), 'm.safetensors');
    writeFileSync(file, Buffer.concat([length, json, Buffer.alloc(16)]));
    return file;
  };

  it('takes an empty tensor at the start of another, listed after it, as overlapping nothing', () => {
    const refs = readSafetensorsHeader(withRanges({ b: [4, 8], z: [4, 4], a: [0, 4] }));
    expect(refs.get('z')).toMatchObject({ length: 0, shape: [0] });
  });

  it('names a tensor that a longer one before it reaches past, not only its neighbour', () => {
    expect(() => readSafetensorsHeader(withRanges({ long: [0, 16], short: [4, 8], after: [8, 12] }))).toThrow(
      /tensors long and (short|after) overlap/,
    );
    expect(() => readSafetensorsHeader(withRanges({ long: [0, 12], empty: [4, 4], late: [8, 16] }))).toThrow(
      /tensors long and late overlap/,
    );
  });
});

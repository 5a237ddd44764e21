// `dimoo check-model`: a complete folder is reported with its memory rows; a broken one is one line naming the file.
import { copyFileSync, cpSync, mkdtempSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CheckpointReport, makeTestCheckpoint, RUN_OPTIONS } from '../engine/index.js';
import { main } from '../src/cli/main.js';
import { captureIo } from './doubles/cli-io.js';
import { hubSnapshot } from './engine/checkpoint/hub-layouts.js';

const dir = mkdtempSync(join(tmpdir(), 'dimoo-check-model-'));
const model = join(dir, 'model');
beforeAll(() => makeTestCheckpoint({ out: model, preset: 'tiny', seed: 4, dtype: 'bf16' }));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const checkModel = async (...argv: string[]) => {
  const io = captureIo();
  const code = await main(['check-model', ...argv], io);
  return { code, out: io.out(), err: io.err() };
};

describe('dimoo check-model', () => {
  it('reports a complete folder: files, dimensions, and the memory of every way to run it', async () => {
    const text = await checkModel('--model', model);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/: complete \(bf16, \d+ tensors in 2 files/);
    expect(text.out).toMatch(/transformer: 2 layers, d_model 64, 4 heads, MLP 160/);
    for (const row of ['GPU fp32', 'GPU fp16 int8', 'GPU fp16 int4', 'CPU fp32 int4'])
      expect(text.out).toContain(`\n  ${row} `);

    const json = await checkModel('--model', model, '--json', '--device-memory-gb', '0.9');
    const report = JSON.parse(json.out) as CheckpointReport;
    expect(report.files.map((f) => f.file).sort()).toEqual([
      'model.safetensors',
      join('vqvae', 'diffusion_pytorch_model.safetensors'),
    ]);
    expect(report.files.every((f) => f.bytes > 0)).toBe(true);
    expect(report.memory.map(({ device, precision, quant }) => ({ device, precision, quant }))).toEqual(
      RUN_OPTIONS,
    );
    const gpu = (quant: string, precision = 'fp16') =>
      report.memory.find((m) => m.device === 'cuda' && m.quant === quant && m.precision === precision)!;
    // Smaller weights, larger squares; ML-Cache costs its caches on top.
    expect(gpu('int4').weights).toBeLessThan(gpu('int8').weights);
    expect(gpu('int8').weights).toBeLessThan(gpu('none').weights);
    expect(gpu('none').weights).toBeLessThan(gpu('none', 'fp32').weights);
    for (const m of report.memory) expect(m.image1024MlCache).toBeGreaterThan(m.image1024);
    expect(report.budget).toBe(9e8);
    expect(gpu('none').largestSquare).toBeGreaterThan(gpu('none', 'fp32').largestSquare as number);
    expect(gpu('int4').largestSquare).toBeGreaterThanOrEqual(gpu('none').largestSquare as number);
  });

  it('checks a Hugging Face cache snapshot, whose files are symlinks into ../../blobs/', async () => {
    const source = join(dir, 'hub-source');
    cpSync(model, source, { recursive: true });
    const snapshot = hubSnapshot(source, join(dir, 'models--Alpha-VLLM--Lumina-DiMOO'));
    const r = await checkModel('--model', snapshot);
    expect([r.code, r.err]).toEqual([0, '']);
    expect(r.out).toMatch(/snapshots\/0123abcd: complete \(bf16, \d+ tensors in 2 files/);
  });

  it('names what is missing or broken in one line, exit 1; usage errors exit 2', async () => {
    const broken = (name: string, change: (folder: string) => void) => {
      const folder = join(dir, name);
      cpSync(model, folder, { recursive: true });
      change(folder);
      return folder;
    };
    const truncated = broken('truncated', (f) => truncateSync(join(f, 'model.safetensors'), 4096));
    const noVq = broken('no-vq', (f) => rmSync(join(f, 'vqvae', 'config.json')));
    const emptyVq = broken('empty-vq', (f) =>
      copyFileSync(join(f, 'config.json'), join(f, 'vqvae', 'diffusion_pytorch_model.safetensors')),
    );
    for (const [folder, message] of [
      [truncated, /model\.safetensors.*(truncated|does not fit)/],
      [noVq, /vqvae\/config\.json is missing/],
      [emptyVq, /diffusion_pytorch_model\.safetensors/],
      [join(dir, 'nowhere'), /does not exist/],
    ] as const) {
      const r = await checkModel('--model', folder);
      expect([r.code, r.err.trim().split('\n').length], folder).toEqual([1, 1]);
      expect(r.err).toMatch(/^dimoo check-model: /);
      expect(r.err).toMatch(message);
    }
    const usage = await checkModel('--model', model, '--device-memory-gb', 'lots');
    expect(usage.code).toBe(2);
  });
});

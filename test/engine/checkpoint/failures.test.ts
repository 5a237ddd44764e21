// A broken checkpoint is normal input: each way of breaking the published folder gives one EngineError with a
// code and a message naming the file (and the tensor or key) at fault.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../../engine/api.js';
import { createEngine, inspectCheckpoint } from '../../../engine/index.js';
import { makeTestCheckpoint } from '../../../engine/testing/make-test-checkpoint.js';

let base: string;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'dimoo-broken-'));
  makeTestCheckpoint({ out: join(base, 'one'), preset: 'tiny', seed: 3, dtype: 'fp32' });
  makeTestCheckpoint({ out: join(base, 'sharded'), preset: 'tiny', seed: 3, dtype: 'bf16', shards: 2 });
});

const editJson = (file: string, edit: (value: Record<string, unknown>) => void) => {
  const value = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(value);
  writeFileSync(file, JSON.stringify(value));
};

/** A break that writes `text` as the folder's `path` (joined below it). */
const writeAt =
  (text: string, ...path: string[]) =>
  (d: string) =>
    writeFileSync(join(d, ...path), text);

/** A break that puts an empty folder where the file `path` was. */
const folderAt =
  (...path: string[]) =>
  (d: string) => {
    rmSync(join(d, ...path));
    mkdirSync(join(d, ...path));
  };

/** A break that puts a symbolic link to `target` where the file `name` was. */
const linkAt = (target: string, name: string) => (d: string) => {
  rmSync(join(d, name));
  symlinkSync(target, join(d, name));
};

/** Writes `model.safetensors` again with its header changed by `edit`, the tensor bytes after it unchanged. */
const editHeader = (file: string, edit: (header: Record<string, unknown>) => unknown) => {
  const bytes = readFileSync(file);
  const length = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + length).toString('utf8')) as Record<string, unknown>;
  const replaced = edit(header);
  const json = Buffer.from(JSON.stringify(replaced === undefined ? header : replaced));
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(json.length), 0);
  writeFileSync(file, Buffer.concat([head, json, bytes.subarray(8 + length)]));
};

/** A break that changes the header entry of one tensor, `model.transformer.ln_f.weight`. */
const editLnFEntry = (edit: (entry: { shape: unknown; data_offsets: number[] }) => void) => (d: string) =>
  editHeader(join(d, 'model.safetensors'), (h) => {
    edit(h['model.transformer.ln_f.weight'] as { shape: unknown; data_offsets: number[] });
  });
const LN_F_MALFORMED =
  /model\.safetensors: tensor model\.transformer\.ln_f\.weight has a malformed header entry/;

const CASES: Array<[string, 'one' | 'sharded', (dir: string) => void, EngineError['code'], RegExp]> = [
  [
    'a header length beyond the file',
    'one',
    (d) => {
      const bytes = readFileSync(join(d, 'model.safetensors'));
      bytes.writeBigUInt64LE(10n ** 15n, 0);
      writeFileSync(join(d, 'model.safetensors'), bytes);
    },
    'checkpoint_invalid',
    /model\.safetensors: header length \d+ does not fit/,
  ],
  [
    'a header of JSON null',
    'one',
    (d) => editHeader(join(d, 'model.safetensors'), () => null),
    'checkpoint_invalid',
    /model\.safetensors: header is not a JSON object of tensors/,
  ],
  [
    'a header entry with a dimension that is not a whole number',
    'one',
    editLnFEntry((entry) => {
      entry.shape = ['64'];
    }),
    'checkpoint_invalid',
    LN_F_MALFORMED,
  ],
  [
    'a header entry with negative dimensions whose product still fits',
    'one',
    editLnFEntry((entry) => {
      entry.shape = [-64, -1];
    }),
    'checkpoint_invalid',
    LN_F_MALFORMED,
  ],
  [
    'a header entry with fractional offsets',
    'one',
    editLnFEntry((entry) => {
      entry.data_offsets = entry.data_offsets.map((x) => x + 0.5);
    }),
    'checkpoint_invalid',
    LN_F_MALFORMED,
  ],
  [
    'a billion layers in config.json (named at once, not after filling the heap)',
    'one',
    (d) => editJson(join(d, 'config.json'), (c) => Object.assign(c, { n_layers: 1e9 })),
    'checkpoint_invalid',
    /blocks\.2\.attn_norm\.weight is missing/,
  ],
  [
    'tokenizer.json whose ids run past the embedding',
    'one',
    (d) =>
      editJson(join(d, 'tokenizer.json'), (t) => {
        for (const token of t.added_tokens as Array<{ id: number }>) token.id += 100_000;
      }),
    'checkpoint_invalid',
    /tokenizer\.json gives "<system>" the id \d+, beyond the model's 384 embedding rows/,
  ],
  [
    'tokenizer.json without the <uncondition> token',
    'one',
    (d) =>
      editJson(join(d, 'tokenizer.json'), (t) => {
        t.added_tokens = (t.added_tokens as Array<{ content: string }>).filter(
          (token) => token.content !== '<uncondition>',
        );
      }),
    'checkpoint_invalid',
    /tokenizer\.json has no <uncondition> token/,
  ],
  [
    'a header that is not JSON',
    'one',
    (d) => {
      const bytes = readFileSync(join(d, 'model.safetensors'));
      bytes.write('!!!!', 8);
      writeFileSync(join(d, 'model.safetensors'), bytes);
    },
    'checkpoint_invalid',
    /model\.safetensors: header is not valid JSON/,
  ],
  [
    'an empty weights file',
    'one',
    writeAt('', 'model.safetensors'),
    'checkpoint_invalid',
    /model\.safetensors: file is 0 bytes/,
  ],
  [
    'config.json that is not JSON',
    'one',
    writeAt('{ not json', 'config.json'),
    'checkpoint_invalid',
    /config\.json is not valid JSON/,
  ],
  [
    'more layers in config.json than in the weights',
    'one',
    (d) => editJson(join(d, 'config.json'), (c) => Object.assign(c, { n_layers: Number(c.n_layers) + 1 })),
    'checkpoint_invalid',
    /blocks\.2\.attn_norm\.weight is missing/,
  ],
  [
    'a shard the index names but the folder lacks',
    'sharded',
    (d) => rmSync(join(d, 'model-00002-of-00002.safetensors')),
    'checkpoint_missing',
    /model-00002-of-00002\.safetensors does not exist/,
  ],
  [
    'vqvae/config.json that is not JSON',
    'one',
    writeAt('nope', 'vqvae', 'config.json'),
    'checkpoint_invalid',
    /vqvae\/config\.json is not valid JSON/,
  ],
  [
    'missing VQ weights',
    'one',
    (d) => rmSync(join(d, 'vqvae', 'diffusion_pytorch_model.safetensors')),
    'checkpoint_missing',
    /vqvae\/diffusion_pytorch_model\.safetensors is missing/,
  ],
  [
    'VQ channels that disagree with the VQ weights',
    'one',
    (d) =>
      editJson(join(d, 'vqvae', 'config.json'), (c) =>
        Object.assign(c, { block_out_channels: (c.block_out_channels as number[]).map((x) => x * 2) }),
      ),
    'checkpoint_invalid',
    /diffusion_pytorch_model\.safetensors: tensor "encoder\.conv_in\.weight" has shape \[16, 3, 3, 3\], expected \[32, 3, 3, 3\]/,
  ],
  [
    'a VQ tensor of an integer dtype',
    'one',
    (d) => {
      // I32 has F32's width, so only the dtype in the header changes and every size still adds up.
      const file = join(d, 'vqvae', 'diffusion_pytorch_model.safetensors');
      const bytes = readFileSync(file);
      const at = bytes.indexOf('"encoder.conv_in.weight":{"dtype":"F32"');
      expect(at).toBeGreaterThan(0);
      bytes.write('I32', at + '"encoder.conv_in.weight":{"dtype":"'.length);
      writeFileSync(file, bytes);
    },
    'checkpoint_invalid',
    /diffusion_pytorch_model\.safetensors: tensor "encoder\.conv_in\.weight" is I32/,
  ],
  [
    'a weight_map entry that is not a file name',
    'sharded',
    (d) =>
      editJson(join(d, 'model.safetensors.index.json'), (index) => {
        (index.weight_map as Record<string, unknown>)['model.transformer.ln_f.weight'] = 3;
      }),
    'checkpoint_invalid',
    /model\.safetensors\.index\.json: weight_map gives model\.transformer\.ln_f\.weight the shard 3/,
  ],
  [
    'a folder where a shard should be',
    'sharded',
    folderAt('model-00002-of-00002.safetensors'),
    'checkpoint_invalid',
    /model-00002-of-00002\.safetensors: is a folder/,
  ],
  [
    'a folder where config.json should be',
    'one',
    folderAt('config.json'),
    'checkpoint_invalid',
    /config\.json cannot be read \(EISDIR\)/,
  ],
  [
    'tokenizer.json that is not JSON',
    'one',
    writeAt('xx', 'tokenizer.json'),
    'checkpoint_invalid',
    /tokenizer\.json is not valid JSON/,
  ],
  [
    'tokenizer.json without a tokenizer in it',
    'one',
    writeAt('{"model": 3}', 'tokenizer.json'),
    'checkpoint_invalid',
    /tokenizer\.json could not be loaded/,
  ],
  [
    'config.json without d_model',
    'one',
    (d) =>
      editJson(join(d, 'config.json'), (c) => {
        delete c.d_model;
      }),
    'checkpoint_invalid',
    /config\.json: d_model is missing/,
  ],
  [
    'config.json that is a loop of symbolic links',
    'one',
    linkAt('config.json', 'config.json'),
    'checkpoint_invalid',
    /config\.json is a loop of symbolic links/,
  ],
  [
    'model.safetensors that is a loop of symbolic links',
    'one',
    linkAt('model.safetensors', 'model.safetensors'),
    'checkpoint_invalid',
    /model\.safetensors is a loop of symbolic links/,
  ],
  [
    'a shard that links to a blob the download never wrote',
    'sharded',
    linkAt('blobs/unfinished', 'model-00002-of-00002.safetensors'),
    'checkpoint_missing',
    /model-00002-of-00002\.safetensors is a symbolic link to a file that does not exist/,
  ],
  [
    'a folder where tokenizer.json should be',
    'one',
    folderAt('tokenizer.json'),
    'checkpoint_invalid',
    /tokenizer\.json cannot be read \(EISDIR\)/,
  ],
  [
    'a folder where vqvae/config.json should be',
    'one',
    folderAt('vqvae', 'config.json'),
    'checkpoint_invalid',
    /vqvae\/config\.json cannot be read \(EISDIR\)/,
  ],
  [
    'a tokenizer_config.json of null',
    'one',
    writeAt('null', 'tokenizer_config.json'),
    'checkpoint_invalid',
    /tokenizer_config\.json must hold a JSON object/,
  ],
  [
    'a dimoo_layout.json of null',
    'one',
    writeAt('null', 'dimoo_layout.json'),
    'checkpoint_invalid',
    /dimoo_layout\.json: must hold a JSON object/,
  ],
];

async function failureOf(run: () => Promise<unknown>): Promise<EngineError> {
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EngineError);
  // One line: it is what `dimoo` and `npm start` print.
  expect((error as EngineError).message).not.toContain('\n');
  return error as EngineError;
}

const opened = (dir: string) => () =>
  createEngine({ modelDir: dir, device: 'cpu' }).then((engine) => engine.close());

describe('a broken checkpoint folder', () => {
  it.each(CASES)('%s', async (_name, from, breakIt, code, message) => {
    const dir = mkdtempSync(join(base, 'case-'));
    cpSync(join(base, from), dir, { recursive: true, verbatimSymlinks: true });
    breakIt(dir);
    // Through createEngine (some faults, VQ shapes, surface only when the graphs are built) and `dimoo
    // check-model`'s inspectCheckpoint: the same code and message.
    for (const run of [opened(dir), () => inspectCheckpoint(dir)]) {
      const error = await failureOf(run);
      expect(error.code).toBe(code);
      expect(error.message).toMatch(message);
    }
  });

  it('loads a folder whose weights hold a tensor the engine does not know', async () => {
    const dir = mkdtempSync(join(base, 'extra-'));
    cpSync(join(base, 'one'), dir, { recursive: true });
    const file = join(dir, 'model.safetensors');
    const dataEnd = readFileSync(file).length - 8 - Number(readFileSync(file).readBigUInt64LE(0));
    writeFileSync(file, Buffer.concat([readFileSync(file), Buffer.alloc(16)]));
    editHeader(file, (h) => {
      h['model.extra.weight'] = { dtype: 'F32', shape: [4], data_offsets: [dataEnd, dataEnd + 16] };
    });
    expect((await inspectCheckpoint(dir)).tensors).toBeGreaterThan(0);
    await opened(dir)();
  });

  it('names a prompt token whose id the tokenizer puts past the embedding, not an internal failure', async () => {
    const dir = mkdtempSync(join(base, 'far-token-'));
    cpSync(join(base, 'one'), dir, { recursive: true });
    // A character of no system prompt, so the folder loads and only a prompt holding it reaches the id.
    editJson(join(dir, 'tokenizer.json'), (t) => {
      (t.model as { vocab: Record<string, number> }).vocab['~'] = 100_000;
    });
    const engine = await createEngine({ modelDir: dir, device: 'cpu' });
    try {
      const draw = (prompt: string) => () =>
        engine.generate({ task: 'text_to_image', prompt, width: 16, height: 16, steps: 1, seed: 1 });
      await draw('a cat')();
      const error = await failureOf(draw('a cat~'));
      expect(error.code).toBe('checkpoint_invalid');
      expect(error.message).toMatch(
        /tokenizer\.json gives "~" the id 100000, beyond the model's 384 embedding rows/,
      );
    } finally {
      await engine.close();
    }
  });

  it('names a weight file given where the folder is expected', async () => {
    const file = join(base, 'one', 'model.safetensors');
    for (const run of [opened(file), () => inspectCheckpoint(file)]) {
      const error = await failureOf(run);
      expect(error.code).toBe('checkpoint_missing');
      expect(error.message).toMatch(/model\.safetensors is a file; the checkpoint is the folder/);
    }
  });

  it('names a folder path that is a loop of symbolic links', async () => {
    const loop = join(base, 'loop');
    symlinkSync(loop, loop);
    const error = await failureOf(opened(loop));
    expect(error.code).toBe('checkpoint_invalid');
    expect(error.message).toMatch(/loop is a loop of symbolic links/);
  });
});

// Checkpoint folders as other tools lay them out, made from a generated one: a Hugging Face cache snapshot
// (files are symlinks into ../../blobs/) and diffusers' sharded VQ weights (an index and its shards).
import { createHash } from 'node:crypto';
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { readSafetensorsHeader, writeSafetensors } from '../../../engine/checkpoint/safetensors.js';

function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) =>
    statSync(join(dir, name)).isDirectory()
      ? filesUnder(join(dir, name), join(prefix, name))
      : [join(prefix, name)],
  );
}

/**
 * Moves every file of `model` into `hub/blobs/<sha256>` and links it from `hub/snapshots/<rev>/` as
 * `huggingface-cli download` leaves a cache (relative links); returns the snapshot folder.
 */
export function hubSnapshot(model: string, hub: string, rev = '0123abcd'): string {
  const snapshot = join(hub, 'snapshots', rev);
  mkdirSync(join(hub, 'blobs'), { recursive: true });
  for (const file of filesUnder(model)) {
    const blob = join(
      hub,
      'blobs',
      createHash('sha256')
        .update(readFileSync(join(model, file)))
        .digest('hex'),
    );
    renameSync(join(model, file), blob);
    const link = join(snapshot, file);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(relative(dirname(link), blob), link);
  }
  rmSync(model, { recursive: true, force: true });
  return snapshot;
}

/** Splits `vqvae/diffusion_pytorch_model.safetensors` into two shards and an index, as diffusers saves them. */
export function shardVq(model: string): void {
  const vqDir = join(model, 'vqvae');
  const single = join(vqDir, 'diffusion_pytorch_model.safetensors');
  const refs = [...readSafetensorsHeader(single).values()];
  const bytes = readFileSync(single);
  const half = Math.ceil(refs.length / 2);
  const weightMap: Record<string, string> = {};
  for (const [i, part] of [refs.slice(0, half), refs.slice(half)].entries()) {
    const file = `diffusion_pytorch_model-0000${i + 1}-of-00002.safetensors`;
    writeSafetensors(
      join(vqDir, file),
      part.map((ref) => ({
        name: ref.name,
        dtype: ref.dtype,
        shape: ref.shape,
        data: bytes.subarray(ref.offset, ref.offset + ref.length),
      })),
    );
    for (const ref of part) weightMap[ref.name] = file;
  }
  rmSync(single);
  const index = { metadata: { total_size: bytes.length }, weight_map: weightMap };
  writeFileSync(join(vqDir, 'diffusion_pytorch_model.safetensors.index.json'), JSON.stringify(index));
}

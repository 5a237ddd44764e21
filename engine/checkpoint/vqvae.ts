// The checkpoint's `vqvae/` folder as diffusers saves a VQModel: config.json plus
// diffusion_pytorch_model.safetensors (or its sharded index, or the fp16 variant diffusers also publishes).
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { EngineError } from '../api.js';
import { parseVqConfig, VQ_CONFIG_FILE, type VqConfig } from '../graphs/vq-config.js';
import { externalDataRoot, type WeightRef } from '../runtime/external-data.js';
import { readCheckpointText, refuseUnreachable } from './files.js';
import { readSafetensorsHeader, readWeightIndex } from './safetensors.js';

export interface VqCheckpoint {
  config: VqConfig;
  /** Looks a tensor up by its diffusers name; a missing one is a checkpoint_invalid error naming it. */
  weight: (name: string) => WeightRef;
  /** Real folder every weight file lies under (symlinks resolved): the external-data root for the VQ graphs. */
  folder: string;
  /** Every tensor of the weight file(s), by name (what `dimoo check-model` counts and sizes). */
  refs: ReadonlyMap<string, WeightRef>;
  /** The weight file as messages name it (`vqvae/diffusion_pytorch_model.safetensors`, or its index). */
  described: string;
}

const STEM = 'diffusion_pytorch_model';

function weightsOf(vqDir: string): { refs: Map<string, WeightRef>; described: string } {
  if (existsSync(path.join(vqDir, `${STEM}.safetensors`)))
    return { refs: readWeightIndex(vqDir, STEM), described: `vqvae/${STEM}.safetensors` };
  // Sharded as diffusers saves a large VQModel: the index names a shard per tensor.
  if (existsSync(path.join(vqDir, `${STEM}.safetensors.index.json`)))
    return { refs: readWeightIndex(vqDir, STEM), described: `vqvae/${STEM}.safetensors.index.json` };
  const files = existsSync(vqDir)
    ? readdirSync(vqDir)
        .filter((f) => f.endsWith('.safetensors'))
        .sort()
    : [];
  const fp16 = `${STEM}.fp16.safetensors`;
  const chosen = files.includes(fp16) ? fp16 : files.length === 1 ? files[0] : undefined;
  if (!chosen) {
    const detail =
      files.length === 0
        ? `vqvae/${STEM}.safetensors is missing`
        : `vqvae/ holds several weight files (${files.join(', ')}) and none is ${STEM}.safetensors`;
    throw new EngineError('checkpoint_missing', `${vqDir}: ${detail}`, { detail });
  }
  return { refs: readSafetensorsHeader(path.join(vqDir, chosen)), described: `vqvae/${chosen}` };
}

/** Reads `modelDir/vqvae/` (headers only; the weights stay in place). */
export function readVqCheckpoint(modelDir: string): VqCheckpoint {
  const folder = path.resolve(modelDir);
  const configFile = path.join(folder, VQ_CONFIG_FILE);
  if (!existsSync(configFile)) {
    refuseUnreachable(configFile, VQ_CONFIG_FILE);
    const detail = `${VQ_CONFIG_FILE} is missing`;
    throw new EngineError('checkpoint_missing', `${configFile} is missing: the VQ model configuration`, {
      detail,
    });
  }
  const text = readCheckpointText(configFile, VQ_CONFIG_FILE);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const detail = `${VQ_CONFIG_FILE} is not valid JSON (${error instanceof Error ? error.message : String(error)})`;
    throw new EngineError('checkpoint_invalid', detail, { detail, file: VQ_CONFIG_FILE });
  }
  const config = parseVqConfig(json);
  const { refs, described } = weightsOf(path.join(folder, 'vqvae'));
  if (refs.size === 0) {
    const detail = `${described} holds no tensor`;
    throw new EngineError('checkpoint_invalid', detail, { detail, file: described });
  }
  return {
    config,
    folder: externalDataRoot(new Set([...refs.values()].map((r) => r.file))),
    refs,
    described,
    weight: (name) => {
      const ref = refs.get(name);
      if (!ref) {
        const detail = `${described} has no tensor "${name}", which ${VQ_CONFIG_FILE} implies`;
        throw new EngineError('checkpoint_invalid', detail, { detail, file: described, tensor: name });
      }
      return ref;
    },
  };
}

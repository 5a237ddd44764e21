// The diffusers VQModel config (`vqvae/config.json`) as the graphs need it. Absent keys take VQModel's own
// defaults, as `VQModel.from_pretrained` would; values the graphs do not implement are refused by name.
import { EngineError } from '../api.js';

export const VQ_CONFIG_FILE = 'vqvae/config.json';

export interface VqConfig {
  inChannels: number;
  outChannels: number;
  /** Channels of each resolution level; the encoder halves the size between levels. */
  blockOutChannels: number[];
  layersPerBlock: number;
  latentChannels: number;
  /** Width of a codebook entry (`vq_embed_dim`, defaults to `latent_channels`). */
  embedDim: number;
  codebookSize: number;
  normGroups: number;
  /** Pixels per latent cell along each side: 2^(levels − 1). */
  scaleFactor: number;
  /** Single-head self-attention between the two mid-block resnets (`mid_block_add_attention`). */
  midBlockAttention: boolean;
}

function invalid(key: string, detail: string): EngineError {
  const message = `${VQ_CONFIG_FILE}: "${key}" ${detail}`;
  return new EngineError('checkpoint_invalid', message, { detail: message, file: VQ_CONFIG_FILE, key });
}

function positiveInt(raw: Record<string, unknown>, key: string, fallback: number): number {
  const value = raw[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw invalid(key, `must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

function stringList(raw: Record<string, unknown>, key: string, fallback: string[]): string[] {
  const value = raw[key] ?? fallback;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw invalid(key, `must be a list of strings, got ${JSON.stringify(value)}`);
  }
  return value as string[];
}

function oneOf(
  raw: Record<string, unknown>,
  key: string,
  fallback: unknown,
  allowed: readonly unknown[],
): void {
  const value = raw[key] ?? fallback;
  if (!allowed.includes(value)) {
    throw invalid(
      key,
      `is ${JSON.stringify(value)}; supported: ${allowed.map((a) => JSON.stringify(a)).join(', ')}`,
    );
  }
}

/** Validates a parsed `vqvae/config.json`; throws EngineError('checkpoint_invalid') naming the first bad key. */
export function parseVqConfig(json: unknown): VqConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    const message = `${VQ_CONFIG_FILE} must hold a JSON object`;
    throw new EngineError('checkpoint_invalid', message, { detail: message, file: VQ_CONFIG_FILE });
  }
  const raw = json as Record<string, unknown>;

  const channels = raw.block_out_channels ?? [64];
  if (
    !Array.isArray(channels) ||
    channels.length === 0 ||
    !channels.every((c) => typeof c === 'number' && Number.isInteger(c) && c > 0)
  ) {
    throw invalid(
      'block_out_channels',
      `must be a non-empty list of positive integers, got ${JSON.stringify(channels)}`,
    );
  }
  const blockOutChannels = channels as number[];
  const levels = blockOutChannels.length;

  const down = stringList(raw, 'down_block_types', ['DownEncoderBlock2D']);
  if (down.length !== levels)
    throw invalid('down_block_types', `has ${down.length} entries, block_out_channels ${levels}`);
  if (!down.every((t) => t === 'DownEncoderBlock2D')) {
    throw invalid('down_block_types', `is ${JSON.stringify(down)}; only "DownEncoderBlock2D" is supported`);
  }
  const up = stringList(raw, 'up_block_types', ['UpDecoderBlock2D']);
  if (up.length !== levels)
    throw invalid('up_block_types', `has ${up.length} entries, block_out_channels ${levels}`);
  if (!up.every((t) => t === 'UpDecoderBlock2D')) {
    throw invalid('up_block_types', `is ${JSON.stringify(up)}; only "UpDecoderBlock2D" is supported`);
  }

  oneOf(raw, 'act_fn', 'silu', ['silu', 'swish']);
  // The spatially conditioned decoder norm (MoVQ) is not built.
  oneOf(raw, 'norm_type', 'group', ['group']);
  oneOf(raw, 'mid_block_add_attention', true, [true, false]);

  const inChannels = positiveInt(raw, 'in_channels', 3);
  if (inChannels !== 3) throw invalid('in_channels', `is ${inChannels}; RGB input needs 3`);
  const outChannels = positiveInt(raw, 'out_channels', 3);
  if (outChannels !== 3) throw invalid('out_channels', `is ${outChannels}; RGB output needs 3`);

  const normGroups = positiveInt(raw, 'norm_num_groups', 32);
  for (const c of blockOutChannels) {
    if (c % normGroups !== 0) {
      throw invalid('norm_num_groups', `(${normGroups}) does not divide block_out_channels entry ${c}`);
    }
  }
  const latentChannels = positiveInt(raw, 'latent_channels', 3);
  const embedDim =
    raw.vq_embed_dim === null ? latentChannels : positiveInt(raw, 'vq_embed_dim', latentChannels);

  return {
    inChannels,
    outChannels,
    blockOutChannels,
    layersPerBlock: positiveInt(raw, 'layers_per_block', 1),
    latentChannels,
    embedDim,
    codebookSize: positiveInt(raw, 'num_vq_embeddings', 256),
    normGroups,
    scaleFactor: 2 ** (levels - 1),
    midBlockAttention: (raw.mid_block_add_attention ?? true) === true,
  };
}

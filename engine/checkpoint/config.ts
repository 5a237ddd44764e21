// config.json of a LLaDA-family checkpoint (Lumina-DiMOO keeps LLaDA's keys and architecture unchanged).
import { EngineError } from '../api.js';
import type { TransformerDims } from '../graphs/transformer.js';

export interface ModelConfig extends TransformerDims {
  /** Logit width: rows of the output head (embedding_size when given, else vocab_size). */
  maxSequenceLength: number;
  maskTokenId?: number;
}

function invalid(key: string, detail: string): EngineError {
  return new EngineError('checkpoint_invalid', `config.json: ${key} ${detail}`, {
    detail: `config.json ${key} ${detail}`,
  });
}

function positiveInt(raw: Record<string, unknown>, key: string, fallback?: number): number {
  const value = raw[key] ?? fallback;
  // Absent with no default: JSON.stringify gave "found undefined", which reads as a typo in the file.
  if (value === undefined) throw invalid(key, 'is missing (a positive whole number)');
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw invalid(key, `must be a positive whole number, found ${JSON.stringify(value)}`);
  }
  return value;
}

function positive(raw: Record<string, unknown>, key: string, fallback: number): number {
  const value = raw[key] ?? fallback;
  if (typeof value !== 'number' || !(value > 0))
    throw invalid(key, `must be a positive number, found ${JSON.stringify(value)}`);
  return value;
}

/** Values the graph builder implements; anything else is refused rather than run wrongly. */
const REQUIRED: Array<[string, unknown, string]> = [
  ['activation_type', 'silu', 'must be "silu" (SwiGLU MLP)'],
  ['block_type', 'llama', 'must be "llama" (pre-norm blocks with separate q/k/v projections)'],
  ['layer_norm_type', 'rms', 'must be "rms"'],
  ['include_bias', false, 'must be false (the graphs have no biases)'],
  ['include_qkv_bias', false, 'must be false'],
  ['rope', true, 'must be true'],
  ['alibi', false, 'must be false'],
  ['attention_layer_norm', false, 'must be false'],
  ['scale_logits', false, 'must be false'],
  ['input_emb_norm', false, 'must be false'],
];

export function parseModelConfig(raw: unknown): ModelConfig {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw invalid('(file)', 'must be a JSON object');
  const c = raw as Record<string, unknown>;
  for (const [key, expected, message] of REQUIRED) {
    if (key in c && c[key] !== null && c[key] !== expected)
      throw invalid(key, `${message}, found ${JSON.stringify(c[key])}`);
  }
  const dModel = positiveInt(c, 'd_model');
  const nHeads = positiveInt(c, 'n_heads');
  const nKvHeads = positiveInt(c, 'n_kv_heads', nHeads);
  if (dModel % nHeads !== 0) throw invalid('n_heads', `must divide d_model (${dModel}), found ${nHeads}`);
  if (nHeads % nKvHeads !== 0)
    throw invalid('n_kv_heads', `must divide n_heads (${nHeads}), found ${nKvHeads}`);
  const mlpRatio = typeof c.mlp_ratio === 'number' ? c.mlp_ratio : 4;
  const vocabSize = positiveInt(
    c,
    'embedding_size',
    typeof c.vocab_size === 'number' ? c.vocab_size : undefined,
  );
  return {
    dModel,
    nLayers: positiveInt(c, 'n_layers'),
    nHeads,
    nKvHeads,
    mlpHidden: positiveInt(c, 'mlp_hidden_size', mlpRatio * dModel),
    vocabSize,
    ropeTheta: positive(c, 'rope_theta', 10000),
    rmsNormEps: positive(c, 'rms_norm_eps', 1e-5),
    weightTying: c.weight_tying === true,
    maxSequenceLength: positiveInt(c, 'max_sequence_length', 4096),
    maskTokenId: typeof c.mask_token_id === 'number' ? c.mask_token_id : undefined,
  };
}

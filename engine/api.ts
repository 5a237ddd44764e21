// The engine's public contract. Everything outside engine/ imports from engine/index.ts only,
// which re-exports this file and createEngine; nothing here knows about chat platforms.

/** The choices of each engine setting, which the bot's config and the CLI validate against. */
export const DEVICE_CHOICES = ['auto', 'cuda', 'cpu'] as const;
export const PRECISIONS = ['auto', 'fp16', 'fp32'] as const;
export const WEIGHT_QUANTS = ['none', 'int8', 'int4'] as const;

export type DeviceChoice = (typeof DEVICE_CHOICES)[number];

/** An 8-bit RGB image, rows top to bottom, pixels interleaved (length = width * height * 3). */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** ML-Cache (dimoo-inference.md §4.4); text-to-image only. */
export interface MlCacheOptions {
  cacheRatio: number; // (0, 1)
  warmupRatio: number; // [0, 1)
  refreshInterval: number; // (1, T - floor(warmup*T) - 1]
}

export interface TextToImageRequest {
  task: 'text_to_image';
  prompt: string;
  width: number; // multiple of 16
  height: number; // multiple of 16
  steps?: number; // default 64
  cfg?: number; // default 4.0, upstream's (1+s)·c − s·u
  temperature?: number; // default 1.0; 0 = deterministic argmax
  seed?: number; // uint32; absent = random, reported back in the result
  cache?: MlCacheOptions | boolean;
  /**
   * What the image should not show (Midjourney's `--no`): the guidance branch's user text instead of
   * `<uncondition>`, so each step is pushed away from it. Absent or blank: upstream's `<uncondition>`.
   */
  negativePrompt?: string;
  /**
   * How many images to draw at once (1–4, default 1), from the seeds `seed`, `seed + 1`, …: one batch, each image
   * exactly what its seed draws alone. The result's `image` tiles them into one grid; `candidates` holds each.
   */
  count?: number;
}

export interface ImageToImageRequest {
  task: 'image_to_image';
  editType: string; // edit_add, canny_control, image_ref_transfer, multi_view_left, ...
  prompt: string;
  image: RgbImage;
  refImage?: RgbImage; // required for image_ref_transfer
  steps?: number; // default 64
  cfg?: number; // default 2.5 (text guidance)
  cfgImg?: number; // default 4.0 (image guidance)
  temperature?: number;
  seed?: number;
  densePrompt?: boolean; // use the dense_prediction system prompt for *_pred types instead of upstream's fallback
  count?: number; // as TextToImageRequest's, drawn one after another
}

/** Which latent cells to regenerate. Boxes and extension are fractions of width/height. */
export type PaintRegion =
  | { kind: 'inpaint_ratio'; hRatio: number; wRatio: number }
  | { kind: 'outpaint_ratio'; hRatio: number; wRatio: number }
  | { kind: 'boxes'; boxes: Array<{ x: number; y: number; w: number; h: number }> }
  | { kind: 'mask'; mask: RgbImage } // white = regenerate
  | { kind: 'extend'; left: number; top: number; right: number; bottom: number } // canvas growth, fractions
  /**
   * A share (0, 1] of all cells, picked by the request's seed: the rest keep their codes, so the picture is redrawn
   * around its own composition (a variation; masked re-sampling as MaskGIT varies an image). No paste-back by
   * default: scattered cells would show the seams.
   */
  | { kind: 'scatter'; share: number };

export interface PaintRequest {
  task: 'paint';
  prompt: string;
  image: RgbImage;
  region: PaintRegion;
  dilate?: number; // latent-cell dilation, default 0
  pasteBack?: boolean; // default true (false for 'scatter'): pixels outside the mask are the input's own
  negativePrompt?: string; // as TextToImageRequest's
  count?: number; // as TextToImageRequest's, drawn one after another
  steps?: number;
  cfg?: number;
  temperature?: number;
  seed?: number;
  /** ML-Cache as TextToImageRequest's (with cfg > 0); upstream has it for text-to-image only. */
  cache?: MlCacheOptions | boolean;
}

export interface UnderstandRequest {
  task: 'understand';
  image: RgbImage;
  question?: string; // default: describe the image
  steps?: number; // default 128
  genLength?: number; // default 128
  blockLength?: number; // default 32
  temperature?: number; // default 0
  cfg?: number; // default 0
  seed?: number;
  /**
   * The block cache (engine/graphs/text-block-loop.ts): each answer block's first step runs the whole sequence and
   * its later steps only the block's rows against the cached keys and values. Much faster; the answer may differ
   * from upstream's. Greedy decoding only (temperature 0); default off.
   */
  cache?: boolean;
}

export type EngineRequest = TextToImageRequest | ImageToImageRequest | PaintRequest | UnderstandRequest;
export type EngineTask = EngineRequest['task'];

export interface EngineTimings {
  total_ms: number;
  forward_ms: number;
  load_ms: number;
}

export interface ImageResult {
  kind: 'image';
  image: RgbImage;
  /** Final VQ indices, rows × cols (of the first candidate when there are several). */
  tokens: { rows: number; cols: number; data: Int32Array };
  seed: number;
  steps: number;
  timings: EngineTimings;
  /** A request with `count` > 1: each image and its seed, in seed order (`image` is their grid). */
  candidates?: Array<{ image: RgbImage; seed: number }>;
}

export interface TextResult {
  kind: 'text';
  text: string;
  /** The answer's token ids, from the first answer position up to (not including) its end marker. */
  tokens: number[];
  seed: number;
  steps: number;
  /** Decoded with the block cache (asked for by UnderstandRequest.cache, on an engine that has it). */
  cache?: boolean;
  timings: EngineTimings;
}

export type EngineResult = ImageResult | TextResult;

export interface ProgressEvent {
  step: number; // 1-based, steps done
  total: number;
  preview?: RgbImage; // low-resolution, only when asked and at most every previewIntervalMs
  /**
   * 'finishing': every step is done (`step` = `total`) and the VQ decoder is turning the tokens into the image,
   * seconds on a CPU for a large one; reported once, after the last step. Absent: a step. Text answers have none.
   */
  phase?: 'finishing';
}

export interface GenerateOptions {
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
  previewIntervalMs?: number; // absent = no previews
}

/** One request of a batch, with its own cancellation and progress. */
export interface BatchItem {
  request: EngineRequest;
  options?: GenerateOptions;
}

export interface EngineInfo {
  device: 'cuda' | 'cpu';
  /** Why the device was chosen, e.g. why CUDA was not used under DEVICE=auto. */
  deviceNote?: string;
  modelDir: string;
  dtype: 'bf16' | 'fp16' | 'fp32';
  /** What the transformer computes in (fp16 linear layers on CUDA under precision 'auto'). */
  precision?: 'fp16' | 'fp32';
  quant?: WeightQuant;
  dims: {
    dModel: number;
    nLayers: number;
    nHeads: number;
    nKvHeads: number;
    mlpHidden: number;
    vocabSize: number;
    codebookSize: number;
  };
}

export interface Engine {
  readonly info: EngineInfo;
  generate(request: EngineRequest, options?: GenerateOptions): Promise<EngineResult>;
  /**
   * Runs several requests together: those with the same `batchKey` share every forward pass (engine-design §4),
   * the rest run one after another. One result or error per item, in order; cancelling one item does not stop
   * the others.
   */
  generateBatch(items: readonly BatchItem[]): Promise<Array<EngineResult | EngineError>>;
  /** Forward-token units the request will cost (engine-design §4); used by the scheduler. */
  estimateCost(request: EngineRequest): number;
  close(): Promise<void>;
}

/** Transformer arithmetic: under 'auto', fp16 weights and activations on CUDA and fp32 on the CPU. */
export type Precision = (typeof PRECISIONS)[number];
/** Weight-only quantization of the transformer's linear layers (issue #12). */
export type WeightQuant = (typeof WEIGHT_QUANTS)[number];
/**
 * How ML-Cache text-to-image keeps its caches (engine/tasks/ml-cache-loop.ts compares them): 'loop' runs each
 * refresh interval as one graph run with the caches inside onnxruntime; 'per-step' keeps them on the host;
 * 'in-graph' feeds them back unread between runs. All three give the same tokens for a seed.
 */
export type MlCachePath = 'per-step' | 'in-graph' | 'loop';

export interface CreateEngineOptions {
  modelDir: string;
  device?: DeviceChoice;
  precision?: Precision;
  quant?: WeightQuant;
  /** Device memory the engine may plan for, in bytes; a request whose estimate exceeds it is refused, not run. */
  deviceMemoryBudget?: number;
  /** Where derived artefacts (graphs, converted weights) may be cached; defaults beside the checkpoint or in DATA_DIR. */
  cacheDir?: string;
  /**
   * How attention keeps padded keys out (engine/graphs/transformer-options.ts ContribOps): 'lengths' (the default
   * on the fp16 GPU graph) lets onnxruntime's CUDA provider run cuDNN's fused attention, 'heads' its flash kernel;
   * 'input' (the CPU's default) is MultiHeadAttention's own key-padding mask.
   */
  attentionMask?: 'input' | 'lengths' | 'heads';
  /**
   * Writes onnxruntime's per-node profile of every session to files whose names start with this path (a
   * diagnosis aid: bench/gpu.ts --profile); each file is complete when its session is released.
   */
  profilePrefix?: string;
  /**
   * false runs the sessions on the calling thread, where each run blocks its event loop (engine/runtime/
   * session-thread.ts says why the default is a thread of their own): for a CPU profile that shows onnxruntime's
   * time, and for bench/event-loop.ts's comparison.
   */
  sessionThread?: boolean;
  /** The ML-Cache path (default 'loop': fastest on CPU, and the only one that keeps the caches on a GPU). */
  mlCachePath?: MlCachePath;
  /**
   * false leaves ML-Cache's refresh interval out of the drawing graph (engine/graphs/drawing-graph.ts), so a
   * one-shot command that never asks for it opens a smaller graph; a request for ML-Cache then runs without it.
   * Default true.
   */
  mlCache?: boolean;
  /**
   * Open the VQ encoder and decoder while loading (default), so a bot's first job does not wait for them; false
   * opens each on first use, for one-shot commands (text-to-image never needs the encoder).
   */
  warm?: boolean;
  log?: (level: 'info' | 'warn' | 'debug', message: string, fields?: Record<string, unknown>) => void;
}

export type EngineErrorCode =
  | 'checkpoint_missing'
  | 'checkpoint_invalid'
  | 'device_unavailable'
  | 'bad_request'
  | 'image_invalid'
  | 'image_frames'
  | 'image_too_large'
  | 'image_unsupported'
  | 'image_empty'
  | 'image_too_small'
  | 'image_aspect'
  | 'cancelled'
  | 'out_of_memory'
  | 'device_memory'
  | 'internal';

/** One clear failure. `code` maps to a locale key `errors.engine.<code>`; `params` fill its placeholders. */
export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    readonly params: Record<string, string | number> = {},
    /** The error it stands for (an onnxruntime failure, a bug): its stack is where it started. */
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'EngineError';
  }
}

// createEngine: reads the checkpoint, builds the graphs in memory, opens them on the chosen device (weights read
// in place as external data), and returns a ready DimooEngine.

import * as os from 'node:os';
import * as path from 'node:path';
import type { CreateEngineOptions, Engine } from './api.js';
import { EngineError } from './api.js';
import { type Checkpoint, checkpointDims, loadCheckpoint } from './checkpoint/load.js';
import { drawsWithMlCache } from './cost.js';
import { DimooEngine } from './engine.js';
import { buildDrawingGraph } from './graphs/drawing-graph.js';
import { imageGraphOptions, vqWeightOptions, weightLookup } from './graphs/from-checkpoint.js';
import { QUANT_BLOCK, type QuantBits } from './graphs/quantize.js';
import {
  buildImageStepGraph,
  buildMlCacheFullGraph,
  buildMlCacheStateFullGraph,
  buildMlCacheStateStepGraph,
  buildMlCacheStepGraph,
} from './graphs/transformer.js';
import {
  checkDeviceMemory,
  fitDeviceMemory,
  gigabytes,
  largestSquareSide,
  type MemoryModel,
  sessionWeightBytes,
} from './memory.js';
import { hasTextBlock } from './runtime/drawing-feeds.js';
import { externalDataRoot, externalDataSessionOptions } from './runtime/external-data.js';
import { ImageStepRunner } from './runtime/image-step.js';
import { ImageStepSession } from './runtime/image-step-session.js';
import { type MlCacheIntervalBackend, MlCacheIntervalSession } from './runtime/ml-cache-interval-session.js';
import { type MlCacheBackend, MlCacheSessions } from './runtime/ml-cache-session.js';
import { type MlCacheStateBackend, MlCacheStateSessions } from './runtime/ml-cache-state-session.js';
import {
  createSession,
  missingCudaLibrary,
  type Provider,
  releaseSession,
  type SessionOptions,
} from './runtime/ort.js';
import { MlpScale } from './runtime/overflow-guard.js';
import { quantizedWeights } from './runtime/quantized-weights.js';
import { openOnThread, startSessionThread } from './runtime/session-thread.js';
import { TextBlockSession } from './runtime/text-block.js';
import { TextStepRunner } from './runtime/text-step.js';
import { type TextStepBackend, TextStepSession } from './runtime/text-step-backend.js';
import { VqCodec } from './runtime/vq-codec.js';
import { mlCachePathFor } from './tasks/ml-cache-loop.js';

/** Rows of ML-Cache's refresh interval: text-to-image's prompt and its <uncondition> branch. */
const INTERVAL_ROWS = 2;

/** The seven linear weights of every block, quantized (from the cache folder when made before). */
async function quantizedLayerWeights(
  checkpoint: Checkpoint,
  bits: QuantBits,
  cacheDir: string | undefined,
  log: NonNullable<CreateEngineOptions['log']>,
) {
  const names = Array.from({ length: checkpoint.config.nLayers }, (_, i) =>
    ['q_proj', 'k_proj', 'v_proj', 'attn_out', 'ff_proj', 'up_proj', 'ff_out'].map(
      (p) => `model.transformer.blocks.${i}.${p}.weight`,
    ),
  ).flat();
  const started = performance.now();
  const weights = await quantizedWeights(
    names.map((n) => weightLookup(checkpoint.weights, 'the model weights')(n)),
    {
      bits,
      blockSize: QUANT_BLOCK,
      cacheDir: cacheDir ?? path.join(os.homedir(), '.cache', 'dimoo'),
    },
  );
  log('info', 'quantized weights ready', {
    bits,
    blockSize: QUANT_BLOCK,
    file: weights.file,
    ms: Math.round(performance.now() - started),
  });
  return weights;
}

export async function createEngine(options: CreateEngineOptions): Promise<Engine> {
  const started = performance.now();
  const log = options.log ?? (() => undefined);
  const device = options.device ?? 'auto';
  const checkpoint = await loadCheckpoint(options.modelDir);
  const { config, layout, dir } = checkpoint;
  const opener = options.sessionThread === false ? undefined : openOnThread;
  if (opener) startSessionThread();

  // fp16 is the GPU's precision; 'auto' builds the fp16 graph when CUDA may be used and rebuilds in fp32 if the
  // session falls back to the CPU (whose fp16 kernels are few and slow).
  const precision = options.precision ?? 'auto';
  const wantHalf =
    precision === 'fp16' || (precision === 'auto' && device !== 'cpu' && missingCudaLibrary() === undefined);
  // Quantized layer weights live in a cache file beside the safetensors' folder: the transformer graphs then read
  // external data relative to a folder above both.
  const quant = options.quant ?? 'none';
  const budget = options.deviceMemoryBudget;
  // Which ML-Cache path (engine/tasks/ml-cache-loop.ts explains the default); refused early if wrong. The default
  // runs in the drawing graph's interval branch, unless the caller never wants ML-Cache.
  const mlCachePath = mlCachePathFor(options.mlCachePath);
  const mlCacheBranch = mlCachePath === 'loop' && (options.mlCache ?? true);
  const memoryModel = (device: Provider, half: boolean): MemoryModel => ({
    dims: checkpointDims(checkpoint),
    device,
    precision: half ? 'fp16' : 'fp32',
    quant,
    mlCacheWeights: mlCachePath === 'loop' ? 'shared' : 'separate',
  });
  // Refused before any weight is read when even the smallest image cannot fit.
  if (budget !== undefined) {
    const planned = memoryModel(wantHalf ? 'cuda' : device === 'cuda' ? 'cuda' : 'cpu', wantHalf);
    if (largestSquareSide(planned, budget) === undefined) {
      const weights = gigabytes(sessionWeightBytes(planned));
      throw new EngineError(
        'device_memory',
        `the model needs about ${weights} GB for its weights alone (${planned.precision}, quant ${quant}); the device memory budget is ${gigabytes(budget)} GB`,
        { needBytes: sessionWeightBytes(planned), budgetBytes: budget },
      );
    }
  }
  const quantized =
    quant === 'none'
      ? undefined
      : await quantizedLayerWeights(checkpoint, quant === 'int8' ? 8 : 4, options.cacheDir, log);
  // Symlinks resolved (a cache snapshot's files lie in ../../blobs/): the real folder every weight file lies under.
  const tfFolder = quantized
    ? externalDataRoot([...[...checkpoint.weights.values()].map((w) => w.file), quantized.file])
    : checkpoint.weightsFolder;
  const withQuant = <T extends object>(graphOptions: T): T =>
    quantized ? { ...graphOptions, folder: tfFolder, quant: { weights: quantized.get } } : graphOptions;
  // One graph for drawing, ML-Cache and describing (engine/graphs/drawing-graph.ts; the understanding head sits
  // beside the image head), so neither opens a second session with a second copy of the weights.
  const sessionModel = (fp16: boolean) => {
    const graphOptions = withQuant({
      ...imageGraphOptions(checkpoint, fp16, options.attentionMask),
      textHead: true,
    });
    return mlCacheBranch
      ? buildDrawingGraph({ ...graphOptions, rows: INTERVAL_ROWS, maskId: layout.mask })
      : buildImageStepGraph({ ...graphOptions, maskId: layout.mask });
  };
  let opened = await createSession(sessionModel(wantHalf), {
    device,
    sessionOptions: externalDataSessionOptions(tfFolder),
    profilePrefix: options.profilePrefix,
    opener,
  });
  let half = wantHalf;
  if (half && precision === 'auto' && opened.provider === 'cpu') {
    await releaseSession(opened.session);
    const reopened = await createSession(sessionModel(false), {
      device: 'cpu',
      sessionOptions: externalDataSessionOptions(tfFolder),
      profilePrefix: options.profilePrefix,
      opener,
    });
    opened = { ...reopened, note: opened.note };
    half = false;
  }
  const provider: Provider = opened.provider;
  if (opened.note) log('warn', opened.note);
  // The VQ graphs follow the transformer onto the same provider.
  const openOnProvider = async (model: Uint8Array | string, sessionOptions: SessionOptions) =>
    (
      await createSession(model, {
        device: provider,
        sessionOptions,
        profilePrefix: options.profilePrefix,
        opener,
      })
    ).session;
  const vq = new VqCodec({
    config: checkpoint.vq.config,
    ...vqWeightOptions(checkpoint),
    createSession: openOnProvider,
  });
  if (options.warm ?? true) await vq.warm();
  // Every runner of this engine's sessions shares one rung of the fp16 MLP's scale (runtime/overflow-guard.ts).
  const mlpScale = new MlpScale((scale, cause) =>
    log('warn', 'fp16 overflowed: the MLP runs scaled down from now on (PRECISION=fp32 avoids fp16)', {
      scale,
      cause,
    }),
  );
  const textStep: TextStepBackend = new TextStepSession(new TextStepRunner(opened.session, mlpScale));
  const interval = mlCacheBranch
    ? new MlCacheIntervalSession(opened.session, INTERVAL_ROWS, mlpScale)
    : undefined;
  const textBlock = hasTextBlock(opened.session) ? new TextBlockSession(opened.session, mlpScale) : undefined;
  type MlCacheOpened = MlCacheBackend | MlCacheStateBackend | MlCacheIntervalBackend;
  let mlCacheSessions: MlCacheSessions | MlCacheStateSessions | undefined;
  let mlCache: Promise<MlCacheOpened> | undefined;
  // The comparison paths open their own sessions on first use.
  const openMlCache = async (): Promise<MlCacheOpened> => {
    if (interval) return interval;
    const graphOptions = withQuant(imageGraphOptions(checkpoint, half, options.attentionMask));
    const sessionOptions = externalDataSessionOptions(tfFolder);
    const open = (model: Uint8Array) => openOnProvider(model, sessionOptions);
    const kvWidth = config.nKvHeads * (config.dModel / config.nHeads);
    // The two-graph paths: a full pass that fills the caches, then steps over the selected positions.
    type Build = (o: typeof graphOptions) => Uint8Array;
    const openPair = async (full: Build, step: Build) =>
      [await open(full(graphOptions)), await open(step(graphOptions))] as const;
    switch (mlCachePath) {
      case 'loop':
        throw new EngineError('internal', 'this engine was made without ML-Cache (mlCache: false)');
      case 'in-graph': {
        const [full, step] = await openPair(buildMlCacheStateFullGraph, buildMlCacheStateStepGraph);
        mlCacheSessions = new MlCacheStateSessions(full, step, config.nLayers, mlpScale);
        break;
      }
      case 'per-step': {
        const [full, step] = await openPair(buildMlCacheFullGraph, buildMlCacheStepGraph);
        mlCacheSessions = new MlCacheSessions(full, step, config.nLayers, kvWidth, mlpScale);
        break;
      }
    }
    log('info', 'ML-Cache graphs opened', { device: provider, path: mlCachePath });
    return mlCacheSessions;
  };
  const loadMs = performance.now() - started;
  const memory = memoryModel(provider, half);
  const openSessions = () => ({ mlCache: mlCacheSessions !== undefined });
  if (budget !== undefined)
    log('info', 'device memory budget', {
      budgetGb: gigabytes(budget),
      weightsGb: gigabytes(sessionWeightBytes(memory)),
      largestSquare: largestSquareSide(memory, budget),
    });
  log('info', 'engine loaded', {
    device: provider,
    modelDir: dir,
    dtype: checkpoint.dtype,
    precision: half ? 'fp16' : 'fp32',
    quant,
    loadMs: Math.round(loadMs),
  });

  return new DimooEngine(
    {
      device: provider,
      deviceNote: opened.note,
      modelDir: dir,
      dtype: checkpoint.dtype,
      precision: half ? 'fp16' : 'fp32',
      quant,
      dims: memory.dims,
    },
    {
      layout,
      tokenizer: checkpoint.tokenizer,
      imageStep: new ImageStepSession(new ImageStepRunner(opened.session, mlpScale)),
      vq,
      textStep: async () => textStep,
      textBlock: async () => textBlock,
      mlCache: () => {
        mlCache ??= openMlCache().catch((error) => {
          mlCache = undefined;
          throw error;
        });
        return mlCache;
      },
    },
    loadMs,
    async () => {
      await vq.close();
      await mlCacheSessions?.release();
      await releaseSession(opened.session);
    },
    (requests) => {
      if (budget === undefined) return;
      checkDeviceMemory(memory, budget, requests, openSessions());
    },
    (asked) => {
      let request = asked;
      if (
        (request.task === 'text_to_image' || request.task === 'paint') &&
        request.cache &&
        mlCachePath === 'loop' &&
        !interval
      ) {
        log('info', 'this engine was made without ML-Cache (mlCache: false): the image runs without it');
        request = { ...request, cache: false };
      }
      if (budget === undefined) return request;
      const fitted = fitDeviceMemory(memory, budget, request, openSessions());
      if (fitted !== request && drawsWithMlCache(request))
        log('info', 'ML-Cache does not fit the device memory budget: this image runs without it', {
          task: request.task,
        });
      if (fitted !== request && request.task === 'understand')
        log('info', 'the block cache does not fit the device memory budget: this answer runs without it');
      return fitted;
    },
  );
}

// createEngine: reads the checkpoint, builds the graphs in memory, opens them on the chosen device (weights read
// in place as external data), and returns a ready DimooEngine.
import type * as ort from 'onnxruntime-node';
import type { CreateEngineOptions, Engine } from './api.js';
import { loadCheckpoint } from './checkpoint/load.js';
import { DimooEngine } from './engine.js';
import { imageGraphOptions, transformerGraphOptions, weightLookup } from './graphs/from-checkpoint.js';
import { buildMlCacheIntervalGraph } from './graphs/ml-cache-interval.js';
import {
  buildImageStepGraph,
  buildMlCacheFullGraph,
  buildMlCacheStateFullGraph,
  buildMlCacheStateStepGraph,
  buildMlCacheStepGraph,
  buildTextStepGraph,
} from './graphs/transformer.js';
import { externalDataSessionOptions } from './runtime/external-data.js';
import { ImageStepRunner } from './runtime/image-step.js';
import { ImageStepSession } from './runtime/image-step-session.js';
import { type MlCacheIntervalBackend, MlCacheIntervalSession } from './runtime/ml-cache-interval-session.js';
import { type MlCacheBackend, MlCacheSessions } from './runtime/ml-cache-session.js';
import { type MlCacheStateBackend, MlCacheStateSessions } from './runtime/ml-cache-state-session.js';
import { createSession, type Provider } from './runtime/session.js';
import { TextStepRunner } from './runtime/text-step.js';
import { type TextStepBackend, TextStepSession } from './runtime/text-step-backend.js';
import { VqCodec } from './runtime/vq-codec.js';
import { mlCachePathFor } from './tasks/ml-cache-loop.js';

export async function createEngine(options: CreateEngineOptions): Promise<Engine> {
  const started = performance.now();
  const log = options.log ?? (() => undefined);
  const device = options.device ?? 'auto';
  const checkpoint = await loadCheckpoint(options.modelDir);
  const { config, layout, dir } = checkpoint;

  const imageStepModel = buildImageStepGraph(imageGraphOptions(checkpoint));
  const opened = await createSession(imageStepModel, {
    device,
    sessionOptions: externalDataSessionOptions(dir),
  });
  const provider: Provider = opened.provider;
  if (opened.note) log('warn', opened.note);
  // The VQ graphs follow the transformer onto the same provider.
  const openOnProvider = async (
    model: Uint8Array | string,
    sessionOptions: ort.InferenceSession.SessionOptions,
  ) => (await createSession(model, { device: provider, sessionOptions })).session;
  const vq = new VqCodec({
    config: checkpoint.vqConfig,
    weight: weightLookup(checkpoint.vqWeights, 'vqvae/diffusion_pytorch_model.safetensors'),
    folder: dir,
    createSession: openOnProvider,
  });
  await vq.warm();
  // The understanding graph (full-vocabulary head) opens on first use: drawing-only deployments never pay for it.
  let textSession: ort.InferenceSession | undefined;
  let textStep: Promise<TextStepBackend> | undefined;
  const openTextStep = async (): Promise<TextStepBackend> => {
    const model = buildTextStepGraph(transformerGraphOptions(checkpoint));
    textSession = await openOnProvider(model, externalDataSessionOptions(dir));
    log('info', 'understanding graph opened', { device: provider });
    return new TextStepSession(new TextStepRunner(textSession));
  };
  // Which ML-Cache path (engine/tasks/ml-cache-loop.ts explains the defaults); read once, refused early if wrong.
  const mlCachePath = mlCachePathFor(process.env.DIMOO_ML_CACHE_PATH);
  type MlCacheOpened = MlCacheBackend | MlCacheStateBackend | MlCacheIntervalBackend;
  let mlCacheSessions: MlCacheSessions | MlCacheStateSessions | MlCacheIntervalSession | undefined;
  let mlCache: Promise<MlCacheOpened> | undefined;
  const openMlCache = async (): Promise<MlCacheOpened> => {
    const graphOptions = imageGraphOptions(checkpoint);
    const sessionOptions = externalDataSessionOptions(dir);
    const open = (model: Uint8Array) => openOnProvider(model, sessionOptions);
    const kvWidth = config.nKvHeads * (config.dModel / config.nHeads);
    switch (mlCachePath) {
      case 'loop':
        // Text-to-image runs two rows: the prompt and the <uncondition> branch.
        mlCacheSessions = new MlCacheIntervalSession(
          await open(buildMlCacheIntervalGraph({ ...graphOptions, rows: 2, maskId: layout.mask })),
          2,
        );
        break;
      case 'in-graph':
        mlCacheSessions = new MlCacheStateSessions(
          await open(buildMlCacheStateFullGraph(graphOptions)),
          await open(buildMlCacheStateStepGraph(graphOptions)),
          config.nLayers,
        );
        break;
      case 'per-step':
        mlCacheSessions = new MlCacheSessions(
          await open(buildMlCacheFullGraph(graphOptions)),
          await open(buildMlCacheStepGraph(graphOptions)),
          config.nLayers,
          kvWidth,
        );
        break;
    }
    log('info', 'ML-Cache graphs opened', { device: provider, path: mlCachePath });
    return mlCacheSessions;
  };
  const loadMs = performance.now() - started;
  log('info', 'engine loaded', {
    device: provider,
    modelDir: dir,
    dtype: checkpoint.dtype,
    loadMs: Math.round(loadMs),
  });

  return new DimooEngine(
    {
      device: provider,
      deviceNote: opened.note,
      modelDir: dir,
      dtype: checkpoint.dtype,
      dims: {
        dModel: config.dModel,
        nLayers: config.nLayers,
        nHeads: config.nHeads,
        nKvHeads: config.nKvHeads,
        mlpHidden: config.mlpHidden,
        vocabSize: config.vocabSize,
        codebookSize: layout.codebookSize,
      },
    },
    {
      layout,
      tokenizer: checkpoint.tokenizer,
      imageStep: new ImageStepSession(new ImageStepRunner(opened.session)),
      vq,
      textStep: () => {
        textStep ??= openTextStep().catch((error) => {
          textStep = undefined;
          throw error;
        });
        return textStep;
      },
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
      await textSession?.release();
      await mlCacheSessions?.release();
      await opened.session.release();
    },
  );
}

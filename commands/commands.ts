// The platform-neutral operations adapters call: each validates its input, turns it into a job, and answers with
// a neutral Reply. Adapters build one `Commands` with the queue, the store and the config, make a
// `CommandContext` per incoming event with `context()`, and subscribe to rendered job updates.
import { EngineError, isKnownEditType, needsReferenceImage } from '../engine/index.js';
import type { Config } from '../src/config/index.js';
import { catalog, type Locale, matchLocale, t } from '../src/i18n.js';
import {
  type Job,
  type JobKind,
  type JobQueue,
  type JobStore,
  type Owner,
  ownerKey,
  type Scope,
  type StoredRequest,
} from '../src/jobs/index.js';
import { DEFAULT_EDIT_TYPE } from './definitions.js';
import {
  acceptImage,
  type DescribeInput,
  type EditInput,
  type ImagineInput,
  type InputImage,
  type OutpaintInput,
  type RetouchInput,
} from './inputs.js';
import {
  checkPrompt,
  DEFAULT_SIZE_CLASS,
  IMAGE_FLAGS,
  LIMITS,
  type PromptFlags,
  parseAspect,
  parseNumber,
  parsePrompt,
  SIZE_CLASSES,
  sizeForAspect,
  UserInputError,
} from './prompt.js';
import { RateLimiter } from './rate-limit.js';
import { extensionOf, parseBoxes } from './regions.js';
import { formatDuration, type RenderDeps, renderEvent, renderQueued } from './render.js';
import { parseButtonId, type Reply, textReply } from './reply.js';
import { applySettingsChanges, type SettingsChanges, type UserSettings } from './settings.js';
import {
  isQuestion,
  parseSettingsText,
  parseTextCommand,
  splitOutpaintText,
  splitRetouchText,
} from './text-commands.js';

export type CommandsConfig = Pick<Config, 'limits' | 'defaultLocale'>;

export interface CommandsOptions {
  queue: JobQueue;
  store: JobStore;
  config: CommandsConfig;
  now?: () => number;
  /** A uint32 seed source (tests pin it). */
  randomSeed?: () => number;
  log?: (level: 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
  /** Image results get an "Original file" button (platforms that recompress photos). */
  originalFileButton?: boolean;
  /** Extra `help` lines (locale keys) for ways of giving input that only one platform has. */
  helpKeys?: readonly string[];
}

/** Who asks, where, in which language, with their stored defaults; `meta` is the adapter's own (message ids). */
export interface CommandContext {
  user: Owner;
  scope: Scope;
  locale: Locale;
  settings: UserSettings;
  isAdmin: boolean;
  meta: Record<string, unknown>;
}

export interface ContextInput {
  user: Owner;
  scope: Scope;
  /** The platform's language tag (Discord `locale`, Telegram `language_code`, a browser's Accept-Language). */
  language?: string | null;
  meta?: Record<string, unknown>;
  /**
   * The platform vouches for admin rights beyond ADMIN_IDS (a Discord member holding an admin role): the same
   * powers, for this event only.
   */
  admin?: boolean;
}

/** A rendered job update for subscribers; `queued` is not sent (the submitting call returns that reply). */
export type JobUpdateListener = (update: { job: Job; reply: Reply }) => void;

export class Commands {
  private readonly queue: JobQueue;
  private readonly store: JobStore;
  private readonly config: CommandsConfig;
  private readonly now: () => number;
  private readonly randomSeed: () => number;
  private readonly limiter: RateLimiter;
  private readonly render: RenderDeps;

  constructor(private readonly options: CommandsOptions) {
    this.queue = options.queue;
    this.store = options.store;
    this.config = options.config;
    this.now = options.now ?? Date.now;
    this.randomSeed = options.randomSeed ?? (() => Math.floor(Math.random() * 2 ** 32));
    this.limiter = new RateLimiter(options.config.limits.rateLimitPerMinute);
    this.render = {
      store: this.store,
      defaultLocale: this.config.defaultLocale,
      now: this.now,
      msPerUnit: () => this.queue.msPerUnit,
      originalFileButton: options.originalFileButton,
    };
  }

  /** Locale order as grammY's i18n: the user's stored choice, then the platform's tag, then the default. */
  context({ user, scope, language, meta = {}, admin = false }: ContextInput): CommandContext {
    const settings = this.store.settings<UserSettings>(ownerKey(user)) ?? {};
    const locale = settings.language ?? matchLocale(language) ?? this.config.defaultLocale;
    return { user, scope, locale, settings, isAdmin: admin || this.queue.isAdmin(user), meta };
  }

  /**
   * Rendered job updates (position, started, progress, done, failed, cancelled) for the adapter to show, in event
   * order per job: a preview still being encoded never lands after the final result.
   */
  subscribe(listener: JobUpdateListener): () => void {
    const chains = new Map<string, Promise<void>>();
    return this.queue.subscribe((event) => {
      if (event.type === 'queued') return;
      const { job } = event;
      const previous = chains.get(job.id) ?? Promise.resolve();
      const next = previous
        .then(() => renderEvent(event, this.render))
        .then(
          (reply) => {
            listener({ job, reply });
            if (reply.final && chains.get(job.id) === next) chains.delete(job.id);
          },
          (error) => this.options.log?.('error', 'rendering a job event failed', { error: String(error) }),
        );
      chains.set(job.id, next);
    });
  }

  imagine(ctx: CommandContext, input: ImagineInput): Promise<Reply> {
    return this.guard(ctx, async () => {
      const { prompt, flags } = parsePrompt(input.prompt);
      const text = this.checkText(prompt);
      if (input.aspect !== undefined) flags.aspect = parseAspect(input.aspect, 'aspect');
      if (input.steps !== undefined)
        flags.steps = parseNumber(String(input.steps), 'steps', LIMITS.steps, true);
      if (input.cfg !== undefined) flags.cfg = parseNumber(String(input.cfg), 'cfg', LIMITS.cfg, false);
      if (input.seed !== undefined) flags.seed = parseNumber(String(input.seed), 'seed', LIMITS.seed, true);
      if (flags.aspect && flags.size)
        throw new UserInputError('errors.flag.conflict', { a: '--ar', b: '--size' });
      if (input.size !== undefined && !(SIZE_CLASSES as readonly number[]).includes(input.size)) {
        throw new UserInputError('errors.settings.choice', {
          option: 'size',
          value: String(input.size),
          choices: SIZE_CLASSES.join(', '),
        });
      }
      const sizeClass = input.size ?? ctx.settings.size ?? DEFAULT_SIZE_CLASS;
      const aspect = flags.aspect ?? parseAspect(ctx.settings.aspect ?? '1:1');
      const { width, height } = flags.size ?? sizeForAspect(aspect, sizeClass);
      const request: StoredRequest = {
        task: 'text_to_image',
        prompt: text,
        width,
        height,
        ...this.sampling(ctx, flags),
        ...(flags.cache !== undefined ? { cache: flags.cache } : {}),
      };
      return this.submit(ctx, 'imagine', request, {});
    });
  }

  edit(ctx: CommandContext, input: EditInput): Promise<Reply> {
    return this.guard(ctx, async () => {
      const editType = input.type ?? DEFAULT_EDIT_TYPE;
      if (!isKnownEditType(editType))
        throw new UserInputError('errors.edit.type', { type: editType.slice(0, 40) });
      const { prompt, flags } = parsePrompt(input.instruction, IMAGE_FLAGS);
      if (input.seed !== undefined) flags.seed = parseNumber(String(input.seed), 'seed', LIMITS.seed, true);
      // Style transfer ignores the text (upstream forces its own), so only it may come without one.
      const text = this.checkText(prompt, !needsReferenceImage(editType));
      if (needsReferenceImage(editType) && !input.reference) {
        throw new UserInputError('errors.edit.reference_missing', { type: editType });
      }
      const image = await this.accept(input.image, 'input');
      const files: Record<string, Uint8Array> = { [image.file]: image.bytes };
      let refImage: { file: string } | undefined;
      if (input.reference) {
        const ref = await this.accept(input.reference, 'reference');
        files[ref.file] = ref.bytes;
        refImage = { file: ref.file };
      }
      const { steps, cfg, temperature, seed } = this.sampling(ctx, flags);
      const request: StoredRequest = {
        task: 'image_to_image',
        editType,
        prompt: text,
        image: { file: image.file },
        ...(refImage ? { refImage } : {}),
        ...definedOnly({ steps, cfg, temperature }),
        seed,
      };
      return this.submit(ctx, 'edit', request, files);
    });
  }

  retouch(ctx: CommandContext, input: RetouchInput): Promise<Reply> {
    return this.guard(ctx, async () => {
      const { prompt, flags } = parsePrompt(input.prompt, IMAGE_FLAGS);
      if (input.seed !== undefined) flags.seed = parseNumber(String(input.seed), 'seed', LIMITS.seed, true);
      const text = this.checkText(prompt);
      const boxes = input.boxes?.trim() ? parseBoxes(input.boxes) : undefined;
      if (!boxes && !input.mask) throw new UserInputError('errors.retouch.region_missing');
      const image = await this.accept(input.image, 'input');
      const files: Record<string, Uint8Array> = { [image.file]: image.bytes };
      let region: StoredPaintRegion;
      if (boxes) {
        region = { kind: 'boxes', boxes };
      } else {
        const mask = await this.accept(input.mask as InputImage, 'mask');
        files[mask.file] = mask.bytes;
        region = { kind: 'mask', mask: { file: mask.file } };
      }
      const request: StoredRequest = {
        task: 'paint',
        prompt: text,
        image: { file: image.file },
        region,
        ...this.sampling(ctx, flags),
      };
      return this.submit(ctx, 'paint', request, files, { paint: 'retouch' });
    });
  }

  outpaint(ctx: CommandContext, input: OutpaintInput): Promise<Reply> {
    return this.guard(ctx, async () => {
      const { prompt, flags } = parsePrompt(input.prompt, IMAGE_FLAGS);
      if (input.seed !== undefined) flags.seed = parseNumber(String(input.seed), 'seed', LIMITS.seed, true);
      const text = this.checkText(prompt);
      const region = extensionOf(input.zoom, input.direction);
      const image = await this.accept(input.image, 'input');
      const request: StoredRequest = {
        task: 'paint',
        prompt: text,
        image: { file: image.file },
        region,
        ...this.sampling(ctx, flags),
      };
      return this.submit(ctx, 'paint', request, { [image.file]: image.bytes }, { paint: 'outpaint' });
    });
  }

  describe(ctx: CommandContext, input: DescribeInput): Promise<Reply> {
    return this.guard(ctx, async () => {
      const question = input.question?.trim() ? this.checkText(input.question) : undefined;
      const image = await this.accept(input.image, 'input');
      const request: StoredRequest = {
        task: 'understand',
        image: { file: image.file },
        ...(question ? { question } : {}),
      };
      return this.submit(ctx, 'describe', request, { [image.file]: image.bytes });
    });
  }

  /** The same request again with a new seed; inputs are copied from the original job. */
  reroll(ctx: CommandContext, jobId: string): Promise<Reply> {
    return this.guard(ctx, async () => {
      const job = this.imageJob(jobId);
      const request = { ...job.request, seed: this.randomSeed() } as StoredRequest;
      return this.submit(ctx, job.kind, request, this.inputFiles(job), {
        origin: job.id,
        paint: job.meta.paint,
      });
    });
  }

  /**
   * Same prompt, new seed, and sampling at temperature ≥ 1: a re-roll of a temperature-0 job would repeat the same
   * image, a variation never does.
   */
  variations(ctx: CommandContext, jobId: string): Promise<Reply> {
    return this.guard(ctx, async () => {
      const job = this.imageJob(jobId);
      const temperature = Math.max(1, job.request.temperature ?? 1);
      const request = { ...job.request, seed: this.randomSeed(), temperature } as StoredRequest;
      return this.submit(ctx, job.kind, request, this.inputFiles(job), {
        origin: job.id,
        paint: job.meta.paint,
      });
    });
  }

  /** An edit of a finished job's result (the Edit button's modal or reply answer). */
  editResult(ctx: CommandContext, jobId: string, instruction: string): Promise<Reply> {
    return this.guard(ctx, async () =>
      this.edit(ctx, { image: { data: this.resultBytes(jobId) }, instruction }),
    );
  }

  describeResult(ctx: CommandContext, jobId: string, question?: string): Promise<Reply> {
    return this.guard(ctx, async () =>
      this.describe(ctx, { image: { data: this.resultBytes(jobId) }, question }),
    );
  }

  /** Zoom out ×1.5 around a finished result, with its prompt. */
  zoomOut(ctx: CommandContext, jobId: string): Promise<Reply> {
    return this.guard(ctx, async () => {
      const job = this.imageJob(jobId);
      const prompt = 'prompt' in job.request ? job.request.prompt : '';
      return this.outpaint(ctx, {
        image: { data: this.resultBytes(jobId) },
        prompt: prompt || '.',
        zoom: 1.5,
      });
    });
  }

  /** The lossless PNG of a result, as a file. */
  originalFile(ctx: CommandContext, jobId: string): Promise<Reply> {
    return this.guard(ctx, async () => ({
      text: [],
      asFiles: true,
      images: [
        { data: this.resultBytes(jobId), filename: `dimoo-${jobId.slice(0, 8)}.png`, mime: 'image/png' },
      ],
    }));
  }

  /** Cancels a job (the user's latest waiting or running one when no id is given). */
  cancel(ctx: CommandContext, jobId?: string): Promise<Reply> {
    return this.guard(ctx, async () => {
      const typed = jobId?.trim().toLowerCase();
      const recent = this.store.recentOf(ctx.user, 50);
      // /queue shows the first 8 characters of an id, so a prefix of one of the user's own jobs is enough.
      const id = typed
        ? (recent.find((j) => typed.length >= 4 && j.id.startsWith(typed))?.id ?? typed)
        : recent.find((j) => j.status === 'queued' || j.status === 'running')?.id;
      if (!id) return textReply('cancel.nothing');
      const outcome = this.queue.cancel(id, ctx.user, ctx.isAdmin);
      const key = {
        cancelled: 'cancel.done',
        cancelling: 'cancel.stopping',
        refused: 'job.cancel_refused',
        not_found: 'errors.job.not_found',
        finished: 'cancel.finished',
      }[outcome];
      return { ...textReply(key), jobId: id };
    });
  }

  queueStatus(ctx: CommandContext): Promise<Reply> {
    return this.guard(ctx, async () => {
      const order = this.queue.plannedOrder();
      const running = this.store.byStatus('running');
      const reply: Reply = {
        text: [{ key: 'queue.summary', params: { queued: order.length, running: running.length } }],
        ephemeral: true,
        buttons: [],
      };
      const mine = ownerKey(ctx.user);
      for (const job of running.filter((j) => ownerKey(j.owner) === mine)) {
        reply.text.push({ key: 'queue.mine_running', params: { id: job.id.slice(0, 8) } });
      }
      for (const job of order.filter((j) => ownerKey(j.owner) === mine)) {
        const { ahead, etaMs } = this.queue.positionOf(job.id);
        reply.text.push({
          key: 'queue.mine_queued',
          params: {
            id: job.id.slice(0, 8),
            count: ahead,
            eta: formatDuration(ctx.locale, etaMs + job.estimatedCost * this.queue.msPerUnit),
          },
        });
        const row = reply.buttons?.at(-1);
        const button = {
          id: `cancel:${job.id}`,
          labelKey: 'button.cancel',
          style: 'danger' as const,
          ownerOnly: true,
        };
        if (row && row.length < 5) row.push(button);
        else reply.buttons?.push([button]);
      }
      return reply;
    });
  }

  /** Shows the user's defaults, after applying `changes` when given. */
  settings(ctx: CommandContext, changes?: SettingsChanges): Promise<Reply> {
    return this.guard(ctx, async () => {
      let settings = ctx.settings;
      const changing = changes && Object.values(changes).some((v) => v !== undefined);
      if (changing) {
        settings = applySettingsChanges(settings, changes);
        this.store.saveSettings(ownerKey(ctx.user), settings);
        ctx.settings = settings;
        ctx.locale = settings.language ?? ctx.locale;
      }
      return {
        text: [
          ...(changing ? [{ key: 'settings.saved' }] : []),
          {
            key: 'settings.current',
            params: {
              size: settings.size ?? DEFAULT_SIZE_CLASS,
              aspect: settings.aspect ?? '1:1',
              steps: settings.steps ?? 64,
              language: catalog(settings.language ?? ctx.locale)['meta.language_name'] ?? ctx.locale,
              private: settings.private ? '✓' : '✗',
              previews:
                settings.previews === undefined
                  ? t(settings.language ?? ctx.locale, 'settings.previews_auto')
                  : settings.previews
                    ? '✓'
                    : '✗',
            },
          },
        ],
        ephemeral: true,
      };
    });
  }

  help(_ctx: CommandContext): Promise<Reply> {
    return Promise.resolve({
      text: [
        { key: 'help.text' },
        { key: 'help.flags' },
        { key: 'help.images' },
        ...(this.options.helpKeys ?? []).map((key) => ({ key })),
      ],
      ephemeral: true,
    });
  }

  /** A text reply to an image (or to the bot's result): a question describes it, anything else edits it. */
  replyToImage(ctx: CommandContext, input: { image: InputImage; text: string }): Promise<Reply> {
    return isQuestion(input.text)
      ? this.describe(ctx, { image: input.image, question: input.text })
      : this.edit(ctx, { image: input.image, instruction: input.text });
  }

  /**
   * Runs a command typed as text with the images that came with it (first = the image, second = the mask or
   * reference). Undefined when the text is not one of our commands, so the adapter can ignore it.
   */
  async runText(
    ctx: CommandContext,
    text: string,
    images: readonly InputImage[] = [],
    botUsername?: string,
  ): Promise<Reply | undefined> {
    const command = parseTextCommand(text, botUsername);
    if (!command) return undefined;
    const { name, args } = command;
    const [image, second] = images;
    const needsImage = ['edit', 'describe', 'retouch', 'outpaint'].includes(name);
    if (needsImage && !image) return textReply('errors.input.image_missing', { command: `/${name}` });
    const img = image as InputImage;
    switch (name) {
      case 'imagine':
        return this.imagine(ctx, { prompt: args });
      case 'edit':
        return this.edit(ctx, { image: img, instruction: args, ...(second ? { reference: second } : {}) });
      case 'describe':
        return this.describe(ctx, { image: img, question: args });
      case 'retouch':
        return this.retouch(ctx, {
          image: img,
          ...splitRetouchText(args),
          ...(second ? { mask: second } : {}),
        });
      case 'outpaint':
        return this.outpaint(ctx, { image: img, ...splitOutpaintText(args) });
      case 'queue':
        return this.queueStatus(ctx);
      case 'cancel':
        return this.cancel(ctx, args || undefined);
      case 'settings': {
        const { changes, unknown } = parseSettingsText(args);
        if (unknown.length > 0) return textReply('errors.settings.unknown', { option: unknown.join(', ') });
        return this.settings(ctx, changes);
      }
      default:
        return this.help(ctx);
    }
  }

  /** Dispatches a button press (`<action>:<jobId>`). */
  pressButton(ctx: CommandContext, id: string): Promise<Reply> {
    return this.guard(ctx, async () => {
      const parsed = parseButtonId(id);
      if (!parsed) return textReply('errors.button.unknown');
      const { action, jobId } = parsed;
      switch (action) {
        case 'reroll':
          return this.reroll(ctx, jobId);
        case 'vary':
          return this.variations(ctx, jobId);
        case 'describe':
          return this.describeResult(ctx, jobId);
        case 'zoomout':
          return this.zoomOut(ctx, jobId);
        case 'original':
          return this.originalFile(ctx, jobId);
        case 'cancel':
          return this.cancel(ctx, jobId);
        case 'edit':
          this.resultBytes(jobId);
          return {
            text: [],
            ask: { kind: 'edit_instruction', jobId, titleKey: 'ask.edit.title', labelKey: 'ask.edit.label' },
          };
        case 'delete': {
          const job = this.store.get(jobId);
          if (!job) return textReply('errors.job.not_found');
          if (ownerKey(job.owner) !== ownerKey(ctx.user) && !ctx.isAdmin)
            return textReply('errors.button.owner_only');
          return { text: [], deleteSource: true, jobId };
        }
      }
    });
  }

  /** Common path of every submission: rate limit, queue admission, the "queued" reply. */
  private submit(
    ctx: CommandContext,
    kind: JobKind,
    request: StoredRequest,
    files: Record<string, Uint8Array>,
    meta: Record<string, unknown> = {},
  ): Reply {
    const user = ownerKey(ctx.user);
    const now = this.now();
    const wait = ctx.isAdmin ? 0 : this.limiter.retryAfter(user, now);
    if (wait > 0)
      return textReply('errors.rate_limited', { when: formatDuration(ctx.locale, wait, 'time.in') });
    const result = this.queue.submit({
      owner: ctx.user,
      scope: ctx.scope,
      kind,
      request,
      files,
      meta: {
        ...ctx.meta,
        ...definedOnly(meta),
        locale: ctx.locale,
        private: ctx.settings.private === true,
        // Only an explicit "off" travels: the platform picks the default (Telegram: off in groups).
        ...(ctx.settings.previews === false ? { previews: false } : {}),
      },
      // Admin rights can come from the platform (a role), which the queue cannot see.
      ...(ctx.isAdmin ? { priority: 'high' as const } : {}),
    });
    if (!result.ok) return textReply(result.refusal.key, result.refusal.params);
    this.limiter.record(user, now);
    return renderQueued(result.job, result.ahead, result.etaMs, this.render);
  }

  private checkText(text: string, required = true): string {
    return checkPrompt(text, { blockedWords: this.config.limits.blockedWords, required });
  }

  private accept(input: InputImage, stem: string) {
    return acceptImage(input, stem, this.config.limits);
  }

  /** Steps from the flag or the user's default; a seed always, so re-rolls and the reply can name it. */
  private sampling(ctx: CommandContext, flags: PromptFlags) {
    const steps = flags.steps ?? ctx.settings.steps;
    return {
      ...definedOnly({ steps, cfg: flags.cfg, temperature: flags.temperature }),
      seed: flags.seed ?? this.randomSeed(),
    };
  }

  private imageJob(jobId: string): Job & { request: Exclude<StoredRequest, { task: 'understand' }> } {
    const job = this.store.get(jobId);
    if (!job) throw new UserInputError('errors.job.not_found');
    if (job.request.task === 'understand') throw new UserInputError('errors.button.not_available');
    return job as Job & { request: Exclude<StoredRequest, { task: 'understand' }> };
  }

  private resultBytes(jobId: string): Uint8Array {
    const job = this.store.get(jobId);
    if (!job) throw new UserInputError('errors.job.not_found');
    if (job.status !== 'done' || !job.result?.file) throw new UserInputError('errors.button.not_available');
    return new Uint8Array(this.store.readFile(job.id, job.result.file));
  }

  /** The stored inputs a request names, to copy into a follow-up job. */
  private inputFiles(job: Job): Record<string, Uint8Array> {
    const files: Record<string, Uint8Array> = {};
    JSON.stringify(job.request, (_key, value) => {
      if (
        value &&
        typeof value === 'object' &&
        typeof value.file === 'string' &&
        Object.keys(value).length === 1
      ) {
        files[value.file] = new Uint8Array(this.store.readFile(job.id, value.file));
      }
      return value;
    });
    return files;
  }

  /** The error boundary: a user's mistake or a bad image is one localized sentence, anything else a generic one. */
  private async guard(ctx: CommandContext, work: () => Promise<Reply>): Promise<Reply> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof UserInputError) return textReply(error.key, error.params);
      if (error instanceof EngineError) return textReply(`errors.engine.${error.code}`, error.params);
      this.options.log?.('error', 'command failed', {
        user: ownerKey(ctx.user),
        error: error instanceof Error ? error.message : String(error),
      });
      return textReply('errors.generic');
    }
  }
}

type StoredPaintRegion = Extract<StoredRequest, { task: 'paint' }>['region'];

function definedOnly<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

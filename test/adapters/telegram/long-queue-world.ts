// The world of the tests of a /queue list longer than one Telegram message (telegram-queue-*-in-place): a bot on the
// fake whose QUEUE_MAX_PER_USER lets one user queue enough jobs, on an engine double a cancel finds stopping.
import type { EngineRequest, EngineResult, GenerateOptions } from '../../../engine/index.js';
import type { TelegramCall } from '../../doubles/fake-telegram/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { inChat, useTelegramOnFake } from './telegram-on-fake.js';

/** The timed double, each run held before its first step until the test lets it go: a cancel finds it stopping. */
export class HeldEngineDouble extends TimedEngineDouble {
  private readonly held: Array<() => void> = [];
  private readonly waiting: Array<() => void> = [];

  override async generate(request: EngineRequest, options?: GenerateOptions): Promise<EngineResult> {
    await new Promise<void>((resolve) => {
      this.held.push(resolve);
      for (const notify of this.waiting.splice(0)) notify();
    });
    return super.generate(request, options);
  }

  /** Lets the oldest held run go on, once one is held. */
  async release(): Promise<void> {
    while (this.held.length === 0) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.held.shift()?.();
  }

  releaseAll(): void {
    for (const resolve of this.held.splice(0)) resolve();
  }
}

/** Prompts of the longest title a list line shows: a list of them is several messages long. */
export const padding = 'under a long and winding road through the hills at dusk'.padEnd(70, '.');

export const short = (jobId: string) => jobId.slice(0, 8);

/** The bot (`name` names its logs) on a held engine, with room for `jobs` jobs of one user and a few more. */
export function useLongQueueWorld(name: string, jobs: number) {
  const engine = new HeldEngineDouble(20, 2);
  const bot = useTelegramOnFake(name, engine, {
    env: { QUEUE_MAX_PER_USER: String(jobs + 5), QUEUE_MAX_PER_SCOPE: String(jobs + 5) },
  });
  /** The messages sent to `chatId` from the fake's call number `from` on. */
  const sentTo = (chatId: number, from: number) => (c: TelegramCall) =>
    bot.fake.calls.indexOf(c) >= from && c.method === 'sendMessage' && inChat(chatId)(c);
  return { engine, bot, sentTo };
}

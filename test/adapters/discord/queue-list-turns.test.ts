// A /queue list longer than one Discord message, updated twice at once: presses in a row (Cancel on several jobs,
// Refresh twice) or a Refresh while the answer's own later parts are still going out. Each update puts its first part
// in place of the list's first message and edits the earlier list's later parts into its own (list-parts.ts); two at
// once must take turns, the later one last, or one finds no parts (the other took them) and sends its own anew beside
// them, and an older list's part lands after the newer one. Also what is kept: only lists a press can put something
// in place of, and only while a token reaches their parts.
import type { ButtonInteraction, RepliableInteraction } from 'discord.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { continued } from '../../../adapters/discord/answer.js';
import { LaterParts } from '../../../adapters/discord/list-parts.js';
import { partsOf } from '../../../adapters/discord/render.js';
import type { DiscordRuntime } from '../../../adapters/discord/runtime.js';
import { answerInPlace } from '../../../adapters/discord/source-replacement.js';
import type { CommandContext, Reply } from '../../../commands/index.js';

/** A request held until the test lets it go: `reached` once it was made. */
interface Hold {
  reached: Promise<void>;
  release(): void;
  reach(): void;
  held: Promise<void>;
}

function hold(): Hold {
  let reach = () => {};
  let release = () => {};
  const reached = new Promise<void>((resolve) => {
    reach = resolve;
  });
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { reached, release, reach, held };
}

/** The channel as the user sees it: each message's text by id, ids growing as Discord's snowflakes do. */
class ChannelDouble {
  readonly messages = new Map<string, string>();
  private next = 100;
  /** Edits of a message, and posts of a text, held once each. */
  readonly edits = new Map<string, Hold>();
  readonly posts = new Map<string, Hold>();

  async post(content: string) {
    const held = this.posts.get(content);
    if (held) {
      this.posts.delete(content);
      held.reach();
      await held.held;
    }
    const id = String(this.next++);
    this.messages.set(id, content);
    return { id, channelId: 'channel' };
  }

  async edit(id: string, content: string) {
    const held = this.edits.get(id);
    if (held) {
      this.edits.delete(id);
      held.reach();
      await held.held;
    }
    if (!this.messages.has(id)) throw new Error('Unknown Message');
    this.messages.set(id, content);
    return { id, channelId: 'channel' };
  }

  /** Each message's list part, in the order the channel shows them. */
  shown(): string[] {
    return [...this.messages.entries()]
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([, content]) => content.replace(/\.+$/, ''));
  }
}

/**
 * An interaction double reaching the channel through its token, as discord.js does: `editReply` and `deleteReply`
 * go through its webhook, `@original` being the message pressed on (or its own reply).
 */
function interactionDouble(channel: ChannelDouble, original: string, createdTimestamp = Date.now()) {
  const target = (id: string) => (id === '@original' ? original : id);
  const webhook = {
    editMessage: async (id: string, payload: { content: string }) =>
      channel.edit(target(id), payload.content),
    deleteMessage: async (id: string) => {
      channel.messages.delete(target(id));
    },
  };
  const i = {
    createdTimestamp,
    attachmentSizeLimit: 8 << 20,
    deferred: false,
    replied: false,
    message: { id: original, flags: { has: () => true } },
    webhook,
    update: vi.fn(async (payload: { content: string }) => {
      await channel.edit(original, payload.content);
      i.replied = true;
    }),
    deferUpdate: vi.fn(async () => {
      i.deferred = true;
    }),
    editReply: async (options: { content: string; message?: string }) =>
      webhook.editMessage(options.message ?? '@original', options),
    deleteReply: async (id = '@original') => webhook.deleteMessage(id),
    followUp: async (payload: { content: string }) => channel.post(payload.content),
  };
  return i;
}

const LIST_JOB = '00000000-0000-4000-8000-000000000001';

/** A /queue list named `name`: one line a message, `later` of them after its first, with its Refresh. */
function list(name: string, later: number, buttons = true): Reply {
  const lines = Array.from({ length: later + 1 }, (_, n) => `${name}-${n + 1}`.padEnd(1500, '.'));
  return {
    text: lines.map((text) => ({ key: 'reply.piece', params: { text } })),
    ...(buttons
      ? { buttons: [[{ id: `queue_refresh:${LIST_JOB}`, labelKey: 'button.refresh', style: 'secondary' }]] }
      : {}),
    ephemeral: true,
    replaceSource: true,
  } as Reply;
}

const ctx = { locale: 'en' } as CommandContext;

function runtimeDouble() {
  return {
    commands: { delivered: vi.fn() },
    jobMessages: { keepShown: vi.fn() },
    laterParts: new LaterParts(),
    log: { warn: vi.fn(), debug: vi.fn() },
    errorReply: vi.fn(),
  } as unknown as DiscordRuntime;
}

/** The /queue answer `reply` in `channel`: its first message, then its later parts as its answer sends them. */
async function answered(rt: DiscordRuntime, channel: ChannelDouble, reply: Reply, at = Date.now()) {
  const parts = partsOf(reply, 'en');
  const first = await channel.post(parts[0].text[0]?.params?.text as string);
  const i = interactionDouble(channel, first.id, at);
  return {
    first: first.id,
    sending: continued(rt, i as unknown as RepliableInteraction, ctx, parts, true, first),
  };
}

/** A Cancel n or Refresh on message `on`, answered with the list `reply`: the press, and its handling. */
function press(rt: DiscordRuntime, channel: ChannelDouble, on: string, reply: Reply) {
  const i = interactionDouble(channel, on);
  return { i, handled: answerInPlace(rt, i as unknown as ButtonInteraction, ctx, async () => reply) };
}

const moment = () => new Promise((resolve) => setTimeout(resolve, 50));

afterEach(() => {
  vi.useRealTimers();
});

describe('Discord: two updates of one long /queue list at once', () => {
  it('take turns: the later list is shown whole, its parts kept for the next', async () => {
    const rt = runtimeDouble();
    const channel = new ChannelDouble();
    const { first, sending } = await answered(rt, channel, list('v0', 1));
    await sending;
    const [, later] = [...channel.messages.keys()] as [string, string];
    // Press A's edit of the later part is slow; press B comes meanwhile, and would be done before it.
    const slow = hold();
    channel.edits.set(later, slow);
    const a = press(rt, channel, first, list('A', 1));
    await slow.reached;
    const b = press(rt, channel, first, list('B', 1));
    await moment();
    // Acknowledged while it waits: Discord gives a press 3 s.
    expect(b.i.deferUpdate).toHaveBeenCalled();
    slow.release();
    await Promise.all([a.handled, b.handled]);
    expect(channel.shown()).toEqual(['B-1', 'B-2']);
    // What was kept is what shows: the next Refresh edits those very parts, and leaves none behind.
    await press(rt, channel, first, list('C', 1)).handled;
    expect(channel.shown()).toEqual(['C-1', 'C-2']);
  });

  it('a Refresh while the answer’s own later parts go out waits for them, then edits them', async () => {
    const rt = runtimeDouble();
    const channel = new ChannelDouble();
    const slow = hold();
    channel.posts.set('v0-3'.padEnd(1500, '.'), slow);
    const { first, sending } = await answered(rt, channel, list('v0', 2));
    await slow.reached;
    const refresh = press(rt, channel, first, list('R', 2));
    await moment();
    slow.release();
    await Promise.all([sending, refresh.handled]);
    expect(channel.shown()).toEqual(['R-1', 'R-2', 'R-3']);
  });

  it('a Cancel overtaken by a Refresh still puts the list in place once its job stopped', async () => {
    const rt = runtimeDouble();
    const channel = new ChannelDouble();
    const slow = hold();
    channel.posts.set('v0-2'.padEnd(1500, '.'), slow);
    const { first, sending } = await answered(rt, channel, list('v0', 1));
    await slow.reached;
    // Cancel 1 while the answer's later part is still going out, then Refresh: it shows the job stopping.
    let stopped: (reply: Reply) => void = () => {};
    const next = new Promise<Reply | undefined>((resolve) => {
      stopped = resolve;
    });
    const cancel = press(rt, channel, first, { ...list('cancelled', 1), nextInPlace: next });
    await moment();
    const refresh = press(rt, channel, first, list('stopping', 1));
    await moment();
    slow.release();
    await Promise.all([sending, cancel.handled, refresh.handled]);
    expect(channel.shown()).toEqual(['stopping-1', 'stopping-2']);
    // The job stops: the Cancel's next state is all that replaces the list showing it stopping.
    stopped(list('stopped', 1));
    await expect.poll(() => channel.shown()).toEqual(['stopped-1', 'stopped-2']);
  });

  it('a stopped list known before a Refresh began does not land over the Refresh’s newer list', async () => {
    const rt = runtimeDouble();
    const channel = new ChannelDouble();
    const { first, sending } = await answered(rt, channel, list('v0', 1));
    await sending;
    // Cancel 1's edit of the list is slow; its job stops meanwhile, and then a Refresh is pressed: the queue may have
    // changed since the stop, so the Refresh's list is the newer one.
    const slow = hold();
    channel.edits.set(first, slow);
    let stopped: (reply: Reply) => void = () => {};
    const next = new Promise<Reply | undefined>((resolve) => {
      stopped = resolve;
    });
    const cancel = press(rt, channel, first, { ...list('cancelled', 1), nextInPlace: next });
    await slow.reached;
    stopped(list('stopped', 1));
    await moment();
    const refresh = press(rt, channel, first, list('refreshed', 1));
    await moment();
    slow.release();
    await Promise.all([cancel.handled, refresh.handled]);
    await moment();
    expect(channel.shown()).toEqual(['refreshed-1', 'refreshed-2']);
  });
});

describe('Discord: the later parts kept of long answers', () => {
  const kept = (rt: DiscordRuntime) => (rt.laterParts as unknown as { lists: Map<string, unknown> }).lists;

  it('only a list’s, and only while a token reaches them', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const rt = runtimeDouble();
    const channel = new ChannelDouble();
    // A long answer no press puts anything in place of (a /help, an image's reply): nothing of it is kept.
    await (await answered(rt, channel, list('help', 1, false))).sending;
    expect(kept(rt).size).toBe(0);
    const old = await answered(rt, channel, list('old', 1));
    await old.sending;
    expect([...kept(rt).keys()]).toEqual([old.first]);
    // Its token is gone 15 minutes on: its parts can be edited no more, and are forgotten at the next list's.
    vi.setSystemTime(Date.now() + 15 * 60_000);
    const fresh = await answered(rt, channel, list('new', 1));
    await fresh.sending;
    expect([...kept(rt).keys()]).toEqual([fresh.first]);
  });
});

// The Telegram adapter's local rules: per-chat pacing of edits, photo limits, album collection, a text reply longer
// than a message (4096) sent in several (a job's first reply too, a line longer than a message in pieces), a caption
// longer than a photo takes (1024) going on in messages answering it, and a long text ending of a status message.
import { type Api, Api as GrammyApi } from 'grammy';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EditPacer } from '../../../adapters/shared/edit-pacer.js';
import { AlbumCollector } from '../../../adapters/telegram/albums.js';
import { fitsAsPhoto, pngDimensions } from '../../../adapters/telegram/photo-limits.js';
import { sendImages, sendReply } from '../../../adapters/telegram/send.js';
import { StatusMessage } from '../../../adapters/telegram/status-message.js';
import type { Reply } from '../../../commands/index.js';
import { t } from '../../../src/i18n.js';

/** The first 24 bytes of a PNG claiming `width`×`height`, padded to `length`. */
function pngHeader(width: number, height: number, length = 64): Uint8Array {
  const bytes = Buffer.alloc(length);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13], 0);
  bytes.write('IHDR', 12, 'ascii');
  bytes.writeUInt32BE(width, 16);
  bytes.writeUInt32BE(height, 20);
  return bytes;
}

describe('EditPacer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A pacer on fake timers that records `[ms since start, key]` for every edit it lets through. */
  function pacer(gaps = { privateMs: 1000, groupMs: 3000, globalMs: 40 }, unchanged = new Set<string>()) {
    vi.useFakeTimers({ now: 0 });
    const shown: Array<[number, string]> = [];
    const p = new EditPacer(gaps, (key) => {
      if (unchanged.has(key)) return false;
      shown.push([Date.now(), key]);
      return true;
    });
    return { p, shown };
  }

  it('serves the jobs of one chat in turn, a chat gap apart, each once however often it changed', () => {
    const { p, shown } = pacer();
    p.mark(-5, true, 'a');
    p.mark(-5, true, 'b');
    p.mark(-5, true, 'a'); // a newer state of a: still one turn
    vi.advanceTimersByTime(4000);
    expect(shown).toEqual([
      [0, 'a'],
      [3000, 'b'],
    ]);
    p.mark(-5, true, 'a');
    vi.advanceTimersByTime(10_000);
    expect(shown.at(-1)).toEqual([6000, 'a']); // not before the gap after b
  });

  it('goes on at its gap when the wall clock is set back (NTP, a resumed VM): it paces by a monotonic clock', () => {
    const { p, shown } = pacer();
    vi.setSystemTime(10 * 3_600_000);
    p.mark(-5, true, 'a');
    vi.advanceTimersByTime(0);
    vi.setSystemTime(3_600_000); // nine hours back
    p.mark(-5, true, 'b');
    vi.advanceTimersByTime(3000);
    expect(shown.map(([, key]) => key)).toEqual(['a', 'b']);
  });

  it('keeps chats independent but never at the same instant, and private chats at their own gap', () => {
    const { p, shown } = pacer();
    p.mark(1, false, 'x');
    p.mark(2, false, 'y');
    vi.advanceTimersByTime(0);
    vi.advanceTimersByTime(40);
    p.mark(1, false, 'x');
    vi.advanceTimersByTime(2000);
    expect(shown).toEqual([
      [0, 'x'],
      [40, 'y'],
      [1000, 'x'],
    ]);
  });

  it('gives no turn to a job that ended or has nothing new, and keeps its distance from a sent message', () => {
    const { p, shown } = pacer(undefined, new Set(['same']));
    p.note(-5, true);
    p.mark(-5, true, 'ended');
    p.mark(-5, true, 'same');
    p.mark(-5, true, 'next');
    p.drop(-5, 'ended');
    vi.advanceTimersByTime(2999);
    expect(shown).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(shown).toEqual([[3000, 'next']]);
    p.clear();
  });
});

describe('photo limits', () => {
  it('reads PNG dimensions and refuses what sendPhoto would', () => {
    expect(pngDimensions(pngHeader(640, 480))).toEqual({ width: 640, height: 480 });
    expect(pngDimensions(Buffer.from('not a png at all, not at all'))).toBeUndefined();
    expect(fitsAsPhoto(pngHeader(1024, 1024))).toBe(true);
    expect(fitsAsPhoto(pngHeader(5000, 5000))).toBe(true);
    expect(fitsAsPhoto(pngHeader(5001, 5000))).toBe(false); // width + height > 10000
    expect(fitsAsPhoto(pngHeader(2000, 100))).toBe(true); // ratio 20
    expect(fitsAsPhoto(pngHeader(2001, 100))).toBe(false);
    expect(fitsAsPhoto(pngHeader(512, 512, 10 * 1024 * 1024 + 1))).toBe(false);
  });
});

describe('AlbumCollector', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('hands over an album once it is quiet, items in message order, albums apart', () => {
    vi.useFakeTimers();
    const albums: string[][] = [];
    const collector = new AlbumCollector<string>(500, (items) => albums.push(items));
    collector.add('chat:1', 11, 'mask');
    collector.add('chat:2', 3, 'other');
    vi.advanceTimersByTime(400);
    collector.add('chat:1', 10, 'image');
    vi.advanceTimersByTime(400);
    expect(albums).toEqual([['other']]);
    vi.advanceTimersByTime(200);
    expect(albums).toEqual([['other'], ['image', 'mask']]);
  });

  it('flush hands over the albums still gathering at once, each once (shutdown)', () => {
    vi.useFakeTimers();
    const albums: string[][] = [];
    const collector = new AlbumCollector<string>(500, (items) => albums.push(items));
    collector.add('chat:3', 2, 'mask');
    collector.add('chat:3', 1, 'image');
    collector.add('chat:4', 5, 'alone');
    collector.flush();
    expect(albums).toEqual([['image', 'mask'], ['alone']]);
    vi.advanceTimersByTime(1000);
    collector.flush();
    expect(albums).toHaveLength(2);
  });
});

describe('sendReply: a text longer than a message', () => {
  /** An Api whose sendMessage records its calls and refuses those whose text `refuse` matches. */
  function recordingApi(refuse: (text: string) => boolean = () => false) {
    const calls: Array<{ text: string; other: Record<string, unknown> }> = [];
    const api = {
      sendMessage: async (_chatId: number, text: string, other: Record<string, unknown>) => {
        calls.push({ text, other });
        if (refuse(text)) throw new Error('refused');
        return { message_id: calls.length };
      },
    };
    // A stand-in for the one method sendReply calls on a text reply.
    return { api: api as unknown as Api, calls };
  }

  const JOB = '0f0f0f0f-1111-4222-8333-444455556666';
  const reply: Reply = {
    text: Array.from({ length: 12 }, (_, i) => ({
      key: 'job.answer',
      params: { text: `${i + 1}. ${'x'.repeat(900)}` },
    })),
    buttons: [[{ id: `cancel:${JOB}`, labelKey: 'button.cancel', style: 'danger' }]],
  };
  const target = {
    chatId: 7,
    locale: 'en' as const,
    parameters: { reply_parameters: { message_id: 3 } },
    threadId: 5,
  };
  const whole = reply.text.map((line) => t('en', line.key, line.params)).join('\n');

  it('goes on in further messages, split between whole lines, in the same topic and answering the same message', async () => {
    const { api, calls } = recordingApi();
    await sendReply(api, target, reply);
    expect(calls.length).toBeGreaterThan(2);
    for (const call of calls) {
      expect(call.text.length).toBeLessThanOrEqual(4096);
      expect(call.other).toMatchObject({ reply_parameters: { message_id: 3 }, message_thread_id: 5 });
    }
    expect(calls.map((c) => c.text).join('\n')).toBe(whole);
    // The keyboard goes with the first message only.
    expect(calls[0]?.other.reply_markup).toBeDefined();
    for (const call of calls.slice(1)) expect(call.other.reply_markup).toBeUndefined();
  });

  it('a refused further message does not keep the later ones back; the refusal is thrown once all were tried', async () => {
    const { api, calls } = recordingApi((text) => text.startsWith('5.'));
    await expect(sendReply(api, target, reply)).rejects.toThrow('refused');
    expect(calls.map((c) => c.text).join('\n')).toBe(whole);
    expect(calls.at(-1)?.text.endsWith(`12. ${'x'.repeat(900)}`)).toBe(true);
  });

  it('a job’s first reply is split too: its status message first, a line that counts once sent never cut off', async () => {
    const { api, calls } = recordingApi();
    const notice = { key: 'job.undelivered_notice', params: { count: 1 }, tells: ['j1'] };
    const reported: Reply[] = [];
    const job: Reply = { ...reply, text: [...reply.text, notice], jobId: JOB, startsJob: true };
    await sendReply(api, { ...target, sent: (part) => reported.push(part) }, job);
    expect(calls.length).toBeGreaterThan(1);
    for (const call of calls) expect(call.text.length).toBeLessThanOrEqual(4096);
    expect(calls.map((c) => c.text).join('\n')).toBe(`${whole}\n${t('en', notice.key, notice.params)}`);
    expect(reported.flatMap((part) => part.text).filter((line) => line.tells)).toEqual([notice]);
  });

  it('a line longer than a message goes in pieces, as Telegram’s apps send a long text, and counts with its last', async () => {
    const { api, calls } = recordingApi();
    const answer = `${'a grey cat on a red sofa, '.repeat(400)}the end`;
    const reported: Reply[] = [];
    const long: Reply = {
      text: [{ key: 'queue.undelivered', params: { id: 'abc', status: answer }, delivers: 'j2' }],
    };
    await sendReply(api, { ...target, sent: (part) => reported.push(part) }, long);
    expect(calls.length).toBeGreaterThan(2);
    for (const call of calls) expect(call.text.length).toBeLessThanOrEqual(4096);
    expect(calls.map((c) => c.text).join('')).toBe(
      t('en', 'queue.undelivered', { id: 'abc', status: answer }),
    );
    const delivering = reported.map((part) => part.text.some((line) => line.delivers === 'j2'));
    expect(delivering).toEqual([...Array(calls.length - 1).fill(false), true]);
  });
});

describe('sendImages: a caption longer than a photo takes', () => {
  it('the photo carries the lines that fit whole; the rest go on in messages answering it, each reported once sent', async () => {
    const calls: Array<{ method: string; text?: string; other: Record<string, unknown> }> = [];
    const api = {
      sendPhoto: async (_chat: number, _photo: unknown, other: Record<string, unknown>) => {
        calls.push({ method: 'sendPhoto', other });
        return { message_id: 40 };
      },
      sendMessage: async (_chat: number, text: string, other: Record<string, unknown>) => {
        calls.push({ method: 'sendMessage', text, other });
        return { message_id: 41 };
      },
    } as unknown as Api;
    const notice = { key: 'job.undelivered_notice', params: { count: 2 }, tells: ['j1', 'j2'] };
    const prompt = { key: 'job.answer', params: { text: `${'a fox in the snow, '.repeat(52)}at dusk` } };
    const reported: Reply[] = [];
    const image = { data: pngHeader(64, 64), filename: 'a.png', mime: 'image/png' as const };
    const photo: Reply = { text: [prompt, notice], images: [image], delivers: ['j3'] };
    const at = {
      chatId: 7,
      locale: 'en' as const,
      parameters: { reply_parameters: { message_id: 3 } },
      threadId: 5,
    };
    await sendImages(api, { ...at, sent: (part) => reported.push(part) }, photo);
    expect(calls.map((c) => c.method)).toEqual(['sendPhoto', 'sendMessage']);
    const caption = String(calls[0]?.other.caption);
    // The prompt line whole on the photo; the notice, which a cut caption lost but counted as told, after it.
    expect(caption).toBe(t('en', prompt.key, prompt.params));
    expect(calls[1]?.text).toBe(t('en', notice.key, notice.params));
    expect(calls[1]?.other).toMatchObject({ reply_parameters: { message_id: 40 }, message_thread_id: 5 });
    expect(reported).toEqual([
      { text: [prompt], images: [image] },
      { text: [], delivers: ['j3'] },
      { text: [notice] },
    ]);
  });
});

describe('StatusMessage: a text ending longer than the message holds', () => {
  const JOB = '0f0f0f0f-1111-4222-8333-444455556666';
  /** A real client whose every call is answered here (no network): the calls, in order. */
  function recordingClient() {
    const calls: Array<{ method: string; payload: Record<string, unknown> }> = [];
    const api = new GrammyApi('1:test');
    api.config.use(async (_prev, method, payload) => {
      calls.push({ method, payload: payload as Record<string, unknown> });
      return {
        ok: true,
        result: { message_id: 90 + calls.length, date: 0, chat: { id: 7, type: 'private' } },
      } as never;
    });
    return { api, calls };
  }

  it('shows its first lines there and the rest in messages answering it, in its topic; none cut', async () => {
    const { api, calls } = recordingClient();
    const status = new StatusMessage({
      api,
      chatId: 7,
      messageId: 50,
      locale: 'en',
      text: 'Queued',
      previews: false,
      threadId: 5,
      warn: () => undefined,
    });
    const answer = `${'a grey cat on a red sofa, '.repeat(200)}the end`;
    const ending: Reply = {
      jobId: JOB,
      final: true,
      outcome: 'done',
      text: [{ key: 'job.answer', params: { text: answer } }, { key: 'job.answer_random_model' }],
      buttons: [[{ id: `delete:${JOB}`, labelKey: 'button.delete', style: 'danger' }]],
    };
    expect(await status.finish(ending)).toBe(true);
    expect(calls.map((c) => c.method)).toEqual(['editMessageText', 'sendMessage']);
    const texts = calls.map((c) => String(c.payload.text));
    for (const text of texts) expect(text.length).toBeLessThanOrEqual(4096);
    // The answer in two pieces, cut after a space; the line after it whole, with the last piece.
    expect(texts[0]?.endsWith(' ')).toBe(true);
    expect(texts.join('')).toBe(`${answer}\n${t('en', 'job.answer_random_model')}`);
    // Its buttons stay on the status message; the rest answer it, in the job's topic.
    expect(calls[0]?.payload).toMatchObject({ chat_id: 7, message_id: 50 });
    expect(calls[0]?.payload.reply_markup).toBeDefined();
    for (const call of calls.slice(1))
      expect(call.payload).toMatchObject({ reply_parameters: { message_id: 50 }, message_thread_id: 5 });
  });
});

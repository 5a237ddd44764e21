// The Telegram adapter's local rules: per-chat pacing of edits, photo limits, album collection, a text reply longer
// than a message (4096) sent in several.
import type { Api } from 'grammy';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EditPacer } from '../../../adapters/shared/edit-pacer.js';
import { AlbumCollector } from '../../../adapters/telegram/albums.js';
import { fitsAsPhoto, pngDimensions } from '../../../adapters/telegram/photo-limits.js';
import { sendReply } from '../../../adapters/telegram/send.js';
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

  it('a job’s status message stays one message, cut', async () => {
    const { api, calls } = recordingApi();
    await sendReply(api, target, { ...reply, jobId: JOB, startsJob: true });
    expect(calls).toHaveLength(1);
    expect(calls[0]?.text.length).toBe(4096);
  });
});

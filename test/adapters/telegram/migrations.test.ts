// followUpgrades (adapters/telegram/migrations.ts) on a stand-in for the Bot API: a send naming an upgraded group goes
// again to its new chat, replying to nothing, with the same file; later sends go there at once; edits are not moved;
// where the store says a chat went (`commands.movedTo`), a send goes there first; a move learned from a refusal is
// told to the store (`commands.chatMoved`).
import { InputFile } from 'grammy';
import { describe, expect, it } from 'vitest';
import { followUpgrades } from '../../../adapters/telegram/migrations.js';
import type { Commands } from '../../../commands/index.js';

const OLD = -4242;
const NEW = -1004242;

type Call = { method: string; payload: Record<string, unknown> };

function api(known?: Pick<Commands, 'movedTo' | 'chatMoved'>) {
  const calls: Call[] = [];
  // biome-ignore lint/suspicious/noExplicitAny: a stand-in for grammY's typed call function
  const prev: any = async (method: string, payload: Record<string, unknown>) => {
    calls.push({ method, payload });
    if (payload.chat_id === OLD)
      return {
        ok: false,
        error_code: 400,
        description: 'Bad Request: group chat was upgraded to a supergroup chat',
        parameters: { migrate_to_chat_id: NEW },
      };
    return { ok: true, result: { message_id: 1 } };
  };
  const transformer = followUpgrades(known);
  const call = (method: string, payload: Record<string, unknown>) =>
    // biome-ignore lint/suspicious/noExplicitAny: the transformer's payload is typed per method
    transformer(prev, method as any, payload as any);
  return { calls, call };
}

describe('followUpgrades', () => {
  it('sends again to the new chat, replying to nothing, then goes there at once; edits stay refused', async () => {
    const { calls, call } = api();
    const photo = new InputFile(Buffer.from([1, 2, 3]), 'result.png');
    const reply = { message_id: 7, allow_sending_without_reply: true };
    const sent = await call('sendPhoto', { chat_id: OLD, photo, caption: 'Done', reply_parameters: reply });
    expect(sent.ok).toBe(true);
    expect(calls.map((c) => c.payload.chat_id)).toEqual([OLD, NEW]);
    expect(calls[1]?.payload).toEqual({ chat_id: NEW, photo, caption: 'Done' });

    await call('sendChatAction', { chat_id: OLD, action: 'upload_photo' });
    expect(calls.slice(2).map((c) => c.payload.chat_id)).toEqual([NEW]);

    const edit = await call('editMessageText', { chat_id: OLD, message_id: 7, text: 'step 2' });
    expect(edit.ok).toBe(false);
    expect(calls.slice(3).map((c) => [c.method, c.payload.chat_id])).toEqual([['editMessageText', OLD]]);

    // Other chats are left alone.
    await call('sendMessage', { chat_id: 55, text: 'hi' });
    expect(calls.at(-1)?.payload.chat_id).toBe(55);
  });

  it('sends to an id the store says moved go to its last id at once; other chats and edits are not asked', async () => {
    const LATER = -1009999;
    // A stand-in for the store's moves: OLD went to NEW, which went on to LATER.
    const asked: string[] = [];
    const { calls, call } = api({
      chatMoved: () => undefined,
      movedTo: (platform, id) => {
        asked.push(`${platform}:${id}`);
        return id === String(OLD) || id === String(NEW) ? String(LATER) : undefined;
      },
    });
    await call('sendMessage', { chat_id: OLD, text: 'hi', reply_parameters: { message_id: 7 } });
    await call('sendMessage', { chat_id: NEW, text: 'hi' });
    await call('sendMessage', { chat_id: OLD, text: 'again' });
    await call('sendMessage', { chat_id: 55, text: 'hi' });
    await call('editMessageText', { chat_id: OLD, message_id: 7, text: 'step 2' });
    expect(calls.map((c) => c.payload)).toEqual([
      { chat_id: LATER, text: 'hi' },
      { chat_id: LATER, text: 'hi' },
      { chat_id: LATER, text: 'again' },
      { chat_id: 55, text: 'hi' },
      { chat_id: OLD, message_id: 7, text: 'step 2' },
    ]);
    // Asked once per chat: a move found is followed from then on.
    expect(asked).toEqual([`telegram:${OLD}`, `telegram:${NEW}`, 'telegram:55']);
  });

  it('a move learned from a refusal is told to the store once, for the next start', async () => {
    const told: string[][] = [];
    const { calls, call } = api({
      chatMoved: (platform, from, to) => void told.push([platform, from, to]),
      movedTo: () => undefined,
    });
    await call('sendMessage', { chat_id: OLD, text: 'hi' });
    await call('sendMessage', { chat_id: OLD, text: 'again' });
    expect(calls.map((c) => c.payload.chat_id)).toEqual([OLD, NEW, NEW]);
    expect(told).toEqual([['telegram', String(OLD), String(NEW)]]);
  });
});

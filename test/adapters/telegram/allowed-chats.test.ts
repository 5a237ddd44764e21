// A group on TELEGRAM_CHAT_IDS upgraded to a supergroup is served under its new id after a restart too: Telegram says
// so only once, and the allowlist remembers it under DATA_DIR. A damaged file serves only the listed chats.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'grammy';
import { afterEach, describe, expect, it } from 'vitest';
import { allowedChats, CHAT_MOVES_FILE } from '../../../adapters/telegram/allowed-chats.js';

const OLD = -4343;
const NEW = -1004343;
const quiet = { warn: () => undefined };

/** Whether the allowlist lets a message in `chatId` (with a service message's fields) through. */
async function passes(
  allowlist: ReturnType<typeof allowedChats>,
  chatId: number,
  message: Record<string, unknown> = {},
): Promise<boolean> {
  let passed = false;
  const ctx = { chat: { id: chatId }, message: { chat: { id: chatId }, ...message } } as unknown as Context;
  await allowlist(ctx, async () => {
    passed = true;
  });
  return passed;
}

const dirs: string[] = [];
const dataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'allowed-chats-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('Telegram: the chat allowlist across an upgrade', () => {
  it('serves the new id after a restart, as remembered under DATA_DIR', async () => {
    const dir = dataDir();
    const first = allowedChats([OLD], quiet, dir);
    expect(await passes(first, NEW)).toBe(false);
    await passes(first, OLD, { migrate_to_chat_id: NEW });
    expect(await passes(first, NEW)).toBe(true);
    // What it serves is asked of it too (the given-up notices at start, bot.ts).
    expect([first.serves(OLD), first.serves(NEW), first.serves(-1)]).toEqual([true, true, false]);

    const warned: unknown[] = [];
    const restarted = allowedChats([OLD], { warn: (fields: unknown) => warned.push(fields) }, dir);
    expect(await passes(restarted, NEW)).toBe(true);
    expect(restarted.serves(NEW)).toBe(true);
    expect(warned).toEqual([{ from: OLD, to: NEW }]);
    // Remembered for a listed group only: another list does not serve it.
    expect(await passes(allowedChats([-1], quiet, dir), NEW)).toBe(false);
  });

  it('follows the new chat’s own service message, and an upgrade of the upgraded chat', async () => {
    const dir = dataDir();
    const later = -1007777;
    const first = allowedChats([OLD], quiet, dir);
    await passes(first, NEW, { migrate_from_chat_id: OLD });
    await passes(first, NEW, { migrate_to_chat_id: later });
    const restarted = allowedChats([OLD], quiet, dir);
    expect(await passes(restarted, later)).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, CHAT_MOVES_FILE), 'utf8'))).toEqual({
      moves: { [OLD]: NEW, [NEW]: later },
    });
  });

  it('a damaged file is logged and serves the listed chats alone', async () => {
    const dir = dataDir();
    writeFileSync(join(dir, CHAT_MOVES_FILE), '{"moves": [');
    const warned: unknown[] = [];
    const allowlist = allowedChats([OLD], { warn: (fields: unknown) => warned.push(fields) }, dir);
    expect(await passes(allowlist, OLD)).toBe(true);
    expect(await passes(allowlist, NEW)).toBe(false);
    expect(warned.length).toBe(1);
  });
});

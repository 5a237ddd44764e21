// The lines Remix, Custom zoom and Vary (Region) offer to change, at their longest (a prompt and a typed negative
// prompt at their limits, every character escaped, every setting spelled out: nothing in them can be left out), as
// each platform offers them. Discord: a modal field holds 4000 characters, so a longer line is offered in two fields
// and comes back whole; sent back unchanged, it makes the same job. Telegram: a message holds 4096, so a longer line
// cannot come back as an answer (the user's app would send it cut in several): no question is asked, the line comes
// whole as a file; a line that fits a message but not beside the question goes just before it, alone.
import Database from 'better-sqlite3';
import type { Api } from 'grammy';
import { describe, expect, it } from 'vitest';
import { lineModal, lineOf } from '../../adapters/discord/modals.js';
import { TelegramQuestions } from '../../adapters/telegram/questions.js';
import type { AskKind, CommandContext, Reply, ReplyAsk } from '../../commands/index.js';
import { MAX_LINE_CHARS, MAX_PROMPT_CHARS } from '../../commands/limits.js';
import { t } from '../../src/i18n.js';
import { QuestionLog } from '../../src/jobs/index.js';
import { commandsOnQueue, seedsFrom } from '../commands/commands-on-queue.js';
import { invalidModal } from '../doubles/fake-discord/validation.js';

const BUTTONS: Array<[string, AskKind]> = [
  ['remix', 'imagine_line'],
  ['zoomcustom', 'zoom_line'],
  ['vary_region', 'region_line'],
];

/** An /imagine whose offered lines are the longest: its negative prompt typed, so no default stands in for it. */
async function maximalJob() {
  const updates: Array<{ jobId?: string; final?: boolean }> = [];
  const { commands, store } = commandsOnQueue('long-offered-lines', {
    commands: { randomSeed: seedsFrom(100) },
    onUpdate: ({ reply }) => updates.push(reply),
  });
  const ctx: CommandContext = commands.context({
    user: { platform: 'discord', userId: '1' },
    scope: 'guild:1',
    language: 'en',
  });
  const prompt = `${'\\{'.repeat(MAX_PROMPT_CHARS)} --size 512x512 --seed 4294967295 --steps 128 --cfg 0.30000000000000004 --temperature 1.0000000000000002 --cache --no ${'\\}'.repeat(MAX_PROMPT_CHARS)}`;
  const reply = await commands.run(ctx, { name: 'imagine', options: { prompt } });
  const request = (answer: Reply) => {
    expect(answer.text.filter((line) => line.key.startsWith('errors.'))).toEqual([]);
    return store.get(answer.jobId as string)?.request as unknown as Record<string, unknown>;
  };
  const original = request(reply);
  expect(original).toMatchObject({ prompt: '{'.repeat(MAX_PROMPT_CHARS), negativePrompt: '}'.repeat(1000) });
  await expect
    .poll(() => updates.some((u) => u.jobId === reply.jobId && u.final), { timeout: 5000 })
    .toBe(true);
  const jobId = reply.jobId as string;
  const asks = new Map<AskKind, ReplyAsk>();
  for (const [button, kind] of BUTTONS) {
    const ask = (await commands.pressButton(ctx, `${button}:${jobId}`)).ask;
    expect(ask?.kind).toBe(kind);
    asks.set(kind, ask as ReplyAsk);
  }
  const answer = async (kind: AskKind, line: string) =>
    request(await commands.answerAsk(ctx, kind, jobId, line));
  return { original, asks, answer };
}

/** A line modal's fields as Discord sends them back when submitted unchanged. */
function submitted(modal: ReturnType<typeof lineModal>) {
  const json = modal.toJSON() as unknown as {
    components: Array<{ components: Array<{ custom_id: string; value?: string; max_length?: number }> }>;
  };
  const inputs = json.components.map((row) => row.components[0] as { custom_id: string; value?: string });
  const fields = new Map(inputs.map((input) => [input.custom_id, input.value ?? '']));
  return {
    inputs: json.components.map((row) => row.components[0]),
    fields: {
      fields,
      getTextInputValue: (id: string) => {
        const value = fields.get(id);
        if (value === undefined) throw new Error(`no field ${id}`);
        return value;
      },
    } as unknown as Parameters<typeof lineOf>[0],
    json,
  };
}

describe('the longest offered lines, on each platform', { timeout: 30_000 }, () => {
  it('Discord: a line over a field’s 4000 characters is offered whole in two, and comes back making the same job', async () => {
    const { original, asks, answer } = await maximalJob();
    for (const [, kind] of BUTTONS) {
      const ask = asks.get(kind) as ReplyAsk;
      const line = ask.value as string;
      expect(line.length).toBeGreaterThan(4000);
      expect(line.length).toBeLessThanOrEqual(MAX_LINE_CHARS);
      const { inputs, fields, json } = submitted(lineModal(`remixmodal:${ask.jobId}`, 'en', ask, line));
      // Discord takes it: every value within its field's max_length and the 4000 any field may hold.
      expect(invalidModal(json)).toBeUndefined();
      expect(inputs).toHaveLength(2);
      for (const input of inputs) expect((input?.value ?? '').length).toBeLessThanOrEqual(4000);
      // The prompt above, its flags below; read back, the line as offered.
      expect(inputs[1]?.value?.startsWith('--')).toBe(true);
      const back = lineOf(fields);
      expect(back).toBe(line);
      const made = await answer(kind, back);
      if (kind === 'imagine_line') expect(made).toEqual(original);
      else
        expect(made).toMatchObject({
          prompt: original.prompt,
          negativePrompt: original.negativePrompt,
          steps: 128,
        });
    }
  });

  it('Telegram: a line longer than a message is not asked for but sent whole as a file; one that fits goes before the question', async () => {
    const { asks, answer, original } = await maximalJob();
    const calls: Array<{ method: string; text?: string; other: Record<string, unknown>; file?: string }> = [];
    const api = {
      sendMessage: async (_chat: number, text: string, other: Record<string, unknown>) => {
        calls.push({ method: 'sendMessage', text, other });
        return { message_id: 100 + calls.length };
      },
      sendDocument: async (_chat: number, file: unknown, other: Record<string, unknown>) => {
        const { filename, fileData } = file as { filename: string; fileData: Uint8Array };
        calls.push({
          method: 'sendDocument',
          other,
          file: `${filename}:${Buffer.from(fileData).toString('utf8')}`,
        });
        return { message_id: 100 + calls.length };
      },
    } as unknown as Api;
    const log = new QuestionLog(new Database(':memory:'));
    const questions = new TelegramQuestions(api, log);
    const user = { id: 5, is_bot: false, first_name: 'Ann' };
    const target = { chatId: 5, asker: { user, id: '5' }, group: false };
    for (const [, kind] of BUTTONS) {
      const ask = asks.get(kind) as ReplyAsk;
      const line = ask.value as string;
      calls.length = 0;
      await questions.ask(target, 'en', ask);
      // Telegram refuses a text over 4096: nothing sent is.
      for (const call of calls) expect((call.text ?? '').length).toBeLessThanOrEqual(4096);
      if (line.length > 4096) {
        expect(calls.map((c) => c.method)).toEqual(['sendDocument']);
        expect(calls[0]?.file).toBe(`line.txt:${line}`);
        expect(calls[0]?.other.caption).toBe(
          t('en', 'ask.line_too_long', { length: line.length, limit: 4096 }),
        );
        // Nothing waits for an answer: a reply to it is no answer to run.
        expect(log.at('telegram:5:101')).toBeUndefined();
        continue;
      }
      // It fits an answer, not beside the question: alone, just before it, as code a tap copies.
      expect(calls.map((c) => [c.method, c.text])).toEqual([
        ['sendMessage', line],
        ['sendMessage', t('en', ask.labelKey)],
      ]);
      expect(calls[0]?.other.entities).toEqual([{ type: 'code', offset: 0, length: line.length }]);
      expect(log.at('telegram:5:102')).toMatchObject({ kind, jobId: ask.jobId, userId: '5' });
      expect(await answer(kind, line)).toMatchObject({
        prompt: original.prompt,
        negativePrompt: original.negativePrompt,
      });
    }
    // Both ways were taken: the longest lines here fall on either side of 4096.
    const over = BUTTONS.map(([, kind]) => (asks.get(kind)?.value ?? '').length > 4096);
    expect(over).toContain(false);
    expect(over).toContain(true);
  });
});

// Typed lines through the entries the adapters call, as the fuzz (typed-lines-fuzz.test.ts) found them answered: a
// line no schema bounds (a `..` reply, the answer to Remix, Custom zoom or Vary (Region)) is refused by its length
// before it is read, and what a refusal quotes is short and well-formed.
import { describe, expect, it } from 'vitest';
import type { Commands } from '../../commands/commands.js';
import { MAX_LINE_CHARS, MAX_PROMPT_CHARS } from '../../commands/limits.js';
import type { Reply } from '../../commands/reply.js';
import type { Owner } from '../../src/jobs/index.js';
import { commandsOnQueue } from './commands-on-queue.js';
import { finishedResults, imagineRequest, skyPainted } from './finished-results.js';

const user: Owner = { platform: 'web', userId: 'typist' };
const fox = '🦊';
const first = (reply: Reply | undefined) => reply?.text[0];

async function setup() {
  const { commands, store } = commandsOnQueue('typed-entries', { start: false });
  const { png, finished } = await finishedResults(store, user, 'playground');
  const imagined = finished(imagineRequest('a fox'));
  const painted = finished(skyPainted());
  const ctx = () => commands.context({ user, scope: 'playground', language: 'en', ownMachine: true });
  const jobs = () => store.recentOf(user, 100).length;
  return { commands, store, imagined, painted, ctx, jobs, png };
}

type Answer = (c: Commands, ctx: ReturnType<Commands['context']>, line: string) => Promise<Reply | undefined>;

describe('a typed line no schema bounds', () => {
  it('is refused by its length before it is read, as typed, and queues nothing', async () => {
    const { commands, imagined, painted, ctx, jobs } = await setup();
    const answers: Record<string, Answer> = {
      '.. on an /imagine': (c, x, line) => c.replyToResult(x, imagined, `..${line}`),
      '.. on an /outpaint': (c, x, line) => c.replyToResult(x, painted, `..${line}`),
      '.. in the playground': (c, x, line) => c.runChatLine(x, `..${line}`),
      'Remix of an /imagine': (c, x, line) => c.answerAsk(x, 'imagine_line', imagined, line),
      'Remix of an /outpaint': (c, x, line) => c.answerAsk(x, 'imagine_line', painted, line),
      'Custom zoom': (c, x, line) => c.answerAsk(x, 'zoom_line', imagined, line),
      'Vary (Region)': (c, x, line) => c.answerAsk(x, 'region_line', imagined, line),
    };
    // 100 000 characters of words; of flags (each `--no` was copied into the next); of custom options.
    const lines = [' x'.repeat(50_000), ' --no x'.repeat(14_286), ` ${fox}`.repeat(50_000)];
    const before = jobs();
    for (const [entry, answer] of Object.entries(answers)) {
      for (const line of lines) {
        const typed = entry.startsWith('..') ? `..${line}` : line;
        const length = [...typed].length;
        expect([entry, first(await answer(commands, ctx(), line))]).toEqual([
          entry,
          { key: 'errors.line_too_long', params: { length, limit: MAX_PROMPT_CHARS } },
        ]);
      }
    }
    expect(jobs()).toBe(before);
  });

  it('is read up to the limit, counted in characters (an emoji is one)', async () => {
    const { commands, imagined, ctx } = await setup();
    const zoom = (line: string) => commands.answerAsk(ctx(), 'zoom_line', imagined, line);
    for (const unit of ['x', fox]) {
      // At the limit the line is read (its prompt is then too long); one character more, it is not.
      expect(first(await zoom(unit.repeat(MAX_LINE_CHARS)))?.key).toBe('errors.prompt_too_long');
      expect(first(await zoom(unit.repeat(MAX_LINE_CHARS + 1)))).toEqual({
        key: 'errors.line_too_long',
        params: { length: MAX_LINE_CHARS + 1, limit: MAX_PROMPT_CHARS },
      });
    }
  });
});

describe('a plain prompt past the line limit, no flag typed', () => {
  it('is refused naming the prompt’s limit, the one a user can act on, wherever it is typed', async () => {
    const { commands, imagined, ctx, jobs } = await setup();
    const prompt = 'x'.repeat(5000);
    const refused = { key: 'errors.line_too_long', params: { length: 5000, limit: MAX_PROMPT_CHARS } };
    const before = jobs();
    expect(first(await commands.runChatLine(ctx(), `/imagine ${prompt}`))).toEqual(refused);
    expect(first(await commands.runText(ctx(), `/imagine ${prompt}`))).toEqual(refused);
    expect(first(await commands.run(ctx(), { name: 'imagine', options: { prompt } }))).toEqual(refused);
    expect(first(await commands.editResult(ctx(), imagined, prompt))).toEqual(refused);
    expect(first(await commands.answerAsk(ctx(), 'imagine_line', imagined, prompt))).toEqual(refused);
    expect(jobs()).toBe(before);
  });
});

describe('what a refusal quotes', () => {
  it('/settings names a few of the keys it does not know, and never none', async () => {
    const { commands, ctx } = await setup();
    const unknown = async (line: string) => first(await commands.runText(ctx(), line))?.params?.option;
    expect(await unknown('/settings =')).toBe('=');
    expect(await unknown('/settings a=1 b=2 a=3')).toBe('a, b');
    expect(await unknown('/settings a=1 b=2 c=3 d=4')).toBe('a, b, c, …');
    const many = Array.from({ length: 700 }, (_, i) => `key${i}=1`).join(' ');
    expect(await unknown(`/settings ${many}`)).toBe('key0, key1, key2, …');
  });

  it('/prefer -- is no name, not an option the user lacks', async () => {
    const { commands, ctx } = await setup();
    for (const line of ['/prefer --', '/prefer -- grain'])
      expect(first(await commands.runText(ctx(), line))).toMatchObject({
        key: 'errors.prefer.name',
        params: { name: '--' },
      });
  });

  it('a plain line in the playground is quoted back whole-charactered', async () => {
    const { commands, ctx } = await setup();
    const hint = first(await commands.runChatLine(ctx(), `${'a'.repeat(79)}${fox.repeat(3)}`));
    expect(hint).toEqual({ key: 'chat.plain_hint', params: { text: `${'a'.repeat(79)}…` } });
  });
});

describe('typed text', () => {
  it('enters well-formed: half a surrogate pair from a web client is kept as �', async () => {
    const { commands, store, imagined, ctx } = await setup();
    await commands.runText(ctx(), '/prefer look grain \ud800');
    expect(commands.context({ user, scope: 'playground' }).settings.options).toEqual({
      look: 'grain \ufffd',
    });
    const remix = await commands.answerAsk(ctx(), 'imagine_line', imagined, 'a \udc00 fox');
    expect(store.get(remix.jobId as string)?.request).toMatchObject({ prompt: 'a \ufffd fox' });
  });

  it('control characters alone are no prompt', async () => {
    const { commands, ctx } = await setup();
    expect(first(await commands.runText(ctx(), '/imagine \u0000'))?.key).toBe('errors.prompt_empty');
  });
});

// Words of invisible marks only (a phone's direction mark, a pasted zero-width space, a NUL) are nothing typed: a
// `..` reply or Remix of a /retouch or /outpaint result made of them keeps the result's prompt (it queued a paint
// job whose prompt was the mark), `/settings` and `/prefer` followed by one answer as typed alone (they were refused
// by a quote showing nothing: `Unknown setting .`), and a blank playground line gets the help's example, not
// `/imagine .`. Found by fuzzing typed lines.
import { describe, expect, it } from 'vitest';
import type { Reply } from '../../commands/reply.js';
import { encodePng } from '../../engine/index.js';
import type { Owner } from '../../src/jobs/index.js';
import { commandsOnQueue } from './commands-on-queue.js';
import { finishedResults, skyPainted } from './finished-results.js';

const MARKS = ['\u200f', '\u200b', '\u202e', '\u0000', '\u2066\u200b'];
const keys = (reply: Reply | undefined) => reply?.text.map((t) => t.key);

function setup() {
  const { commands, store } = commandsOnQueue('invisible-lines', { start: false });
  const user: Owner = { platform: 'web', userId: '1' };
  const ctx = () => commands.context({ user, scope: 'playground', language: 'en', ownMachine: true });
  return { commands, store, user, ctx };
}

describe('lines of invisible marks', () => {
  it('re-run a /retouch or /outpaint result on its own prompt, through a `..` reply and Remix', async () => {
    const { commands, store, user, ctx } = setup();
    const { finished } = await finishedResults(store, user, 'playground');
    const painted = finished({ ...skyPainted(), prompt: 'more sky' }, { seed: 4 });
    for (const marks of MARKS) {
      for (const reply of [
        await commands.replyToResult(ctx(), painted, `..${marks}`),
        await commands.replyToResult(ctx(), painted, `.. ${marks} --steps 8`),
        await commands.answerAsk(ctx(), 'imagine_line', painted, marks),
      ]) {
        expect(keys(reply), JSON.stringify(marks)).toEqual(['job.queued']);
        expect(store.get(reply.jobId as string)?.request).toMatchObject({
          task: 'paint',
          prompt: 'more sky',
        });
      }
    }
  });

  it('after /settings and /prefer are the command typed alone, and name nothing beside a word', async () => {
    const { commands, ctx } = setup();
    for (const marks of MARKS) {
      const settings = await commands.runText(ctx(), `/settings ${marks}`);
      expect(keys(settings), JSON.stringify(marks)).toEqual(['settings.current', 'settings.how']);
      expect(keys(await commands.runText(ctx(), `/prefer ${marks}`))).toEqual(['prefer.none', 'prefer.how']);
      expect((await commands.runText(ctx(), `/prefer ${marks} cine`))?.text[0]).toEqual({
        key: 'errors.prefer.unknown',
        params: { name: 'cine' },
      });
      expect((await commands.runText(ctx(), `/settings ${marks} steps 8`))?.text[1]?.params?.steps).toBe(8);
    }
    // Nor is a default negative prompt of marks kept, typed or given as an option.
    await commands.runText(ctx(), '/settings no \u200b');
    await commands.run(ctx(), { name: 'settings', options: { no: '\u200f' } });
    expect((await commands.runText(ctx(), '/settings'))?.text[0]?.params?.no).toBe('✗');
  });

  it('on the playground, blank or invisible, get the help’s example rather than a hint quoting nothing', async () => {
    const { commands, ctx } = setup();
    for (const line of ['', ' ', ...MARKS]) {
      expect(keys(await commands.runChatLine(ctx(), line)), JSON.stringify(line)).toEqual(['help.text']);
    }
    expect((await commands.runChatLine(ctx(), 'hello there'))?.text[0]).toEqual({
      key: 'chat.plain_hint',
      params: { text: 'hello there' },
    });
  });

  it('on the playground, sent with an image, ask to describe it, as an empty line does', async () => {
    const { commands, store, ctx } = setup();
    const png = await encodePng({ width: 32, height: 32, data: new Uint8Array(32 * 32 * 3).fill(90) });
    for (const line of ['', ...MARKS]) {
      const reply = await commands.runChatLine(ctx(), line, [{ data: png }]);
      expect(keys(reply), JSON.stringify(line)).toEqual(['job.queued']);
      expect(store.get(reply?.jobId as string)?.request, JSON.stringify(line)).toMatchObject({
        task: 'understand',
      });
    }
  });
});

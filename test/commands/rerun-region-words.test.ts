// A `..` reply and Remix make a job again on its picture and region with a changed prompt and flags (README: Remix,
// Re-runs with changes). /outpaint's `--zoom` and `--pan` and /retouch's `--box` typed there are no unknown flags
// but changes those two do not make: the refusal says which button or command makes them.
import { describe, expect, it } from 'vitest';
import { parsePrompt } from '../../commands/prompt.js';
import type { Reply } from '../../commands/reply.js';
import { t } from '../../src/i18n.js';
import type { Owner } from '../../src/jobs/index.js';
import { commandsOnQueue } from './commands-on-queue.js';
import { finishedResults, imagineRequest, skyPainted } from './finished-results.js';

const user: Owner = { platform: 'telegram', userId: '5' };

async function setup() {
  const { commands, store } = commandsOnQueue('rerun-region', { start: false });
  const { finished } = await finishedResults(store, user, 'dm:5');
  const outpainted = finished(skyPainted());
  const retouched = finished(skyPainted({ kind: 'boxes', boxes: [{ x: 0, y: 0, w: 0.5, h: 0.5 }] }));
  const imagined = finished(imagineRequest('sky'));
  const ctx = () => commands.context({ user, scope: 'dm:5', language: 'en', ownMachine: true });
  const jobs = () => store.recentOf(user, 100).length;
  return { commands, ctx, outpainted, retouched, imagined, jobs, finished, store };
}

const first = (reply: Reply) => reply.text[0];

describe('a region word in a .. reply or Remix', () => {
  it('on an /outpaint result: --zoom and --pan point to Custom zoom, the arrows and a new /outpaint', async () => {
    const { commands, ctx, outpainted, jobs } = await setup();
    const before = jobs();
    for (const [line, flag] of [
      ['.. --zoom 2', '--zoom'],
      ['.. more clouds --pan left', '--pan'],
      ['--ZOOM 1.5', '--zoom'],
    ] as const) {
      expect([line, first(await commands.replyToResult(ctx(), outpainted, line))]).toEqual([
        line,
        { key: 'errors.rerun.zoom', params: { flag } },
      ]);
    }
    const remix = first(await commands.answerAsk(ctx(), 'imagine_line', outpainted, 'sky --seed 4 --zoom 2'));
    expect(remix).toEqual({ key: 'errors.rerun.zoom', params: { flag: '--zoom' } });
    expect(t('en', remix?.key ?? '', remix?.params)).toBe(
      '--zoom cannot change in a reply starting with .. or a flag, nor in Remix: they keep the picture and its frame and change the prompt and its flags (--seed, --steps …). To zoom out or pan this result, use Custom zoom or the arrows under it, or send a new /outpaint.',
    );
    expect(t('de', remix?.key ?? '', remix?.params)).toMatch(/^--zoom lässt sich .* nutze „Eigener Zoom“/);
    expect(t('ja', remix?.key ?? '', remix?.params)).toMatch(
      /では --zoom は変えられません。.*「カスタムズーム」/,
    );
    expect(jobs()).toBe(before);
  });

  it('--box points to Vary (Region) and a new /retouch, on any result', async () => {
    const { commands, ctx, retouched, imagined } = await setup();
    for (const id of [retouched, imagined]) {
      expect(first(await commands.replyToResult(ctx(), id, '.. --box top'))).toEqual({
        key: 'errors.rerun.region',
        params: { flag: '--box' },
      });
      expect(first(await commands.answerAsk(ctx(), 'imagine_line', id, 'sky --box center'))).toMatchObject({
        key: 'errors.rerun.region',
      });
    }
    // The playground's `..` line (the latest /imagine) says the same.
    expect(first((await commands.runChatLine(ctx(), '.. --zoom 2')) as Reply)).toMatchObject({
      key: 'errors.rerun.zoom',
    });
  });

  it('typed with a phone’s dash or an input method’s, says the same as with --, in a .. reply and in Remix', async () => {
    const { commands, ctx, outpainted, retouched, imagined, jobs } = await setup();
    const before = jobs();
    const cases = [
      ['.. —zoom 2', 'errors.rerun.zoom', '--zoom'],
      ['.. more clouds –pan left', 'errors.rerun.zoom', '--pan'],
      ['.. ーーzoom=1.5', 'errors.rerun.zoom', '--zoom'],
      ['.. —ZOOM 2', 'errors.rerun.zoom', '--zoom'],
      ['.. —box top', 'errors.rerun.region', '--box'],
      ['.. －－ｂｏｘ top', 'errors.rerun.region', '--box'],
      // A reply opening with the flag is a re-run too.
      ['—zoom 2', 'errors.rerun.zoom', '--zoom'],
      ['ーーpan up', 'errors.rerun.zoom', '--pan'],
    ] as const;
    for (const id of [outpainted, retouched, imagined]) {
      for (const [line, key, flag] of cases) {
        expect([line, first(await commands.replyToResult(ctx(), id, line))]).toEqual([
          line,
          { key, params: { flag } },
        ]);
        const remix = line.replace(/^(?:\.\. )?/, 'sky --seed 4 ');
        expect([remix, first(await commands.answerAsk(ctx(), 'imagine_line', id, remix))]).toEqual([
          remix,
          { key, params: { flag } },
        ]);
      }
    }
    expect(first((await commands.runChatLine(ctx(), '.. —zoom 2')) as Reply)).toMatchObject({
      key: 'errors.rerun.zoom',
    });
    // A word that only begins like one is punctuation, as anywhere in a prompt.
    const again = await commands.replyToResult(ctx(), imagined, '.. a —zoomy lens');
    expect(again.startsJob).toBe(true);
    expect(jobs()).toBe(before + 1);
  });

  it('kept as words in a result’s prompt, comes back in Remix’s line as words, so the line is taken as offered', async () => {
    const { commands, ctx, finished, store } = await setup();
    // What /imagine keeps as words: a keyboard's dash before a word that is no flag of its own.
    const prompt = 'a —zoom lens, —box of chocolates, ーーpan';
    expect(parsePrompt(prompt).prompt).toBe(prompt);
    // Discord's `no` option keeps what was typed in it, a phone's dash included.
    const negativePrompt = 'cardboard —box';
    const job = { task: 'text_to_image', prompt, negativePrompt, width: 512, height: 512, seed: 3 } as const;
    const id = finished(job);
    const line = (await commands.pressButton(ctx(), `remix:${id}`)).ask?.value as string;
    expect(line.startsWith('a zoom lens, box of chocolates, pan --size 512x512')).toBe(true);
    expect(line).toContain('--no cardboard box');
    const remix = await commands.answerAsk(ctx(), 'imagine_line', id, line);
    expect(store.get(remix.jobId as string)?.request).toMatchObject({
      prompt: 'a zoom lens, box of chocolates, pan',
      negativePrompt: 'cardboard box',
    });
  });

  it('other unknown flags stay unknown, and the changes a re-run makes still run', async () => {
    const { commands, ctx, outpainted } = await setup();
    expect(first(await commands.replyToResult(ctx(), outpainted, '.. --zoomy 2'))).toEqual({
      key: 'errors.flag.unknown',
      params: { flag: '--zoomy' },
    });
    const again = await commands.replyToResult(ctx(), outpainted, '.. --seed 9');
    expect(again.startsJob).toBe(true);
  });
});

// A button's answer that starts with the name of the command it runs (`/imagine a blue fox` typed into Remix, as the
// playground's form, Discord's modal and a Telegram reply invite): the name is no word of the prompt. It is read as
// a typed command is (`/draw`, Telegram's `/imagine@bot` where the bot is this one); another command's name, or ours
// addressed to another bot, stays part of the words.
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../../commands/commands.js';
import type { AskKind, Reply } from '../../commands/reply.js';
import type { Job } from '../../src/jobs/index.js';
import { commandsOnQueue, seedsFrom } from './commands-on-queue.js';

function setup() {
  const updates: Array<{ job: Job; reply: Reply }> = [];
  const { commands, store } = commandsOnQueue('answer-command-names', {
    commands: { randomSeed: seedsFrom(100) },
    onUpdate: (u) => updates.push(u),
  });
  const ctx = (): CommandContext =>
    commands.context({ user: { platform: 'web', userId: '1' }, scope: 'web:1', language: 'en' });
  const finished = async (reply: Reply) => {
    const started = Date.now();
    while (!updates.some((u) => u.job.id === reply.jobId && u.reply.final === true)) {
      if (Date.now() - started > 5000) throw new Error(`no result: ${JSON.stringify(reply.text)}`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    return reply.jobId as string;
  };
  const drawn = async () =>
    finished(await commands.run(ctx(), { name: 'imagine', options: { prompt: 'a lighthouse --steps 4' } }));
  // The bot's own name, as Telegram's adapter knows it (`me.username`); null where the platform names none.
  const answer = (kind: AskKind, jobId: string, line: string, botUsername: string | null = 'dimoo_bot') =>
    commands.answerAsk(ctx(), kind, jobId, line, botUsername ?? undefined);
  const request = (reply: Reply) => {
    expect(reply.startsJob, JSON.stringify(reply.text)).toBe(true);
    return store.get(reply.jobId as string)?.request;
  };
  return { ctx, drawn, finished, answer, request, commands };
}

describe('a button’s answer typed with its command’s name', () => {
  it('Remix of an /imagine drops /imagine, its alias /draw and a Telegram /imagine@bot', async () => {
    const { drawn, answer, request } = setup();
    const id = await drawn();
    for (const line of [
      '/imagine a blue fox --steps 4',
      '/draw a blue fox --steps 4',
      '/imagine@dimoo_bot a blue fox --steps 4',
      '  /IMAGINE   a blue fox --steps 4',
    ]) {
      expect(request(await answer('imagine_line', id, line)), line).toMatchObject({
        task: 'text_to_image',
        prompt: 'a blue fox',
        steps: 4,
      });
    }
    // The name and flags alone leave no prompt: refused as a blank answer is.
    const bare = await answer('imagine_line', id, '/imagine --steps 4');
    expect([bare.text.map((line) => line.key), bare.startsJob]).toEqual([['errors.prompt_empty'], undefined]);
    // Another command's name, or a slash word that names none, stays part of the prompt.
    for (const line of ['/describe a blue fox', '/r/foxes a blue fox', '/outpaint a blue fox']) {
      expect(request(await answer('imagine_line', id, line)), line).toMatchObject({ prompt: line });
    }
  });

  it('Custom zoom and Remix of an outpaint drop /outpaint; Vary (Region) and Remix of a retouch drop /retouch', async () => {
    const { drawn, finished, answer, request } = setup();
    const id = await drawn();
    // A factor alone zooms the result's own prompt, as `1.5x` does.
    expect(request(await answer('zoom_line', id, '/outpaint 1.5x'))).toMatchObject({
      task: 'paint',
      prompt: 'a lighthouse',
      steps: 4,
    });
    const zoomed = await answer('zoom_line', id, '/outpaint@dimoo_bot a harbour --zoom 1.5');
    expect(request(zoomed)).toMatchObject({ task: 'paint', prompt: 'a harbour' });
    const outpainted = await finished(zoomed);
    expect(request(await answer('imagine_line', outpainted, '/outpaint a pier --steps 4'))).toMatchObject({
      task: 'paint',
      prompt: 'a pier',
    });

    const retouched = await answer('region_line', id, '/retouch a red hat --steps 4 --box center');
    expect(request(retouched)).toMatchObject({ task: 'paint', prompt: 'a red hat' });
    const hat = await finished(retouched);
    expect(request(await answer('imagine_line', hat, '/retouch a blue hat --steps 4'))).toMatchObject({
      task: 'paint',
      prompt: 'a blue hat',
    });
    // Remix of a retouch is no /outpaint: that name stays a word of the prompt.
    expect(request(await answer('imagine_line', hat, '/outpaint a blue hat --steps 4'))).toMatchObject({
      prompt: '/outpaint a blue hat',
    });
  });

  it('a name addressed to another bot stays words of the answer; ours only where the bot’s name is known', async () => {
    const { drawn, finished, answer, request, ctx, commands } = setup();
    const id = await drawn();
    for (const line of ['/imagine@otherbot a blue fox', '/draw@OtherBot a blue fox']) {
      expect(request(await answer('imagine_line', id, line)), line).toMatchObject({ prompt: line });
    }
    // The same name cased otherwise is still ours.
    expect(request(await answer('imagine_line', id, '/imagine@Dimoo_Bot a blue fox'))).toMatchObject({
      prompt: 'a blue fox',
    });
    // Where the platform names no bot (the playground, Discord), only the bare name is dropped.
    expect(request(await answer('imagine_line', id, '/imagine@dimoo_bot a blue fox', null))).toMatchObject({
      prompt: '/imagine@dimoo_bot a blue fox',
    });
    expect(request(await answer('imagine_line', id, '/imagine a blue fox', null))).toMatchObject({
      prompt: 'a blue fox',
    });
    const zoomed = await answer('zoom_line', id, '/outpaint@otherbot a harbour --zoom 1.5');
    expect(request(zoomed)).toMatchObject({ task: 'paint', prompt: '/outpaint@otherbot a harbour' });
    await finished(zoomed);
    const retouched = await answer('region_line', id, '/retouch@otherbot a red hat --box center');
    expect(request(retouched)).toMatchObject({ task: 'paint', prompt: '/retouch@otherbot a red hat' });
    expect(request(await answer('edit_instruction', id, '/edit@otherbot make it night'))).toMatchObject({
      prompt: '/edit@otherbot make it night',
    });
    expect(
      request(await commands.editResult(ctx(), id, '/edit@otherbot make it night', 'dimoo_bot')),
    ).toMatchObject({
      prompt: '/edit@otherbot make it night',
    });
    expect(
      request(await commands.editResult(ctx(), id, '/edit@dimoo_bot make it night', 'dimoo_bot')),
    ).toMatchObject({
      prompt: 'make it night',
    });
  });

  it('the Edit answer drops /edit', async () => {
    const { drawn, answer, request } = setup();
    const id = await drawn();
    for (const line of ['/edit make it night', '/edit@dimoo_bot make it night']) {
      expect(request(await answer('edit_instruction', id, line)), line).toMatchObject({
        task: 'image_to_image',
        prompt: 'make it night',
        steps: 4,
      });
    }
  });
});

// The edit type an instruction names by its wording ("remove the fox" → edit_remove) is read from its words alone:
// the settings the Edit button keeps (`--steps 4 remove the fox`) or flags typed first must not hide its verb.
describe('an edit type inferred from an answer’s words', () => {
  it('reads the verb after the kept settings and typed flags', async () => {
    const { drawn, answer, request, commands, ctx } = setup();
    const id = await drawn();
    expect(request(await answer('edit_instruction', id, 'remove the fox'))).toMatchObject({
      editType: 'edit_remove',
      prompt: 'remove the fox',
      steps: 4,
    });
    expect(request(await commands.editResult(ctx(), id, 'add a red hat'))).toMatchObject({
      editType: 'edit_add',
      steps: 4,
    });
    expect(request(await commands.editResult(ctx(), id, '--seed 9 remove the fox'))).toMatchObject({
      editType: 'edit_remove',
      prompt: 'remove the fox',
      seed: 9,
    });
  });
});

// The "Make one: /prefer cine …" footer of a typed /prefer only where it helps: with no options yet, or an option
// named that the user lacks. Under a saved, shown or deleted option, or the list, following it would overwrite
// an option just read.
import { describe, expect, it } from 'vitest';
import type { Reply } from '../../commands/reply.js';
import { commandsOnQueue } from './commands-on-queue.js';

const FOOTER = 'prefer.how';

describe('the /prefer footer', () => {
  it('follows only "no options yet" and an unknown name', async () => {
    const { commands } = commandsOnQueue('prefer-footer', { start: false });
    const ctx = () =>
      commands.context({ user: { platform: 'web', userId: '1' }, scope: 'web:1', language: 'en' });
    const keys = async (line: string) =>
      ((await commands.runText(ctx(), line)) as Reply).text.map((t) => t.key);
    expect(await keys('/prefer')).toEqual(['prefer.none', FOOTER]);
    expect(await keys('/prefer cine')).toEqual(['errors.prefer.unknown', FOOTER]);
    expect(await keys('/prefer cine --ar 21:9 film grain')).toEqual(['prefer.saved']);
    expect(await keys('/prefer cine')).toEqual(['prefer.item']);
    expect(await keys('/prefer')).toEqual(['prefer.list', 'prefer.item']);
    expect(await keys('/prefer noir')).toEqual(['errors.prefer.unknown', FOOTER]);
    expect(await keys('/prefer noir off')).toEqual(['errors.prefer.unknown', FOOTER]);
    expect(await keys('/prefer cine off')).toEqual(['prefer.deleted']);
    expect(await keys('/prefer')).toEqual(['prefer.none', FOOTER]);
    // The unknown name is still said privately, as every /prefer answer is.
    expect((await commands.runText(ctx(), '/prefer noir'))?.ephemeral).toBe(true);
  });
});

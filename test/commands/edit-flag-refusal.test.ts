// An edit is often no command the user typed: an image sent with words, a reply to a result. A flag it cannot take
// (`--ar`: the result keeps the image's shape) is refused as one that does not work on an edit, not "with this
// command".
import { describe, expect, it } from 'vitest';
import type { Reply } from '../../commands/reply.js';
import { t } from '../../src/i18n.js';
import type { Owner } from '../../src/jobs/index.js';
import { commandsOnQueue } from './commands-on-queue.js';
import { finishedResults, imagineRequest } from './finished-results.js';

const user: Owner = { platform: 'web', userId: '3' };

describe('a flag an edit cannot take', () => {
  it('is refused in words about editing, typed with an image, as a reply to a result, or as /edit', async () => {
    const { commands, store } = commandsOnQueue('edit-flag-refusal', { start: false });
    const { png, finished } = await finishedResults(store, user, 'web:3');
    const ctx = () => commands.context({ user, scope: 'web:3', language: 'en' });
    const image = { data: png };
    const answers: Array<Reply | undefined> = [
      await commands.runChatLine(ctx(), 'make it purple --steps 8 --ar 16:9', { image }),
      await commands.replyToResult(ctx(), finished(imagineRequest('a fox')), 'make it purple --ar 16:9'),
      await commands.runText(ctx(), '/edit make it purple --ar 16:9', [image]),
    ];
    for (const answer of answers) {
      expect(answer?.text).toEqual([{ key: 'errors.edit.flag_not_here', params: { flag: '--ar' } }]);
      expect(answer?.startsJob).toBeUndefined();
    }
    expect(t('en', 'errors.edit.flag_not_here', { flag: '--ar' })).toBe(
      'The flag --ar cannot be used when editing an image.',
    );
    // A command typed by name is still named so.
    const retouch = await commands.runText(ctx(), '/retouch more sky --ar 16:9 --box top', [image]);
    expect(retouch?.text[0]).toEqual({ key: 'errors.flag.not_here', params: { flag: '--ar' } });
  });
});

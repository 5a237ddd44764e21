// A reply to be shown in place of the pressed message is never an alert, even one of words alone (a /queue list
// whose last job was just cancelled has no buttons left): the list it replaces would stay stale under it.
import { describe, expect, it } from 'vitest';
import { isNotice } from '../../../adapters/telegram/button-answers.js';
import { textReply } from '../../../commands/index.js';

describe('a reply in place of the pressed message', () => {
  it('is no notice, though its words alone and ephemeral would be one', () => {
    const list = { ...textReply('cancel.done'), buttons: [] };
    expect(isNotice(list)).toBe(true);
    expect(isNotice({ ...list, replaceSource: true })).toBe(false);
  });
});

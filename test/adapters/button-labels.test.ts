// A button's label and hint are translated with its parameters on every platform (a grid's image numbers).
import { describe, expect, it } from 'vitest';
import { toDiscordMessage } from '../../adapters/discord/render.js';
import { keyboard } from '../../adapters/telegram/render.js';
import { toWebMessage } from '../../adapters/web/render.js';
import type { Reply } from '../../commands/reply.js';

const JOB = '0f0f0f0f-1111-4222-8333-444455556666';
const reply: Reply = {
  text: [],
  buttons: [
    [1, 2].map((n) => ({
      id: `pick_${n}:${JOB}`,
      labelKey: 'button.pick',
      hintKey: 'hint.pick',
      params: { n },
      style: 'primary' as const,
    })),
  ],
};

describe('button labels with parameters', () => {
  it('Discord, Telegram and the playground show each number, and the playground its hint', () => {
    // The wire JSON Discord receives, as the REST layer serialises the builders.
    const discord = JSON.parse(JSON.stringify(toDiscordMessage(reply, 'en').components)) as Array<{
      components: Array<{ label?: string }>;
    }>;
    expect(discord[0]?.components.map((b) => b.label)).toEqual(['1', '2']);
    const telegram = keyboard(reply, 'de')?.inline_keyboard;
    expect(telegram?.[0]?.map((b) => b.text)).toEqual(['1', '2']);
    const web = toWebMessage(reply, 'fr').buttons[0];
    expect(web?.map((b) => [b.label, b.hint])).toEqual([
      ['1', 'L’image 1 seule, avec tous ses boutons'],
      ['2', 'L’image 2 seule, avec tous ses boutons'],
    ]);
  });
});

import type { Attachment } from 'discord.js';
import { describe, expect, it } from 'vitest';
import {
  MAX_PICK_OPTIONS,
  optionLabel,
  parsePickerId,
  pickerId,
  pickerMessage,
} from '../../../adapters/discord/picker.js';

const attachments = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ name: `img-${i + 1}.png` }) as unknown as Attachment);

describe('image picker', () => {
  it('round-trips its custom id and refuses anything else', () => {
    const id = pickerId('edit', '123456789012345678');
    expect(parsePickerId(id)).toEqual({ action: 'edit', messageId: '123456789012345678' });
    expect(parsePickerId('pick:mention:123456789012345678')?.action).toBe('mention');
    for (const bad of ['pick:upscale:123456789012345678', 'pick:edit:abc', 'pick:edit:1', 'reroll:x', '']) {
      expect(parsePickerId(bad), bad).toBeUndefined();
    }
  });

  it('lists at most 25 images, numbered from 1, labels within 100 characters', () => {
    const message = pickerMessage(attachments(30), 'describe', '123456789012345678', 'en');
    const row = message.components[0] as unknown as { toJSON(): unknown };
    const json = row.toJSON() as {
      components: Array<{ custom_id: string; options: Array<{ label: string; value: string }> }>;
    };
    const select = json.components[0];
    expect(select?.custom_id).toBe('pick:describe:123456789012345678');
    expect(select?.options).toHaveLength(MAX_PICK_OPTIONS);
    expect(select?.options[0]).toEqual({ label: '#1 · img-1.png', value: '0' });
    expect(select?.options[24]?.value).toBe('24');
    expect(message.content).toMatch(/30 images/);
    expect(optionLabel(0, { name: 'x'.repeat(300) }).length).toBe(100);
  });

  it('asks in the user’s language', () => {
    expect(pickerMessage(attachments(2), 'edit', '123456789012345678', 'zh-CN').content).toMatch(/2 张图片/);
  });
});

// An unknown `/word` that is a slip of the keys on one of our commands: the nearest one the asker may run on their
// platform, by a letter added, dropped, changed or two swapped, at most two of them, and never for a word so short
// that two edits make it anything.
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../commands/registry.js';
import { commandWord, nearestCommand } from '../../commands/unknown-command.js';

const specs = COMMANDS;

describe('nearestCommand', () => {
  it('names the command a word is a slip of: a letter dropped, added, changed, or two swapped', () => {
    expect(nearestCommand(specs, 'imagne', 'web')).toBe('imagine');
    expect(nearestCommand(specs, 'imaginee', 'web')).toBe('imagine');
    expect(nearestCommand(specs, 'retuch', 'telegram')).toBe('retouch');
    expect(nearestCommand(specs, 'descirbe', 'web')).toBe('describe');
    expect(nearestCommand(specs, 'OUTPIANT', 'discord')).toBe('outpaint');
    expect(nearestCommand(specs, 'quee', 'web')).toBe('queue');
  });

  it('names a second name as typed, where the word is a slip of it', () => {
    expect(nearestCommand(specs, 'drwa', 'telegram')).toBe('draw');
    expect(nearestCommand(specs, 'strt', 'telegram')).toBe('start');
  });

  it('names nothing too far, nothing a two-letter word could be made into, nor what the asker may not run there', () => {
    expect(nearestCommand(specs, 'imaginary', 'web')).toBeUndefined();
    expect(nearestCommand(specs, 'frobnicate', 'web')).toBeUndefined();
    expect(nearestCommand(specs, 'ed', 'web')).toBeUndefined();
    // /start is Telegram's, /block an admin's on Discord and Telegram only.
    expect(nearestCommand(specs, 'strt', 'web')).toBeUndefined();
    expect(nearestCommand(specs, 'blok', 'telegram')).toBeUndefined();
    expect(nearestCommand(specs, 'blok', 'telegram', true)).toBe('block');
    expect(nearestCommand(specs, 'blok', 'web', true)).toBeUndefined();
  });

  it('names nothing for a command itself: its line failed for another reason (`/imagine@x fox`)', () => {
    expect(nearestCommand(specs, 'imagine', 'web')).toBeUndefined();
    expect(nearestCommand(specs, 'IMAGINE', 'web')).toBeUndefined();
  });
});

describe('commandWord', () => {
  it('reads the word of a `/word` line, before a space or a bot name', () => {
    expect(commandWord('  /imagne a fox')).toBe('imagne');
    expect(commandWord('/imagne@dimoo_bot a fox')).toBe('imagne');
    expect(commandWord('a fox /imagine')).toBeUndefined();
    expect(commandWord('/ a fox')).toBeUndefined();
  });
});

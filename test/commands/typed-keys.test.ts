// Words a user types are looked up as a table's own entries only: `--constructor`, `--__proto__`, `--toString`, a
// custom option named `constructor`, `/settings __proto__=1` never reach what every object inherits. Proven with a
// name put on Object.prototype for the length of one test: a lookup that reads the prototype would take it.
import { afterEach, describe, expect, it } from 'vitest';
import { UserInputError } from '../../commands/errors.js';
import { parsePrompt } from '../../commands/prompt.js';
import { parseBoxes } from '../../commands/regions.js';
import { commandsOnQueue } from './commands-on-queue.js';

const INHERITED = 'inheritedname';

afterEach(() => {
  delete (Object.prototype as Record<string, unknown>)[INHERITED];
});

/** Every object inherits `INHERITED` = `value` (non-enumerable, so nothing iterating objects sees it). */
function inherit(value: string): void {
  Object.defineProperty(Object.prototype, INHERITED, { value, configurable: true, writable: true });
}

function refusalKey(work: () => unknown): string | undefined {
  try {
    work();
  } catch (error) {
    if (error instanceof UserInputError) return error.key;
    throw error;
  }
  return undefined;
}

describe('a typed word looked up in a table', () => {
  it('is no flag alias by inheritance', () => {
    inherit('seed');
    expect(refusalKey(() => parsePrompt(`a fox --${INHERITED} 5`))).toBe('errors.flag.unknown');
  });

  it('is no region alias by inheritance', () => {
    inherit('center');
    expect(refusalKey(() => parseBoxes(INHERITED))).toBe('errors.retouch.boxes');
  });

  it.each(['--constructor', '--toString', '--hasOwnProperty', '--valueOf', '--__proto__'])(
    '%s in a prompt is an unknown flag or a word, never a crash',
    (flag) => {
      const read = () => parsePrompt(`a fox ${flag} 5`);
      const key = refusalKey(read);
      if (key === undefined) expect(read().prompt).toBe(`a fox ${flag} 5`);
      else expect(key).toBe('errors.flag.unknown');
    },
  );

  it('custom options and settings named after what objects inherit', async () => {
    const { commands, store } = commandsOnQueue('typed-keys', { start: false });
    const user = { platform: 'telegram' as const, userId: '4' };
    const ctx = () => commands.context({ user, scope: 'dm:4', language: 'en', ownMachine: true });
    const first = async (line: string) => (await commands.runText(ctx(), line))?.text[0];
    expect(await first('/prefer constructor')).toEqual({
      key: 'errors.prefer.unknown',
      params: { name: 'constructor' },
    });
    expect(await first('/prefer tostring')).toMatchObject({ key: 'errors.prefer.unknown' });
    expect(await first('/prefer constructor --seed 7 film')).toMatchObject({ key: 'prefer.saved' });
    const reply = await commands.runText(ctx(), '/imagine a fox --constructor');
    expect(store.get(reply?.jobId ?? '')?.request).toMatchObject({ prompt: 'a fox film', seed: 7 });
    for (const line of ['/settings __proto__=1', '/settings constructor 1', '/settings toString=1']) {
      expect([line, (await first(line))?.key]).toEqual([line, 'errors.settings.unknown']);
    }
    expect((await first('/settings hasOwnProperty=1'))?.params).toEqual({ option: 'hasOwnProperty' });
  });
});

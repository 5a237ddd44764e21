// The file of guilds the Discord commands were registered in: the commands Discord registered there are kept per
// guild (so a later cleanup finds one renamed or dropped since), and a file from before that, or with a damaged
// list, still names its guilds (their cleanup then goes by today's names).
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REGISTERED_GUILDS_FILE, RegisteredGuilds } from '../../../adapters/discord/registered-guilds.js';
import type { Logger } from '../../../src/log.js';

function open() {
  const dataDir = mkdtempSync(join(tmpdir(), 'dimoo-registered-guilds-'));
  const warnings: string[] = [];
  const log = { warn: (...args: unknown[]) => void warnings.push(String(args[1])) } as Pick<Logger, 'warn'>;
  const memory = new RegisteredGuilds(dataDir, log);
  return { dataDir, memory, warnings, file: join(dataDir, REGISTERED_GUILDS_FILE) };
}

describe('RegisteredGuilds', () => {
  it('keeps each guild with the commands registered there, and the guild ids an older build reads', () => {
    const { memory, file } = open();
    memory.write(
      new Map([
        ['222', [{ id: '9002', name: 'imagine' }]],
        ['111', undefined],
      ]),
    );
    const text = JSON.parse(readFileSync(file, 'utf8'));
    expect(text.guildIds).toEqual(['111', '222']);
    expect(text.commands).toEqual({ '222': [{ id: '9002', name: 'imagine' }] });
    expect([...memory.read()]).toEqual([
      ['111', undefined],
      ['222', [{ id: '9002', name: 'imagine' }]],
    ]);
  });

  it('reads a file of guild ids only (before it kept commands): each guild without its commands', () => {
    const { memory, file, warnings } = open();
    writeFileSync(file, JSON.stringify({ guildIds: ['111', 'x', '111', '222'] }));
    expect([...memory.read()]).toEqual([
      ['111', undefined],
      ['222', undefined],
    ]);
    expect(warnings).toEqual([]);
  });

  it("a guild's damaged command list is logged and leaves that guild without its commands, not forgotten", () => {
    const { memory, file, warnings } = open();
    writeFileSync(
      file,
      JSON.stringify({
        guildIds: ['111', '222', '333'],
        commands: { '111': [{ id: '1', name: 'imagine' }, { id: 'x' }], '222': 'oops', '333': [] },
      }),
    );
    expect([...memory.read()]).toEqual([
      ['111', undefined],
      ['222', undefined],
      ['333', []],
    ]);
    expect(warnings).toEqual([expect.stringContaining('damaged command lists')]);
  });

  it('does not write again what it read', () => {
    const { memory, file } = open();
    writeFileSync(file, JSON.stringify({ guildIds: ['111'] }));
    const before = statSync(file).mtimeMs;
    memory.write(memory.read());
    expect(readFileSync(file, 'utf8')).toBe(JSON.stringify({ guildIds: ['111'] }));
    expect(statSync(file).mtimeMs).toBe(before);
  });
});

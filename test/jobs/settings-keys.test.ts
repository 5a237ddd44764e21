// The store lists its settings rows by the beginning of their keys: exactly that beginning, case and all.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JobStore } from '../../src/jobs/index.js';

const open: JobStore[] = [];
afterEach(() => {
  for (const store of open.splice(0)) store.close();
});

describe('JobStore.settingsKeys', () => {
  it('lists the keys that begin with the prefix, reading `_` and `%` as themselves', () => {
    const store = new JobStore(mkdtempSync(join(tmpdir(), 'dimoo-settings-keys-')));
    open.push(store);
    for (const key of [
      'moved:telegram:-1',
      'moved:telegram:-2',
      'Moved:telegram:-3',
      'movedfrom:telegram:-4',
      'telegram:5',
    ])
      store.saveSettings(key, {});
    store.saveSettings('a_b:1', {});
    store.saveSettings('axb:1', {});
    expect(store.settingsKeys('moved:').sort()).toEqual(['moved:telegram:-1', 'moved:telegram:-2']);
    expect(store.settingsKeys('a_b:')).toEqual(['a_b:1']);
    expect(store.settingsKeys('nothing:')).toEqual([]);
  });
});

// The rules commands share (one helper each): a stored row's live status, an id-like word, an owner key's owner and
// where a chat can move, as every command that needs them reads them.
import { describe, expect, it } from 'vitest';
import { stoppingReply } from '../../commands/late-cancel.js';
import { readsAsUserId, SIGNED_USER_IDS } from '../../commands/spec.js';
import { liveStatus } from '../../commands/stored-jobs.js';
import { type Job, ownerKey, ownerOf } from '../../src/jobs/index.js';

const row = (status: Job['status']) => ({ id: 'j1', status }) as Job;
const queueSaying = (status?: Job['status']) => ({
  queue: { get: (id: string) => (status === undefined ? undefined : ({ id, status } as Job)) },
});

describe('liveStatus', () => {
  it('reads the job through the queue: a running row the queue cancelled is still stopping', () => {
    expect(liveStatus(queueSaying('cancelled') as never, row('running'))).toBe('stopping');
    expect(liveStatus(queueSaying('running') as never, row('running'))).toBe('running');
    expect(liveStatus(queueSaying('queued') as never, row('queued'))).toBe('queued');
  });
  it('calls a row ended once the queue says so, and a cancelled row that never ran ended too', () => {
    expect(liveStatus(queueSaying('failed') as never, row('running'))).toBeUndefined();
    expect(liveStatus(queueSaying('cancelled') as never, row('queued'))).toBeUndefined();
    expect(liveStatus(queueSaying() as never, row('done'))).toBeUndefined();
    expect(liveStatus(queueSaying() as never, row('running'))).toBe('running');
  });
});

describe('readsAsUserId', () => {
  it('reads decimal digits of any script and a full-width minus as an id, other numerals not', () => {
    expect(readsAsUserId('１２３')).toBe(true);
    expect(readsAsUserId('－۱۲')).toBe(true);
    expect(readsAsUserId('①')).toBe(true);
    expect(readsAsUserId('½')).toBe(false);
    expect(readsAsUserId('spam')).toBe(false);
  });
});

describe('ownerOf', () => {
  it('undoes ownerKey, splitting at the first colon only', () => {
    const owner = { platform: 'web', userId: 'a:b' } as const;
    expect(ownerOf(ownerKey(owner))).toEqual(owner);
    expect(ownerOf('nocolon')).toBeUndefined();
  });
});

it('a negative id is a user key only on Telegram', () => {
  expect([...SIGNED_USER_IDS]).toEqual(['telegram']);
});

describe('stoppingReply', () => {
  it('says "Stopping…" with no Cancel once a cancel was asked, and nothing otherwise', () => {
    expect(stoppingReply({ meta: { cancelRequested: true } }, { jobId: 'j1', ephemeral: true })).toEqual({
      jobId: 'j1',
      ephemeral: true,
      text: [{ key: 'cancel.stopping' }],
    });
    expect(stoppingReply({ meta: {} }, { jobId: 'j1' })).toBeUndefined();
  });
});

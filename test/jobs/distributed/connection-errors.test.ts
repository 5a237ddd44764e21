// The one connection-error callback both roles hand SharedState (redis-credentials.ts connectionErrors): a refusal of
// QUEUE_URL's credentials during the start goes to the start's refusal alone; once started, and for every other
// error, it is a warning (the credentials one in QUEUE_URL's wording, never Redis's WRONGPASS).
import { ReplyError } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { connectionErrors } from '../../../src/jobs/distributed/redis-credentials.js';

const URL = 'redis://:secret@queue.example:6380';
const WRONGPASS = new ReplyError('WRONGPASS invalid username-password pair or user is disabled.');

function callback(starting: boolean) {
  const warned: string[] = [];
  const refused: Array<{ line: string; error: Error }> = [];
  const report = connectionErrors(
    URL,
    (error) => warned.push(error),
    () => starting,
    (line, error) => refused.push({ line, error }),
  );
  return { report, warned, refused };
}

describe('connectionErrors', () => {
  it('a credentials refusal while starting ends the start, with no warning beside it', () => {
    const { report, warned, refused } = callback(true);
    report(WRONGPASS);
    expect(warned).toEqual([]);
    expect(refused).toEqual([
      {
        line: expect.stringContaining(
          'QUEUE_URL: Redis at queue.example:6380 refused its user name and password',
        ),
        error: WRONGPASS,
      },
    ]);
  });

  it('once started the refusal is warned in QUEUE_URL wording, and the start is not refused', () => {
    const { report, warned, refused } = callback(false);
    report(WRONGPASS);
    expect(refused).toEqual([]);
    expect(warned).toEqual([expect.stringContaining('refused its user name and password')]);
    expect(warned.join('')).not.toContain('WRONGPASS');
  });

  it('any other error is warned in its own words, during the start too', () => {
    const { report, warned, refused } = callback(true);
    report(new Error('connect ECONNREFUSED 127.0.0.1:6380'));
    expect(refused).toEqual([]);
    expect(warned).toEqual(['connect ECONNREFUSED 127.0.0.1:6380']);
  });

  it('a role that throws the refusal from its own start gives no refuse: nothing is said meanwhile', () => {
    const warned: string[] = [];
    connectionErrors(
      URL,
      (error) => warned.push(error),
      () => true,
    )(WRONGPASS);
    expect(warned).toEqual([]);
  });
});

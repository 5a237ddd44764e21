// A typed /cancel of a running job: the job hears it at its engine's next step, seconds away for a large image. Its
// own status message says "Stopping…" at once, with no live Cancel left (as its Cancel button makes it), and the
// /cancel's answer waits for the stop to say how it ended ("Cancelled your job …"), not a "Stopping…" that nothing
// follows up; a job whose step outlasts the wait is answered as stopping, its own message saying "Cancelled." later.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { CommandContext } from '../../commands/commands.js';
import type { Reply } from '../../commands/reply.js';
import { t } from '../../src/i18n.js';
import { JobStore } from '../../src/jobs/index.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';
import { until } from '../jobs/distributed/redis-harness.js';
import { commandsOnFrontEnd, commandsOnQueue } from './commands-on-queue.js';

interface Heard {
  reply: Reply;
  at: number;
}

function setup(msPerStep: number, steps: number) {
  const heard: Heard[] = [];
  const { commands, store, queue } = commandsOnQueue('cancel-confirm', {
    engine: new TimedEngineDouble(msPerStep, steps),
    onUpdate: ({ reply }) => {
      heard.push({ reply, at: Date.now() });
    },
  });
  const ctx = (userId = '1', admin = false): CommandContext =>
    commands.context({ user: { platform: 'web', userId }, scope: `web:${userId}`, language: 'en', admin });
  const imagine = async (prompt: string) =>
    (await commands.run(ctx(), { name: 'imagine', options: { prompt } })).jobId as string;
  const cancel = (job: string, userId = '1', admin = false) =>
    commands.run(ctx(userId, admin), { name: 'cancel', options: { job } });
  return { commands, store, queue, heard, imagine, cancel };
}

const live = (heard: Heard) => heard.reply.buttons?.flat().some((b) => b.id.startsWith('cancel:')) === true;
/** The job at a step of its run ("Working on it: step 3 of 20"), with Cancel under it. */
const stepping = (heard: Heard) => heard.reply.text.some((line) => line.key === 'job.running') && live(heard);

describe('a typed /cancel of a running job', () => {
  it('shows the job stopping at once, and answers "Cancelled" once it has stopped', async () => {
    const { store, heard, imagine, cancel } = setup(700, 20);
    const running = await imagine('stop test');
    await until(() => heard.some(stepping), 10_000, 'the job to show its step with Cancel');

    const askedAt = Date.now();
    const answer = await cancel(running.slice(0, 8));
    expect(answer.text).toEqual([
      { key: 'cancel.done_named', params: { prompt: 'stop test', id: running.slice(0, 8) } },
    ]);
    expect(answer.jobId).toBe(running);
    expect(answer.final).toBeUndefined();
    expect(store.get(running)?.status).toBe('cancelled');
    expect(t('en', 'cancel.done_named', { prompt: 'stop test', id: '8b68ec01' })).toBe(
      'Cancelled your job “stop test” (8b68ec01).',
    );

    // "Stopping…" well within the step the job was in (700 ms), shown at once, with no Cancel to press.
    const at = heard.findIndex((h) => h.at >= askedAt && h.reply.text[0]?.key === 'cancel.stopping');
    const stopping = heard[at];
    expect(stopping?.reply).toEqual({
      jobId: running,
      ephemeral: false,
      urgent: true,
      text: [{ key: 'cancel.stopping' }],
    });
    expect((stopping?.at ?? Number.POSITIVE_INFINITY) - askedAt).toBeLessThan(300);
    // Then the job's end; never its steps with a live Cancel again.
    expect(heard.slice(at).some(live)).toBe(false);
    expect(heard.at(-1)?.reply).toMatchObject({ final: true, outcome: 'cancelled' });
  });

  it('names an admin’s cancel of another user’s job by its id once it has stopped', async () => {
    const { heard, imagine, cancel } = setup(500, 20);
    const running = await imagine('a lighthouse');
    await until(() => heard.some(stepping), 10_000, 'the job to show its step with Cancel');
    const answer = await cancel(running, '7', true);
    expect(answer.text).toEqual([{ key: 'cancel.done_named_theirs', params: { id: running.slice(0, 8) } }]);
    expect(heard.some((h) => h.reply.text[0]?.key === 'cancel.stopping' && h.reply.urgent)).toBe(true);
  });

  it('answers "stopping" when the step outlasts the wait; the job’s message says "Cancelled." once it ends', async () => {
    const { store, heard, imagine, cancel } = setup(4000, 3);
    const running = await imagine('a slow lighthouse');
    await until(() => store.get(running)?.status === 'running', 10_000, 'the job to run');
    const answer = await cancel(running);
    expect(answer.text).toEqual([
      { key: 'cancel.stopping_named', params: { prompt: 'a slow lighthouse', id: running.slice(0, 8) } },
    ]);
    expect(heard.map((h) => h.reply.text[0]?.key)).toContain('cancel.stopping');
    await until(() => heard.some((h) => h.reply.final), 10_000, 'the job to end');
    expect(heard.at(-1)?.reply).toMatchObject({
      final: true,
      outcome: 'cancelled',
      text: [{ key: 'job.cancelled' }],
    });
  });

  it('answers an admin’s cancel of a job this front-end holds no record of at once, as stopping', async () => {
    // As on the shared queue, where a job another front-end owns has its record and events there: the queue knows
    // the job, this front-end's store does not, so nothing here would hear it end, and it has no message here.
    const { queue, imagine } = setup(4000, 3);
    const running = await imagine('a far lighthouse');
    await until(() => queue.get(running)?.status === 'running', 10_000, 'the job to run');
    const dir = mkdtempSync(join(tmpdir(), 'dimoo-cancel-elsewhere-'));
    const elsewhere = new JobStore(dir);
    const admin = commandsOnFrontEnd({ queue, store: elsewhere });
    const told: Reply[] = [];
    admin.subscribe(({ reply }) => {
      told.push(reply);
    });
    onTestFinished(() => {
      admin.closeUpdates();
      elsewhere.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const ctx = admin.context({
      user: { platform: 'web', userId: '7' },
      scope: 'web:7',
      language: 'en',
      admin: true,
    });
    const askedAt = Date.now();
    const answer = await admin.run(ctx, { name: 'cancel', options: { job: running } });
    expect(Date.now() - askedAt).toBeLessThan(1000);
    expect(answer.text).toEqual([
      { key: 'cancel.stopping_named_theirs', params: { id: running.slice(0, 8) } },
    ]);
    expect(told.filter((reply) => reply.urgent)).toEqual([]);
  });

  it('leaves the Cancel button’s answer as it was: at once, on the job’s own message, nothing else told', async () => {
    const { commands, heard, imagine } = setup(700, 20);
    const running = await imagine('a kite');
    await until(() => heard.some(stepping), 10_000, 'the job to show its step with Cancel');
    const before = heard.length;
    const pressedAt = Date.now();
    const ctx = commands.context({ user: { platform: 'web', userId: '1' }, scope: 'web:1', language: 'en' });
    const answer = await commands.pressButton(ctx, `cancel:${running}`);
    expect(Date.now() - pressedAt).toBeLessThan(300);
    expect([answer.text, answer.jobId]).toEqual([[{ key: 'cancel.stopping' }], running]);
    expect(heard.slice(before).some((h) => h.reply.urgent)).toBe(false);
  });
});

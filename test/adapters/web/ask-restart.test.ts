// A question the playground asked (Remix, Edit… an inline form) and answered after the server restarted, over real
// HTTP, commands and queue on the timed engine double: the whole stack stops and another opens the same DATA_DIR.
// The answer names its button and the user is their cookie, so the new server answers it as the old one would have.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { send } from './http-client.js';
import { openPlaygroundOnDouble, type PlaygroundOnDouble } from './playground-server.js';

interface Message {
  jobId?: string;
  lines: string[];
  ask?: { kind: string; jobId: string; value?: string };
}

const opened: PlaygroundOnDouble[] = [];

afterEach(async () => {
  for (const stack of opened.splice(0)) await stack.close();
});

/** A stack on `dataDir` (a fresh one when absent), its queue running, and a server on it. */
async function startOn(dataDir?: string) {
  const stack = openPlaygroundOnDouble('ask-restart', dataDir ? { DATA_DIR: dataDir } : {});
  opened.push(stack);
  stack.jobs.queue.start();
  const { port } = await stack.start();
  return { stack, port };
}

const user = randomUUID();
const cookie = { cookie: `dimoo_uid=${user}` };

async function post(port: number, path: string, body: Buffer, headers: Record<string, string>) {
  const answer = await send(port, path, { method: 'POST', headers: { ...cookie, ...headers }, body });
  expect(answer.status).toBe(200);
  return JSON.parse(answer.body) as Message;
}

const act = (port: number, body: unknown) =>
  post(port, '/api/actions', Buffer.from(JSON.stringify(body)), { 'content-type': 'application/json' });

function imagine(port: number, line: string) {
  const boundary = '----dimooask';
  const body = Buffer.from(
    `--${boundary}\r\ncontent-disposition: form-data; name="text"\r\n\r\n${line}\r\n--${boundary}--\r\n`,
  );
  return post(port, '/api/messages', body, { 'content-type': `multipart/form-data; boundary=${boundary}` });
}

describe('playground questions across a restart', { timeout: 30_000 }, () => {
  it('the answer to a Remix question asked before the restart makes its job after it', async () => {
    const before = await startOn();
    const drawn = await imagine(before.port, '/imagine a fox --steps 2');
    const jobId = drawn.jobId as string;
    await expect
      .poll(() => before.stack.jobs.store.get(jobId)?.status, { timeout: 15_000, interval: 50 })
      .toBe('done');
    const asked = await act(before.port, { id: `remix:${jobId}` });
    expect(asked.ask).toMatchObject({ kind: 'imagine_line', jobId });
    const dataDir = before.stack.config.dataDir;
    await before.stack.close();
    opened.splice(opened.indexOf(before.stack), 1);

    const after = await startOn(dataDir);
    const answered = await act(after.port, { id: `remix:${jobId}`, answer: 'a fox at night --steps 3' });
    expect(answered.jobId).toBeDefined();
    expect(answered.jobId).not.toBe(jobId);
    expect(after.stack.jobs.store.get(answered.jobId as string)).toMatchObject({
      owner: { platform: 'web', userId: user },
      request: { task: 'text_to_image', prompt: 'a fox at night', steps: 3 },
    });
  });
});

// `dimoo worker` whose start fails for the operator's own reason (Redis refusing QUEUE_URL's credentials: a
// StartError) says the one line, as a taken port is said; not an internal error with its stack trace.
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StartError } from '../../src/app.js';
import { main } from '../../src/cli/main.js';

const refusal =
  'QUEUE_URL: Redis at 127.0.0.1:6379 refused its user name and password: correct them in QUEUE_URL';

vi.mock('../../src/worker-role.js', () => ({
  runWorker: async () => {
    throw new StartError(refusal, { cause: new Error('WRONGPASS invalid username-password pair') });
  },
}));

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('dimoo worker: a start refused for the operator’s reason', () => {
  it('prints its one line, no stack trace even with DIMOO_DEBUG=1', async () => {
    vi.stubEnv('QUEUE_URL', 'redis://:wrong@127.0.0.1:6379');
    vi.stubEnv('DIMOO_DEBUG', '1');
    let stderr = '';
    let stdout = '';
    const into = (add: (text: string) => void) =>
      new Writable({
        write(chunk, _encoding, done) {
          add(String(chunk));
          done();
        },
      });
    const code = await main(['worker'], {
      stdout: into((text) => {
        stdout += text;
      }),
      stderr: into((text) => {
        stderr += text;
      }),
    });
    expect(code).toBe(1);
    expect(stderr).toBe(`dimoo worker: ${refusal}\n`);
    expect(stdout).toBe('');
  });
});

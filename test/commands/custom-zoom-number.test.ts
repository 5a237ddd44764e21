// Custom zoom's form is prefilled with the result's line and `--zoom 2`; a user who replaces it all with a number
// means the factor: it zooms the result's own prompt with its settings, and one out of range is refused as
// `--zoom 5` is, not drawn as a prompt of one word at the default zoom and steps.
import { describe, expect, it } from 'vitest';
import type { Reply } from '../../commands/reply.js';
import type { Owner, StoredRequest } from '../../src/jobs/index.js';
import { commandsOnQueue } from './commands-on-queue.js';
import { finishedResults, imagineRequest } from './finished-results.js';

const user: Owner = { platform: 'web', userId: '7' };

async function setup() {
  const { commands, store } = commandsOnQueue('custom-zoom-number', { start: false });
  const { finished } = await finishedResults(store, user, 'web:7');
  const ctx = () => commands.context({ user, scope: 'web:7', language: 'en' });
  const id = finished({ ...imagineRequest('a red fox in the snow'), steps: 8 });
  const zoom = (line: string) => commands.answerAsk(ctx(), 'zoom_line', id, line);
  const request = (reply: Reply) => {
    expect(reply.startsJob, JSON.stringify(reply.text)).toBe(true);
    return store.get(reply.jobId as string)?.request as Extract<StoredRequest, { task: 'paint' }>;
  };
  return { zoom, request };
}

/** The share of the canvas added on the left, in thousandths: (zoom - 1) / 2. */
const left = (r: Extract<StoredRequest, { task: 'paint' }>) =>
  r.region.kind === 'extend' ? Math.round(r.region.left * 1000) : undefined;

describe('a number alone answered to Custom zoom', () => {
  it('is the factor: the result’s prompt and settings kept', async () => {
    const { zoom, request } = await setup();
    for (const [line, share] of [
      ['1.8', 400],
      ['2', 500],
      [' 1.2 ', 100],
      ['１．８', 400],
      // A decimal comma, as de/fr/es/pt-BR/ru write it, typed or full-width.
      ['1,5', 250],
      ['１，５', 250],
    ] as const) {
      const zoomed = request(await zoom(line));
      expect([line, zoomed.prompt, zoomed.steps, left(zoomed)]).toEqual([
        line,
        'a red fox in the snow',
        8,
        share,
      ]);
    }
  });

  it('out of range, is refused as --zoom with it', async () => {
    const { zoom } = await setup();
    for (const line of ['5', '1']) {
      expect((await zoom(line)).text[0]).toMatchObject({
        key: 'errors.flag.range_number',
        params: { flag: '--zoom', min: 1.1, max: 2, value: line },
      });
    }
    // No leading digit, refused as `--zoom .5` is (not drawn as a prompt of one word).
    const half = (await zoom('.5')).text[0];
    expect(half).toEqual((await zoom('--zoom .5')).text[0]);
    expect(half).toMatchObject({ key: 'errors.flag.range_number', params: { flag: '--zoom', value: '0.5' } });
    // A decimal comma is refused as the point it stands for.
    expect((await zoom('2,5')).text[0]).toMatchObject({
      key: 'errors.flag.range_number',
      params: { flag: '--zoom', value: '2.5' },
    });
  });

  it('with words, stays a prompt', async () => {
    const { zoom, request } = await setup();
    expect(request(await zoom('5 foxes --zoom 1.5'))).toMatchObject({ prompt: '5 foxes' });
  });
});

// A `--box` list typed with spaces goes on after a `,` or `;` only to a word that can be a region (`--box center,
// top-left`): a prompt's word after a stray `;` or `,` (`--box center; hat`) is the prompt's, where it was read as a
// region and refused ("Please give a prompt.", "“a” is not a region"). `/settings steps` with no value is refused as
// a flag without its value is, not as an empty number.
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../../commands/commands.js';
import type { Reply } from '../../commands/reply.js';
import { encodePng } from '../../engine/index.js';
import type { Job } from '../../src/jobs/index.js';
import { commandsOnQueue } from './commands-on-queue.js';

function setup() {
  const { commands, store } = commandsOnQueue('retouch-box-list-end', { start: false });
  const ctx: CommandContext = commands.context({
    user: { platform: 'web', userId: '1' },
    scope: 'web:1',
    language: 'en',
  });
  const job = (reply: Reply | undefined) => store.get(reply?.jobId as string) as Job;
  return { commands, ctx, job };
}

const png = async () => ({
  data: await encodePng({ width: 48, height: 32, data: new Uint8Array(48 * 32 * 3).fill(120) }),
  filename: 'image.png',
});

const CENTER = { x: 0.25, y: 0.25, w: 0.5, h: 0.5 };
const TOP_LEFT = { x: 0, y: 0, w: 0.5, h: 0.5 };

describe('/retouch --box, a list typed with spaces', () => {
  it.each([
    ['/retouch --box center; hat', [CENTER], 'hat'],
    ['/retouch --box center, a red hat', [CENTER], 'a red hat'],
    ['/retouch a red hat --box center;', [CENTER], 'a red hat'],
    ['/retouch --box center, top-left a hat', [CENTER, TOP_LEFT], 'a hat'],
    [
      '/retouch --box Centre, Top_Left, ｌｅｆｔ; hats',
      [CENTER, TOP_LEFT, { x: 0, y: 0, w: 0.5, h: 1 }],
      'hats',
    ],
    [
      '/retouch --box 0.1,0.1,0.5,0.5; 0.2,0.2,0.3,0.3 hat',
      [
        { x: 0.1, y: 0.1, w: 0.5, h: 0.5 },
        { x: 0.2, y: 0.2, w: 0.3, h: 0.3 },
      ],
      'hat',
    ],
  ])('%s: the boxes it names, and the rest is the prompt', async (line, boxes, prompt) => {
    const { commands, ctx, job } = setup();
    const reply = await commands.runChatLine(ctx, line, { image: await png() });
    expect(reply?.text, line).not.toContainEqual(
      expect.objectContaining({ key: expect.stringMatching(/^errors\./) }),
    );
    expect(job(reply).request).toMatchObject({ task: 'paint', prompt, region: { kind: 'boxes', boxes } });
  });

  it('still refuses fractions out of range on the list, rather than drawing them into the prompt', async () => {
    const { commands, ctx } = setup();
    const reply = await commands.runChatLine(ctx, '/retouch --box 0.1,0.1,0.5,0.5; 0.6,0.6,0.5,0.5 hat', {
      image: await png(),
    });
    expect(reply?.text[0]).toMatchObject({
      key: 'errors.retouch.boxes',
      params: { value: '0.6,0.6,0.5,0.5' },
    });
  });
});

describe('/settings with a key and no value', () => {
  it.each(['/settings steps', '/settings steps=', '/settings size=768 private'])(
    '%s: needs a value',
    async (line) => {
      const { commands, ctx } = setup();
      const reply = await commands.runChatLine(ctx, line);
      expect(reply?.text[0]?.key, line).toBe('errors.flag.missing_value');
      expect(reply?.text[0]?.params?.flag, line).toBe(line.includes('private') ? 'private' : 'steps');
    },
  );
});

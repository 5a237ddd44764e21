// A user's image is fetched from the Bot API's own file server: a redirect there is followed only within that
// server, never to another address (an internal service the bot's network can reach and the user cannot). getFile's
// refusals are the user's: a file too big for it, or one it will not give.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Api } from 'grammy';
import { afterAll, describe, expect, it } from 'vitest';
import { download } from '../../../adapters/telegram/incoming-images.js';
import { UserInputError } from '../../../commands/index.js';

const TOKEN = '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef';
const servers: Server[] = [];

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const seen = { paths: [] as string[] };
  const server = createServer((req, res) => {
    seen.paths.push(req.url ?? '');
    handler(req, res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { root: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

/** A Bot API whose getFile names `photos/a.jpg`, and whose file link answers with `file`. */
async function botApi(file: (res: ServerResponse) => void) {
  return listen((req, res) => {
    if (req.url === `/bot${TOKEN}/getFile`) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          ok: true,
          result: { file_id: 'f', file_unique_id: 'u', file_path: 'photos/a.jpg' },
        }),
      );
    } else if (req.url === `/file/bot${TOKEN}/photos/a.jpg`) file(res);
    else if (req.url === '/elsewhere/a.jpg') res.end('image bytes');
    else res.writeHead(404).end();
  });
}

const sourceOf = (root: string) => ({
  api: new Api(TOKEN, { apiRoot: root }),
  root,
  token: TOKEN,
  maxInputBytes: 1024,
});

describe('Telegram image downloads', () => {
  it('refuses a file link that redirects off the Bot API server, without fetching the target', async () => {
    const internal = await listen((_req, res) => res.end('internal secret'));
    const { root } = await botApi((res) =>
      res.writeHead(302, { location: `${internal.root}/latest/meta-data` }).end(),
    );
    const error = await download(sourceOf(root), { id: 'f' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserInputError);
    expect((error as UserInputError).key).toBe('errors.telegram.download_failed');
    expect(internal.seen.paths).toEqual([]);
  });

  it('follows a redirect within the Bot API server', async () => {
    const { root } = await botApi((res) => res.writeHead(302, { location: '/elsewhere/a.jpg' }).end());
    const image = await download(sourceOf(root), { id: 'f' });
    expect(Buffer.from(image.data).toString()).toBe('image bytes');
    expect(image.filename).toBe('a.jpg');
  });

  /** A Bot API whose getFile answers 400 with `description`. */
  async function refusingGetFile(description: string) {
    return listen((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: false, error_code: 400, description }));
    });
  }

  it('a file getFile calls too big (a message that gave no size) is refused as too large, with the limit', async () => {
    const { root } = await refusingGetFile('Bad Request: file is too big');
    const error = await download(sourceOf(root), { id: 'f' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserInputError);
    expect((error as UserInputError).key).toBe('errors.input.too_large_unsized');
    expect((error as UserInputError).params).toEqual({ limitBytes: 1024 });
  });

  it('any other getFile refusal of the file is a failed download', async () => {
    const { root } = await refusingGetFile('Bad Request: invalid file_id');
    const error = await download(sourceOf(root), { id: 'f' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserInputError);
    expect((error as UserInputError).key).toBe('errors.telegram.download_failed');
  });
});

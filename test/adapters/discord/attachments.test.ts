// An attachment over the input limit is refused before download, naming its size and the limit (the message has
// both placeholders; Discord's refusal once left "{size}" in the text). A download that fails on the way is Discord's
// own refusal (it once escaped as a raw network error and reached the user as the generic one). Only Discord's CDN
// is fetched: another host, another port on its name, or a redirect away from it reaches nothing.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { download, isImageAttachment, onAllowedHost } from '../../../adapters/discord/attachments.js';
import { UserInputError } from '../../../commands/index.js';
import { t } from '../../../src/i18n.js';

describe('Discord attachments', () => {
  it('an image is known by its content type, its name, or (with neither) the size Discord measured', () => {
    const none = { contentType: null, name: 'upload', width: null, height: null };
    expect(isImageAttachment({ ...none, contentType: 'image/jpeg' })).toBe(true);
    expect(isImageAttachment({ ...none, name: 'photo.WEBP' })).toBe(true);
    expect(isImageAttachment({ ...none, width: 640, height: 480 })).toBe(true);
    expect(isImageAttachment(none)).toBe(false);
    expect(isImageAttachment({ ...none, contentType: 'application/pdf', width: 640, height: 480 })).toBe(
      false,
    );
  });

  it('refuses one over the limit with its size and the limit, before fetching it', async () => {
    const attachment = {
      url: 'https://cdn.discordapp.com/attachments/1/2/big.png',
      size: 30 * 1024 * 1024,
      name: 'big.png',
      contentType: 'image/png',
    };
    const error = await download(attachment, {
      hosts: ['cdn.discordapp.com'],
      maxBytes: 20 * 1024 * 1024,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserInputError);
    const { key, params } = error as UserInputError;
    expect(t('en', key, params)).toBe('That file is too large (30 MB, limit 20 MB).');
  });

  it('refuses a download that cannot connect as a failed Discord download', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const attachment = {
      url: `http://127.0.0.1:${port}/attachments/1/2/a.png`,
      size: 100,
      name: 'a.png',
      contentType: 'image/png',
    };
    const error = await download(attachment, { hosts: [`127.0.0.1:${port}`], maxBytes: 1024 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UserInputError);
    expect((error as UserInputError).key).toBe('errors.discord.download_failed');
  });

  it("fetches only Discord's CDN over https: other hosts, ports, credentials and plain http are refused", () => {
    const cdn = ['cdn.discordapp.com', 'media.discordapp.net'];
    expect(onAllowedHost(new URL('https://cdn.discordapp.com/attachments/1/2/a.png'), cdn)).toBe(true);
    expect(onAllowedHost(new URL('https://media.discordapp.net:443/attachments/1/2/a.png'), cdn)).toBe(true);
    for (const url of [
      'https://cdn.discordapp.com:6379/',
      'http://cdn.discordapp.com/attachments/1/2/a.png',
      'https://cdn.discordapp.com@169.254.169.254/latest/meta-data',
      'https://user:pw@cdn.discordapp.com/a.png',
      'http://169.254.169.254/latest/meta-data',
      'http://127.0.0.1:6379/',
      'https://cdn.discordapp.com.evil.example/a.png',
      'file://cdn.discordapp.com/etc/passwd',
    ]) {
      expect(onAllowedHost(new URL(url), cdn), url).toBe(false);
    }
    // A double listed with its port (tests) is reached over http on that port only.
    expect(onAllowedHost(new URL('http://127.0.0.1:8080/a.png'), ['127.0.0.1:8080'])).toBe(true);
    expect(onAllowedHost(new URL('http://127.0.0.1:8081/a.png'), ['127.0.0.1:8080'])).toBe(false);
  });

  describe('against local servers', () => {
    const servers: Server[] = [];
    afterAll(async () => {
      for (const server of servers) {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    });

    async function listen(answer: (res: ServerResponse) => void) {
      const seen = { hits: 0 };
      const server = createServer((_req, res) => {
        seen.hits += 1;
        answer(res);
      });
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return { port: (server.address() as AddressInfo).port, seen };
    }

    const attachment = (url: string) => ({ url, size: 100, name: 'a.png', contentType: 'image/png' });

    it('refuses another port on an allowed name before connecting to it', async () => {
      const internal = await listen((res) => res.end('internal'));
      const error = await download(attachment(`http://localhost:${internal.port}/a.png`), {
        hosts: ['localhost'],
        maxBytes: 1024,
      }).catch((e: unknown) => e);
      expect((error as UserInputError).key).toBe('errors.discord.attachment_host');
      expect(internal.seen.hits).toBe(0);
    });

    it('does not follow a redirect off the CDN (to an internal address, say)', async () => {
      const internal = await listen((res) => res.end('internal secret'));
      const cdn = await listen((res) =>
        res.writeHead(302, { location: `http://127.0.0.1:${internal.port}/latest/meta-data` }).end(),
      );
      const error = await download(attachment(`http://127.0.0.1:${cdn.port}/attachments/1/2/a.png`), {
        hosts: [`127.0.0.1:${cdn.port}`],
        maxBytes: 1024,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UserInputError);
      expect((error as UserInputError).key).toBe('errors.discord.download_failed');
      expect(cdn.seen.hits).toBe(1);
      expect(internal.seen.hits).toBe(0);
    });
  });
});

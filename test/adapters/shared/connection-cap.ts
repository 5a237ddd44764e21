// A flood of silent connections, one past a server's cap: whether the cap holds (the oldest one closed to make way).
import { connect, type Socket } from 'node:net';
import { expect, vi } from 'vitest';

const connected = (port: number) =>
  new Promise<Socket>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket)).once('error', reject);
  });

/** Opens `cap + 1` silent connections to `port` and waits for the oldest to be closed; closes them all after. */
export async function expectOldestClosedPastCap(port: number, cap: number): Promise<void> {
  const flood: Socket[] = [];
  try {
    for (let i = 0; i <= cap; i += 1) flood.push((await connected(port)).on('error', () => undefined));
    const oldest = flood[0];
    await vi.waitFor(() => expect(oldest?.destroyed || oldest?.readableEnded).toBe(true), { timeout: 5000 });
  } finally {
    for (const socket of flood) socket.destroy();
  }
}

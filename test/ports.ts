// Ports for tests that start real servers or `npm start`: one nothing listens on, and one another program holds.
import { createServer, type Server } from 'node:net';

/** A port nothing listens on now (the test takes the small chance that another program takes it first). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A port another program holds on 127.0.0.1 until `release` (the test's cleanup) closes it. */
export async function takenPort(): Promise<{ port: number; release: () => Promise<void> }> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { port, release: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Another program's try to listen on `port` (127.0.0.1): the error code it meets, or 'listened' (let go again). */
export function tryToListen(port: number): Promise<string> {
  const server: Server = createServer();
  return new Promise((resolve) => {
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? String(error)));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve('listened')));
  });
}

// One raw HTTP request to the playground, for the server tests: the path goes on the wire exactly as written (no
// client-side URL normalization), any headers (a foreign Host or Origin included), the whole answer back. And a body
// streamed over a bare socket, to see when the server answers it and whether it closes the connection; one trickled
// a byte at a time; a connection that goes silent, to see the server close it.
import { request } from 'node:http';
import { connect } from 'node:net';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function send(
  port: number,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: Buffer; address?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: init.address ?? '127.0.0.1', port, path, method: init.method ?? 'GET', headers: init.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

export interface Streamed {
  /** The answer as it came (headers and body, latin1), or '' when none came before the client gave up. */
  answer: string;
  /** The filler bytes the client had written when the answer came. */
  written: number;
  /** Whether the server ended the connection (the client never does). */
  endedByServer: boolean;
  /** The whole body's length, announced or not. */
  bodyBytes: number;
}

export interface StreamedBody {
  path: string;
  headers: Record<string, string>;
  /** The body: `head`, then `fillerBytes` bytes of `filler`, then `tail`, which is never sent. */
  head: Buffer;
  fillerBytes: number;
  filler?: number;
  tail: Buffer;
  /** With a Content-Length of the whole body, or chunked without one. */
  announce: boolean;
}

/**
 * POSTs a body over a raw socket, 64 KiB at a time, and stops writing once an answer arrives. The body's end (its
 * `tail`, and a chunked body's last chunk) is held back: a server that waits for it before answering gets no further
 * than the client's patience (2 s after the filler is out).
 */
export function streamBody(port: number, body: StreamedBody): Promise<Streamed> {
  const bodyBytes = body.head.length + body.fillerBytes + body.tail.length;
  const socket = connect(port, '127.0.0.1');
  let answer = '';
  let endedByServer = false;
  let written = 0;
  socket.setEncoding('latin1');
  socket.on('data', (text: string) => {
    answer += text;
  });
  socket.on('end', () => {
    endedByServer = true;
  });
  // Writing on after the server closed resets the connection; the answer already came.
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  const frame = (data: Buffer) =>
    body.announce
      ? data
      : Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')]);
  // Resolves once the socket takes more, or is gone.
  const write = (data: Buffer) =>
    new Promise<void>((resolve) => {
      if (socket.write(data)) setImmediate(resolve);
      else {
        socket.once('drain', resolve);
        void closed.then(resolve);
      }
    });
  const headers = {
    host: `127.0.0.1:${port}`,
    ...body.headers,
    ...(body.announce ? { 'content-length': String(bodyBytes) } : { 'transfer-encoding': 'chunked' }),
  };
  const pump = async () => {
    const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
    await write(Buffer.from(`POST ${body.path} HTTP/1.1\r\n${lines.join('')}\r\n`, 'latin1'));
    await write(frame(body.head));
    const chunk = Buffer.alloc(64 * 1024, body.filler ?? 7);
    while (written < body.fillerBytes && answer === '' && !socket.destroyed) {
      const part = chunk.subarray(0, Math.min(chunk.length, body.fillerBytes - written));
      await write(frame(part));
      written += part.length;
    }
    const patience = setTimeout(() => socket.destroy(), 2_000);
    await closed;
    clearTimeout(patience);
    return { answer, written, endedByServer, bodyBytes };
  };
  return pump();
}

/** The status, headers and JSON lines of a raw HTTP answer (its body chunked, as Node sends it here). */
export function parseRaw(answer: string): { status: number; headers: string; lines: string[] } {
  const [headers = '', chunked = ''] = answer.split('\r\n\r\n', 2);
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(headers)?.[1] ?? 0);
  let text = '';
  for (let rest = chunked; ; ) {
    const size = Number.parseInt(rest, 16);
    if (!(size > 0)) break;
    const start = rest.indexOf('\r\n') + 2;
    text += rest.slice(start, start + size);
    rest = rest.slice(start + size + 2);
  }
  const json = Buffer.from(text, 'latin1').toString('utf8');
  return { status, headers, lines: json ? (JSON.parse(json) as { lines: string[] }).lines : [] };
}

/** Resolves once the server closes a connection that sends `sent` and then nothing more. */
export function closedWhenSilent(port: number, sent: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(sent));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve());
    socket.resume();
  });
}

/**
 * POSTs `headers` announcing a long body, then sends it one byte every 100 ms (never idle, never done) until the server
 * answers or closes: the answer (latin1) and how long after the headers it came.
 */
export function trickleBody(
  port: number,
  path: string,
  headers: Record<string, string>,
): Promise<{ answer: string; afterMs: number }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    let started = 0;
    let drip: NodeJS.Timeout | undefined;
    socket.setEncoding('latin1');
    socket.on('data', (text: string) => {
      answer += text;
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(drip);
      resolve({ answer, afterMs: Date.now() - started });
    });
    socket.on('connect', () => {
      const lines = Object.entries({ host: `127.0.0.1:${port}`, 'content-length': '1000000', ...headers })
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('');
      socket.write(`POST ${path} HTTP/1.1\r\n${lines}\r\n`);
      started = Date.now();
      drip = setInterval(() => {
        if (answer === '') socket.write('x');
      }, 100);
    });
  });
}

// The operators' HTTP endpoints on their own port (loopback by default): /metrics (Prometheus text), /healthz (the
// process answers) and /readyz (the worker runs on the loaded model, or the shared queue is reachable, and the bot
// is not stopping). Nothing else is served.
// /readyz always answers within READY_TIMEOUT_MS: an orchestrator's probe that hangs is as bad as no answer, and
// each hung probe would leave a request open.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { within } from '../within.js';
import type { BotMetrics } from './metrics.js';

/** How long /readyz waits for the readiness check before it answers 503. */
export const READY_TIMEOUT_MS = 1500;

/** A readiness check's answer: true when ready; a string says why not. */
export type Readiness = boolean | string;

export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

export async function startOpsServer(options: {
  host: string;
  port: number;
  metrics: BotMetrics;
  /** true: ready; false or a reason (`starting`, `stopping`): /readyz is 503, with the reason. */
  ready: () => Promise<Readiness> | Readiness;
  /** Adapters that cannot hear their platform now (`AdapterHealth.problems`): each makes /readyz 503, named. */
  problems?: () => string[];
  /** Defaults to READY_TIMEOUT_MS. */
  readyTimeoutMs?: number;
}): Promise<OpsServer> {
  const readyTimeoutMs = options.readyTimeoutMs ?? READY_TIMEOUT_MS;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      const check = Promise.resolve()
        .then(options.ready)
        .catch((): Readiness => false);
      void within<Readiness>(check, readyTimeoutMs, false).then((answer) => {
        const ready = answer === true;
        const problems = ready ? (options.problems?.() ?? []) : typeof answer === 'string' ? [answer] : [];
        const body = problems.length
          ? `not ready: ${problems.join('; ')}\n`
          : ready
            ? 'ready\n'
            : 'not ready\n';
        res.writeHead(ready && !problems.length ? 200 : 503, { 'content-type': 'text/plain' }).end(body);
      });
    } else if (path === '/metrics') {
      options.metrics.text().then(
        (text) => res.writeHead(200, { 'content-type': options.metrics.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

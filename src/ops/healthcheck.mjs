// The image's HEALTHCHECK (Dockerfile): exits 0 when this container's /healthz answers 200, else 1. Plain
// JavaScript run by node alone, so a check every 30 s loads no TypeScript. It reads the same METRICS_PORT and
// METRICS_HOST as the bot (the image sets METRICS_PORT; compose gives each role its own).
const port = process.env.METRICS_PORT?.trim();
const configured = process.env.METRICS_HOST?.trim() ?? '';
// A wildcard address is reached over loopback; a specific one as it is (an IPv6 literal in brackets).
const wildcard = ['', '0.0.0.0', '::'].includes(configured);
const host = wildcard ? '127.0.0.1' : configured.includes(':') ? `[${configured}]` : configured;

if (!port) {
  process.stderr.write('METRICS_PORT is not set: the bot serves no /healthz to check\n');
  process.exit(1);
}
try {
  const response = await fetch(`http://${host}:${port}/healthz`, { signal: AbortSignal.timeout(4000) });
  process.exit(response.ok ? 0 : 1);
} catch (error) {
  process.stderr.write(`/healthz on ${host}:${port}: ${error instanceof Error ? error.message : error}\n`);
  process.exit(1);
}

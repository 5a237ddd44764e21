// Why a server could not open its port, in words an operator acts on: Node's "listen EADDRINUSE: address already in
// use 127.0.0.1:8080" with a stack trace under it does not say which setting to change.

interface SystemError {
  code?: unknown;
  syscall?: unknown;
  address?: unknown;
  port?: unknown;
  hostname?: unknown;
}

/**
 * What stopped a server that was to listen on `host` (its configured name), or undefined when `error` is no such
 * failure. A name that does not resolve counts only when it is that host: an adapter also looks up its platform's.
 */
export function listenProblem(error: unknown, host: string): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, syscall, address, port, hostname } = error as SystemError;
  if (syscall === 'getaddrinfo' && hostname === host)
    return `the host name ${host} does not resolve (${String(code)})`;
  if (syscall !== 'listen') return undefined;
  const where = `${String(address ?? host)}:${String(port)}`;
  switch (code) {
    case 'EADDRINUSE':
      return `${where} is already in use (another program listens there, or another dimoo-bot)`;
    case 'EACCES':
    case 'EPERM':
      return `${where} may not be opened by this user (ports below 1024 need privileges)`;
    case 'EADDRNOTAVAIL':
      return `${where} is not an address of this machine`;
    default:
      return `${where} cannot be opened (${String(code)})`;
  }
}

// A test double loaded into `npm start` (node --import) for the moment between a port's reservation letting go of it
// and its own server listening there (src/ops/port-reservations.ts). The first server on PORT_THIEF_PORT to close
// is reported closed only once that moment was used: by default "another program" listens on the port (in this
// process: a second listen on a port in use fails as it does across processes; it keeps nothing alive); with
// PORT_THIEF_REFUSES=EACCES (or another code) the system refuses the next listen there instead, as it would a port
// that became privileged. It says `stolen <port>` on stdout, so a test knows the moment was hit.
import { Server } from 'node:net';

const port = Number(process.env.PORT_THIEF_PORT);
const refuses = process.env.PORT_THIEF_REFUSES;
const { close, listen } = Server.prototype;
let stolen = false;
let refuseNext = false;

Server.prototype.close = function closeAndSteal(this: Server, callback?: (error?: Error) => void) {
  const address = this.address();
  if (stolen || address === null || typeof address === 'string' || address.port !== port)
    return close.call(this, callback);
  stolen = true;
  return close.call(this, (error?: Error) => {
    const done = () => {
      process.stdout.write(`stolen ${port}\n`);
      callback?.(error);
    };
    if (refuses !== undefined) {
      refuseNext = true;
      return done();
    }
    const thief = new Server();
    thief.listen(port, address.address, () => {
      thief.unref();
      done();
    });
  });
};

// Node's own error for a refused listen: what listen-problem.ts reads (code, syscall, address, port).
Server.prototype.listen = function listenOrRefuse(this: Server, ...args: unknown[]) {
  const [wanted, host] = args;
  if (!refuseNext || wanted !== port) return listen.apply(this, args as Parameters<Server['listen']>);
  refuseNext = false;
  const address = typeof host === 'string' ? host : '0.0.0.0';
  const error = Object.assign(new Error(`listen ${refuses} ${address}:${port}`), {
    code: refuses,
    syscall: 'listen',
    address,
    port,
  });
  process.nextTick(() => this.emit('error', error));
  return this;
};

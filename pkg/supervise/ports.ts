/**
 * Small TCP helpers for engine supervision: pick a free port on the loopback interface and wait until
 * something accepts connections on a port. Never used on a hot path; never binds anything it keeps.
 */
import { connect, createServer } from 'node:net';

/** Asks the kernel for a port that is free right now (bind to port 0, read it, release it). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error(`no TCP port from ${host}`);
  return address.port;
}

/** `port` when given and non-zero, else a free one. */
export async function portOrFree(port: number | undefined, host: string): Promise<number> {
  return port !== undefined && port !== 0 ? port : freePort(host);
}

/** True when a TCP connection to host:port succeeds within `timeoutMs`. */
export function canConnect(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

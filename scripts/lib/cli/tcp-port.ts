// Is a TCP port on 127.0.0.1 free right now: for the local server's port and a port-forward's.
import { createServer } from 'node:net';

export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** The first free port of [from, from + count), or null. */
export async function firstFreePort(from: number, count: number): Promise<number | null> {
  for (let port = from; port < Math.min(from + count, 65536); port++) if (await portFree(port)) return port;
  return null;
}

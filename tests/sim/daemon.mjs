// Answers the doubles' quick read-only calls from one long-lived process, so a `kubectl get`
// costs a bash start and a loopback round trip instead of a Node.js start (~100 ms here).
// Protocol, one call per connection: request `TOOL\0ARGC\0ARG…\0`; response
// `EXIT ERRBYTES\n`, stderr bytes, stdout bytes until close; or `fallback 0\n` when the call
// needs its own process (stdin, streaming, waiting, state changes beyond reconciling).
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { runKubectl } from './lib/kubectl-cli.mjs';
import { runHelm } from './lib/helm-cli.mjs';

const dir = process.argv[2];
const RUNNERS = { kubectl: runKubectl, helm: runHelm };

// One call at a time: the runners keep per-call context in module scope.
let queue = Promise.resolve();

function parse(buffer) {
  const parts = buffer.toString('utf8').split('\0');
  const [tool, argc] = parts;
  const n = Number(argc);
  if (!RUNNERS[tool] || !Number.isInteger(n) || parts.length < n + 3) return null;
  return { tool, args: parts.slice(2, 2 + n) };
}

const server = net.createServer((socket) => {
  let buffer = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    const call = parse(buffer);
    if (!call) return;
    socket.removeAllListeners('data');
    queue = queue.then(async () => {
      const outs = [];
      const errs = [];
      const io = { out: (t) => outs.push(Buffer.from(t)), err: (t) => errs.push(Buffer.from(t)) };
      let code;
      try {
        code = await RUNNERS[call.tool](dir, call.args, io, { fastOnly: true });
      } catch (e) {
        errs.push(Buffer.from(`sim: daemon error: ${e.stack}\n`));
        code = 255;
      }
      if (code === 'fallback') return socket.end('fallback 0\n');
      const errBuf = Buffer.concat(errs);
      socket.end(Buffer.concat([Buffer.from(`${code} ${errBuf.length}\n`), errBuf, ...outs]));
    });
  });
  socket.on('error', () => {});
});

server.listen(0, '127.0.0.1', () => {
  fs.writeFileSync(path.join(dir, 'daemon.port'), String(server.address().port));
});

// One forwarded connection, run inside the pod's network namespace (nsenter --net): dials the port on
// 127.0.0.1, then [::1], as containerd's port-forward does, and copies stdin and stdout to and from it.
// A failed dial is told on stderr in containerd's words; the port-forward process reports it.
import net from 'node:net';

const port = Number(process.argv[2]);
const sandbox = process.argv[3];

function dial(host) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, allowHalfOpen: true });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

const reason = (e) => (e.code === 'ECONNREFUSED' ? 'connect: connection refused' : e.message);

let socket;
try {
  socket = await dial('127.0.0.1');
} catch (v4) {
  try {
    socket = await dial('::1');
  } catch (v6) {
    process.stderr.write(
      `failed to connect to localhost:${port} inside namespace "${sandbox}", ` +
        `IPv4: dial tcp4 127.0.0.1:${port}: ${reason(v4)} ` +
        `IPv6 dial tcp6 [::1]:${port}: ${reason(v6)} `,
    );
    process.exit(1);
  }
}
socket.on('error', () => process.exit(0));
process.stdin.pipe(socket);
socket.pipe(process.stdout);

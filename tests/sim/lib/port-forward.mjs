// `kubectl port-forward`'s client side (client-go tools/portforward/portforward.go): listeners on this
// machine, and for each connection a relay into the pod's network namespace that dials 127.0.0.1:PORT
// there, as the kubelet's CRI port-forward does (containerd sandbox_portforward_linux.go).
import net from 'node:net';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const RELAY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'port-relay.mjs');

export class PortForwardError extends Error {}

// parsePorts: "5000", "8888:5000", ":5000" / "0:5000" (a free local port). Named remote ports are
// resolved by the caller first (kubectl's convertPodNamedPortToNumber); here every port is a number.
export function parsePorts(specs) {
  return specs.map((spec) => {
    const parts = spec.split(':');
    if (parts.length > 2) throw new PortForwardError(`invalid port format '${spec}'`);
    const local = parts.length === 1 ? parts[0] : parts[0] || '0';
    const remote = parts.at(-1);
    const l = parseUint16(local, 'local');
    const r = parseUint16(remote, 'remote');
    if (r === 0) throw new PortForwardError('remote port must be > 0');
    return { local: l, remote: r };
  });
}

// strconv.ParseUint(s, 10, 16) and its two error texts.
function parseUint16(text, which) {
  if (!/^\d+$/.test(text))
    throw new PortForwardError(
      `error parsing ${which} port '${text}': strconv.ParseUint: parsing "${text}": invalid syntax`,
    );
  const n = Number(text);
  if (n > 65535)
    throw new PortForwardError(
      `error parsing ${which} port '${text}': strconv.ParseUint: parsing "${text}": value out of range`,
    );
  return n;
}

// parseAddresses: "localhost" is 127.0.0.1 and ::1, where one of the two is enough ("all" failure mode);
// an explicit IP must bind ("any"). Sorted by address, as kubectl sorts them.
export function parseAddresses(list) {
  const parsed = new Map();
  for (const address of list) {
    if (address === 'localhost') {
      if (!parsed.has('127.0.0.1')) parsed.set('127.0.0.1', { address: '127.0.0.1', family: 4, mode: 'all' });
      if (!parsed.has('::1')) parsed.set('::1', { address: '::1', family: 6, mode: 'all' });
    } else if (net.isIPv4(address)) parsed.set(address, { address, family: 4, mode: 'any' });
    else if (net.isIPv6(address)) parsed.set(address, { address, family: 6, mode: 'any' });
    else throw new PortForwardError(`${address} is not a valid IP`);
  }
  return [...parsed.values()].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

const hostPort = (address, port) => (address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`);

function listen(address, port) {
  return new Promise((resolve, reject) => {
    const server = net.createServer({ allowHalfOpen: true });
    server.once('error', (e) => {
      const proto = address.includes(':') ? 'tcp6' : 'tcp4';
      const why =
        e.code === 'EADDRINUSE' ? 'address already in use' : e.code === 'EACCES' ? 'permission denied' : e.message;
      reject(new Error(`unable to create listener: Error listen ${proto} ${hostPort(address, port)}: bind: ${why}`));
    });
    server.listen({ host: address, port, exclusive: true }, () => resolve(server));
  });
}

/**
 * Runs until SIGINT (exit 0, as kubectl's signal handler closes the stop channel) or until the pod is
 * gone or a connection fails in the pod (kubectl then says "lost connection to pod", exit 1).
 * podGone() is polled; logError prints klog's "Unhandled Error" line.
 */
export async function forwardPorts({ netns, sandbox, ports, addresses, out, errOut, logError, podGone }) {
  const servers = [];
  let anyListening = false;
  for (const port of ports) {
    const errors = [];
    const counts = { all: [0, 0], any: [0, 0] };
    for (const addr of addresses) {
      try {
        const server = await listen(addr.address, port.local);
        port.local = server.address().port; // a free port chosen for 0 is used on every address
        out(`Forwarding from ${hostPort(addr.address, port.local)} -> ${port.remote}\n`);
        servers.push({ server, port: { ...port } });
        counts[addr.mode][0]++;
      } catch (e) {
        errors.push(e.message);
        counts[addr.mode][1]++;
      }
    }
    const failed = (counts.all[0] === 0 && counts.all[1] > 0) || counts.any[1] > 0;
    if (failed)
      errOut(
        `Unable to listen on port ${port.local}: Listeners failed to create with the following errors: ` +
          `[${errors.join(' ')}]\n`,
      );
    else anyListening = true;
  }
  if (!anyListening) {
    for (const { server } of servers) server.close();
    throw new PortForwardError(
      `unable to listen on any of the requested ports: [${ports.map((p) => `{${p.local} ${p.remote}}`).join(' ')}]`,
    );
  }
  return new Promise((resolve) => {
    const relays = new Set();
    let finished = false;
    const finish = (code) => {
      if (finished) return;
      finished = true;
      clearInterval(watch);
      process.off('SIGINT', onInt);
      for (const { server } of servers) server.close();
      for (const r of relays) r.kill('SIGKILL');
      if (code !== 0) errOut('error: lost connection to pod\n');
      resolve(code);
    };
    const onInt = () => finish(0);
    process.on('SIGINT', onInt);
    const watch = setInterval(() => podGone() && finish(1), 500);
    for (const { server, port } of servers) {
      server.on('connection', (conn) => {
        out(`Handling connection for ${port.local}\n`);
        const relay = spawn('nsenter', [`--net=${netns}`, process.execPath, RELAY, String(port.remote), sandbox], {
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        relays.add(relay);
        let failure = '';
        relay.stderr.on('data', (chunk) => (failure += chunk));
        relay.stdin.on('error', () => {});
        conn.on('error', () => relay.stdin.destroy());
        conn.pipe(relay.stdin);
        relay.stdout.pipe(conn);
        relay.on('close', () => {
          relays.delete(relay);
          if (!failure) return;
          logError(
            `an error occurred forwarding ${port.local} -> ${port.remote}: error forwarding port ${port.remote} to ` +
              `pod ${sandbox}, uid : failed to execute portforward in network namespace ` +
              `"/var/run/netns/cni-${sandbox.slice(0, 8)}": ${failure.trim()}`,
          );
          finish(1);
        });
      });
    }
  });
}

// port-forward.ts: the database on a port of this machine (kubectl port-forward svc/<fullname>), with the
// DATABASE_URL that goes through it: in the foreground until Ctrl-C, or --background; --stop ends it.
import { once } from 'node:events';
import { appUrl, readUserPassword } from './lib/cluster/app-connection.ts';
import { chartNames } from './lib/cluster/chart-names.ts';
import { lockStart, recordPath, removeForwardRecord, writeForwardRecord } from './lib/cluster/port-forward-record.ts';
import { createClusterTools } from './lib/cluster/tools.ts';
import { toolError, usageError } from './lib/cli/errors.ts';
import { ExitCode } from './lib/cli/exit-codes.ts';
import { registerSecret } from './lib/cli/redact.ts';
import { onInterrupt, runScript } from './lib/cli/run-script.ts';
import { firstFreePort } from './lib/cli/tcp-port.ts';
import { forwarderError, startForwarder } from './lib/port-forward/forwarder.ts';
import { PORT_FORWARD_OPTIONS } from './lib/port-forward/options.ts';
import { findForwarder, stopForwarder } from './lib/port-forward/session.ts';

const CMD = 'npm run -s db:port-forward --';

await runScript(
  {
    command: CMD,
    summary: 'Forward a port of this machine to the database (kubectl port-forward) and print its DATABASE_URL.',
    usage: `${CMD} [flags]`,
    spec: PORT_FORWARD_OPTIONS,
    examples: ['npm run -s db:port-forward', `${CMD} --background`, `${CMD} --stop`],
  },
  async ({ cfg, out }) => {
    if (!Number.isInteger(cfg.port) || cfg.port < 1 || cfg.port > 65535)
      throw usageError(`--port ${cfg.port} is not a TCP port (1-65535)`, `${CMD} --port 15432`);
    if (cfg.target === 'local')
      throw usageError('the local target needs no port-forward: its server listens on 127.0.0.1', 'npm run -s db:url');
    const ref = { namespace: cfg.namespace, release: cfg.release, context: cfg.context };
    const service = chartNames(cfg.release).service;
    const file = recordPath(ref);
    if (cfg.stop) {
      const found = findForwarder(ref);
      if (found.state === 'alive') await stopForwarder(ref, found.record.pid);
      const what =
        found.state === 'alive'
          ? `stopped the port-forward on 127.0.0.1:${found.record.port} (pid ${found.record.pid})`
          : found.state === 'dead'
            ? `the port-forward on 127.0.0.1:${found.record.port} (pid ${found.record.pid}) had already ended`
            : `no port-forward recorded for ${cfg.release} in ${cfg.namespace}; nothing to do`;
      out.result({ ok: true, status: found.state === 'alive' ? 'stopped' : 'not-running' });
      out.verdict(true, what);
      return ExitCode.ok;
    }
    const { kubectl } = createClusterTools(cfg);
    const password = cfg.showSecrets
      ? await readUserPassword(kubectl, {
          name: cfg.secretName ?? `${cfg.release}-credentials`,
          namespace: cfg.namespace,
        })
      : undefined;
    if (cfg.showSecrets && password === undefined)
      throw toolError(
        `no app password in Secret ${cfg.namespace}/${cfg.secretName ?? `${cfg.release}-credentials`} to show`,
        'npm run -s db:url (it says what is wrong with the Secret)',
      );
    registerSecret(password);
    // One start at a time: the record is read again under the lock, so two runs at once never start two.
    const unlock = lockStart(file);
    const found = findForwarder(ref);
    const urlFor = (port: number): string =>
      appUrl({ ...cfg, password: password ?? '****', host: '127.0.0.1', port }, cfg.showSecrets);
    if (found.state === 'alive') {
      const { pid, port } = found.record;
      out.result({ ok: true, status: 'running', pid, port, url: urlFor(port) });
      out.line(`DATABASE_URL=${urlFor(port)}`);
      out.verdict(
        true,
        `already forwarding 127.0.0.1:${port} -> svc/${service}:5432 (pid ${pid}); stop: ${CMD} --stop`,
      );
      unlock();
      return ExitCode.ok;
    }
    if (found.state === 'dead')
      out.line(
        `the earlier port-forward (pid ${found.record.pid}, port ${found.record.port}) had ended; starting anew`,
      );
    if (!(await kubectl.getJson('service', service, cfg.namespace))) {
      unlock();
      throw toolError(
        `service ${cfg.namespace}/${service} not found (is PostgreSQL deployed?)`,
        'npm run -s db:deploy',
      );
    }
    let started: Awaited<ReturnType<typeof startForwarder>>;
    let port: number;
    try {
      const free = await firstFreePort(cfg.port, 100);
      if (free === null)
        throw toolError(`no free port from ${cfg.port} to ${cfg.port + 99} on 127.0.0.1`, `${CMD} --port 15432`);
      port = free;
      if (port !== cfg.port) out.line(`port ${cfg.port} is in use on 127.0.0.1; using ${port}`);
      // Its own log per run: two runs at once must each see only their own kubectl's words.
      const log = file.replace(/\.json$/, `.${process.pid}.log`);
      started = await startForwarder({ ...ref, kubectl: cfg.kubectl, port, log, timeoutMs: cfg.timeout });
      const record = { ...ref, context: cfg.context ?? '', pid: started.child.pid!, port, log };
      try {
        writeForwardRecord(file, { ...record, startedAt: new Date().toISOString() });
      } catch (err) {
        started.child.kill('SIGKILL');
        throw err;
      }
    } finally {
      unlock();
    }
    const pid = started.child.pid!;
    const log = started.log;
    out.result({ ok: true, status: cfg.background ? 'started' : 'forwarding', pid, port, url: urlFor(port) });
    out.line(`DATABASE_URL=${urlFor(port)}`);
    const what = `forwarding 127.0.0.1:${port} -> svc/${service}:5432 in ${cfg.namespace} (pid ${pid})`;
    if (cfg.background) {
      started.keep();
      started.child.unref();
      out.verdict(true, `${what} in the background; stop: ${CMD} --stop`);
      return ExitCode.ok;
    }
    out.line(`${what}; Ctrl-C to stop`);
    onInterrupt(async () => {
      started.child.kill('SIGINT');
      removeForwardRecord(file);
    });
    await once(started.child, 'exit');
    removeForwardRecord(file);
    throw toolError(`the port-forward ended by itself: ${forwarderError(log)}`, CMD.replace(/ --$/, ''));
  },
);

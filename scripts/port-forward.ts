// port-forward.ts: the database on a port of this machine (kubectl port-forward svc/<fullname>), with the
// DATABASE_URL that goes through it: in the foreground until Ctrl-C, or --background; --stop ends it.
import { once } from 'node:events';
import { appUrl, readUserPassword } from './lib/cluster/app-connection.ts';
import { secretNameOf } from './lib/cluster/app-options.ts';
import { chartNames } from './lib/cluster/chart-names.ts';
import { lockStart, recordPath, removeForwardRecord } from './lib/cluster/port-forward-record.ts';
import { createClusterTools } from './lib/cluster/tools.ts';
import { toolError, usageError } from './lib/cli/errors.ts';
import { ExitCode } from './lib/cli/exit-codes.ts';
import { registerSecret } from './lib/cli/redact.ts';
import { onInterrupt, runScript } from './lib/cli/run-script.ts';
import { forwarderError, PF_CMD, type Started, startRecorded } from './lib/port-forward/forwarder.ts';
import { PORT_FORWARD_OPTIONS } from './lib/port-forward/options.ts';
import { findForwarder, stopForwarder } from './lib/port-forward/session.ts';

await runScript(
  {
    command: PF_CMD,
    summary: 'Forward a port of this machine to the database (kubectl port-forward) and print its DATABASE_URL.',
    usage: `${PF_CMD} [flags]`,
    spec: PORT_FORWARD_OPTIONS,
    examples: ['npm run -s db:port-forward', `${PF_CMD} --background`, `${PF_CMD} --stop`],
  },
  async ({ cfg, out }) => {
    if (!Number.isInteger(cfg.port) || cfg.port < 1 || cfg.port > 65535)
      throw usageError(`--port ${cfg.port} is not a TCP port (1-65535)`, `${PF_CMD} --port 15432`);
    if (cfg.target === 'local')
      throw usageError('the local target needs no port-forward: its server listens on 127.0.0.1', 'npm run -s db:url');
    const ref = { namespace: cfg.namespace, release: cfg.release, context: cfg.context };
    const service = chartNames(cfg.release).service;
    const file = recordPath(ref);
    if (cfg.stop) {
      const found = findForwarder(ref);
      if (found.state === 'alive') await stopForwarder(ref, found.record);
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
      ? await readUserPassword(kubectl, { name: secretNameOf(cfg), namespace: cfg.namespace })
      : undefined;
    if (cfg.showSecrets && password === undefined)
      throw toolError(
        `no app password in Secret ${cfg.namespace}/${secretNameOf(cfg)} to show`,
        'npm run -s db:url (it says what is wrong with the Secret)',
      );
    registerSecret(password);
    const urlFor = (port: number): string =>
      appUrl({ ...cfg, password: password ?? '****', host: '127.0.0.1', port }, cfg.showSecrets);
    // One start at a time: the record is read again under the lock, so two runs at once never start two.
    const unlock = lockStart(file);
    let started: Started;
    let port: number;
    try {
      const found = findForwarder(ref);
      if (found.state === 'alive') {
        const { pid } = found.record;
        port = found.record.port;
        out.result({ ok: true, status: 'running', pid, port, url: urlFor(port) });
        out.line(`DATABASE_URL=${urlFor(port)}`);
        out.verdict(
          true,
          `already forwarding 127.0.0.1:${port} -> svc/${service}:5432 (pid ${pid}); stop: ${PF_CMD} --stop`,
        );
        return ExitCode.ok;
      }
      if (found.state === 'dead')
        out.line(
          `the earlier port-forward (pid ${found.record.pid}, port ${found.record.port}) had ended; starting anew`,
        );
      if (!(await kubectl.getJson('service', service, cfg.namespace)))
        throw toolError(
          `service ${cfg.namespace}/${service} not found (is PostgreSQL deployed?)`,
          'npm run -s db:deploy',
        );
      ({ started, port } = await startRecorded(
        { ...ref, kubectl: cfg.kubectl, port: cfg.port, timeoutMs: cfg.timeout, file },
        out,
      ));
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
      out.verdict(true, `${what} in the background; stop: ${PF_CMD} --stop`);
      return ExitCode.ok;
    }
    out.line(`${what}; Ctrl-C to stop`);
    onInterrupt(async () => {
      started.child.kill('SIGINT');
      removeForwardRecord(file);
    });
    await once(started.child, 'exit');
    removeForwardRecord(file);
    throw toolError(`the port-forward ended by itself: ${forwarderError(log)}`, PF_CMD.replace(/ --$/, ''));
  },
);

// url.ts: the connection string an app needs, read-only: the in-cluster URL (or, with --local, the one
// through a port-forward on this machine; or the local target's), after checking that its password
// still opens the database. The answer to "the password is lost".
import { liveForwardPort } from './lib/cluster/port-forward-record.ts';
import { createClusterTools } from './lib/cluster/tools.ts';
import { usageError } from './lib/cli/errors.ts';
import { ExitCode } from './lib/cli/exit-codes.ts';
import { runScript } from './lib/cli/run-script.ts';
import { clusterUrl, localUrl } from './lib/url/app-url.ts';
import { checkLogin } from './lib/url/login-check.ts';
import { URL_OPTIONS } from './lib/url/options.ts';

const CMD = 'npm run -s db:url --';

await runScript(
  {
    command: CMD,
    summary: 'Print the DATABASE_URL for the app (password masked unless --show-secrets), checked to log in.',
    usage: `${CMD} [flags]`,
    spec: URL_OPTIONS,
    examples: ['npm run -s db:url', `${CMD} --env --show-secrets >> .env`, `${CMD} --local --port 15432`],
  },
  async ({ cfg, out, sources }) => {
    if (!Number.isInteger(cfg.port) || cfg.port < 1 || cfg.port > 65535)
      throw usageError(`--port ${cfg.port} is not a TCP port (1-65535)`, `${CMD} --local --port 15432`);
    // --local without a port of its own goes through this release's running db:port-forward, if there is one.
    const forwardedPort = cfg.local && sources.port === 'default' ? liveForwardPort(cfg) : null;
    const app =
      cfg.target === 'local'
        ? localUrl(cfg)
        : await clusterUrl(createClusterTools(cfg).kubectl, { ...cfg, forwardedPort });
    const check = await checkLogin(app.check.target, { ...app, port: app.check.port });
    const status = check.ok ? 'ok' : check.rejected ? 'password-mismatch' : 'unchecked';
    const { password: _password, check: _where, ...connection } = app;
    out.result({ ok: check.ok, status, connection, ...(check.ok ? {} : { problem: check.reason }) });
    // With --env stdout can be appended to a .env file: everything but the variable is a comment.
    const note = (text: string): void => out.line(cfg.dotenv ? `# ${text}` : text);
    out.line(cfg.dotenv ? `DATABASE_URL=${app.url}` : app.url);
    if (app.portForward) note(`needs: ${app.portForward} (running), or: npm run -s db:port-forward -- --background`);
    if (forwardedPort) note(`through: the running db:port-forward on 127.0.0.1:${forwardedPort}`);
    if (check.ok) {
      const verdict = `the password in ${app.passwordStore} opens ${app.database} as ${app.user}`;
      if (cfg.dotenv) note(`ok: ${verdict}`);
      else out.verdict(true, verdict);
      return ExitCode.ok;
    }
    note(
      check.rejected
        ? `problem [password-mismatch]: the app user's password in ${app.passwordStore} is rejected (SQLSTATE ` +
            `28P01): the data was initialised with other passwords (fix: restore the ${app.passwordStore} the data ` +
            'was created with, or reset the password (README: "Password lost"))'
        : `problem [unchecked]: could not log in to check the password: ${check.reason} (fix: npm run -s db:verify)`,
    );
    return ExitCode.notOk;
  },
);

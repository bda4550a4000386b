// verify.ts: is the database ready? One answer an agent can act on: healthy, unhealthy with the
// specific problem and its fix, or not deployed; each with its own exit code.
import { secretNameOf } from './lib/cluster/app-options.ts';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClusterTools } from './lib/cluster/tools.ts';
import { ExitCode } from './lib/cli/exit-codes.ts';
import { localWhere } from './lib/target/exec-target.ts';
import { checkHealth, type HealthReport } from './lib/verify/health-check.ts';
import { checkLocalHealth } from './lib/verify/local-health.ts';
import { runScript } from './lib/cli/run-script.ts';
import { VERIFY_OPTIONS } from './lib/verify/options.ts';

const POLL_MS = 2000;

const gib = (bytes: number): string => `${+(bytes / 2 ** 30).toFixed(1)} GiB`;

function summary(r: HealthReport): string {
  const d = r.details;
  const parts = [
    d.serverVersion && `PostgreSQL ${d.serverVersion}`,
    d.latencyMs !== undefined && `query ${d.latencyMs.toFixed(1)} ms`,
    d.connections && `connections ${d.connections.used}/${d.connections.max}`,
    d.volume &&
      (d.volume.enforced
        ? `volume ${d.volume.percent}%`
        : `volume unenforced (claim ${gib(d.volume.claimBytes ?? 0)}, node disk ${d.volume.percent}%)`),
    d.databaseSizeBytes !== undefined && `database ${(d.databaseSizeBytes / 1048576).toFixed(1)} MiB`,
    d.migrations && `migrations ${d.migrations.applied} applied, ${d.migrations.pending.length} pending`,
  ].filter(Boolean);
  return parts.join(', ');
}

await runScript(
  {
    command: 'npm run -s db:verify --',
    summary:
      'Check the deployed PostgreSQL in one pass: healthy, unhealthy (the problem and its fix), or not deployed.',
    usage: 'npm run -s db:verify -- [flags]',
    spec: VERIFY_OPTIONS,
    examples: ['npm run -s db:verify', 'npm run -s db:verify -- --wait 2m --json'],
  },
  async ({ cfg, out }) => {
    const started = performance.now();
    const local = cfg.target === 'local';
    const { kubectl, helm } = createClusterTools(cfg);
    const target = {
      release: cfg.release,
      namespace: cfg.namespace,
      context: cfg.context,
      secret: secretNameOf(cfg),
      migrationsDir: cfg.migrationsDir,
    };
    const check = (): Promise<HealthReport> =>
      local
        ? checkLocalHealth({ localDir: cfg.localDir, migrationsDir: cfg.migrationsDir })
        : checkHealth(kubectl, helm, target);
    const deadline = Date.now() + cfg.wait;
    let report = await check();
    while (report.status !== 'healthy' && Date.now() + POLL_MS <= deadline) {
      out.progress(`${report.status}: ${report.missing?.message ?? report.problems[0]?.message ?? ''}; checking again`);
      await sleep(POLL_MS);
      report = await check();
    }
    const durationMs = Math.round(performance.now() - started);
    const where = local ? localWhere(resolve(cfg.localDir)) : `${cfg.release} in ${cfg.namespace}`;
    out.result({
      ok: report.status === 'healthy',
      release: local ? null : cfg.release,
      namespace: local ? null : cfg.namespace,
      ...report,
      durationMs,
    });

    if (report.status === 'not-deployed') {
      out.line(`not deployed: ${report.missing?.message} (fix: ${report.missing?.fix})`);
      return ExitCode.notDeployed;
    }
    if (report.status === 'unhealthy') {
      out.line(`unhealthy: ${where}`);
      for (const p of report.problems) out.line(`problem [${p.code}]: ${p.message} (fix: ${p.fix})`);
    } else {
      out.line(`healthy: ${where} (${summary(report)})`);
    }
    for (const w of report.warnings) out.line(`warning [${w.code}]: ${w.message} (fix: ${w.fix})`);
    return report.status === 'healthy' ? ExitCode.ok : ExitCode.notOk;
  },
);

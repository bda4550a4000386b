// backup.ts: `backup` (default) streams pg_dump -Fc from the pod to a private local file that is
// kept only after a full read succeeds; `list` shows the backups and prunes with --keep N.
import { existsSync, renameSync, rmSync } from 'node:fs';
import { BACKUP_OPTIONS } from './lib/backup-options.ts';
import { defaultBackupPath, ensureBackupDir, listBackups, pruneBackups, writeManifest, type BackupManifest } from './lib/backup-files.ts';
import { createClusterTools } from './lib/cluster-tools.ts';
import type { PodJson } from './lib/diagnose.ts';
import { streamDumpToFile } from './lib/dump-stream.ts';
import { toolError, usageError } from './lib/errors.ts';
import { ExitCode } from './lib/exit-codes.ts';
import { kubectlBaseArgs } from './lib/kubectl.ts';
import { acquireMaintenanceLock } from './lib/maintenance-lock.ts';
import { podName } from './lib/pod-health.ts';
import { onInterrupt, runScript } from './lib/run-script.ts';

const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`;
const firstLine = (text: string): string => text.trim().split('\n').find((l) => !l.startsWith('command terminated')) ?? '(no output)';

await runScript(
  {
    command: 'npm run -s db:backup --',
    summary: 'Back up the database to a local file (pg_dump -Fc, verified by a full read, sha256 in a manifest), or list the backups.',
    usage: 'npm run -s db:backup -- [backup|list] [flags]',
    positionals: [{ name: 'backup | list', description: 'what to do (default: backup)' }],
    spec: BACKUP_OPTIONS,
    allowPositionals: true,
    examples: ['npm run -s db:backup', 'npm run -s db:backup -- list --keep 7'],
  },
  async ({ cfg, positionals, out }) => {
    const [action = 'backup', ...extra] = positionals;
    if (!['backup', 'list'].includes(action) || extra.length) {
      throw usageError(`unknown action "${[action, ...extra].join(' ')}"`, 'npm run -s db:backup -- backup | list');
    }
    if (action === 'list') {
      const removed = cfg.keep !== undefined ? pruneBackups(cfg.dir, Math.max(0, cfg.keep)) : [];
      const backups = listBackups(cfg.dir);
      out.result({ ok: true, status: 'listed', dir: cfg.dir, backups, removed });
      for (const b of backups) out.line(`${b.createdAt}  ${mib(b.sizeBytes).padStart(10)}  ${b.database}  schema ${b.schemaVersion ?? '-'}  ${b.path}`);
      if (removed.length) out.line(`removed (older than the ${cfg.keep} newest): ${removed.join(', ')}`);
      out.verdict(true, `${backups.length} backup(s) in ${cfg.dir}`);
      return ExitCode.ok;
    }
    if (cfg.keep !== undefined) throw usageError('--keep goes with list', `npm run -s db:backup -- list --keep ${cfg.keep}`);

    const started = performance.now();
    const { kubectl } = createClusterTools(cfg);
    const pod = podName(cfg.release);
    const podJson = (await kubectl.getJson('pod', pod, cfg.namespace)) as PodJson | null;
    if (!podJson) throw toolError(`pod ${cfg.namespace}/${pod} not found: nothing to back up`, 'npm run -s db:deploy');
    if (!podJson.status?.containerStatuses?.some((c) => c.ready)) throw toolError(`pod ${cfg.namespace}/${pod} is not Ready`, 'npm run -s db:verify');

    const target = { bin: cfg.kubectl, baseArgs: kubectlBaseArgs({ context: cfg.context }), namespace: cfg.namespace, pod };
    const lock = await acquireMaintenanceLock({ ...target, what: 'the backup' });
    const file = cfg.out ?? defaultBackupPath(cfg.dir, cfg.release, lock.database, new Date());
    const partial = `${file}.partial`;
    const dropPartial = (): void => rmSync(partial, { force: true });
    const forget = onInterrupt(dropPartial);
    try {
      if (existsSync(file)) throw usageError(`${file} already exists`, 'pass --out with a new file name');
      ensureBackupDir(file);
      out.progress(`pg_dump -Fc of ${lock.database} from ${cfg.namespace}/${pod} → ${file}`);
      const r = await streamDumpToFile(target, partial);
      if (r.dump.code !== 0) {
        throw toolError(`pg_dump failed in ${pod} (exit ${r.dump.code}): ${firstLine(r.dump.stderr)}; no file kept`, 'npm run -s db:verify');
      }
      if (r.fullRead.code !== 0) {
        throw toolError(
          `backup incomplete: ${r.bytes} bytes arrived but the archive does not read to its end (${firstLine(r.fullRead.stderr)}); the exec stream was probably cut; no file kept`,
          'run the backup again',
        );
      }
      renameSync(partial, file);
      const manifest: BackupManifest = {
        file, sizeBytes: r.bytes, sha256: r.sha256, format: 'pg_dump -Fc', release: cfg.release, namespace: cfg.namespace,
        database: lock.database, serverVersion: lock.serverVersion, schemaVersion: lock.schemaVersion, createdAt: new Date().toISOString(),
      };
      writeManifest(manifest, file);
      const durationMs = Math.round(performance.now() - started);
      out.result({ ok: true, status: 'backed-up', ...manifest, durationMs });
      out.line(`backup: ${file} (${mib(r.bytes)}, sha256 ${r.sha256.slice(0, 12)}…, schema ${lock.schemaVersion ?? 'none'}, ${(durationMs / 1000).toFixed(1)}s)`);
      out.verdict(true, 'verified by a full read (pg_restore); manifest beside it');
      return ExitCode.ok;
    } finally {
      dropPartial();
      forget();
      await lock.release();
    }
  },
);

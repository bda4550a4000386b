// backup.ts: `backup` (default) streams pg_dump -Fc from the pod to a private local file kept only
// after a full read succeeds; `restore FILE` builds a checked backup whole in a scratch database, after a
// safety backup, and swaps it in for the live one; `list` shows the backups and prunes with --keep N.
import { backupAction } from './lib/backup/take.ts';
import { BACKUP_CMD } from './lib/backup/command.ts';
import { listAction } from './lib/backup/list.ts';
import { BACKUP_OPTIONS } from './lib/backup/options.ts';
import { restoreAction } from './lib/backup/restore.ts';
import { verifyAction } from './lib/backup/verify.ts';
import { usageError } from './lib/cli/errors.ts';
import { runScript } from './lib/cli/run-script.ts';

const ACTIONS = 'backup | restore FILE | verify FILE | list';

await runScript(
  {
    command: BACKUP_CMD,
    summary:
      'Back up the database to a local file (pg_dump -Fc, verified by a full read, sha256 in a manifest), ' +
      'restore one whole (built in a scratch database, then swapped in), verify one restores, or list them.',
    usage: `${BACKUP_CMD} [${ACTIONS}] [flags]`,
    positionals: [{ name: ACTIONS, description: 'what to do (default: backup)' }],
    spec: BACKUP_OPTIONS,
    allowPositionals: true,
    examples: [
      'npm run -s db:backup',
      `${BACKUP_CMD} restore backups/postgresql-learnflow-20261125T143000Z.dump --yes`,
      `${BACKUP_CMD} verify backups/postgresql-learnflow-20261125T143000Z.dump`,
      `${BACKUP_CMD} list --keep 7`,
    ],
  },
  async ({ cfg, positionals, out, sources }) => {
    const [action = 'backup', ...args] = positionals;
    const given = (name: string): boolean => sources[name] === 'flag';
    if (action === 'restore' && args.length === 1 && args[0]) return restoreAction(cfg, out, args[0], given);
    if (action === 'restore')
      throw usageError('restore needs exactly one backup file', `${BACKUP_CMD} restore FILE (see: ${BACKUP_CMD} list)`);
    if (action === 'verify' && args.length === 1 && args[0]) return verifyAction(cfg, out, args[0], given);
    if (action === 'verify')
      throw usageError('verify needs exactly one backup file', `${BACKUP_CMD} verify FILE (see: ${BACKUP_CMD} list)`);
    if (action === 'list' && !args.length) return listAction(cfg, out, sources.keep ?? 'default');
    if (action === 'backup' && !args.length) return backupAction(cfg, out, given);
    throw usageError(`unknown action "${positionals.join(' ')}"`, `${BACKUP_CMD} ${ACTIONS}`);
  },
);

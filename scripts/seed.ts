// seed.ts: LearnFlow's starting data from db/seeds/, in one transaction through one exec: missing
// rows inserted, existing ones left alone (or overwritten with --update), rows the files do not
// mention never touched. Refused until every migration is applied.
import { usageError } from './lib/cli/errors.ts';
import { ExitCode } from './lib/cli/exit-codes.ts';
import { runScript } from './lib/cli/run-script.ts';
import { readMigrations, type MigrationFile } from './lib/schema/migration-files.ts';
import { readSeedFiles, type SeedFile } from './lib/seed/files.ts';
import { SEED_OPTIONS } from './lib/seed/options.ts';
import { showPasswords, writePasswords } from './lib/seed/passwords-file.ts';
import { reportSeeded } from './lib/seed/report.ts';
import { requireMigrated } from './lib/seed/require-migrated.ts';
import { stopSeedOnInterrupt } from './lib/seed/interrupt.ts';
import { seedInTransaction } from './lib/seed/transaction.ts';
import { execTarget } from './lib/target/exec-target.ts';
import { lockReadyPod } from './lib/target/maintenance-lock.ts';

await runScript(
  {
    command: 'npm run -s db:seed --',
    summary:
      "Seed LearnFlow's starting data from db/seeds/ in one transaction: insert what is missing, leave (or with " +
      '--update overwrite) what exists.',
    usage: 'npm run -s db:seed -- [--update] [--only TABLE] [--dry-run] [flags]',
    spec: SEED_OPTIONS,
    examples: [
      'npm run -s db:seed',
      'npm run -s db:seed -- --update --only exercises',
      'npm run -s db:seed -- --dry-run',
    ],
  },
  async ({ cfg, out }) => {
    const started = performance.now();
    // The lock session starts first: opening it takes as long as reading big files, and it changes
    // nothing. A bad file still wins (exit 2) and the lock is let go unused.
    const t = execTarget(cfg, 'seed');
    const locking = (async () => lockReadyPod(cfg, t, { job: 'seed', waitMs: cfg.lockWait }))();
    locking.catch(() => {}); // awaited below, after the files
    let files: SeedFile[];
    let migrations: MigrationFile[];
    try {
      const all = await readSeedFiles(cfg.dir);
      files = cfg.only ? all.filter((f) => f.table === cfg.only) : all;
      if (!files.length && cfg.only) {
        const tables = [...new Set(all.map((f) => f.table))];
        throw usageError(
          `no seed file for table "${cfg.only}" in ${cfg.dir} (there: ${tables.join(', ')})`,
          `npm run -s db:seed -- --only ${tables[0] ?? 'TABLE'}`,
        );
      }
      migrations = readMigrations(cfg.migrationsDir);
    } catch (err) {
      await locking.then(
        (l) => l.release(),
        () => {},
      );
      throw err;
    }
    const lock = await locking;
    // The seed's transaction is the lock session's (job "lock").
    const stop = stopSeedOnInterrupt(out, t, 'lock');
    try {
      const migrated = requireMigrated(
        lock.session,
        migrations.map((m) => m.version),
      );
      migrated.catch(() => {}); // awaited in the transaction, before anything is written
      const { reports, passwords } = await seedInTransaction(cfg, lock.session, files, migrated, {
        beforeCommit: (generated) => writePasswords(cfg, out, generated),
        onEnd: stop.committing,
      });
      if (stop.interrupted) await new Promise<never>(() => {});
      if (!cfg.dryRun) showPasswords(cfg, out, passwords);
      reportSeeded(out, cfg, reports, passwords, Math.round(performance.now() - started));
      return ExitCode.ok;
    } catch (err) {
      // Its session ended under it: the interrupt says what happened, and exits.
      if (stop.interrupted) await new Promise<never>(() => {});
      throw err;
    } finally {
      stop.forget();
      await lock.release();
    }
  },
);

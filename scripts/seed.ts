// seed.ts: LearnFlow's starting data from db/seeds/, in one transaction through one exec: missing
// rows inserted, existing ones left alone (or overwritten with --update), rows the files do not
// mention never touched. Refused until every migration is applied.
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ConfigValues } from './lib/cli/option-spec.ts';
import { notOkError, toolError, usageError } from './lib/cli/errors.ts';
import { ExitCode } from './lib/cli/exit-codes.ts';
import { lockReadyPod } from './lib/target/maintenance-lock.ts';
import { readMigrations, type MigrationFile } from './lib/schema/migration-files.ts';
import { readApplied } from './lib/schema/migration-state.ts';
import type { Output } from './lib/cli/output.ts';
import { generatePassword, hashPassword } from './lib/seed/password-hash.ts';
import type { PodSession } from './lib/target/pod-session.ts';
import { execTarget } from './lib/target/exec-target.ts';
import { registerSecret } from './lib/cli/redact.ts';
import { runScript } from './lib/cli/run-script.ts';
import { applySeedFile, readColumns, type TableReport } from './lib/seed/apply.ts';
import { readSeedFiles, type SeedFile } from './lib/seed/files.ts';
import { SEED_OPTIONS } from './lib/seed/options.ts';

type Cfg = ConfigValues<typeof SEED_OPTIONS>;

await runScript(
  {
    command: 'npm run -s db:seed --',
    summary:
      "Seed LearnFlow's starting data from db/seeds/ in one transaction: insert what is missing, leave (or with --update overwrite) what exists.",
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
    const locking = (async () => lockReadyPod(cfg, execTarget(cfg, 'seed'), { job: 'seed', waitMs: cfg.lockWait }))();
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
    try {
      const migrated = requireMigrated(
        lock.session,
        migrations.map((m) => m.version),
      );
      migrated.catch(() => {}); // awaited in the transaction, before anything is written
      const { reports, passwords } = await seedInTransaction(cfg, lock.session, files, migrated);
      if (!cfg.dryRun) savePasswords(cfg, out, passwords);
      const total = (k: 'inserted' | 'updated' | 'unchanged'): number => reports.reduce((sum, r) => sum + r[k], 0);
      out.result({
        ok: true,
        status: cfg.dryRun ? 'dry-run' : 'seeded',
        mode: cfg.update ? 'update' : 'skip',
        tables: reports.map(({ insertedKeys: _, ...r }) => r),
        inserted: total('inserted'),
        updated: total('updated'),
        unchanged: total('unchanged'),
        durationMs: Math.round(performance.now() - started),
      });
      const byTable = new Map<string, { inserted: number; updated: number; unchanged: number }>();
      for (const r of reports) {
        const sum = byTable.get(r.table) ?? { inserted: 0, updated: 0, unchanged: 0 };
        byTable.set(r.table, {
          inserted: sum.inserted + r.inserted,
          updated: sum.updated + r.updated,
          unchanged: sum.unchanged + r.unchanged,
        });
      }
      out.line([...byTable].map(([table, s]) => `${table} +${s.inserted} ~${s.updated} =${s.unchanged}`).join(', '));
      if (passwords.length && !cfg.dryRun)
        out.line(`generated password(s) for ${passwords.map((p) => p.who).join(', ')}: see ${cfg.passwordsFile}`);
      const what = `${total('inserted')} inserted, ${total('updated')} updated, ${total('unchanged')} unchanged`;
      out.verdict(
        true,
        cfg.dryRun ? `dry run: ${what}; rolled back, nothing changed` : `${what} (+ inserted, ~ updated, = unchanged)`,
      );
      return ExitCode.ok;
    } finally {
      await lock.release();
    }
  },
);

async function requireMigrated(session: PodSession, local: string[]): Promise<void> {
  const applied = new Set((await readApplied(session)).map((a) => a.version));
  const pending = local.filter((v) => !applied.has(v));
  if (!applied.size)
    throw notOkError(
      'the schema is missing: no migration is applied, so there is nothing to seed into',
      'npm run -s db:migrate',
    );
  if (pending.length)
    throw notOkError(
      `the schema is behind: ${pending.length} migration(s) not applied (${pending.join(', ')})`,
      'npm run -s db:migrate',
    );
}

interface GeneratedPassword {
  who: string;
  password: string;
}

/**
 * All files in one transaction: committed only if every file went in; rolled back on --dry-run.
 * The columns and the `begin` go out behind the schema check, whose refusal still wins: the
 * transaction then ends with the session, unused.
 */
async function seedInTransaction(
  cfg: Cfg,
  session: PodSession,
  files: SeedFile[],
  migrated: Promise<void>,
): Promise<{ reports: TableReport[]; passwords: GeneratedPassword[] }> {
  const tables = new Set(files.flatMap((f) => [f.table, ...Object.values(f.references).map((r) => r.table)]));
  const reading = readColumns(session, [...tables]);
  const beginning = session.query('begin;');
  reading.catch(() => {});
  beginning.catch(() => {});
  await migrated;
  const columns = await reading;
  const begun = await beginning;
  if (begun.error) throw toolError(`could not start the seed transaction: ${begun.error}`, 'npm run -s db:verify');
  const reports: TableReport[] = [];
  const passwords: GeneratedPassword[] = [];
  try {
    for (const [i, f] of files.entries()) {
      const generated = new Map<number, Record<string, string>>();
      const plain = new Map<string, string>();
      const generate = Object.keys(f.generate);
      // Most files generate nothing: no pass over their rows.
      if (generate.length)
        for (const row of f.rows) {
          const values: Record<string, string> = {};
          for (const column of generate) {
            const password = generatePassword();
            registerSecret(password);
            values[column] = hashPassword(password);
            plain.set(f.key.map((k) => String(row.values[k])).join('|'), password);
          }
          if (Object.keys(values).length) generated.set(row.index, values);
        }
      const report = await applySeedFile(session, f, i, columns, { update: cfg.update, generated });
      reports.push(report);
      // Only rows inserted now keep their generated password; existing accounts keep theirs.
      for (const key of report.insertedKeys) {
        const password = plain.get(key);
        if (password) passwords.push({ who: `${f.table} ${key}`, password });
      }
    }
  } catch (err) {
    await session.query('rollback;');
    throw err;
  }
  const end = await session.query(cfg.dryRun ? 'rollback;' : 'commit;');
  if (end.error)
    throw toolError(
      `the seed transaction did not commit: ${end.error.split('\n')[0]}; nothing was changed`,
      'npm run -s db:verify',
    );
  return { reports, passwords };
}

function savePasswords(cfg: Cfg, out: Output, passwords: GeneratedPassword[]): void {
  if (!passwords.length) return;
  mkdirSync(dirname(cfg.passwordsFile), { recursive: true, mode: 0o700 });
  const stamp = new Date().toISOString();
  appendFileSync(
    cfg.passwordsFile,
    passwords.map((p) => `${stamp} ${cfg.namespace}/${cfg.release} ${p.who} ${p.password}\n`).join(''),
    { mode: 0o600 },
  );
  if (cfg.showSecrets) for (const p of passwords) out.line(`${p.who}: ${p.password}`);
}

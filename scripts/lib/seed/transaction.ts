// Every seed file in one transaction through the held session, with generated passwords hashed here.
import { toolError } from '../cli/errors.ts';
import { registerSecret } from '../cli/redact.ts';
import type { PodSession, QueryResult } from '../target/pod-session.ts';
import { applySeedFile, readColumns, type TableReport } from './apply.ts';
import type { SeedConfig } from './command.ts';
import type { SeedFile } from './files.ts';
import { generatePassword, hashPassword } from './password-hash.ts';

export interface GeneratedPassword {
  who: string;
  password: string;
}

/**
 * All files in one transaction: committed only if every file went in; rolled back on --dry-run.
 * The columns and the `begin` go out behind the schema check, whose refusal still wins: the
 * transaction then ends with the session, unused.
 */
export async function seedInTransaction(
  cfg: SeedConfig,
  session: PodSession,
  files: SeedFile[],
  migrated: Promise<void>,
  o: {
    beforeCommit?: (passwords: GeneratedPassword[]) => void;
    /** Called with the COMMIT (or a dry run's ROLLBACK) as it is sent. */
    onEnd?: (sent: Promise<QueryResult>) => void;
  } = {},
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
  if (!cfg.dryRun && o.beforeCommit) {
    try {
      o.beforeCommit(passwords);
    } catch (err) {
      await session.query('rollback;');
      throw err;
    }
  }
  const ending = session.query(cfg.dryRun ? 'rollback;' : 'commit;');
  o.onEnd?.(ending);
  const end = await ending;
  if (end.error)
    throw toolError(
      `the seed transaction did not commit: ${end.error.split('\n')[0]}; nothing was changed`,
      'npm run -s db:verify',
    );
  return { reports, passwords };
}

// migrate new NAME: an empty migration file named by the current UTC second, never overwriting one.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { usageError } from '../cli/errors.ts';
import { ExitCode, type ExitCodeValue } from '../cli/exit-codes.ts';
import type { Output } from '../cli/output.ts';
import { newVersion, readMigrations } from '../schema/migration-files.ts';
import { MIGRATE_CMD, type MigrateConfig } from './command.ts';

export function createMigration(cfg: MigrateConfig, out: Output, args: string[]): ExitCodeValue {
  const [name] = args;
  if (args.length !== 1 || !name || !/^[a-z0-9][a-z0-9_]*$/.test(name)) {
    throw usageError(
      `new needs one name of lower-case letters, digits and underscores${name ? `, not "${name}"` : ''}`,
      `${MIGRATE_CMD} new add_exercise_hints`,
    );
  }
  readMigrations(cfg.migrationsDir); // a broken directory is reported now, not at the next up
  const path = join(cfg.migrationsDir, `${newVersion(new Date())}_${name}.sql`);
  if (existsSync(path))
    throw usageError(`${path} already exists`, 'wait a second and run it again (versions are UTC seconds)');
  writeFileSync(path, `-- migrate:up\n\n\n-- migrate:down\n\n`, { flag: 'wx' });
  out.result({ ok: true, status: 'created', file: path });
  out.line(`created ${path}`);
  out.verdict(true, 'write the up and down SQL, then npm run -s db:migrate');
  return ExitCode.ok;
}

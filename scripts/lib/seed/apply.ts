// Applies seed files inside one open transaction of a pod session; the caller commits or rolls back.
// Every failure names the file and the row, from the database's own error.
import { toolError, usageError } from '../cli/errors.ts';
import { rowLabel, type SeedFile } from './files.ts';
import { sqlIdent as ident } from '../schema/sql-quote.ts';
import { directCopy, seedColumns, seedStatements, type Columns, type CopyIn } from './sql.ts';
import type { PodSession } from '../target/pod-session.ts';

export interface TableReport {
  file: string;
  table: string;
  inserted: number;
  updated: number;
  unchanged: number;
  /** Keys of the inserted rows, `|`-joined for composite keys. */
  insertedKeys: string[];
}

const firstError = (text: string): string => (/^ERROR:\s+(.*)$/m.exec(text)?.[1] ?? text.split('\n')[0] ?? text).trim();

function rejected(f: SeedFile, row: number | null, text: string): Error {
  // A full volume is not bad data: the row is fine, the disk is not (SQLSTATE 53100 and its kin).
  if (/No space left on device|could not extend file|disk full/i.test(text))
    return toolError(
      `the database volume is full: ${firstError(text)}; nothing was changed (volume-full)`,
      'grow the volume (npm run -s db:verify names the command), then seed again',
    );
  const where = row ? rowLabel(f, row) : f.path;
  const detail = /^DETAIL:\s+(.*)$/m.exec(text)?.[1];
  const column = /^CONTEXT:\s+COPY \S+, line \d+, column (\S+):/m.exec(text)?.[1];
  const why = firstError(text).replace(/^row \d+: /, '');
  const about = `${column ? ` (column ${column})` : ''}${detail ? ` (${detail})` : ''}`;
  return usageError(
    `${where}: ${why}${about}; nothing was changed`,
    `fix ${f.path}${row ? ` row ${row}` : ''}, then seed again`,
  );
}

export async function applySeedFile(
  session: PodSession,
  f: SeedFile,
  n: number,
  columns: Columns,
  o: { update: boolean; generated: Map<number, Record<string, string>> },
): Promise<TableReport> {
  const cols = seedColumns(f, columns);
  const must = async (sql: string | CopyIn): Promise<string[]> => {
    const r = typeof sql === 'string' ? await session.query(sql) : await session.copyIn(sql.command, sql.data);
    if (r.error) {
      const copyLine = /^CONTEXT:\s+COPY \S+, line (\d+)/m.exec(r.error)?.[1];
      throw rejected(f, copyLine ? Number(copyLine) : null, r.error);
    }
    return r.rows;
  };
  // An empty table takes the rows straight from COPY: half the work of the general path.
  const direct = directCopy(f, cols);
  if (direct && (await must(`select exists (select 1 from public.${ident(f.table)})`))[0] === 'f') {
    await must(direct);
    return { file: f.path, table: f.table, inserted: f.rows.length, updated: 0, unchanged: 0, insertedKeys: [] };
  }
  const st = seedStatements(f, n, cols, columns, o);
  await must(st.create);
  await must(st.copy);
  for (const ref of st.resolve) {
    await must(ref.update);
    const [miss] = await must(ref.unresolved);
    if (miss) {
      const [row = '0', name = ''] = miss.split('|');
      const target = f.references[ref.field]!;
      throw usageError(
        `${rowLabel(f, Number(row))}: ${ref.field} "${name}" matches no ${target.table}.${target.key}; nothing was ` +
          `changed`,
        `fix ${f.path} row ${row}, or seed that ${target.table} row first`,
      );
    }
  }
  await must('savepoint seed_upsert;');
  const r = await session.query(st.upsert);
  if (r.error) {
    // Set-based statements do not say which row broke a rule: try them one by one to find it.
    await must('rollback to savepoint seed_upsert;');
    const one = await session.query(st.upsertOneRow);
    const row = /^ERROR:\s+row (\d+):/m.exec(one.error)?.[1];
    throw rejected(f, row ? Number(row) : null, one.error || r.error);
  }
  const [inserted = '0', updated = '0', total = '0', ...keys] = (r.rows[0] ?? '').split('|');
  return {
    file: f.path,
    table: f.table,
    inserted: Number(inserted),
    updated: Number(updated),
    unchanged: Number(total) - Number(inserted) - Number(updated),
    insertedKeys: JSON.parse(keys.join('|') || '[]') as string[],
  };
}

export async function readColumns(session: PodSession, tables: string[]): Promise<Columns> {
  const list = tables.map((t) => `'${t}'`).join(', ');
  const r = await session.query(
    `select table_name, column_name, data_type, coalesce(column_default, '') from information_schema.columns where ` +
      `table_schema = 'public' and table_name in (${list}) order by table_name, ordinal_position`,
  );
  const columns: Columns = new Map();
  for (const row of r.rows) {
    const [table = '', column = '', type = '', ...def] = row.split('|');
    if (!columns.has(table)) columns.set(table, new Map());
    columns.get(table)!.set(column, { type, default: def.join('|') || null });
  }
  return columns;
}

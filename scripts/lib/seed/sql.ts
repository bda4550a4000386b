// The SQL one seed file turns into, built from the file and the table's columns: a temporary table
// filled with COPY, references resolved by natural key, then one set-based insert (and update).
import { usageError } from '../cli/errors.ts';
import { rowLabel, type SeedFile, type SeedRow } from './files.ts';
import { sqlIdent as ident } from '../schema/sql-quote.ts';

export interface ColumnInfo {
  type: string;
  /** The column's DEFAULT expression, or null. */
  default: string | null;
}
/** table → column → info, for every table the seed files touch or reference. */
export type Columns = Map<string, Map<string, ColumnInfo>>;

const refField = (field: string): string => ident(`ref_${field}`);

/** Checks every row against the table; returns the columns the file fills, in a fixed order. */
export function seedColumns(f: SeedFile, columns: Columns): string[] {
  const table = columns.get(f.table);
  if (!table)
    throw usageError(`${f.path}: table "${f.table}" does not exist; nothing was changed`, 'npm run -s db:migrate');
  const fields = new Set<string>();
  for (const field of f.fields) {
    if (f.references[field]) continue;
    if (!table.has(field)) {
      const row = f.rows.find((r) => field in r.values)!;
      throw usageError(
        `${rowLabel(f, row)}: unknown column "${field}" in table ${f.table}; nothing was changed`,
        `fix ${f.path}: the columns are ${[...table.keys()].join(', ')}`,
      );
    }
    fields.add(field);
  }
  for (const [field, ref] of Object.entries(f.references)) {
    if (!table.has(ref.column))
      throw usageError(
        `${f.path}: reference "${field}" fills unknown column "${ref.column}" of ${f.table}; nothing was changed`,
        `fix ${f.path}`,
      );
    if (!columns.get(ref.table)?.has(ref.key))
      throw usageError(
        `${f.path}: reference "${field}" names ${ref.table}.${ref.key}, which does not exist; nothing was changed`,
        `fix ${f.path}`,
      );
    fields.add(ref.column);
  }
  for (const column of Object.keys(f.generate)) {
    if (!table.has(column))
      throw usageError(
        `${f.path}: generated column "${column}" is not in ${f.table}; nothing was changed`,
        `fix ${f.path}`,
      );
    fields.add(column);
  }
  return [...fields];
}

/** COPY text format: \N for null, backslash escapes, JSON for lists and mappings. */
export function copyValue(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  const text = typeof v === 'object' ? JSON.stringify(v) : typeof v === 'boolean' ? (v ? 't' : 'f') : String(v);
  // Most values need no escaping; testing first keeps 100,000-row files fast.
  return /[\\\t\n\r]/.test(text)
    ? text.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
    : text;
}

/** A COPY … FROM STDIN and its data, made only as it is sent. */
export interface CopyIn {
  command: string;
  /** Runs of whole text-format lines, one per row, each ending in a newline. */
  data: Iterable<string>;
}

/** Rows per run of COPY data (about 50 KB here): the pipe stays fed while the next run is made. */
const RUN = 500;

/** The file's rows as COPY data, `line` of each, in runs of RUN rows checked for keys seen before. */
function* copyData(f: SeedFile, line: (row: SeedRow) => string): Generator<string> {
  const unique = keyChecker(f);
  for (let i = 0; i < f.rows.length; i += RUN) {
    const rows = f.rows.slice(i, i + RUN);
    unique(rows);
    let text = '';
    for (const row of rows) text += `${line(row)}\n`;
    yield text;
  }
}

export interface SeedStatements {
  temp: string;
  create: string;
  /** The file's rows into the temporary table, each with its position as _row. */
  copy: CopyIn;
  /** Each resolves one reference, then a query returns the first row whose name matched nothing. */
  resolve: Array<{ field: string; update: string; unresolved: string }>;
  /** Returns inserted, updated, total, and the inserted keys as a JSON array. */
  upsert: string;
  /** The same work for one row ($1 = _row), to find which row a failing upsert choked on. */
  upsertOneRow: string;
}

export function seedStatements(
  f: SeedFile,
  n: number,
  cols: string[],
  columns: Columns,
  o: { update: boolean; generated: Map<number, Record<string, string>> },
): SeedStatements {
  const temp = `_seed_${n}`;
  const table = columns.get(f.table)!;
  const target = `public.${ident(f.table)}`;
  const refFields = Object.keys(f.references);
  const dataFields = cols.filter((c) => !Object.values(f.references).some((r) => r.column === c));
  const tempCols = cols.map((c) => `t.${ident(c)}`).join(', ');
  const refCols = refFields.map((r) => `, null::text as ${refField(r)}`).join('');
  const create =
    `create temp table ${temp} on commit drop as select 0 as _row, ${tempCols}${refCols} ` +
    `from ${target} t with no data;`;
  const copyCols = ['_row', ...dataFields.map(ident), ...refFields.map(refField)];
  const lineOf = (row: SeedRow): string => {
    const gen = o.generated.get(row.index);
    let line = String(row.index);
    for (const c of dataFields) line += `\t${copyValue(gen?.[c] ?? row.values[c])}`;
    for (const r of refFields) line += `\t${copyValue(row.values[r])}`;
    return line;
  };
  const copy = { command: `copy ${temp} (${copyCols.join(', ')}) from stdin;`, data: copyData(f, lineOf) };
  const resolve = Object.entries(f.references).map(([field, ref]) => ({
    field,
    update:
      `update ${temp} s set ${ident(ref.column)} = r.id from public.${ident(ref.table)} r where ` +
      `r.${ident(ref.key)}::text = s.${refField(field)};`,
    unresolved:
      `select _row, ${refField(field)} from ${temp} where ${refField(field)} is not null and ` +
      `${ident(ref.column)} is null order by _row limit 1;`,
  }));
  const keyT = f.key.map((k) => `t.${ident(k)}`).join(', ');
  const keyS = f.key.map((k) => `s.${ident(k)}`).join(', ');
  // A field a row leaves out: the column's default on insert, the current value on update.
  const insertValue = (c: string): string => {
    const def = table.get(c)?.default;
    return def ? `coalesce(s.${ident(c)}, ${def})` : `s.${ident(c)}`;
  };
  const updatable = cols.filter((c) => !f.key.includes(c) && !(c in f.generate));
  // The inserted keys matter only to hand out generated passwords; 100,000 of them cost time.
  const keysBack = Object.keys(f.generate).length > 0;
  const build = (oneRow: boolean): string => {
    const only = oneRow ? ' and s._row = $1' : '';
    const ctes: string[] = [];
    if (o.update && updatable.length) {
      const next = updatable.map((c) => `coalesce(s.${ident(c)}, t.${ident(c)})`);
      ctes.push(
        `upd as (update ${target} t set ${updatable.map((c, i) => `${ident(c)} = ${next[i]}`).join(', ')} from ` +
          `${temp} s ` +
          `where (${keyT}) = (${keyS})${only} and (${updatable.map((c) => `t.${ident(c)}`).join(', ')}) is ` +
          `distinct from (${next.join(', ')}) returning 1)`,
      );
    } else {
      ctes.push('upd as (select 1 where false)');
    }
    ctes.push(
      `ins as (insert into ${target} (${cols.map(ident).join(', ')}) select ${cols.map(insertValue).join(', ')} ` +
        `from ${temp} s ` +
        `where not exists (select 1 from ${target} t where (${keyT}) = (${keyS}))${only} order by s._row returning ` +
        `${keysBack ? `concat_ws('|', ${f.key.map((k) => `${ident(k)}::text`).join(', ')})` : 'null'} as k)`,
    );
    const inserted = keysBack ? `coalesce((select json_agg(k) from ins), '[]')` : `'[]'`;
    return (
      `with ${ctes.join(', ')} select (select count(*) from ins), (select count(*) from upd), (select ` +
      `count(*) from ${temp}), ${inserted};`
    );
  };
  const upsertOneRow =
    `do $seed$ declare r int; begin for r in select _row from ${temp} order by _row loop begin ` +
    `execute $stmt$${build(true).replace(/;$/, '')}$stmt$ using r; exception when others then raise exception ` +
    `'row %: %', r, sqlerrm using errcode = sqlstate; end; end loop; end $seed$;`;
  return { temp, create, copy, resolve, upsert: build(false), upsertOneRow };
}

/**
 * Into an EMPTY table, a file with no references or generated columns whose rows all name the same
 * columns can be COPYed straight in: nothing to compare, nothing to resolve. Null otherwise.
 */
export function directCopy(f: SeedFile, cols: string[]): CopyIn | null {
  if (Object.keys(f.references).length || Object.keys(f.generate).length) return null;
  if (!f.uniform || !cols.every((c) => f.fields.includes(c))) return null;
  const lineOf = (row: SeedRow): string => {
    let line = '';
    for (let i = 0; i < cols.length; i++) line += (i ? '\t' : '') + copyValue(row.values[cols[i]!]);
    return line;
  };
  return {
    command: `copy public.${ident(f.table)} (${cols.map(ident).join(', ')}) from stdin;`,
    data: copyData(f, lineOf),
  };
}

/**
 * Checks each run of rows against the keys of every row before it, as the COPY data is made (the
 * database meanwhile works on earlier rows). A repeated key throws an error naming both rows; the
 * caller's transaction is rolled back.
 */
export function keyChecker(f: SeedFile): (rows: SeedRow[]) => void {
  // A one-column string key is its own set member; anything else is spelled out by JSON, in a set
  // of its own (1 ≠ "1"). No prefix is glued on: 100,000 new strings would cost more than the check.
  const strings = new Set<string>();
  const others = new Set<string>();
  const [only] = f.key;
  const keyOf = (row: SeedRow): string => JSON.stringify(f.key.map((k) => row.values[k]));
  return (rows) => {
    for (const row of rows) {
      const v = f.key.length === 1 ? row.values[only!] : undefined;
      const isString = typeof v === 'string';
      const key = isString ? v : keyOf(row);
      const seen = isString ? strings : others;
      if (!seen.has(key)) {
        seen.add(key);
        continue;
      }
      // Only now is the first of the two looked for.
      const first = f.rows.find((r) => keyOf(r) === keyOf(row))!;
      throw usageError(
        `${f.path}: rows ${first.index} and ${row.index} have the same key (${f.key.join(', ')}); nothing was changed`,
        `fix ${f.path}: keep one of them`,
      );
    }
  };
}

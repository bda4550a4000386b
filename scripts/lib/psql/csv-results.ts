// psql's --csv output read as it streams: one result per request, split at the end markers psql
// prints after each one (found as whole lines before any CSV reading, so no stray quote can hide
// one), with at most `maxRows` rows kept per result (the count is still exact). Values are
// PostgreSQL's text form; a NULL arrives as the null marker and becomes null.
import { endMarker, nullMarker } from './psql-command.ts';

export type Row = Record<string, string | null>;

export interface SqlResult {
  /** Column names, made unique (a second "count" is "count_2") so that each is a key of a row. */
  columns: string[];
  rows: Row[];
  /** Rows returned (or, for a command, affected), as psql's ROW_COUNT says. */
  rowCount: number;
  truncated: boolean;
}

export interface ResultReader {
  push(chunk: string): void;
  /** The requests that completed, in order. */
  results(): SqlResult[];
}

export function uniqueNames(names: readonly string[]): string[] {
  const seen = new Set<string>();
  return names.map((name) => {
    let key = name;
    for (let i = 2; seen.has(key); i++) key = `${name}_${i}`;
    seen.add(key);
    return key;
  });
}

export function createResultReader(nonce: string, maxRows: number): ResultReader {
  const end = endMarker(nonce);
  const nul = nullMarker(nonce);
  const done: SqlResult[] = [];
  let header: string[] | null = null;
  let rows: Row[] = [];
  // The CSV state carried between chunks: the record so far, the field so far, inside quotes or not.
  let fields: string[] = [];
  let field = '';
  let inQuotes = false;
  let quotePending = false;

  const finish = (marker: RegExpExecArray): void => {
    const rowCount = Number(marker[2]) || 0;
    done.push({
      columns: header ?? [],
      rows,
      rowCount,
      truncated: (header?.length ?? 0) > 0 && rows.length < rowCount,
    });
    header = null;
    rows = [];
    fields = [];
    field = '';
    inQuotes = false;
    quotePending = false;
  };

  const record = (): void => {
    const values = fields;
    fields = [];
    if (header === null) {
      // A result with no columns (`select from t`) prints an empty header; no name is ever empty.
      header = values.length === 1 && values[0] === '' ? [] : uniqueNames(values);
      return;
    }
    if (header.length === 0 || rows.length >= maxRows) return;
    // No prototype: a column named __proto__ is a key like any other.
    const row: Row = Object.create(null);
    for (const [i, name] of header.entries()) row[name] = values[i] === nul ? null : (values[i] ?? null);
    rows.push(row);
  };

  const csv = (text: string): void => {
    for (const ch of text) {
      if (quotePending) {
        quotePending = false;
        if (ch === '"') {
          field += '"';
          continue;
        }
        inQuotes = false;
      }
      if (inQuotes) {
        if (ch === '"') quotePending = true;
        else field += ch;
        continue;
      }
      if (ch === '"') inQuotes = true;
      else if (ch === ',') {
        fields.push(field);
        field = '';
      } else if (ch === '\n') {
        fields.push(field);
        field = '';
        record();
      } else field += ch;
    }
  };
  let partial = '';
  const push = (chunk: string): void => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const marker = end.exec(line);
      if (marker) finish(marker);
      else csv(`${line}\n`);
    }
  };
  return { push, results: () => done };
}

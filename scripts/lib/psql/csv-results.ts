// psql's --csv output read as it streams: one result per request, split at the end markers psql
// prints after each one, with at most `maxRows` rows kept per result (the count is still exact).
// Values are PostgreSQL's text form; a NULL arrives as the null marker and becomes null.
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
  let quoted = false;
  let inQuotes = false;
  let quotePending = false;

  const record = (): void => {
    const values = fields;
    fields = [];
    const only = values.length === 1 ? values[0]! : null;
    const marker = only !== null && !quoted ? end.exec(only) : null;
    quoted = false;
    if (marker) {
      const rowCount = Number(marker[2]);
      done.push({
        columns: header ?? [],
        rows,
        rowCount,
        truncated: (header?.length ?? 0) > 0 && rows.length < rowCount,
      });
      header = null;
      rows = [];
      return;
    }
    if (header === null) {
      // A result with no columns (`select from t`) prints an empty header; no name is ever empty.
      header = values.length === 1 && values[0] === '' ? [] : uniqueNames(values);
      return;
    }
    if (header.length === 0 || rows.length >= maxRows) return;
    const row: Row = {};
    for (const [i, name] of header.entries()) row[name] = values[i] === nul ? null : (values[i] ?? null);
    rows.push(row);
  };

  const push = (chunk: string): void => {
    for (const ch of chunk) {
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
      if (ch === '"') {
        inQuotes = true;
        quoted = true;
      } else if (ch === ',') {
        fields.push(field);
        field = '';
      } else if (ch === '\n') {
        fields.push(field);
        field = '';
        record();
      } else field += ch;
    }
  };
  return { push, results: () => done };
}

// What a migration's down section would take with it: the tables it drops or truncates, and the
// statements that delete data beyond any table they name, read from its SQL as the server lexes it
// (so a "drop table" in a comment or a string does not count).
import type { MigrationFile } from './migration-files.ts';
import { sqlParts } from './sql-text.ts';

/** The down section: from "-- migrate:down" to an "-- migrate:up" after it, or the end. */
export function downSection(content: string): string {
  const down = /^--\s*migrate:down\b.*$/m.exec(content);
  if (!down) return '';
  const rest = content.slice(down.index + down[0].length);
  const up = /^--\s*migrate:up\b/m.exec(rest);
  return up ? rest.slice(0, up.index) : rest;
}

// One name: a plain word (any letter) or a "quoted one", maybe schema-qualified.
const WORD = String.raw`(?:"(?:[^"]|"")*"|[\p{L}_][\p{L}\p{N}_$]*)`;
const NAME = String.raw`${WORD}(?:\s*\.\s*${WORD})?`;
const EMPTYING = new RegExp(
  String.raw`\b(?:drop\s+table|truncate(?:\s+table)?)\s+(?:if\s+exists\s+)?(?:only\s+)?((?:${NAME}\s*,\s*)*${NAME})`,
  'giu',
);
// Data lost without a table named for it: a schema or its owner's objects, a column, rows, a table
// renamed before it is dropped, a type dropped with what uses it, a DO block whose body is not read.
const REACHING = new RegExp(
  [
    String.raw`\bdrop\s+schema\b`,
    String.raw`\bdrop\s+owned\b`,
    String.raw`\bdrop\s+(?:type|domain)\b[^;]*\bcascade\b`,
    String.raw`\balter\s+table\b[^;]*\bdrop\s+(?!constraint\b)`,
    String.raw`\balter\s+table\b[^;]*\brename\s+to\b`,
    String.raw`\bdelete\s+from\b`,
    String.raw`\bdo\s*(?:\$|')`,
  ].join('|'),
  'giu',
);

/** Table names (as written: maybe schema-qualified or quoted) the down section drops or truncates. */
export function tablesEmptiedBy(file: Pick<MigrationFile, 'content'>): string[] {
  const { withNames } = sqlParts(downSection(file.content));
  const names = [...withNames.matchAll(EMPTYING)].flatMap(
    (m) => m[1]!.match(new RegExp(NAME, 'gu'))?.map((n) => n.replace(/\s*\.\s*/, '.')) ?? [],
  );
  return [...new Set(names)];
}

/** The statements of a down section that may delete data beyond the tables it names, e.g. "drop schema". */
export function otherDataLossIn(file: Pick<MigrationFile, 'content'>): string[] {
  const { withNames } = sqlParts(downSection(file.content));
  const kinds = [...withNames.matchAll(REACHING)].map((m) => {
    const text = m[0].toLowerCase().replace(/\s+/g, ' ');
    if (text.startsWith('alter table'))
      return text.includes('rename to') ? 'alter table … rename' : 'alter table … drop';
    if (text.startsWith('drop type') || text.startsWith('drop domain'))
      return `${text.split(' ').slice(0, 2).join(' ')} … cascade`;
    return text.replace(/\s*[$']$/, '');
  });
  return [...new Set(kinds)];
}

// What a migration's down section would take with it: the tables it drops or truncates, read from
// its SQL as the server lexes it (so a "drop table" in a comment or a string does not count).
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

const EMPTYING =
  /\b(?:drop\s+table|truncate(?:\s+table)?)\s+(?:if\s+exists\s+)?(?:only\s+)?((?:[\w."$]+\s*,\s*)*[\w."$]+)/gi;

/** Table names (as written: maybe schema-qualified or quoted) the down section drops or truncates. */
export function tablesEmptiedBy(file: Pick<MigrationFile, 'content'>): string[] {
  const { code } = sqlParts(downSection(file.content));
  const names = [...code.matchAll(EMPTYING)].flatMap((m) => m[1]!.split(',').map((n) => n.trim()));
  return [...new Set(names)];
}

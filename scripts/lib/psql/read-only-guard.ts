// Read-only is the server's: the session starts with default_transaction_read_only=on, so a write
// fails there (SQLSTATE 25006) and nothing changes. What the server would still let through is
// refused here before anything runs: SQL that switches read-only off, the functions that change
// data regardless of it (large objects, ending other sessions), and the psql commands that run
// programs, write files or build SQL from variables. Checked on the SQL as the server parses it
// (comments and string bodies set aside, see sql-text.ts). This keeps an exploring agent from
// changing anything by accident; against a determined user the boundary is the app user's rights.
import { sqlParts } from '../schema/sql-text.ts';

const IN_CODE: ReadonlyArray<[RegExp, string]> = [
  [/\bread\s+write\b/i, 'asks for a read-write transaction'],
  [/(?<!\bshow\s+)\b(?:default_)?transaction_read_only\b/i, 'changes the read-only setting'],
  [/\bset_config\s*\(/i, 'sets a setting through set_config()'],
  [
    /\b(?:lo_from_bytea|lo_create|lo_creat|lo_import|lo_put|lo_unlink|lo_truncate(?:64)?|lowrite|lo_export)\s*\(/i,
    'changes large objects, which read-only does not stop',
  ],
  [/\bpg_(?:terminate|cancel)_backend\s*\(/i, 'ends or cancels other sessions'],
  [/\bdo\s*(?:\$|'|\blanguage\b)/i, 'runs a DO block, whose body this check cannot see into'],
  // psql's meta-commands: wherever a backslash starts one (after a ; too), with `…` run by a shell.
  [/`/, 'has a backquote (psql runs the text between backquotes as a shell command)'],
  [
    /\\(?:!|(?:o|out|w|write|copy|setenv|lo_\w+|s|e|edit|ef|ev|gexec|gset|set)(?=\s|$)|gx?[ \t]+\S)/,
    'has a psql command that runs a program, writes a file or builds SQL from variables',
  ],
];

/** Why the SQL would leave the read-only session ('' when it would not), quoting the part that does. */
export function readOnlyEscape(sql: string): string {
  const { code, withStrings } = sqlParts(sql);
  for (const [pattern, what] of IN_CODE) {
    const m = pattern.exec(code);
    if (m) {
      // Quote the user's own text at that place (strings shown as they are).
      const shown = withStrings.slice(m.index, m.index + m[0].length).trim();
      return `${what} (${JSON.stringify(shown)})`;
    }
  }
  return '';
}

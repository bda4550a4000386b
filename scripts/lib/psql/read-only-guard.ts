// Read-only is the server's: the session starts with default_transaction_read_only=on, so any write
// fails there (SQLSTATE 25006) and nothing changes. A user can still switch it off on purpose; this
// check refuses the SQL that does so, and the psql commands that run programs or write files in the
// pod, before anything runs, so that a read-only run cannot change anything by accident.
// It guards against accidents, not against an attacker: the app user's privileges are the boundary.

const ESCAPES: ReadonlyArray<[RegExp, string]> = [
  [/\bread\s+write\b/i, 'asks for a read-write transaction'],
  [/\b(?:default_)?transaction_read_only\s*(?:=|\bto\b)\s*'?\s*(?:of|f|n|0)\w*/i, 'turns the read-only setting off'],
  [/\bset_config\s*\(\s*'(?:default_)?transaction_read_only'/i, 'turns the read-only setting off'],
  [
    /(?:^|\s)\\(?:!|o|out|w|write|copy|setenv|lo_export)(?=\s|$)|(?:^|\s)\\gx?[ \t]+\S/,
    'has a psql command that runs a program or writes a file',
  ],
];

/** Why the SQL would leave the read-only session ('' when it would not), quoting the part that does. */
export function readOnlyEscape(sql: string): string {
  for (const [pattern, what] of ESCAPES) {
    const m = pattern.exec(sql);
    if (m) return `${what} (${JSON.stringify(m[0].trim())})`;
  }
  return '';
}

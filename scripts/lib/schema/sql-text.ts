// SQL text with its comments and string bodies blanked out, so that what is checked is what the
// server would parse as SQL: `'read write'` in a literal or `-- read write` in a comment is not a
// request for a read-write transaction. Follows PostgreSQL's lexer for the quoting it has: '…' with
// '' inside, E'…' with backslash escapes, $tag$…$tag$, "identifiers", -- and nested /* */ comments.

export interface SqlParts {
  /** The SQL with comments and string bodies blanked (quotes kept), quoted names as the server reads them. */
  code: string;
  /** The SQL with comments blanked, strings kept. */
  withStrings: string;
  /** The SQL with comments and string bodies blanked, quoted names kept as written ("My Table"). */
  withNames: string;
}

export function sqlParts(sql: string): SqlParts {
  let code = '';
  let withStrings = '';
  let withNames = '';
  const blank = (s: string): string => s.replace(/[^\n]/g, ' ');
  const keep = (s: string, asCode: string = s, asNames: string = asCode): void => {
    code += asCode;
    withStrings += s;
    withNames += asNames;
  };
  let i = 0;
  while (i < sql.length) {
    const rest = sql.slice(i);
    if (rest.startsWith('--')) {
      const end = rest.indexOf('\n');
      const text = end < 0 ? rest : rest.slice(0, end);
      keep(blank(text));
      i += text.length;
    } else if (rest.startsWith('/*')) {
      let depth = 0;
      let j = 0;
      do {
        if (rest.startsWith('/*', j)) {
          depth++;
          j += 2;
        } else if (rest.startsWith('*/', j)) {
          depth--;
          j += 2;
        } else j++;
      } while (depth > 0 && j < rest.length);
      keep(blank(rest.slice(0, j)));
      i += j;
    } else if ((/^[eE]'/.test(rest) && !/[\w$]/.test(sql[i - 1] ?? '')) || rest[0] === "'") {
      const escapes = rest[0] !== "'";
      let j = escapes ? 2 : 1;
      while (j < rest.length) {
        if (escapes && rest[j] === '\\') j += 2;
        else if (rest[j] === "'" && rest[j + 1] === "'") j += 2;
        else if (rest[j] === "'") break;
        else j++;
      }
      const text = rest.slice(0, j + 1);
      keep(text, `${text[0]}${blank(text.slice(1, -1))}${text.length > 1 ? "'" : ''}`);
      i += text.length;
    } else if (rest[0] === '"') {
      const end = rest.indexOf('"', 1);
      const text = end < 0 ? rest : rest.slice(0, end + 1);
      // A quoted name that is a plain word reads as that word ("set_config"( is set_config( to the
      // server); any other quoted name is set aside like a string ("read write" is only a name).
      const body = text.slice(1, end < 0 ? undefined : -1);
      keep(text, /^[A-Za-z_][\w$]*$/.test(body) ? ` ${body} ` : `"${blank(body)}${end < 0 ? '' : '"'}`, text);
      i += text.length;
    } else if (/^\$([A-Za-z_][A-Za-z_0-9]*)?\$/.test(rest) && !/[\w$]/.test(sql[i - 1] ?? '')) {
      const tag = /^\$([A-Za-z_][A-Za-z_0-9]*)?\$/.exec(rest)![0];
      const end = rest.indexOf(tag, tag.length);
      const text = end < 0 ? rest : rest.slice(0, end + tag.length);
      keep(text, `${tag}${blank(text.slice(tag.length, text.length - tag.length))}${end < 0 ? '' : tag}`);
      i += text.length;
    } else {
      keep(sql[i]!);
      i++;
    }
  }
  return { code, withStrings, withNames };
}

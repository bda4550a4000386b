// dotenv skips a line it cannot read without a word, so a typo in .env silently drops a setting.
// Every line must be what dotenv's parser takes: blank, a # comment, or KEY=VALUE (also `export KEY=…`
// and `KEY: …`), a quoted value possibly running over several lines. Where dotenv would read a line
// somehow (a quote it never closes is read as text), it is let through: a false alarm here would stop
// every script for that user.
import { usageError } from './errors.ts';

const ENTRY = /^\s*(?:export\s+)?[\w.-]+(?:\s*=|:\s)\s*([\s\S]*)$/;

/** Throws naming the file and line (never its text, which may hold a secret) of the first bad line. */
export function checkDotenvLines(text: string, file: string, path: string): void {
  // dotenv reads \r\n and a lone \r as line ends too.
  const lines = text.split(/\r\n?|\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\s*(#.*)?$/.test(line)) continue;
    const m = ENTRY.exec(line);
    if (!m)
      throw usageError(
        `${file} line ${i + 1} is not KEY=VALUE`,
        `correct line ${i + 1} of ${path}, or put # in front of it`,
      );
    const value = m[1]!;
    const quote = value[0];
    if (quote !== '"' && quote !== "'" && quote !== '`') continue;
    // The value ends at its closing quote, on this line or a later one; never closed, it is one line.
    if (value.slice(1).includes(quote)) continue;
    let j = i + 1;
    while (j < lines.length && !lines[j]!.includes(quote)) j++;
    if (j < lines.length) i = j;
  }
}

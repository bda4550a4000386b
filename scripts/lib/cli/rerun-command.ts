// The user's own command line again, for a fix: with a flag set to a new value (any earlier value of
// it dropped, so the printed command says one thing) and quoted for a shell.
import { shWord } from './sh-quote.ts';

/**
 * `argv` without `--flag` (and its value when `takesValue`), in every form it can be given: `--flag v`,
 * `--flag=v`, and `-s` for its one-letter form `short`.
 */
export function withoutFlag(
  argv: readonly string[],
  flag: string,
  o: { takesValue: boolean; short?: string },
): string[] {
  const names = [`--${flag}`, ...(o.short ? [`-${o.short}`] : [])];
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      kept.push(...argv.slice(i));
      break;
    }
    if (names.includes(a)) {
      if (o.takesValue) i++; // its value
      continue;
    }
    if (names.some((n) => a.startsWith(`${n}=`))) continue;
    kept.push(a);
  }
  return kept;
}

/**
 * `argv` with `--flag` set to `value` (or, without a value, a boolean flag added once). `short` is
 * the flag's one-letter form, dropped too.
 */
export function withFlag(argv: readonly string[], flag: string, value?: string, short?: string): string[] {
  const kept = withoutFlag(argv, flag, { takesValue: value !== undefined, short });
  return [...kept, `--${flag}`, ...(value !== undefined ? [value] : [])];
}

export const shellLine = (argv: readonly string[]): string => argv.map(shWord).join(' ');

// Strict flag parsing on node:util parseArgs, driven by the option spec; typing values lives here too.
import { parseArgs } from 'node:util';
import type { OptionSpec, OptionValue } from './option-spec.ts';
import { parseDurationMs } from './duration.ts';
import { usageError, type CliError } from './errors.ts';

export interface ParsedArgs {
  /** Typed values keyed by option name, only for flags actually given. */
  values: Record<string, OptionValue>;
  positionals: string[];
  help: boolean;
}

export interface ParseOptions {
  /** Script name used in the fix hint, e.g. "deploy.ts". */
  command: string;
  allowPositionals?: boolean;
}

/**
 * Turn raw text into the option's type. `where` names the source in the message
 * ("--timeout", "PG_TIMEOUT in .env.local") and `fix` is the hint for that source.
 */
export function coerceOptionValue(opt: OptionSpec, raw: string, where: string, fix: string): OptionValue {
  const bad = (expected: string): CliError => usageError(`${where}: ${JSON.stringify(raw)} is not ${expected}`, fix);
  switch (opt.type) {
    case 'boolean': {
      const lower = raw.trim().toLowerCase();
      if (['1', 'true', 'yes'].includes(lower)) return true;
      if (['0', 'false', 'no'].includes(lower)) return false;
      throw bad('a boolean (use 1/0, true/false, yes/no)');
    }
    case 'integer': {
      if (!/^-?\d+$/.test(raw.trim())) throw bad('an integer');
      return Number(raw.trim());
    }
    case 'duration': {
      const ms = parseDurationMs(raw);
      if (ms === null) throw bad('a duration (use e.g. 90, 30s, 5m, 1h, 1m30s)');
      return ms;
    }
    case 'list':
    case 'string': {
      if (opt.choices && !opt.choices.includes(raw)) throw bad(`one of ${opt.choices.join(', ')}`);
      return raw;
    }
  }
}

// parseArgs reports problems as prose; lift out the flag it names so our one line can name it too.
function translateParseError(err: unknown, command: string): CliError {
  const helpFix = `run "${command} --help" for the flags`;
  const code = (err as { code?: string }).code;
  const message = err instanceof Error ? err.message : String(err);
  const flag = /--[A-Za-z0-9][\w-]*/.exec(message)?.[0] ?? /'(-[^' ,]+)/.exec(message)?.[1] ?? 'a flag';
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return usageError(`unknown flag ${flag}`, helpFix, err);
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /does not take an argument/.test(message)
        ? usageError(`flag ${flag} takes no value`, `pass ${flag} on its own`, err)
        : usageError(`flag ${flag} needs a value`, `pass it as ${flag}=VALUE`, err);
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL': {
      const arg = /Unexpected argument '([^']*)'/.exec(message)?.[1] ?? '';
      return usageError(`unexpected argument "${arg}"`, helpFix, err);
    }
    default:
      return usageError(message.split('\n')[0] ?? message, helpFix, err);
  }
}

export function parseCliArgs(spec: readonly OptionSpec[], argv: readonly string[], opts: ParseOptions): ParsedArgs {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const opt of spec) {
    options[opt.flag] = {
      type: opt.type === 'boolean' ? 'boolean' : 'string',
      ...(opt.short ? { short: opt.short } : {}),
      ...(opt.type === 'list' ? { multiple: true } : {}),
    };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: opts.allowPositionals ?? false });
  } catch (err) {
    throw translateParseError(err, opts.command);
  }
  const values: Record<string, OptionValue> = {};
  for (const opt of spec) {
    const raw = parsed.values[opt.flag];
    if (raw === undefined) continue;
    const flag = `--${opt.flag}`;
    if (Array.isArray(raw)) {
      // Each repetition is checked like a single value: an empty one is a mistake, not a no-op.
      if (raw.some((r) => r === ''))
        throw usageError(`flag ${flag} needs a value`, `pass it as ${flag}=${example(opt)}`);
      values[opt.name] = raw as string[];
      continue;
    }
    // "--namespace=$NS" with NS unset arrives as ""; treating that as a value hides the mistake.
    if (raw === '') throw usageError(`flag ${flag} needs a value`, `pass it as ${flag}=${example(opt)}`);
    values[opt.name] =
      typeof raw === 'string'
        ? coerceOptionValue(opt, raw, flag, `pass e.g. ${flag}=${example(opt)}`)
        : (raw as boolean);
  }
  return { values, positionals: parsed.positionals, help: parsed.values.help === true };
}

function example(opt: OptionSpec): string {
  if (opt.choices?.[0]) return opt.choices[0];
  if (opt.default !== undefined && typeof opt.default !== 'boolean') return String(opt.default);
  return { integer: '10', duration: '5m', string: 'VALUE', list: 'VALUE', boolean: 'true' }[opt.type];
}

// Resolve every option: flag > environment > .env.local > .env > default, remembering where each came from.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { coerceOptionValue, parseCliArgs } from './args.ts';
import { checkDotenvLines } from './dotenv-lines.ts';
import { usageError } from './errors.ts';
import { registerSecret } from './redact.ts';
import type { ConfigValues, OptionSpec, OptionValue, ValueSource } from './option-spec.ts';

export interface LoadedConfig<S extends readonly OptionSpec[]> {
  values: ConfigValues<S>;
  sources: Record<string, ValueSource>;
  positionals: string[];
  help: boolean;
}

export interface LoadOptions {
  argv: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Script name for hints, e.g. "deploy.ts". */
  command: string;
  allowPositionals?: boolean;
}

function readDotenvFile(cwd: string, file: '.env' | '.env.local'): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(join(cwd, file), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw usageError(`cannot read ${file}: ${(err as Error).message}`, `fix or remove ${join(cwd, file)}`, err);
  }
  checkDotenvLines(text, file, join(cwd, file));
  // parse, never config(): config() mutates process.env and may print a banner on stdout.
  return parseDotenv(text);
}

// An empty value (KUBE_CONTEXT= in .env.example style files) means "not set", not "set to nothing".
function present(value: string | undefined): value is string {
  return value !== undefined && value !== '';
}

export function loadConfig<const S extends readonly OptionSpec[]>(spec: S, opts: LoadOptions): LoadedConfig<S> {
  const args = parseCliArgs(spec, opts.argv, { command: opts.command, allowPositionals: opts.allowPositionals });
  // --help must work even when a .env file is broken, so the files are not read for it.
  const layers: Array<[ValueSource, Record<string, string | undefined>]> = args.help
    ? []
    : [
        ['env', opts.env ?? process.env],
        ['.env.local', readDotenvFile(opts.cwd ?? process.cwd(), '.env.local')],
        ['.env', readDotenvFile(opts.cwd ?? process.cwd(), '.env')],
      ];
  const values: Record<string, OptionValue | undefined> = {};
  const sources: Record<string, ValueSource> = {};

  for (const opt of spec) {
    let value: OptionValue | undefined = args.values[opt.name];
    let source: ValueSource = 'flag';
    if (value === undefined && opt.env) {
      for (const [layer, vars] of layers) {
        const raw = vars[opt.env];
        if (!present(raw)) continue;
        const where = `${opt.env} in ${layer === 'env' ? 'the environment' : layer}`;
        const fix = layer === 'env' ? `unset ${opt.env} or correct it` : `correct ${opt.env} in ${layer}`;
        value = coerceOptionValue(opt, raw, where, fix);
        source = layer;
        break;
      }
    }
    if (value === undefined) {
      source = 'default';
      value =
        typeof opt.default === 'string' && opt.type !== 'string' && opt.type !== 'list'
          ? coerceOptionValue(opt, opt.default, `default of --${opt.flag}`, 'fix the option spec')
          : (opt.default ?? (opt.type === 'boolean' ? false : opt.type === 'list' ? [] : undefined));
    }
    if (opt.secret && typeof value === 'string') registerSecret(value);
    values[opt.name] = value;
    sources[opt.name] = source;
  }
  return { values: values as ConfigValues<S>, sources, positionals: args.positionals, help: args.help };
}

/**
 * Whether --json was asked for, before the config is read (and even when reading it fails): the flag
 * in any form, else OUTPUT_JSON from the environment, .env.local or .env, in that order.
 */
export function jsonRequested(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string): boolean {
  if (argv.some((a) => a === '--json' || a.startsWith('--json='))) return true;
  const truthy = (v: string): boolean => /^(1|true|yes)$/i.test(v.trim());
  if (present(env.OUTPUT_JSON)) return truthy(env.OUTPUT_JSON);
  for (const file of ['.env.local', '.env']) {
    try {
      const value = parseDotenv(readFileSync(join(cwd, file), 'utf8')).OUTPUT_JSON;
      if (present(value)) return truthy(value);
    } catch {
      // unreadable: loadConfig reports it
    }
  }
  return false;
}

/** Lines for --debug: each value and where it came from, secrets shown as ****. */
export function describeConfig(spec: readonly OptionSpec[], config: LoadedConfig<readonly OptionSpec[]>): string[] {
  const values = config.values as Record<string, OptionValue | undefined>;
  return spec.map((opt) => {
    const value = values[opt.name];
    const shown = value === undefined ? '(unset)' : opt.secret ? '****' : JSON.stringify(value);
    return `--${opt.flag} = ${shown} (from ${config.sources[opt.name] ?? 'default'})`;
  });
}

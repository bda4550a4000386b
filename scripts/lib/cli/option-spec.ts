// The shape of an option: its flag, env twin, type and default; config.ts resolves values for it and
// args.ts parses its flag, both from this one description.

/** 'list': a string flag that may be repeated (`-c A -c B`), in order; it has no env twin. */
export type OptionType = 'string' | 'boolean' | 'integer' | 'duration' | 'list';
/** Durations resolve to milliseconds. */
export type OptionValue = string | boolean | number | readonly string[];
export type ValueSource = 'flag' | 'env' | '.env.local' | '.env' | 'default';

export interface OptionSpec {
  /** camelCase key in the resolved values. */
  readonly name: string;
  /** Long flag without dashes: 'namespace' for --namespace. */
  readonly flag: string;
  readonly short?: string;
  /** Environment twin, also looked up in .env.local and .env. */
  readonly env?: string;
  readonly type: OptionType;
  /** Durations may be given as text ('5m'); it goes through the same parser as user input. */
  readonly default?: OptionValue;
  readonly description: string;
  /** Registered for redaction and never echoed by --debug. */
  readonly secret?: boolean;
  readonly choices?: readonly string[];
}

type TypeOf<T extends OptionType> = T extends 'boolean'
  ? boolean
  : T extends 'string'
    ? string
    : T extends 'list'
      ? readonly string[]
      : number;
/** Options with a default (and all booleans and lists) are always set; the rest may be undefined. */
export type ConfigValues<S extends readonly OptionSpec[]> = {
  [O in S[number] as O['name']]: O extends { default: OptionValue } | { type: 'boolean' | 'list' }
    ? TypeOf<O['type']>
    : TypeOf<O['type']> | undefined;
};

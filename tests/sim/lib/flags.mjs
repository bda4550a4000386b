// A flag parser with the rules of spf13/pflag, which both kubectl and helm use.
//
// spec: { name: { short?, type: 'bool'|'string'|'array'|'optional', optDefault?, simulated?: boolean } }
// 'optional' is pflag's NoOptDefVal: `--wait` alone means optDefault, a value needs `--wait=x`.
// simulated:false marks a flag the real tool has but the double does not model: it is refused
// with a "not simulated" error instead of being silently ignored.

export class FlagError extends Error {
  constructor(message, kind) {
    super(message);
    this.kind = kind; // 'unknown' | 'needs-argument' | 'invalid' | 'not-simulated'
  }
}

export function parseFlags(args, spec) {
  const byShort = new Map();
  for (const [name, def] of Object.entries(spec)) if (def.short) byShort.set(def.short, name);
  const flags = {};
  const positionals = [];
  let dashArgs = null;

  const set = (name, value) => {
    const def = spec[name];
    if (def.simulated === false) throw new FlagError(`flag --${name} is not simulated`, 'not-simulated');
    if (def.type === 'bool') {
      if (value === undefined) value = 'true';
      if (!/^(true|false|1|0|t|f|TRUE|FALSE|True|False)$/.test(value)) {
        throw new FlagError(
          `invalid argument "${value}" for "${def.short ? `-${def.short}, ` : ''}--${name}" flag: ` +
            `strconv.ParseBool: parsing "${value}": invalid syntax`,
          'invalid',
        );
      }
      flags[name] = /^(true|1|t|TRUE|True)$/.test(value);
    } else if (def.type === 'array') {
      (flags[name] ??= []).push(value);
    } else {
      flags[name] = value;
    }
  };

  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      dashArgs = args.slice(i + 1);
      break;
    }
    if (arg.startsWith('--') && arg.length > 2) {
      const eq = arg.indexOf('=');
      const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      const def = spec[name];
      if (!def) throw new FlagError(`unknown flag: --${name}`, 'unknown');
      if (eq !== -1) set(name, arg.slice(eq + 1));
      else if (def.type === 'bool') set(name);
      else if (def.type === 'optional') set(name, def.optDefault);
      else if (i + 1 < args.length) set(name, args[++i]);
      else throw new FlagError(`flag needs an argument: --${name}`, 'needs-argument');
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      // A run of shorthands: bools may be combined (-it); a value flag takes the rest or the next arg.
      for (let j = 1; j < arg.length; j++) {
        const c = arg[j];
        const name = byShort.get(c);
        if (!name) throw new FlagError(`unknown shorthand flag: '${c}' in ${arg}`, 'unknown');
        const def = spec[name];
        const rest = arg.slice(j + 1);
        if (def.type === 'bool') {
          if (rest.startsWith('=')) {
            set(name, rest.slice(1));
            break;
          }
          set(name);
          continue;
        }
        if (rest.length) set(name, rest.startsWith('=') ? rest.slice(1) : rest);
        else if (def.type === 'optional') set(name, def.optDefault);
        else if (i + 1 < args.length) set(name, args[++i]);
        else throw new FlagError(`flag needs an argument: '${c}' in -${c}`, 'needs-argument');
        break;
      }
      continue;
    }
    positionals.push(arg);
  }
  return { flags, positionals, dashArgs };
}

// Go's time.ParseDuration for the units kubectl and helm users write.
export function parseGoDuration(text) {
  if (/^\d+$/.test(text)) return Number(text) * 1000; // kubectl's --request-timeout accepts bare seconds
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/y;
  let total = 0;
  let matched = 0;
  re.lastIndex = 0;
  let m;
  while ((m = re.exec(text))) {
    total += Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2]];
    matched = re.lastIndex;
  }
  if (!text || matched !== text.length) return null;
  return total;
}

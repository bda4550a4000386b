// Render --help: usage, summary, options with env twins and defaults, and the shared exit-code table.
import type { OptionSpec } from './option-spec.ts';
import { formatGoDuration } from './duration.ts';
import { EXIT_CODE_TABLE } from './exit-codes.ts';

const WIDTH = 100;
const MAX_LEFT = 32;

export interface HelpSpec {
  command: string;
  summary: string;
  /** e.g. "deploy.ts [options]" */
  usage: string;
  positionals?: ReadonlyArray<{ name: string; description: string }>;
  spec: readonly OptionSpec[];
  examples?: readonly string[];
}

// A "[env X; default Y]" note is kept whole so the env name and its default never part.
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.match(/\[[^\]]*\]|\S+/g) ?? []) {
    if (current && current.length + 1 + word.length > width) {
      lines.push(current);
      current = word;
    } else {
      current = current ? `${current} ${word}` : word;
    }
  }
  return current ? [...lines, current] : lines;
}

// Two columns; the right one wraps under itself so no line passes WIDTH.
function table(rows: ReadonlyArray<[string, string]>): string[] {
  const left = Math.min(MAX_LEFT, Math.max(...rows.map(([l]) => l.length)));
  const out: string[] = [];
  for (const [l, r] of rows) {
    const indent = ' '.repeat(2 + left + 2);
    const body = wrap(r, WIDTH - indent.length);
    if (l.length > left) {
      out.push(`  ${l}`);
      for (const line of body) out.push(indent + line);
    } else {
      for (const [i, line] of body.entries()) out.push(i === 0 ? `  ${l.padEnd(left)}  ${line}` : indent + line);
    }
  }
  return out;
}

function placeholder(opt: OptionSpec): string {
  if (opt.type === 'boolean') return '';
  if (opt.choices) return ` <${opt.choices.join('|')}>`;
  return ` <${opt.type === 'string' || opt.type === 'list' ? 'value' : opt.type}>`;
}

function describe(opt: OptionSpec): string {
  const notes: string[] = [];
  if (opt.type === 'list') notes.push('repeatable');
  if (opt.env) notes.push(`env ${opt.env}`);
  if (opt.default !== undefined && opt.default !== false && !opt.secret) {
    const shown =
      opt.type === 'duration' && typeof opt.default === 'number' ? formatGoDuration(opt.default) : String(opt.default);
    notes.push(`default ${shown}`);
  }
  return notes.length ? `${opt.description} [${notes.join('; ')}]` : opt.description;
}

export function renderHelp(help: HelpSpec): string {
  const out = [`Usage: ${help.usage}`, '', ...wrap(help.summary, WIDTH)];
  if (help.positionals?.length) {
    out.push('', 'Arguments:', ...table(help.positionals.map((p) => [p.name, p.description])));
  }
  const optionRows: Array<[string, string]> = help.spec.map((opt) => [
    `${opt.short ? `-${opt.short}, ` : '    '}--${opt.flag}${placeholder(opt)}`,
    describe(opt),
  ]);
  optionRows.push(['-h, --help', 'show this help']);
  out.push('', 'Options:', ...table(optionRows));
  if (help.examples?.length) out.push('', 'Examples:', ...help.examples.map((e) => `  ${e}`));
  out.push(
    '',
    'Exit codes:',
    ...table(EXIT_CODE_TABLE.map((row) => [`${String(row.code).padStart(3)}  ${row.name}`, row.meaning])),
  );
  return `${out.join('\n')}\n`;
}

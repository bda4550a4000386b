// squawk, the PostgreSQL migration linter, over dbmate files: only the up section is linted (a down
// section drops what its up made, by design), line numbers kept, and a file dbmate runs in a transaction
// is wrapped in one, so squawk judges it as PostgreSQL will run it (CONCURRENTLY inside one is an error).
// The rules that take an app down block; any other finding is a warning. Shared by migrate and verify.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toolError } from '../cli/errors.ts';
import { runProcess } from '../cli/process-runner.ts';
import type { MigrationFile } from './migration-files.ts';
import { squawkBinary } from './squawk-binary.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The project's rules: which are off, and why. */
export const SQUAWK_CONFIG = '.squawk.toml';

export interface Finding {
  /** The migration file, as given. */
  file: string;
  /** 1-based, in the migration file. */
  line: number;
  rule: string;
  message: string;
  help: string | null;
}

/** The up section alone, every other line blank, begin/commit around it when dbmate wraps it in a transaction. */
export function lintInput(f: MigrationFile): string {
  const lines = f.content.split('\n');
  let inUp = false;
  const kept = lines.map((line) => {
    if (/^--\s*migrate:up\b/.test(line)) {
      inUp = true;
      return f.transactional ? 'begin;' : '';
    }
    if (/^--\s*migrate:down\b/.test(line)) inUp = false;
    return inUp ? line : '';
  });
  return `${kept.join('\n')}${f.transactional ? '\ncommit;\n' : '\n'}`;
}

interface SquawkJson {
  file: string;
  line: number;
  rule_name: string;
  message: string;
  help: string | null;
}

export async function squawk(files: readonly MigrationFile[]): Promise<Finding[]> {
  if (!files.length) return [];
  const dir = mkdtempSync(join(tmpdir(), 'pgk8s-lint-'));
  try {
    const byInput = new Map<string, MigrationFile>();
    for (const f of files) {
      const input = join(dir, basename(f.path));
      writeFileSync(input, lintInput(f));
      byInput.set(input, f);
    }
    // The project's rules where the command runs (as squawk looks for them), else the toolkit's own.
    const rules = [SQUAWK_CONFIG, join(ROOT, SQUAWK_CONFIG)].find((c) => existsSync(c));
    const config = rules ? ['--config', rules] : [];
    const r = await runProcess(await squawkBinary(), ['--reporter', 'json', ...config, ...byInput.keys()], {
      toolName: 'squawk',
      timeoutMs: 60_000,
    });
    let found: SquawkJson[];
    try {
      found = JSON.parse(r.stdout || '[]') as SquawkJson[];
    } catch {
      throw toolError(`squawk failed (exit ${r.exitCode}): ${r.stderr.trim().split('\n')[0] ?? ''}`);
    }
    return found.map((x) => ({
      file: byInput.get(x.file)?.path ?? x.file,
      // squawk's JSON counts lines from 0.
      line: x.line + 1,
      rule: x.rule_name,
      message: x.message,
      help: x.help,
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Each rewrites or locks a whole table, or breaks the app still using a name. */
export const BLOCKING = new Set([
  'adding-required-field',
  'ban-drop-column',
  'ban-drop-table',
  'changing-column-type',
  'renaming-column',
  'renaming-table',
  'require-concurrent-index-creation',
  'ban-concurrent-index-creation-in-transaction',
  'constraint-missing-not-valid',
  'disallowed-unique-constraint',
  // Not syntax-error: squawk's parser is not PostgreSQL's, so newer syntax it cannot read must not stop
  // up; a file that is really broken fails in dbmate with the server's own line and SQLSTATE.
]);

export interface LintedFinding extends Finding {
  blocking: boolean;
  /** Passed with --allow for this run. */
  allowed: boolean;
}

export interface LintReport {
  findings: LintedFinding[];
  /** squawk-ignore comments in the up sections: exceptions someone reviewed, shown every time. */
  ignores: Array<{ file: string; line: number; rules: string }>;
}

// Where squawk's own help does not know dbmate.
const DBMATE_HELP: Record<string, string> = {
  'ban-concurrent-index-creation-in-transaction':
    'dbmate runs each file in a transaction unless its first line is "-- migrate:up transaction:false": ' +
    'put the CONCURRENTLY index in a file of its own with that line',
};

export async function lintFiles(files: readonly MigrationFile[], allow: ReadonlySet<string>): Promise<LintReport> {
  const findings = (await squawk(files)).map((f) => ({
    ...f,
    help: DBMATE_HELP[f.rule] ?? f.help,
    blocking: BLOCKING.has(f.rule) && !allow.has(f.rule),
    allowed: BLOCKING.has(f.rule) && allow.has(f.rule),
  }));
  const ignores = files.flatMap((f) =>
    f.content.split('\n').flatMap((line, i) => {
      const m = /^\s*--\s*squawk-ignore(?:-file)?\s+(.+?)\s*$/.exec(line);
      return m ? [{ file: f.path, line: i + 1, rules: m[1]! }] : [];
    }),
  );
  return { findings, ignores };
}

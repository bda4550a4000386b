// db:psql's pure parts: reading psql's CSV stream, its error reports, the read-only guard, the
// in-pod command, and the rerun fix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCliArgs } from '../../scripts/lib/cli/args.ts';
import { withFlag } from '../../scripts/lib/cli/rerun-command.ts';
import { createResultReader } from '../../scripts/lib/psql/csv-results.ts';
import { PSQL_OPTIONS } from '../../scripts/lib/psql/options.ts';
import { psqlCommand, psqlInput, type PsqlPlan } from '../../scripts/lib/psql/psql-command.ts';
import { readOnlyEscape } from '../../scripts/lib/psql/read-only-guard.ts';
import { describeSqlError, parseSqlError } from '../../scripts/lib/psql/sql-error.ts';

const N = 'pgk8sfeed';
/** Rows have no prototype (a column may be named __proto__): compared as the JSON they become. */
const plain = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
// What psql --csv -P null=<N>:N prints for three requests, with the markers db:psql adds.
const STREAM =
  'id,title,note\n1,loops,pgk8sfeed:N\n2,"a, ""quoted""",\n3,"two\nlines","x\r"\n' +
  `${N}:M 1 3\n` +
  `${N}:M 2 5\n` +
  '\n' +
  `${N}:M 3 2\n` +
  'count,count\n7,7\n' +
  `${N}:M 4 1\n`;

test('the CSV stream reads the same however it is cut into chunks', () => {
  const whole = createResultReader(N, 10);
  whole.push(STREAM);
  for (let size = 1; size <= 7; size++) {
    const r = createResultReader(N, 10);
    for (let i = 0; i < STREAM.length; i += size) r.push(STREAM.slice(i, i + size));
    assert.deepEqual(r.results(), whole.results(), `chunks of ${size}`);
  }
  const [select, command, noColumns, dup] = plain(whole.results());
  assert.deepEqual(select, {
    columns: ['id', 'title', 'note'],
    rows: [
      { id: '1', title: 'loops', note: null },
      { id: '2', title: 'a, "quoted"', note: '' },
      { id: '3', title: 'two\nlines', note: 'x\r' },
    ],
    rowCount: 3,
    truncated: false,
  });
  // A command prints nothing under -q: no columns, ROW_COUNT is the rows it affected.
  assert.deepEqual(command, { columns: [], rows: [], rowCount: 5, truncated: false });
  assert.deepEqual(noColumns, { columns: [], rows: [], rowCount: 2, truncated: false });
  assert.deepEqual(dup?.columns, ['count', 'count_2']);
});

test('rows past --max-rows are counted, not kept; a quoted marker is data', () => {
  const r = createResultReader(N, 1);
  r.push(`a\n"${N}:M 1 1"\n2\n${N}:M 1 2\n`);
  assert.deepEqual(plain(r.results()), [{ columns: ['a'], rows: [{ a: `${N}:M 1 1` }], rowCount: 2, truncated: true }]);
  // A stray quote (text that is not CSV) cannot swallow the marker, nor spill into the next result;
  // a column named __proto__ is kept.
  const stray = createResultReader(N, 10);
  stray.push(`"oops\n${N}:M 1 1\n__proto__,b\n1,2\n${N}:M 2 1\n`);
  assert.deepEqual(plain(stray.results()[1]), {
    columns: ['__proto__', 'b'],
    rows: [JSON.parse('{"__proto__":"1","b":"2"}')],
    rowCount: 1,
    truncated: false,
  });
});

test("psql's error report: SQLSTATE, message, the file's line, the statement's line and column, detail, hint", () => {
  const inFile = parseSqlError(
    'psql:<stdin>:4: ERROR:  42P01: relation "nope" does not exist\nLINE 2:  nope;\n         ^\n' +
      'LOCATION:  parserOpenTable, parse_relation.c:1392\n',
  );
  assert.deepEqual(inFile, {
    sqlstate: '42P01',
    message: 'relation "nope" does not exist',
    scriptLine: 4,
    line: 2,
    column: 2,
  });
  assert.equal(
    describeSqlError(inFile!),
    'SQLSTATE 42P01: relation "nope" does not exist (file line 4; statement line 2, column 2)',
  );
  const withParts = parseSqlError(
    'ERROR:  23505: duplicate key value violates unique constraint "t_pkey"\nDETAIL:  Key (a)=(1) already exists.\n' +
      'HINT:  Use another key.\n',
  );
  assert.deepEqual(withParts, {
    sqlstate: '23505',
    message: 'duplicate key value violates unique constraint "t_pkey"',
    detail: 'Key (a)=(1) already exists.',
    hint: 'Use another key.',
  });
  // A long line cut by psql starts with "...": the caret's column is not the statement's.
  const cut = parseSqlError('ERROR:  42601: syntax error at or near "x"\nLINE 1: ...aaaa x\n            ^\n');
  assert.equal(cut?.line, 1);
  assert.equal(cut?.column, undefined);
  assert.equal(parseSqlError('psql: error: connection to server failed\n'), null);
});

test('the read-only guard refuses the ways out of read-only, and lets reads through', () => {
  for (const sql of [
    'SET default_transaction_read_only = off',
    "set default_transaction_read_only to 'false'",
    'set transaction_read_only=0',
    'SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE',
    'begin read\n write',
    "select set_config('default_transaction_read_only', 'off', false)",
    '\\! rm -rf /',
    'select 1;\n\\o /tmp/out',
    'select 1 \\g /tmp/out',
    '\\copy t to /tmp/x',
    // What an adversarial pass got through the first version of the guard:
    'set default_transaction_read_only = "off"',
    "set default_transaction_read_only = E'off'",
    "select set_config('default_'||'transaction_read_only','off',false)",
    'select set_config($$default_transaction_read_only$$, $$off$$, false)',
    'begin read/**/write',
    '\\set m wri te',
    '\\echo `id`',
    'select 1;\\! touch /tmp/x',
    '\\s /tmp/history',
    "select lo_from_bytea(0, 'x')",
    'select lo_unlink(16398)',
    'select pg_terminate_backend(42)',
    // ... and the second pass:
    'DO $$ begin set default_transaction_read_only = off; end $$',
    "select \"set_config\"('default_transaction_read_only', 'off', false)",
    "select 'x' as q \\gset",
    "select 1 where 'a' like'%\\' ; set transaction_read_only = off",
  ])
    assert.notEqual(readOnlyEscape(sql), '', sql);
  for (const sql of [
    'show transaction_read_only',
    "select current_setting('transaction_read_only')",
    "select 'C:\\windows'",
    'select 1 \\g',
    'select count(*) from users',
    "select 'read write' as mode -- don't use read write here",
    "select v ~ '\\w \\o ' from t",
    'select $$`not run`$$',
    'select count(*) as "read write" from users',
    'select email as "user`s email" from users',
  ])
    assert.equal(readOnlyEscape(sql), '', sql);
});

test('the in-pod command: read-only and time-limited on the server, no SQL in its argv, requests NUL-ended', () => {
  const plan: PsqlPlan = {
    source: 'commands',
    json: true,
    write: false,
    singleTransaction: false,
    statementTimeoutMs: 5000,
    nonce: N,
  };
  const argv = psqlCommand(plan).join(' ');
  assert.match(
    argv,
    /PGOPTIONS='-c client_min_messages=notice -c default_transaction_read_only=on -c statement_timeout=5000'/,
  );
  assert.match(argv, / --csv -P null=pgk8sfeed:N /);
  assert.doesNotMatch(psqlCommand({ ...plan, write: true }).join(' '), /default_transaction_read_only=on/);
  assert.equal(psqlInput(plan, ['select 1', 'select 2']), 'select 1\0select 2\0');
  assert.equal(psqlInput({ source: 'file' }, ['select 1;\n']), 'select 1;\n');
});

test('-c repeats in order; an empty one is refused', () => {
  const parsed = parseCliArgs(PSQL_OPTIONS, ['-c', 'select 1', '--command', 'select 2', '-1'], { command: 'psql' });
  assert.deepEqual(parsed.values.command, ['select 1', 'select 2']);
  assert.equal(parsed.values.singleTransaction, true);
  assert.throws(() => parseCliArgs(PSQL_OPTIONS, ['-c', ''], { command: 'psql' }), /flag --command needs a value/);
});

test('the rerun fix sets a flag once, whatever form it was given in', () => {
  assert.deepEqual(withFlag(['-c', 'x', '--timeout', '1s', '--timeout=2s'], 'timeout', '30m'), [
    '-c',
    'x',
    '--timeout',
    '30m',
  ]);
  assert.deepEqual(withFlag(['-c', 'x', '--write'], 'write'), ['-c', 'x', '--write']);
  assert.deepEqual(withFlag(['-n', 'other', '-c', 'x'], 'namespace', 'a', 'n'), ['-c', 'x', '--namespace', 'a']);
});

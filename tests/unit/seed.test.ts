import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError } from '../../scripts/lib/cli/errors.ts';
import { hashPassword, verifyPassword } from '../../scripts/lib/seed/password-hash.ts';
import { loadYaml, parseSeedFile as parseWith, readSeedFiles } from '../../scripts/lib/seed/files.ts';

const YAML = await loadYaml();
const parseSeedFile = (path: string, text: string) => parseWith(path, text, YAML);
import {
  copyValue,
  directCopy,
  keyChecker,
  seedColumns,
  seedStatements,
  type Columns,
} from '../../scripts/lib/seed/sql.ts';

const usage =
  (pattern: RegExp) =>
  (e: unknown): boolean =>
    e instanceof CliError && e.exitCode === 2 && pattern.test(e.message);

const TOPICS = `table: curriculum
key: slug
references:
  module: { column: parent_id, table: curriculum, key: slug }
rows:
  - slug: loops
    module: control-flow
    title: Loops
  - { slug: lists, module: data, title: Lists, summary: "a, b" }
`;

const columns: Columns = new Map([
  [
    'curriculum',
    new Map([
      ['id', { type: 'bigint', default: null }],
      ['slug', { type: 'text', default: null }],
      ['parent_id', { type: 'bigint', default: null }],
      ['title', { type: 'text', default: null }],
      ['summary', { type: 'text', default: "''::text" }],
    ]),
  ],
]);

test('a seed file: table, key, references, rows with their lines', () => {
  const f = parseSeedFile('db/seeds/21_topics.yaml', TOPICS);
  assert.deepEqual([f.table, f.key, f.references.module?.column], ['curriculum', ['slug'], 'parent_id']);
  assert.deepEqual(
    f.rows.map((r) => [r.index, r.line, r.values.slug]),
    [
      [1, 6, 'loops'],
      [2, 9, 'lists'],
    ],
  );
  assert.equal(
    parseSeedFile('x.json', '{"table":"users","key":["email"],"rows":[{"email":"a@b.c"}]}').rows[0]?.line,
    null,
  );
});

test('malformed seed files are refused with the file, the row and the line', () => {
  assert.throws(
    () => parseSeedFile('s.yaml', 'table: users\nkey: email\nrows: [\n'),
    usage(/^s\.yaml: not valid YAML at line \d+/),
  );
  assert.throws(() => parseSeedFile('s.json', '{"table":'), usage(/not valid JSON/));
  assert.throws(() => parseSeedFile('s.yaml', 'table: users\nrows: []\n'), usage(/"key" must be a column/));
  assert.throws(
    () => parseSeedFile('s.yaml', 'table: users\nkey: email\nrows:\n  - display_name: X\n'),
    usage(/row 1 \(line 4\) has no value for its key "email"/),
  );
  assert.throws(
    () =>
      parseSeedFile(
        's.yaml',
        'table: users\nkey: email\ngenerate: { password_hash: password }\nrows:\n  - { email: a@b.c, ' +
          'password_hash: x }\n',
      ),
    usage(/sets password_hash, which is generated/),
  );
  assert.throws(
    () => parseSeedFile('s.yaml', 'table: users\nkey: email\nrows:\n  - [1, 2]\n'),
    usage(/row 1 \(line 4\) is not a mapping/),
  );
});

test('files run in name order, and a file may not reference a table seeded after it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seeds-'));
  writeFileSync(
    join(dir, '10_topics.yaml'),
    TOPICS.replace('table: curriculum', 'table: topics').replace('table: curriculum', 'table: modules'),
  );
  writeFileSync(join(dir, '20_modules.yaml'), 'table: modules\nkey: slug\nrows: []\n');
  await assert.rejects(
    readSeedFiles(dir),
    usage(/10_topics\.yaml references modules, which .*20_modules\.yaml seeds after it/),
  );
  await assert.rejects(readSeedFiles(join(dir, 'nope')), usage(/seed directory .* not found/));
});

test('columns are checked against the table; unknown ones name the row', () => {
  const f = parseSeedFile('t.yaml', TOPICS);
  assert.deepEqual(seedColumns(f, columns), ['slug', 'title', 'summary', 'parent_id']);
  const bad = parseSeedFile('t.yaml', TOPICS.replace('title: Loops', 'titel: Loops'));
  assert.throws(
    () => seedColumns(bad, columns),
    usage(/t\.yaml row 1 \(line 6\): unknown column "titel" in table curriculum/),
  );
  assert.throws(
    () => seedColumns(parseSeedFile('t.yaml', TOPICS.replace('table: curriculum', 'table: nope')), columns),
    usage(/table "nope" does not exist/),
  );
});

test('COPY text escapes, nulls and JSON', () => {
  assert.deepEqual(
    [
      copyValue(null),
      copyValue(undefined),
      copyValue(true),
      copyValue(3),
      copyValue('a\tb\\c\nd'),
      copyValue({ a: [1] }),
    ],
    ['\\N', '\\N', 't', '3', 'a\\tb\\\\c\\nd', '{"a":[1]}'],
  );
});

test(
  'the statements: temp table from the real one, COPY in row order, references by key, defaults for missing ' +
    'fields',
  () => {
    const f = parseSeedFile('t.yaml', TOPICS);
    const st = seedStatements(f, 2, seedColumns(f, columns), columns, { update: true, generated: new Map() });
    assert.equal(
      st.create,
      'create temp table _seed_2 on commit drop as select 0 as _row, t."slug", t."title", t."summary", ' +
        't."parent_id", null::text as "ref_module" from public."curriculum" t with no data;',
    );
    assert.equal(st.copy.command, 'copy _seed_2 (_row, "slug", "title", "summary", "ref_module") from stdin;');
    assert.equal([...st.copy.data].join(''), '1\tloops\tLoops\t\\N\tcontrol-flow\n2\tlists\tLists\ta, b\tdata\n');
    assert.match(
      st.resolve[0]?.update ?? '',
      /set "parent_id" = r\.id from public\."curriculum" r where r\."slug"::text = s\."ref_module"/,
    );
    assert.match(st.upsert, /coalesce\(s\."summary", ''::text\)/);
    assert.match(st.upsert, /upd as \(update public\."curriculum" t set "title" = coalesce\(s\."title", t\."title"\)/);
    assert.doesNotMatch(
      seedStatements(f, 2, seedColumns(f, columns), columns, { update: false, generated: new Map() }).upsert,
      /update public/,
    );
  },
);

test('generated passwords: scrypt hash with its parameters, verifiable, never the password', () => {
  const h = hashPassword('correct horse');
  assert.match(h, /^scrypt\$16384\$8\$1\$[\w-]+\$[\w-]+$/);
  assert.equal(verifyPassword('correct horse', h), true);
  assert.equal(verifyPassword('wrong', h), false);
  assert.ok(!h.includes('correct'));
});

test('an empty table can take a plain file straight from COPY; references, generated columns or gaps cannot', () => {
  const plain = parseSeedFile(
    'u.yaml',
    'table: curriculum\nkey: slug\nrows:\n  - { slug: a, title: A }\n  - { slug: b, title: B }\n',
  );
  const direct = directCopy(plain, ['slug', 'title']);
  assert.equal(direct?.command, 'copy public."curriculum" ("slug", "title") from stdin;');
  assert.equal([...(direct?.data ?? [])].join(''), 'a\tA\nb\tB\n');
  assert.equal(directCopy(parseSeedFile('t.yaml', TOPICS), ['slug', 'title', 'summary', 'parent_id']), null);
  assert.equal(directCopy(plain, ['slug', 'title', 'summary']), null);
  const gap = parseSeedFile(
    'g.yaml',
    'table: curriculum\nkey: slug\nrows:\n  - { slug: a, title: A }\n  - { slug: b }\n',
  );
  assert.deepEqual([gap.fields, gap.uniform], [['slug', 'title'], false]);
  assert.equal(directCopy(gap, ['slug', 'title']), null);
  assert.doesNotThrow(() => keyChecker(plain)(plain.rows));
  const twice = parseSeedFile(
    'd.yaml',
    'table: t\nkey: [a, b]\nrows:\n  - { a: 1, b: 2 }\n  - { a: 1, b: 3 }\n  - { a: 1, b: 2 }\n',
  );
  assert.throws(() => keyChecker(twice)(twice.rows), usage(/d\.yaml: rows 1 and 3 have the same key \(a, b\)/));
  const kinds = parseSeedFile(
    'k.yaml',
    'table: t\nkey: a\nrows:\n  - { a: 1 }\n  - { a: "1" }\n  - { a: x }\n  - { a: "x" }\n',
  );
  assert.throws(() => keyChecker(kinds)(kinds.rows), usage(/rows 3 and 4 have the same key/));
  // Checked a run at a time: a key repeated across runs is found too.
  const check = keyChecker(twice);
  check(twice.rows.slice(0, 2));
  assert.throws(() => check(twice.rows.slice(2)), usage(/rows 1 and 3/));
});

test('COPY data comes in runs of whole lines: every row once, in order', () => {
  const rows = Array.from({ length: 4500 }, (_, i) => ({ slug: `s${i}`, title: `T${i}` }));
  const f = parseWith('b.json', JSON.stringify({ table: 'curriculum', key: 'slug', rows }));
  const runs = [...directCopy(f, ['slug', 'title'])!.data];
  assert.ok(runs.length > 1 && runs.every((r) => r.endsWith('\n')));
  assert.deepEqual(
    runs.join('').split('\n').slice(0, -1),
    rows.map((r) => `${r.slug}\t${r.title}`),
  );
});

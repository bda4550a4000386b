// The house rules README's "How it is built" promises, checked on the tree: folders by concern that
// import only downwards, no import circle, short entry scripts, short files and lines.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const scripts = join(root, 'scripts');
const lib = join(scripts, 'lib');

/** Which folders each folder of scripts/lib may import from: the frame at the bottom, tasks at the top. */
const MAY_IMPORT: Record<string, readonly string[]> = {
  cli: [],
  cluster: ['cli'],
  target: ['cli', 'cluster'],
  schema: ['cli', 'cluster', 'target'],
  archive: ['cli', 'cluster', 'target'],
  ...Object.fromEntries(
    ['deploy', 'migrate', 'seed', 'verify', 'backup', 'up', 'url', 'port-forward', 'psql'].map((task) => [
      task,
      ['cli', 'cluster', 'target', 'schema', 'archive'],
    ]),
  ),
};

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => resolve(dirname(file), m[1]!));
}

const folderOf = (file: string): string => relative(lib, file).split('/')[0]!;

test('scripts/lib holds folders by concern, with few files loose at its top', () => {
  const entries = readdirSync(lib, { withFileTypes: true });
  assert.ok(entries.filter((e) => e.isFile()).length <= 12, 'at most 12 files directly under scripts/lib');
  for (const e of entries.filter((x) => x.isDirectory())) {
    assert.ok(e.name in MAY_IMPORT, `scripts/lib/${e.name} is not in the layer table of this test and README`);
  }
});

test('each folder imports only from the layers below it, and no task from another task', () => {
  const wrong: string[] = [];
  for (const file of tsFiles(lib)) {
    const from = folderOf(file);
    for (const target of importsOf(file)) {
      const to = folderOf(target);
      if (to !== from && !MAY_IMPORT[from]?.includes(to))
        wrong.push(`${relative(root, file)} -> ${relative(root, target)}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('no import circle among the scripts', () => {
  const graph = new Map(tsFiles(scripts).map((f) => [f, importsOf(f)]));
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (file: string): void => {
    const at = path.indexOf(file);
    if (at !== -1)
      assert.fail(
        `import circle: ${path
          .slice(at)
          .concat(file)
          .map((f) => relative(root, f))
          .join(' -> ')}`,
      );
    if (done.has(file)) return;
    path.push(file);
    for (const next of graph.get(file) ?? []) visit(next);
    path.pop();
    done.add(file);
  };
  for (const file of graph.keys()) visit(file);
});

test('entry scripts read as recipes (at most 160 lines); no file in scripts/ over 300', () => {
  const long: string[] = [];
  for (const file of tsFiles(scripts)) {
    const lines = readFileSync(file, 'utf8').split('\n').length - 1;
    const limit = dirname(file) === scripts ? 160 : 300;
    if (lines > limit) long.push(`${relative(root, file)}: ${lines} lines (limit ${limit})`);
  }
  assert.deepEqual(long, []);
});

test('no line over 120 characters in the code', () => {
  const dirs = ['scripts', 'tests/unit', 'tests/bench', 'tests/fixtures', 'tests/sim'].map((d) => join(root, d));
  const code = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? code(join(dir, e.name)) : /\.(ts|mjs)$/.test(e.name) ? [join(dir, e.name)] : [],
    );
  const wide: string[] = [];
  for (const file of dirs.flatMap(code)) {
    for (const [i, line] of readFileSync(file, 'utf8').split('\n').entries()) {
      if (line.length > 120) wide.push(`${relative(root, file)}:${i + 1} (${line.length})`);
    }
  }
  assert.deepEqual(wide, []);
});

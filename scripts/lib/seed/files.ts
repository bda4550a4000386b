// Seed files: one per table or part of one, YAML (or JSON for bulk data), applied in name order.
// Each names its table, the key that identifies a row, references resolved by natural key, and
// columns whose value is generated (a password, stored hashed) instead of written in the file.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { YAML as YamlModule } from 'zx';
import { usageError } from '../cli/errors.ts';

export interface SeedReference {
  /** The column that receives the id, e.g. parent_id. */
  column: string;
  table: string;
  /** The natural key the file uses, e.g. slug. */
  key: string;
}

export interface SeedRow {
  /** 1-based position in the file's rows. */
  index: number;
  /** Line in the file, when the format tells (YAML). */
  line: number | null;
  values: Record<string, unknown>;
}

export interface SeedFile {
  path: string;
  table: string;
  key: string[];
  /** Row field → the column it fills with the id of the row it names. */
  references: Record<string, SeedReference>;
  /** Column → what to generate; only `password` (a random password, stored as a scrypt hash). */
  generate: Record<string, 'password'>;
  rows: SeedRow[];
  /** Every field the rows use, in first-seen order. */
  fields: string[];
  /** True when every row names every one of `fields`. */
  uniform: boolean;
}

const IDENT = /^[a-z_][a-z0-9_]*$/;

export const rowLabel = (f: SeedFile, row: SeedRow | number): string => {
  const r = typeof row === 'number' ? f.rows[row - 1] : row;
  return `${f.path} row ${r?.index ?? row}${r?.line ? ` (line ${r.line})` : ''}`;
};

function fail(path: string, what: string): never {
  throw usageError(`${path}: ${what}; nothing was changed`, `fix ${path} (format: db/seeds/README.md)`);
}

type Yaml = typeof YamlModule;

/** zx's YAML, loaded only when there is YAML to read: bulk JSON seeds skip its start-up cost. */
export async function loadYaml(): Promise<Yaml> {
  return (await import('zx')).YAML;
}

export function parseSeedFile(path: string, text: string, YAML?: Yaml): SeedFile {
  let doc: unknown;
  const lines: Array<number | null> = [];
  if (path.endsWith('.json')) {
    try {
      doc = JSON.parse(text);
    } catch (err) {
      fail(path, `not valid JSON (${(err as Error).message})`);
    }
  } else {
    if (!YAML) throw new Error('parseSeedFile: YAML parser not loaded');
    const parsed = YAML.parseDocument(text, { uniqueKeys: true });
    const [first] = parsed.errors;
    if (first) fail(path, `not valid YAML at line ${first.linePos?.[0]?.line ?? '?'}: ${first.message.split('\n')[0]}`);
    doc = parsed.toJS();
    const counter = new YAML.LineCounter();
    const withLines = YAML.parseDocument(text, { lineCounter: counter });
    const rowsNode = withLines.get('rows', true);
    if (YAML.isSeq(rowsNode))
      for (const item of rowsNode.items)
        lines.push(YAML.isNode(item) && item.range ? counter.linePos(item.range[0]).line : null);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) fail(path, 'expected a mapping with table, key and rows');
  const d = doc as Record<string, unknown>;
  const table = d.table;
  if (typeof table !== 'string' || !IDENT.test(table)) fail(path, '"table" must name a table (lower-case identifier)');
  const key = typeof d.key === 'string' ? [d.key] : d.key;
  if (!Array.isArray(key) || !key.length || !key.every((k) => typeof k === 'string' && IDENT.test(k)))
    fail(path, '"key" must be a column or a list of columns');
  const references: Record<string, SeedReference> = {};
  for (const [field, ref] of Object.entries((d.references ?? {}) as Record<string, unknown>)) {
    const r = ref as Partial<SeedReference> | null;
    if (!IDENT.test(field) || !r || ![r.column, r.table, r.key].every((x) => typeof x === 'string' && IDENT.test(x))) {
      fail(path, `reference "${field}" needs column, table and key (identifiers)`);
    }
    references[field] = r as SeedReference;
  }
  const generate: Record<string, 'password'> = {};
  for (const [column, kind] of Object.entries((d.generate ?? {}) as Record<string, unknown>)) {
    if (!IDENT.test(column) || kind !== 'password') fail(path, `generate.${column} must be "password"`);
    generate[column] = 'password';
  }
  if (!Array.isArray(d.rows)) fail(path, '"rows" must be a list');
  // One pass over what may be 100,000 rows: a field name is checked the first time it is seen.
  const list = d.rows as unknown[];
  const keys = key as string[];
  const generated = Object.keys(generate);
  const where = (i: number): string => `row ${i + 1}${lines[i] ? ` (line ${lines[i]})` : ''}`;
  const fields = new Set<string>();
  let fewest = Infinity;
  const rows = new Array<SeedRow>(list.length);
  for (let i = 0; i < list.length; i++) {
    const values = list[i] as Record<string, unknown>;
    if (!values || typeof values !== 'object' || Array.isArray(values))
      fail(path, `${where(i)} is not a mapping of column: value`);
    for (const k of keys)
      if (values[k] === undefined || values[k] === null) fail(path, `${where(i)} has no value for its key "${k}"`);
    let n = 0;
    for (const field of Object.keys(values)) {
      n++;
      if (fields.has(field)) continue;
      if (!IDENT.test(field)) fail(path, `${where(i)}: "${field}" is not a column name`);
      fields.add(field);
    }
    if (n < fewest) fewest = n;
    for (const column of generated)
      if (column in values) fail(path, `${where(i)} sets ${column}, which is generated: remove it from the file`);
    rows[i] = { index: i + 1, line: lines[i] ?? null, values };
  }
  return {
    path,
    table,
    key: keys,
    references,
    generate,
    rows,
    fields: [...fields],
    uniform: !rows.length || fewest === fields.size,
  };
}

/** *.yaml, *.yml and *.json in name order: name them so that referenced rows come first. */
export async function readSeedFiles(dir: string): Promise<SeedFile[]> {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => /\.(ya?ml|json)$/.test(n))
      .sort();
  } catch {
    throw usageError(`seed directory ${dir} not found`, 'pass --dir with the directory holding the seed files');
  }
  const yaml = names.some((n) => !n.endsWith('.json')) ? await loadYaml() : undefined;
  // Read as bytes, then decoded: for a 16 MB file, 50 ms less than readFileSync(path, 'utf8') here.
  const files = names.map((n) => parseSeedFile(join(dir, n), readFileSync(join(dir, n)).toString('utf8'), yaml));
  // A file may only reference tables seeded in earlier files, itself, or not seeded at all.
  files.forEach((f, i) => {
    for (const ref of Object.values(f.references)) {
      const later = files.findIndex((g, j) => j > i && g.table === ref.table && ref.table !== f.table);
      if (later >= 0)
        throw usageError(
          `${f.path} references ${ref.table}, which ${files[later]!.path} seeds after it`,
          `rename the files so ${files[later]!.path} sorts first`,
        );
    }
  });
  return files;
}

